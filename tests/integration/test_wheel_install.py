"""The built wheel: it carries every file the application opens at run time, and it installs and runs on a fresh
virtual environment (``pip install`` of the wheel, ``chronotrace models install``, ``init``, ``doctor``).

The wheel is built once from a copy of the checkout's sources (so the build leaves nothing in the checkout). The
fresh environment gets its dependencies from pip's configured index and cache (no ``--system-site-packages``);
``models install --from`` takes this environment's installed models, checked against the pinned hashes, so
nothing is downloaded or converted again (what a fetch does is tested in test_install_embedder and the unit tests).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from chronotrace_desktop.config import models_dir
from chronotrace_desktop.embedding.model_files import BUNDLED_TOKENIZER, IMAGENET_CLASSES
from chronotrace_desktop.resources import ICON_SVG
from chronotrace_desktop.storage.migrations import CHECKOUT_SQL_DIR
from tests.conftest import scratch_dir

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "chronotrace_desktop"
BUILD_INPUTS = ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md", "sql", "chronotrace_desktop")
ADMIN = "admin@example.org"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    source = tmp_path_factory.mktemp("source")
    for name in BUILD_INPUTS:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(ROOT / name, source / name)
    out = tmp_path_factory.mktemp("dist")
    command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(out), str(source)]
    subprocess.run(command, check=True, timeout=300)
    (built,) = out.glob("chronotrace_desktop-*.whl")
    return built


def test_the_wheel_carries_what_the_application_opens_at_run_time(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    opened = [ICON_SVG, BUNDLED_TOKENIZER, IMAGENET_CLASSES, PACKAGE / "py.typed"]
    for path in opened:
        assert path.relative_to(ROOT).as_posix() in names
    migrations = {p.name for p in CHECKOUT_SQL_DIR.glob("*.sql")}
    assert migrations
    assert {
        n.rsplit("/", 1)[1] for n in names if n.startswith("chronotrace_desktop/storage/sql/")
    } == migrations
    data_files = {  # every file in the package that is not code (a new one must be declared as package data)
        p.relative_to(ROOT).as_posix()
        for p in PACKAGE.rglob("*")
        if p.is_file() and p.suffix not in {".py", ".pyc"} and "__pycache__" not in p.parts
    }
    assert data_files - names == set()
    entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
    assert (
        "chronotrace = chronotrace_desktop.cli.main:main"
        in zipfile.ZipFile(wheel).read(entry_points).decode()
    )


@pytest.mark.slow
def test_the_wheel_installs_and_runs_on_a_fresh_environment(wheel: Path, tmp_path: Path) -> None:
    env_dir = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(env_dir)], check=True, timeout=120)
    # keyrings.alt: a plaintext file keyring for a machine without a desktop keyring (the tests' backend).
    pip = [str(env_dir / "bin" / "python"), "-m", "pip", "install", "--quiet", str(wheel), "keyrings.alt"]
    subprocess.run(pip, check=True, timeout=900)
    chronotrace = env_dir / "bin" / "chronotrace"
    environment = {
        **os.environ,
        "XDG_DATA_HOME": str(tmp_path / "xdg-data"),  # where a pipx install's models go
        "CHRONOTRACE_PASSWORD": "correct horse battery staple",
    }
    for name in ("CHRONOTRACE_MODELS_DIR", "PYTHONPATH", "VIRTUAL_ENV"):
        environment.pop(name, None)

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [str(chronotrace), *args],
            capture_output=True,
            text=True,
            env=environment,
            cwd=tmp_path,
            stdin=subprocess.DEVNULL,
            timeout=300,
            check=False,
        )
        assert result.returncode == 0, f"chronotrace {' '.join(args)}:\n{result.stdout}\n{result.stderr}"
        return result

    installed = run("models", "install", "--from", str(models_dir()))
    assert installed.stdout.count("copied (verified)") == 3
    status = json.loads(run("models", "status", "--json").stdout)
    assert status["folder"] == str(tmp_path / "xdg-data" / "ChronoTrace" / "models")
    assert all(s["verified"] for s in status["sets"])
    data_dir = scratch_dir("wheel-install-") / "installation"
    assert (
        "administrator: " + ADMIN in run("--data-dir", str(data_dir), "init", "--admin-email", ADMIN).stdout
    )
    report = json.loads(run("--data-dir", str(data_dir), "doctor", "--json").stdout)
    assert report["healthy"] is True, report
    database = next(c for c in report["checks"] if c["name"] == "database")
    assert f"{len(list(CHECKOUT_SQL_DIR.glob('*.sql')))} migrations" in database["detail"]
    entry = run("install-desktop-entry")
    assert f"runs {chronotrace} gui" in entry.stdout
