"""GUI tests: pytest-qt on the offscreen platform, real services on a temp data dir."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from chronotrace_desktop.config import load_settings, resolve_paths
from chronotrace_desktop.domain.users import Actor
from chronotrace_desktop.services.app import AppServices, open_app
from chronotrace_desktop.ui.qt import QSettings
from chronotrace_desktop.workers.base import WorkerPool

ADMIN_EMAIL = "ada.admin@agency.example"
ADMIN_PASSWORD = "correct horse battery"


def pytest_configure(config: pytest.Config) -> None:
    # Before any QApplication exists: without a display a Qt GUI run aborts the whole test process.
    os.environ["QT_QPA_PLATFORM"] = "offscreen"


@pytest.fixture(autouse=True, scope="session")
def _isolated_qsettings(tmp_path_factory: pytest.TempPathFactory) -> None:
    """A QSettings() made without a file never reaches the developer's own ~/.config."""
    folder = tmp_path_factory.mktemp("qsettings")
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    for scope in (QSettings.Scope.UserScope, QSettings.Scope.SystemScope):
        QSettings.setPath(QSettings.Format.IniFormat, scope, str(folder))


@pytest.fixture
def pool() -> Iterator[WorkerPool]:
    workers = WorkerPool()
    yield workers
    workers.cancel_all()
    assert workers.wait_for_done(10_000), "background workers still running at teardown"
    assert workers.active_count == 0


@pytest.fixture
def ui_settings(tmp_path: Path) -> QSettings:
    return QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat)


@pytest.fixture(scope="session")
def installations_dir() -> Iterator[Path]:
    """Where the test installations live: NOT under pytest's tmp_path.

    Run as root, the embedded PostgreSQL runs as its own system user and opens the parent folders of its data
    dir for it; any pytest session that starts meanwhile (another run on the same machine) resets
    /tmp/pytest-of-root to 0700 and the server loses access to its own files mid-test.
    """
    folder = Path(tempfile.mkdtemp(prefix="chronotrace-gui-tests-"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def services(installations_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[AppServices]:
    """A fresh workstation installation (embedded PostgreSQL, vectors) in a temp folder, no user yet."""
    for name in list(os.environ):
        if name.startswith("CHRONOTRACE_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("CHRONOTRACE_BCRYPT_ROUNDS", "4")  # fast hashes; the login flow is the same
    if "PYTHON_KEYRING_BACKEND" not in os.environ:
        monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")
    paths = resolve_paths(Path(tempfile.mkdtemp(prefix="data-", dir=installations_dir)))
    opened = open_app(load_settings(paths), paths)
    try:
        yield opened
    finally:
        opened.close()


@dataclass(frozen=True)
class Account:
    email: str
    password: str


@pytest.fixture
def admin_account(services: AppServices) -> Account:
    services.installation.create_first_admin(ADMIN_EMAIL, ADMIN_PASSWORD, "Ada Admin")
    return Account(ADMIN_EMAIL, ADMIN_PASSWORD)


@pytest.fixture
def admin(services: AppServices, admin_account: Account) -> Actor:
    return services.auth.login(admin_account.email, admin_account.password)
