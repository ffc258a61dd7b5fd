"""Settings shared by every test: isolation from the developer's own installation, keyring and screen."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

import pytest

# Before anything imports Qt or keyring.
os.environ["QT_QPA_PLATFORM"] = "offscreen"
_HOME = Path(tempfile.mkdtemp(prefix="chronotrace-tests-"))
atexit.register(shutil.rmtree, _HOME, ignore_errors=True)
# A file keyring in a throw-away folder, chosen explicitly (the app refuses plaintext backends by default).
os.environ["PYTHON_KEYRING_BACKEND"] = "keyrings.alt.file.PlaintextKeyring"
os.environ["XDG_DATA_HOME"] = str(_HOME / "xdg-data")
os.environ["XDG_CONFIG_HOME"] = str(_HOME / "xdg-config")
os.environ["XDG_CACHE_HOME"] = str(_HOME / "xdg-cache")
os.environ.setdefault("XDG_RUNTIME_DIR", str(_HOME / "xdg-runtime"))
Path(os.environ["XDG_RUNTIME_DIR"]).mkdir(mode=0o700, parents=True, exist_ok=True)
# bcrypt's cost 4 keeps the suite fast; production uses 12 at least. Below 12 is refused unless this test-only
# escape (config.WEAK_BCRYPT_ENV) is set; it is inherited by the CLI processes the tests start and, having no
# CHRONOTRACE_ prefix, survives the fixtures that clear the app's own variables.
os.environ["CT_TESTS_ALLOW_WEAK_BCRYPT"] = "1"
os.environ["CHRONOTRACE_BCRYPT_ROUNDS"] = "4"
for _name in (
    "CHRONOTRACE_DATA_DIR",
    "CHRONOTRACE_PROFILE",
    "CHRONOTRACE_DATABASE_URL",
    "CHRONOTRACE_PASSWORD",
):
    os.environ.pop(_name, None)

SHARED_DIR = Path(__file__).resolve().parents[2] / "shared"
VIDEOS_DIR = SHARED_DIR / "data" / "videos"


def scratch_dir(prefix: str) -> Path:
    """A new folder for an embedded PostgreSQL's data (or an installation holding one).

    Not under pytest's ``tmp_path``: running as root, the embedded server runs as a system user of its own and
    needs to traverse the parent folders, and every new pytest session resets ``/tmp/pytest-of-root`` to
    owner-only access, which would lock a running server out of its files.
    """
    return Path(tempfile.mkdtemp(prefix=prefix, dir=_HOME))


@pytest.fixture
def scratch(request: pytest.FixtureRequest) -> Path:
    return scratch_dir(f"{request.node.name[:40]}-")
