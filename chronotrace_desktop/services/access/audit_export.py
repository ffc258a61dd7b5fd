"""The audit trail as a CSV file: the rows a filter matches, streamed, newest first; audited with the filter and
the number of rows written (``audit_exported``).

Rows are read through a server-side cursor in batches and written as they come, so a trail of millions costs
the memory of one batch. The file is written beside its destination and renamed into place once complete: a
failed export leaves no partial file under the chosen name. Cells that start like a formula are quoted
(``domain.spreadsheet``): justifications are free text.
"""

from __future__ import annotations

import csv
import json
import logging
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from chronotrace_desktop.domain.audit import AuditAction
from chronotrace_desktop.domain.clock import utc_iso
from chronotrace_desktop.domain.errors import EnvironmentProblemError
from chronotrace_desktop.domain.spreadsheet import csv_cell
from chronotrace_desktop.services.access.audit import AuditEvent
from chronotrace_desktop.services.access.audit_query import NEWEST_FIRST
from chronotrace_desktop.services.access.audit_trail import AuditReader, resolve_user
from chronotrace_desktop.storage.orm import AuditLog

if TYPE_CHECKING:
    from pathlib import Path

    from chronotrace_desktop.domain.tasks import TaskControl
    from chronotrace_desktop.domain.users import Actor
    from chronotrace_desktop.services.access.audit import AuditService
    from chronotrace_desktop.services.access.audit_query import AuditQuery
    from chronotrace_desktop.services.access.authorization import Authorizer
    from chronotrace_desktop.storage.database import Database

logger = logging.getLogger(__name__)

CSV_COLUMNS = (
    "created_at_utc", "id", "user_id", "username", "action", "resource_type", "resource_id", "success",
    "error_message", "justification", "ip_address", "user_agent", "request_id", "chain_seq", "metadata",
)  # fmt: skip
_BATCH = 2000


@dataclass(frozen=True, slots=True)
class AuditExport:
    """The file written and how many rows it holds (its header aside)."""

    path: Path
    rows: int


class AuditExporter:
    """``export_csv`` for whoever may read the trail (administrators: every row; analysts: their own)."""

    def __init__(self, database: Database, authorizer: Authorizer, audit: AuditService) -> None:
        self._db = database
        self._reader = AuditReader(database, authorizer)
        self._audit = audit

    def export_csv(
        self, actor: Actor, query: AuditQuery, path: Path, state: TaskControl | None = None
    ) -> AuditExport:
        scope = self._reader.scope(actor)
        partial = path.with_name(f".{path.name}.part")
        rows = 0
        try:
            with self._db.transaction() as session, partial.open("w", encoding="utf-8", newline="") as out:
                where = scope.where(resolve_user(session, query))
                writer = csv.writer(out, lineterminator="\r\n")
                writer.writerow(CSV_COLUMNS)
                result = session.execute(
                    sa.select(*_COLUMNS)
                    .where(*where)
                    .order_by(*NEWEST_FIRST)
                    .execution_options(yield_per=_BATCH)
                )
                for row in result:
                    writer.writerow([csv_cell(value) for value in _cells(row)])
                    rows += 1
                    if state is not None and rows % _BATCH == 0:
                        state.check_cancelled()
                        state.progress(rows, 0, f"{rows:,} rows written")
            os.replace(partial, path)
        except OSError as exc:
            raise EnvironmentProblemError(f"Could not write {path}: {exc.strerror or exc}") from exc
        finally:
            partial.unlink(missing_ok=True)
        self._audit.record(
            AuditEvent(
                AuditAction.AUDIT_EXPORTED,
                actor,
                resource_type="audit_log",
                metadata={
                    "filter": query.as_json(),
                    "rows": rows,
                    "file": path.name,
                    "own_rows_only": bool(scope.only_user),
                },
            )
        )
        logger.info("Audit trail exported: %d rows to %s", rows, path)
        return AuditExport(path, rows)


# Plain columns, not mapped objects: a million rows stream without building an object for each.
_COLUMNS = (
    AuditLog.created_at, AuditLog.id, AuditLog.user_id, AuditLog.username, AuditLog.action,
    AuditLog.resource_type, AuditLog.resource_id, AuditLog.success, AuditLog.error_message,
    AuditLog.justification, AuditLog.ip_address, AuditLog.user_agent, AuditLog.request_id, AuditLog.chain_seq,
    AuditLog.meta,
)  # fmt: skip


def _cells(row: Any) -> list[Any]:
    created_at, *middle, success, error, justification, ip, agent, request, seq, meta = row
    return [
        None if created_at is None else utc_iso(created_at),
        *middle,
        success is not False,
        error,
        justification,
        ip,
        agent,
        request,
        seq,
        json.dumps(meta or {}, sort_keys=True, default=str),
    ]
