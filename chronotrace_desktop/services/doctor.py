"""``chronotrace doctor``: is this installation healthy? Each check says ok, warning or problem.

Runs without signing in (it reads no case data) and never creates anything: on a data dir that was not
initialised it reports that instead of starting a new database. The Administration window asks the same
checks of the installation its process has open (:func:`check_running_app`, administrators only).
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

import sqlalchemy as sa

from chronotrace_desktop.analysis.models import required_models
from chronotrace_desktop.config import Paths, Profile, Settings
from chronotrace_desktop.domain.errors import UserFacingError
from chronotrace_desktop.domain.roles import Action
from chronotrace_desktop.embedding.model_files import required_embedding_models
from chronotrace_desktop.media.codecs import REDACTION_ENCODER, encoder_available, ffmpeg_version
from chronotrace_desktop.services.app import open_blobs, open_vectors
from chronotrace_desktop.services.engines import EngineCatalog
from chronotrace_desktop.services.jobs import queue_health
from chronotrace_desktop.storage.blobs import LocalBlobStore
from chronotrace_desktop.storage.database import Database, open_database, translate_db_errors
from chronotrace_desktop.storage.migrations import migration_status
from chronotrace_desktop.storage.orm import User
from chronotrace_desktop.storage.secrets import SecretStore

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from chronotrace_desktop.domain.users import Actor
    from chronotrace_desktop.services.app import AppServices
    from chronotrace_desktop.storage.vectors import CollectionInfo

logger = logging.getLogger(__name__)


class CheckStatus(StrEnum):
    OK = "ok"
    WARNING = "warning"
    PROBLEM = "problem"


@dataclass(frozen=True, slots=True)
class CheckResult:
    name: str
    status: CheckStatus
    detail: str


@dataclass(frozen=True, slots=True)
class DoctorReport:
    checks: tuple[CheckResult, ...]

    @property
    def healthy(self) -> bool:
        return all(check.status is not CheckStatus.PROBLEM for check in self.checks)


def check_running_app(app: AppServices, actor: Actor) -> DoctorReport:
    """The doctor's checks for a signed-in administrator, on the installation this process has open: its own
    database and vector index are checked, not opened a second time (in the same process, leaving a second
    handle on the embedded server would stop the server under the app)."""
    app.authorizer.require(actor, Action.MANAGE_DATABASE, resource_type="installation")
    return DoctorService(app.settings, app.paths, running=app).run()


class DoctorService:
    def __init__(self, settings: Settings, paths: Paths, *, running: AppServices | None = None) -> None:
        self._settings = settings
        self._paths = paths
        self._secrets = SecretStore()
        self._running = running

    def run(self) -> DoctorReport:
        checks: list[Callable[[], CheckResult]] = [
            self._check_data_dir,
            self._check_disk,
            self._check_database,
            self._check_workers,
            self._check_vectors,
            self._check_media_store,
            self._check_models,
            self._check_engines,
            self._check_codecs,
            self._check_keyring,
        ]
        return DoctorReport(tuple(_guarded(check) for check in checks))

    def _check_data_dir(self) -> CheckResult:
        folder = self._paths.data_dir
        if not folder.is_dir():
            return CheckResult(
                "data folder", CheckStatus.PROBLEM, f"{folder} does not exist: run 'chronotrace init'"
            )
        try:
            with tempfile.NamedTemporaryFile(dir=folder, prefix=".doctor-"):
                pass
        except OSError as exc:
            return CheckResult(
                "data folder", CheckStatus.PROBLEM, f"{folder} is not writable: {exc.strerror}"
            )
        return CheckResult("data folder", CheckStatus.OK, str(folder))

    def _check_disk(self) -> CheckResult:
        folder = self._paths.data_dir if self._paths.data_dir.exists() else self._paths.data_dir.parent
        free_mb = shutil.disk_usage(folder).free // (1024 * 1024)
        need = self._settings.min_free_disk_mb
        status = CheckStatus.OK if free_mb >= need else CheckStatus.PROBLEM
        return CheckResult("free disk", status, f"{free_mb:,} MB free in {folder} (need {need:,} MB)")

    def _check_database(self) -> CheckResult:
        if self._running is not None:
            return self._inspect_database(self._running.database)
        if (
            self._settings.profile is Profile.WORKSTATION
            and not (self._paths.postgres_dir / "PG_VERSION").exists()
        ):
            return CheckResult("database", CheckStatus.PROBLEM, "no database yet: run 'chronotrace init'")
        database = open_database(self._settings, self._paths, self._secrets)
        try:
            return self._inspect_database(database)
        finally:
            database.close()

    @staticmethod
    def _inspect_database(database: Database) -> CheckResult:
        with translate_db_errors(database.display_url), database.engine.connect() as conn:
            version = conn.execute(sa.text("SHOW server_version")).scalar()
        states = migration_status(database.engine)
        pending = [state.name for state in states if not state.applied]
        changed = [state.name for state in states if state.applied and not state.checksum_ok]
        where = f"PostgreSQL {version}, {database.description}"
        if changed:
            return CheckResult(
                "database", CheckStatus.PROBLEM, f"{where}; migrations changed after applying: {changed}"
            )
        if pending:
            return CheckResult(
                "database",
                CheckStatus.PROBLEM,
                f"{where}; {len(pending)} migration(s) pending: run 'chronotrace init'",
            )
        with database.transaction() as session:
            users = session.scalar(sa.select(sa.func.count()).select_from(User)) or 0
        if not users:
            return CheckResult("database", CheckStatus.PROBLEM, f"{where}; no users: run 'chronotrace init'")
        powerful = _owner_rights(database)
        if powerful:
            return CheckResult(
                "database",
                CheckStatus.WARNING,
                f"{where}; this machine connects {powerful}: the database enforces no role for it. Give it "
                "its user's own login (chronotrace users db-login) and keep the owner for 'db migrate'",
            )
        return CheckResult(
            "database",
            CheckStatus.OK,
            f"{where}; schema up to date ({len(states)} migrations); {users} user(s)",
        )

    def _check_workers(self) -> CheckResult:
        """Team profile (issue 19): the ``chronotrace worker`` processes beating now, and files waiting."""
        if self._settings.profile is not Profile.TEAM:
            return CheckResult("ingest workers", CheckStatus.OK, "workstation profile: ingest runs here")
        database = (
            self._running.database
            if self._running
            else open_database(self._settings, self._paths, self._secrets)
        )
        try:
            live, waiting = queue_health(database)
        finally:
            if self._running is None:
                database.close()
        names = ", ".join(f"{w.host}:{w.pid} ({w.segments_per_s:.2f} segments/s)" for w in live)
        detail = f"{len(live)} live: {names}" if live else "none running"
        status = CheckStatus.WARNING if waiting and not live else CheckStatus.OK
        return CheckResult("ingest workers", status, f"{detail}; {waiting} file(s) queued")

    def _check_vectors(self) -> CheckResult:
        if self._running is not None:
            running = self._running
            return _vector_result(running.installation.describe().vector_store, running.vectors.info())
        if self._settings.profile is Profile.WORKSTATION and not self._paths.vectors_dir.exists():
            return CheckResult(
                "vector index", CheckStatus.PROBLEM, "no vector store yet: run 'chronotrace init'"
            )
        index, display = open_vectors(self._settings, self._paths, self._secrets)
        try:
            return _vector_result(display, index.info())
        finally:
            index.close()

    def _check_media_store(self) -> CheckResult:
        store = open_blobs(self._settings, self._paths, self._secrets)
        if isinstance(store, LocalBlobStore):
            return CheckResult("media store", CheckStatus.OK, f"local folder {store.root}")
        from chronotrace_desktop.storage.blobs_s3 import S3BlobStore

        assert isinstance(store, S3BlobStore)
        store.check()
        return CheckResult("media store", CheckStatus.OK, f"{store.location.display()}, cache {store.root}")

    @staticmethod
    def _check_models() -> CheckResult:
        found: list[tuple[str, Path | None, bool]] = [(m.name, m.path, m.present) for m in required_models()]
        found += [(m.name, m.path, m.present) for m in required_embedding_models()]
        missing = [f"{name} ({path})" for name, path, present in found if not present]
        if missing:
            return CheckResult(
                "model files",
                CheckStatus.PROBLEM,
                "missing: " + ", ".join(missing) + "; run 'chronotrace models install'",
            )
        return CheckResult("model files", CheckStatus.OK, ", ".join(name for name, _, _ in found))

    def _check_engines(self) -> CheckResult:
        """Each configured engine embeds one query for real (for Nova: one Bedrock call, the dry run)."""
        names = self._settings.embedding_engines
        if not names:
            return CheckResult(
                "engines", CheckStatus.OK, "the offline default only (embedding_engines is empty)"
            )
        catalog = EngineCatalog(self._settings, self._secrets)
        answered: list[str] = []
        for name in dict.fromkeys(names):
            try:
                engine = catalog.engine(name)
                vector = engine.embed_text_query("a person walking")
            except UserFacingError as exc:
                return CheckResult("engines", CheckStatus.PROBLEM, f"{name}: {exc}")
            answered.append(f"{name} ({engine.model_name}, {len(vector)}-d)")
        return CheckResult("engines", CheckStatus.OK, "offline default, " + ", ".join(answered))

    @staticmethod
    def _check_codecs() -> CheckResult:
        if not encoder_available():
            return CheckResult(
                "video codecs",
                CheckStatus.PROBLEM,
                f"{REDACTION_ENCODER} encoder missing in {ffmpeg_version()}",
            )
        return CheckResult("video codecs", CheckStatus.OK, f"{ffmpeg_version()} with {REDACTION_ENCODER}")

    def _check_keyring(self) -> CheckResult:
        backend = self._secrets.backend_name()
        if self._secrets.available():
            return CheckResult("keyring", CheckStatus.OK, backend)
        status = CheckStatus.PROBLEM if self._settings.profile is Profile.TEAM else CheckStatus.WARNING
        return CheckResult(
            "keyring", status, f"no usable keyring ({backend}); the team profile cannot store its passwords"
        )


def _vector_result(display: str, info: CollectionInfo) -> CheckResult:
    shape = f"{info.dimension}-d {info.distance.value}, {info.points_count} points"
    return CheckResult("vector index", CheckStatus.OK, f"{display}: collection {info.name!r}, {shape}")


def _guarded(check: Callable[[], CheckResult]) -> CheckResult:
    name = check.__name__.removeprefix("_check_").replace("_", " ")
    try:
        return check()
    except UserFacingError as exc:
        return CheckResult(name, CheckStatus.PROBLEM, str(exc))
    except Exception as exc:  # a doctor reports every failure instead of stopping at the first
        logger.exception("Doctor check %s failed", name)
        return CheckResult(name, CheckStatus.PROBLEM, f"{type(exc).__name__}: {exc}")


def _owner_rights(database: Database) -> str | None:
    """How the app's login is more than a role's group (a superuser, or the owner of the tables), if it is."""
    with database.engine.connect() as conn:
        superuser, owns = conn.execute(
            sa.text(
                "SELECT rolsuper, EXISTS (SELECT 1 FROM pg_tables WHERE schemaname = 'public' "
                "AND tableowner = current_user) FROM pg_roles WHERE rolname = current_user"
            )
        ).one()
    if superuser:
        return "as a database superuser"
    return "as the owner of the tables" if owns else None
