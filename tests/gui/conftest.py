"""GUI tests: pytest-qt on the offscreen platform, real services on a temp data dir."""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest

from chronotrace_desktop.config import load_settings, resolve_paths
from chronotrace_desktop.domain.ingest import IngestOptions, IngestResult, IngestStatus
from chronotrace_desktop.domain.roles import Role
from chronotrace_desktop.domain.tasks import Unattended
from chronotrace_desktop.domain.users import Actor
from chronotrace_desktop.services.app import AppServices, open_app
from chronotrace_desktop.ui.gc_guard import install_gc_guard
from chronotrace_desktop.ui.qt import QApplication, QSettings
from chronotrace_desktop.workers.base import WorkerPool
from chronotrace_desktop.workers.ingest_job import lower_thread_priority

ADMIN_EMAIL = "ada.admin@agency.example"
ADMIN_PASSWORD = "correct horse battery"
# The offscreen platform has no GPU and no hardware decoders: QtMultimedia says so once per clip.
MEDIA_LOG_IGNORE = (
    r"No HW decoder found",
    r"No RHI backend",
    r"symbolsresolver",
    r"Couldn't (load|resolve)",
    r"Using Qt multimedia with FFmpeg",
)


def pytest_configure(config: pytest.Config) -> None:
    # Before any QApplication exists: without a display a Qt GUI run aborts the whole test process.
    os.environ["QT_QPA_PLATFORM"] = "offscreen"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Every window holds a player: QtMultimedia's notes about missing GPU/VA-API libraries are no failure."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.path).parents:
            item.add_marker(pytest.mark.qt_log_ignore(*MEDIA_LOG_IGNORE))


@pytest.fixture(autouse=True, scope="session")
def _gc_on_the_gui_thread(qapp: QApplication) -> Iterator[None]:
    """As the app does (``ui.gc_guard``): a collection on a worker thread must never free a Qt object."""
    guard = install_gc_guard(qapp)
    yield
    guard.uninstall()


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


# ---------------------------------------------------------------- an ingested library, shared per session

VIDEOS_DIR = Path(__file__).resolve().parents[3] / "shared" / "data" / "videos"
CLIPS = (
    "car-detection.mp4",
    "video02.avi",
    "face-demographics-walking.gif",
    "one-by-one-person-detection.mp4",
)
ANALYST_EMAIL = "alan.analyst@agency.example"
VIEWER_EMAIL = "vera.viewer@agency.example"


@dataclass(frozen=True)
class Library:
    services: AppServices
    admin: Actor
    analyst: Actor
    viewer: Actor
    video_ids: dict[str, uuid.UUID]


@pytest.fixture(scope="session")
def library(installations_dir: Path) -> Iterator[Library]:
    """One installation with the shared clips ingested (through the service), an analyst and a viewer."""
    with pytest.MonkeyPatch.context() as patch:
        for name in list(os.environ):
            if name.startswith("CHRONOTRACE_"):
                patch.delenv(name)
        patch.setenv("CHRONOTRACE_BCRYPT_ROUNDS", "4")
        if "PYTHON_KEYRING_BACKEND" not in os.environ:
            patch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")
        paths = resolve_paths(Path(tempfile.mkdtemp(prefix="library-", dir=installations_dir)))
        opened = open_app(load_settings(paths), paths)
        try:
            opened.installation.create_first_admin(ADMIN_EMAIL, ADMIN_PASSWORD, "Ada Admin")
            admin = opened.auth.login(ADMIN_EMAIL, ADMIN_PASSWORD)
            for email, role in ((ANALYST_EMAIL, Role.ANALYST), (VIEWER_EMAIL, Role.VIEWER)):
                opened.users.add_user(admin, email, role, ADMIN_PASSWORD)
            results = _ingest_like_the_app(
                opened,
                admin,
                [VIDEOS_DIR / name for name in CLIPS],
                IngestOptions(
                    camera_id="CAM-07", location="Car park", recorded_at=datetime(2024, 2, 9, 14, 30)
                ),
            )
            assert all(r.status is IngestStatus.COMPLETED for r in results), results
            yield Library(
                services=opened,
                admin=admin,
                analyst=opened.auth.login(ANALYST_EMAIL, ADMIN_PASSWORD),
                viewer=opened.auth.login(VIEWER_EMAIL, ADMIN_PASSWORD),
                video_ids={r.filename: r.video_id for r in results if r.video_id is not None},
            )
        finally:
            opened.close()


def _ingest_like_the_app(
    services: AppServices, actor: Actor, paths: list[Path], options: IngestOptions
) -> list[IngestResult]:
    """Ingest on a background thread at background priority, as the GUI's ingest job does: the detector and
    embedder thread pools created on the way inherit that priority, as they would in the app (the watchdog
    test measures the UI against exactly that)."""
    out: list[list[IngestResult]] = []

    def run() -> None:
        lower_thread_priority()
        out.append(services.ingest.ingest_paths(actor, paths, options, Unattended()))

    thread = threading.Thread(target=run, name="test-ingest")
    thread.start()
    thread.join()
    assert out, "the ingest thread failed"
    return out[0]


def segments_of(library: Library, filename: str) -> list[uuid.UUID]:
    video_id = library.video_ids[filename]
    return [s.id for s in library.services.library.segments_of(library.admin, video_id)]
