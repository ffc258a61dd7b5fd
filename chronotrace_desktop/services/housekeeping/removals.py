"""The tasks that remove or move rows: old searches, old audit rows, expired exports and their packages."""

from __future__ import annotations

import logging
import shutil
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from chronotrace_desktop.domain.export import MANIFEST_NAME, ExportStatus
from chronotrace_desktop.domain.maintenance import MaintenanceStatus

if TYPE_CHECKING:
    from datetime import datetime
    from pathlib import Path

    from chronotrace_desktop.domain.tasks import TaskControl
    from chronotrace_desktop.domain.users import Actor
    from chronotrace_desktop.services.export import ExportService
    from chronotrace_desktop.storage.database import Database

logger = logging.getLogger(__name__)

PURGE_BATCH = 5000
# Archiving moves a year of rows at once the first time: more than the connection's usual statement limit.
ARCHIVE_STATEMENT_TIMEOUT = "1h"
_ALL_EXPORTS = 1_000_000

_PURGE = sa.text(
    "DELETE FROM searches WHERE id IN "
    "(SELECT id FROM searches WHERE created_at < :before ORDER BY created_at LIMIT :batch)"
)


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a task did: rows affected, a sentence for the history, details for the record and audit row."""

    rows: int
    message: str
    status: MaintenanceStatus = MaintenanceStatus.SUCCEEDED
    details: dict[str, Any] = field(default_factory=dict)


def purge_searches(database: Database, before: datetime, days: int, control: TaskControl) -> Outcome:
    """Delete searches made before ``before``, a batch per transaction (a cancel stops between batches)."""
    removed = 0
    while True:
        control.check_cancelled()
        with database.transaction() as session:
            batch = session.connection().execute(_PURGE, {"before": before, "batch": PURGE_BATCH}).rowcount
        removed += batch
        if batch < PURGE_BATCH:
            break
    message = f"removed {removed} search{'es' if removed != 1 else ''} older than {days} days"
    return Outcome(removed, message, details={"before": before.isoformat(), "retention_days": days})


def archive_audit(database: Database, actor: Actor, before: datetime, days: int) -> Outcome:
    """Move the audit rows dated before ``before`` into ``audit_log_archive`` in one transaction, through the
    database's ``chronotrace_archive_audit`` (the only way out of ``audit_log``; it writes its own
    ``audit_archived`` row, chained like any other)."""
    with database.transaction() as session:
        session.execute(sa.text(f"SET LOCAL statement_timeout = '{ARCHIVE_STATEMENT_TIMEOUT}'"))
        moved = int(
            session.execute(
                sa.text("SELECT chronotrace_archive_audit(:before, :user, :name)"),
                {"before": before, "user": actor.user_id, "name": actor.email},
            ).scalar_one()
        )
    message = f"moved {moved} audit row{'s' if moved != 1 else ''} older than {days} days to the archive"
    return Outcome(moved, message, details={"before": before.isoformat(), "archive_days": days})


def expire_exports(exports: ExportService, actor: Actor) -> Outcome:
    """Expire completed exports past their retention (``ExportService.expire_due``: audited one by one, a held
    case's kept) and remove the packages of every expired export whose case is not held, where they are on
    this machine (a package another workstation wrote is not here to remove)."""
    expired = exports.expire_due(actor)
    removed: list[str] = []
    problems: list[str] = []
    for info in exports.exports(actor, limit=_ALL_EXPORTS):
        if info.status is not ExportStatus.EXPIRED or info.held or info.path is None:
            continue
        try:
            if _remove_package(info.path):
                removed.append(str(info.path))
        except OSError as exc:
            problems.append(f"{info.path}: {exc.strerror or exc}")
    message = (
        f"expired {len(expired)} export{'s' if len(expired) != 1 else ''}, "
        f"removed {len(removed)} package{'s' if len(removed) != 1 else ''}"
    )
    details = {"expired": [str(info.id) for info in expired], "removed": removed, "problems": problems}
    if problems:
        return Outcome(
            len(expired),
            f"{message}; could not remove {'; '.join(problems)}",
            MaintenanceStatus.FAILED,
            details,
        )
    return Outcome(len(expired), message, details=details)


def _remove_package(path: Path) -> bool:
    """Remove an export's package: its folder (one with a manifest, as exports write them) or its file (a zip);
    a symbolic link is removed, never followed. Whether something was removed."""
    if path.is_symlink() or path.is_file():
        path.unlink()
    elif path.is_dir():
        if not (path / MANIFEST_NAME).is_file():
            raise OSError(f"not an export package (no {MANIFEST_NAME}); left in place")
        shutil.rmtree(path)
    else:
        return False
    logger.info("Removed the expired export package %s", path)
    return True
