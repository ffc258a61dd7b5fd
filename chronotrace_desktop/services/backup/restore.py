"""A backup restored as a new installation in a new data folder; nothing is created before every hash checks.

Workstation: a fresh embedded cluster in ``<data dir>/postgres``, the dump restored into it with
``pg_restore`` as its superuser, then the roles, grants, row policies and runtime login made again by the
migration owner (as after any migration); the vectors restored into a new embedded store; ``settings.json``
written; the media copied when the backup has them. Team: the dump goes into an empty server database as its
owner (``TeamTarget``), see ``team.py``. Whoever restores is checked as an administrator of the *restored*
data and the restore is audited there; if anything fails, the new folder is removed again.
"""

from __future__ import annotations

import logging
import shutil
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from chronotrace_desktop.config import (
    Paths,
    Profile,
    Settings,
    resolve_paths,
    update_settings_file,
)
from chronotrace_desktop.domain.audit import AuditAction
from chronotrace_desktop.domain.errors import InvalidInputError
from chronotrace_desktop.domain.roles import Action
from chronotrace_desktop.domain.secrets import SecretName
from chronotrace_desktop.services.access import AuditEvent, AuditService, Authorizer, AuthService
from chronotrace_desktop.services.backup.files import copy_tree, read_backup_settings
from chronotrace_desktop.services.backup.manifest import verify_backup
from chronotrace_desktop.services.backup.secrets_note import secrets_to_reenter
from chronotrace_desktop.services.backup.team import TeamTarget, restore_team_database
from chronotrace_desktop.services.backup.vectors import restore_collections
from chronotrace_desktop.storage.database import Database, ensure_database_exists, open_database
from chronotrace_desktop.storage.embedded_pg import EmbeddedPostgres
from chronotrace_desktop.storage.pg_backup import restore_database
from chronotrace_desktop.storage.secrets import SecretStore
from chronotrace_desktop.storage.vectors import CollectionSpec, VectorIndex, open_vector_index

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from chronotrace_desktop.domain.tasks import TaskControl
    from chronotrace_desktop.domain.users import Actor
    from chronotrace_desktop.services.backup.manifest import Manifest

logger = logging.getLogger(__name__)

_STEPS = 5  # verify, database, vectors, media, sign-in and audit


@dataclass(frozen=True, slots=True)
class SignIn:
    """An administrator of the backed-up installation, checked against the restored data."""

    email: str
    password: str


@dataclass(frozen=True, slots=True)
class RestoreResult:
    data_dir: Path
    profile: str
    database: str  # where the data now is (never a password)
    collections: int
    points: int
    media_files: int
    seconds: float
    reenter: tuple[str, ...]  # secrets to put in the keyring again, and what else to redo


def restore_installation(
    backup_dir: Path,
    data_dir: Path,
    task: TaskControl,
    *,
    sign_in: SignIn | None = None,
    restored_by: Actor | None = None,
    team: TeamTarget | None = None,
) -> RestoreResult:
    """Build a new installation in ``data_dir`` from ``backup_dir``. ``sign_in`` (the command line) or
    ``restored_by`` (an administrator already checked in the open installation) says who restores."""
    if sign_in is None and restored_by is None:
        raise InvalidInputError("a restore needs the administrator who performs it")
    started = time.perf_counter()
    paths = resolve_paths(data_dir)
    _refuse_used_folder(paths.data_dir)
    task.progress(0, _STEPS, "checking every file's SHA-256")
    manifest = verify_backup(backup_dir, task.check_cancelled)
    values = read_backup_settings(backup_dir)
    if manifest.profile == Profile.TEAM.value and team is None:
        raise InvalidInputError(
            "This is a team installation's backup: restoring it needs an empty server database and its "
            "owner's credentials (chronotrace restore DIR --data-dir NEW --database-url URL --owner ROLE)"
        )
    if manifest.profile == Profile.TEAM.value and sign_in is None:
        raise InvalidInputError(
            "a team backup is restored from the command line, by an administrator's --user"
        )
    try:
        paths.ensure()
        settings = update_settings_file(paths, values)
        database = _restore_database(backup_dir, manifest, settings, paths, team, sign_in, task)
        try:
            task.progress(2, _STEPS, "checking the administrator")
            audit = AuditService(database)
            actor = _admit(database, audit, settings, sign_in)
            task.progress(3, _STEPS, "restoring the vectors")
            points = restore_collections(
                manifest.collections, backup_dir, _opener(settings, paths), task.check_cancelled
            )
            task.progress(4, _STEPS, "copying the media")
            media = copy_tree(backup_dir / "media", paths.media_dir, task.check_cancelled)
            _audit(audit, actor or restored_by, actor is not None, backup_dir, manifest)
            where = database.description
        finally:
            database.close()
    except BaseException:
        logger.exception("Restore of %s into %s failed; removing what was made", backup_dir, paths.data_dir)
        shutil.rmtree(paths.data_dir, ignore_errors=True)
        raise
    task.progress(_STEPS, _STEPS, "restored")
    return RestoreResult(
        data_dir=paths.data_dir,
        profile=manifest.profile,
        database=where,
        collections=len(manifest.collections),
        points=points,
        media_files=media,
        seconds=time.perf_counter() - started,
        reenter=secrets_to_reenter(settings),
    )


def _refuse_used_folder(folder: Path) -> None:
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise InvalidInputError(
            f"{folder} is not empty: a restore builds a new installation in a new (or empty) folder"
        )


def _restore_database(
    backup_dir: Path,
    manifest: Manifest,
    settings: Settings,
    paths: Paths,
    team: TeamTarget | None,
    sign_in: SignIn | None,
    task: TaskControl,
) -> Database:
    task.progress(1, _STEPS, "restoring the database")
    dump = backup_dir / str(manifest.database["file"])
    if team is not None:
        assert sign_in is not None
        settings = restore_team_database(dump, settings, paths, team, sign_in.email)
        return open_database(settings, paths, SecretStore())
    embedded = EmbeddedPostgres(paths.postgres_dir)
    server_url = embedded.start()
    try:
        owner_url = ensure_database_exists(server_url, settings.database_name)
        restore_database(owner_url, dump, paths.data_dir)
    finally:
        embedded.stop()  # (a server shared within a process stops with its first handle's leaving)
    return open_database(settings, paths, SecretStore(), migrate=True)  # roles, grants, runtime login


def _opener(settings: Settings, paths: Paths) -> Callable[[CollectionSpec], VectorIndex]:
    def open_index(spec: CollectionSpec) -> VectorIndex:
        if settings.profile is Profile.TEAM and settings.qdrant_url:
            key = SecretStore().get(SecretName.QDRANT_API_KEY, settings.qdrant_url)
            index = open_vector_index("server", url=settings.qdrant_url, api_key=key)
        else:
            index = open_vector_index("edge", path=paths.vectors_dir)
        try:
            index.ensure_collection(spec)
        except BaseException:
            index.close()
            raise
        return index

    return open_index


def _admit(
    database: Database, audit: AuditService, settings: Settings, sign_in: SignIn | None
) -> Actor | None:
    """The restoring administrator, signed in against the restored data (``None``: checked by the caller)."""
    if sign_in is None:
        return None
    actor = AuthService(database, audit, settings).login(sign_in.email, sign_in.password, client="cli")
    return Authorizer(database, audit).require(actor, Action.MANAGE_DATABASE, resource_type="database")


def _audit(
    audit: AuditService, who: Actor | None, signed_in: bool, backup_dir: Path, manifest: Manifest
) -> None:
    """``backup_restored`` in the restored installation; by the signed-in actor, or in the name of the
    administrator of the installation the restore was started from (who may not exist in these data)."""
    audit.record(
        AuditEvent(
            AuditAction.BACKUP_RESTORED,
            actor=who if signed_in else None,
            username=who.email if who is not None else None,
            resource_type="database",
            metadata={
                "backup": str(backup_dir),
                "backup_created_at": manifest.created_at.isoformat(),
                "files": len(manifest.files),
                "bytes": manifest.total_bytes,
                "with_media": manifest.with_media,
            },
        )
    )
