"""Backups of the open installation, their list and rotation, and restores into a new folder (administrators).

A backup is written into ``.<name>.partial`` beside its final place and renamed to
``chronotrace-backup-YYYYMMDD-HHMMSS`` only once its manifest is written: a crash or a cancel leaves at most a
hidden ``.partial`` folder (removed on a cancel or an error), never a backup that looks complete.

Consistency: ``pg_dump`` reads one snapshot of the database; the vectors are snapshotted right after. A backup
taken while an ingest runs may hold a few vectors of segments the dump does not (ingest writes the vector
first); ingest's reconcile removes such orphans when that video is ingested again.
"""

from __future__ import annotations

import logging
import shutil
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from chronotrace_desktop.config import Profile, owner_only
from chronotrace_desktop.domain.audit import AuditAction
from chronotrace_desktop.domain.errors import ConflictError, EnvironmentProblemError, InvalidInputError
from chronotrace_desktop.domain.roles import Action
from chronotrace_desktop.services.access import AuditEvent
from chronotrace_desktop.services.backup.files import MEDIA, copy_tree, write_settings
from chronotrace_desktop.services.backup.listing import BackupEntry, list_backups
from chronotrace_desktop.services.backup.manifest import Manifest, files_under, sha256_of, write_manifest
from chronotrace_desktop.services.backup.restore import RestoreResult, restore_installation
from chronotrace_desktop.services.backup.rotation import (
    backup_name,
    is_stale_partial,
    partial_name,
    plan_rotation,
)
from chronotrace_desktop.services.backup.secrets_note import NOT_INCLUDED
from chronotrace_desktop.services.backup.vectors import snapshot_collections
from chronotrace_desktop.storage.pg_backup import dump_database

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from chronotrace_desktop.config import Paths, Settings
    from chronotrace_desktop.domain.tasks import TaskControl
    from chronotrace_desktop.domain.users import Actor
    from chronotrace_desktop.services.access import AuditService, Authorizer
    from chronotrace_desktop.storage.database import Database
    from chronotrace_desktop.storage.vectors import VectorIndex

logger = logging.getLogger(__name__)

DUMP = "database.dump"


@dataclass(frozen=True, slots=True)
class BackupResult:
    dir: Path
    files: int
    bytes: int
    manifest: Path
    seconds: float
    removed: tuple[Path, ...]  # older backups the rotation removed from the same folder


class BackupService:
    def __init__(
        self,
        database: Database,
        settings: Settings,
        paths: Paths,
        authorizer: Authorizer,
        audit: AuditService,
        collections: Callable[[], list[VectorIndex]],
    ) -> None:
        self._db = database
        self._settings = settings
        self._paths = paths
        self._authorizer = authorizer
        self._audit = audit
        self._collections = collections

    def backup(self, actor: Actor, out_dir: Path, *, with_media: bool, task: TaskControl) -> BackupResult:
        """A dated backup of the whole installation in ``out_dir``, then the rotation there."""
        actor = self._authorizer.require(actor, Action.MANAGE_DATABASE, resource_type="database")
        if with_media and self._settings.profile is Profile.TEAM and self._settings.media_store == "s3":
            raise InvalidInputError(
                "The media are in the S3 bucket: back them up with the bucket's versioning or replication"
            )
        started = time.perf_counter()
        out_dir = out_dir.expanduser().resolve()
        name = backup_name(datetime.now(UTC))
        final, partial = out_dir / name, out_dir / partial_name(name)
        if final.exists():
            raise ConflictError(f"{final} already exists; try again in a second")
        try:
            partial.mkdir(parents=True, mode=0o700)
            owner_only(partial)
        except OSError as exc:
            raise EnvironmentProblemError(
                f"cannot create the backup folder in {out_dir}: {exc.strerror}"
            ) from exc
        try:
            manifest = self._write(partial, with_media, task)
            partial.rename(final)
        except BaseException:
            shutil.rmtree(partial, ignore_errors=True)
            raise
        removed = self._rotate(out_dir)
        result = BackupResult(
            final, len(manifest.files) + 1, manifest.total_bytes, final / "manifest.json",
            time.perf_counter() - started, removed,
        )  # fmt: skip
        self._audit.record(
            AuditEvent(
                AuditAction.BACKUP_CREATED,
                actor=actor,
                resource_type="database",
                metadata={
                    "folder": str(final),
                    "files": result.files,
                    "bytes": result.bytes,
                    "with_media": with_media,
                    "collections": [str(c["spec"]["name"]) for c in manifest.collections],
                    "rotation_removed": [p.name for p in removed],
                },
            )
        )
        logger.info(
            "Backup %s: %d files, %d bytes in %.1f s", final, result.files, result.bytes, result.seconds
        )
        return result

    def _write(self, folder: Path, with_media: bool, task: TaskControl) -> Manifest:
        collections = self._collections()
        total = 3 + len(collections)
        task.progress(0, total, "dumping the database")
        owner = self._db.owner_url
        url = owner or self._db.engine.url
        tool = dump_database(url, folder / DUMP, row_security=owner is None)
        task.check_cancelled()
        task.progress(1, total, "snapshotting the vectors")
        entries = snapshot_collections(collections, folder, task.check_cancelled)
        task.progress(
            1 + len(collections), total, "copying the media" if with_media else "writing the settings"
        )
        if with_media:
            copy_tree(self._paths.media_dir, folder / MEDIA, task.check_cancelled)
        write_settings(self._paths, self._settings, folder)
        task.progress(2 + len(collections), total, "hashing every file")
        files = {
            path.as_posix(): {
                "sha256": sha256_of(folder / path, task.check_cancelled),
                "bytes": (folder / path).stat().st_size,
            }
            for path in files_under(folder)
        }
        manifest = Manifest(
            created_at=datetime.now(UTC),
            profile=self._settings.profile.value,
            with_media=with_media,
            database={
                "file": DUMP,
                "name": url.database,
                "server_major": tool.major,
                "tool": f"pg_dump {tool.major}",
            },
            collections=tuple(entries),
            files=files,
            not_included=NOT_INCLUDED,
        )
        task.check_cancelled()
        write_manifest(folder, manifest)
        task.progress(total, total, "done")
        return manifest

    def _rotate(self, out_dir: Path) -> tuple[Path, ...]:
        """The rotation, and the folders of unfinished backups a crash left (a day old or more)."""
        plan = plan_rotation(path.name for path in out_dir.iterdir() if path.is_dir())
        now = datetime.now(UTC)
        removed = []
        for path in out_dir.iterdir():
            if path.is_dir() and is_stale_partial(path.name, now):
                shutil.rmtree(path, ignore_errors=True)
                removed.append(path)
                logger.info("Removed the unfinished backup %s", path)
        for name in plan.remove:
            shutil.rmtree(out_dir / name, ignore_errors=True)
            removed.append(out_dir / name)
            logger.info("Rotation removed the backup %s", out_dir / name)
        return tuple(removed)

    def list_backups(self, actor: Actor, folder: Path, *, verify: bool) -> list[BackupEntry]:
        """The backups in ``folder``, newest first, each checked against its manifest when ``verify``."""
        self._authorizer.require(actor, Action.MANAGE_DATABASE, resource_type="database")
        return list_backups(folder, verify=verify)

    def restore(self, actor: Actor, backup_dir: Path, data_dir: Path, task: TaskControl) -> RestoreResult:
        """Build a new installation in ``data_dir`` from a workstation backup (this installation is untouched)."""
        actor = self._authorizer.require(actor, Action.MANAGE_DATABASE, resource_type="database")
        result = restore_installation(backup_dir, data_dir, task, restored_by=actor)
        self._audit.record(
            AuditEvent(
                AuditAction.BACKUP_RESTORED,
                actor=actor,
                resource_type="database",
                metadata={"backup": str(backup_dir), "data_dir": str(result.data_dir)},
            )
        )
        return result
