"""Checking the hash chain over ``audit_log`` (migration 0009) for administrators; every check is audited.

The database chains every row as it is inserted (position ``chain_seq``, ``prev_hash``, ``row_hash``); here the
rows are read back in position order with their hash recomputed by the same SQL function
(``audit_log_row_hash``), all in one REPEATABLE READ snapshot, and the first broken link is reported:

* a skipped position, or a newest row that is not the chain head: a row was removed (``MISSING``);
* a stored hash that differs from the recomputed one: the row was changed (``CHANGED``);
* a ``prev_hash`` that is not the hash of the row before: a row inserted or the chain rewritten (``RELINKED``);
* a row dated before the row ahead of it: backdated (``BACKDATED``; the trigger dates rows itself, never
  earlier than the previous row);
* a row without a position or hash: written with the trigger disabled (``UNCHAINED``).

Rows archived by the maintenance task (``audit_log_archive``, migration 0015) keep their place in the chain:
the archive holds its start, ``audit_log`` the rest, and both are read as one sequence.

An attacker with the owner's rights can still recompute the whole chain after a change; the head hash in the
report, noted somewhere else from time to time, is what catches that.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from chronotrace_desktop.domain.audit import AuditAction, AuditChainFault
from chronotrace_desktop.domain.roles import Action
from chronotrace_desktop.services.access.audit import AuditEvent

if TYPE_CHECKING:
    import uuid
    from collections.abc import Iterable
    from datetime import datetime

    from sqlalchemy.orm import Session

    from chronotrace_desktop.domain.users import Actor
    from chronotrace_desktop.services.access.audit import AuditService
    from chronotrace_desktop.services.access.authorization import Authorizer
    from chronotrace_desktop.storage.database import Database

# Archived rows (0015: the oldest part of the chain, moved whole by chronotrace_archive_audit) come first, then
# the live rows: one chain. A row in both, or a gap between them, breaks it like any other.
_ROWS = sa.text(
    "SELECT id, chain_seq, prev_hash, row_hash, recomputed, created_at FROM ("
    " SELECT x.id, x.chain_seq, x.prev_hash, x.row_hash, audit_log_row_hash(x) AS recomputed, x.created_at"
    " FROM audit_log_archive x"
    " UNION ALL"
    " SELECT a.id, a.chain_seq, a.prev_hash, a.row_hash, audit_log_row_hash(a) AS recomputed, a.created_at"
    " FROM audit_log a"
    ") chained ORDER BY chain_seq NULLS FIRST, created_at, id"
)
_HEAD = sa.text("SELECT last_seq, last_hash FROM audit_chain_head WHERE singleton")
_BATCH = 2000


@dataclass(frozen=True, slots=True)
class ChainBreak:
    """The first broken link: what it shows, at which position (``chain_seq``) and row, in words."""

    fault: AuditChainFault
    position: int | None
    row_id: uuid.UUID | None
    detail: str


@dataclass(frozen=True, slots=True)
class ChainReport:
    """``rows`` checked; ``head_hash`` (hex) of the newest row; ``first_break`` is ``None`` when intact."""

    rows: int
    head_hash: str | None
    first_break: ChainBreak | None

    @property
    def ok(self) -> bool:
        return self.first_break is None

    def as_json(self) -> dict[str, Any]:
        broken = self.first_break
        return {
            "ok": self.ok,
            "rows": self.rows,
            "head_hash": self.head_hash,
            "first_break": None
            if broken is None
            else {
                "fault": broken.fault.value,
                "position": broken.position,
                "row_id": None if broken.row_id is None else str(broken.row_id),
                "detail": broken.detail,
            },
        }


class AuditChainVerifier:
    """``verify`` for administrators (the audit log's readers); the outcome is itself an audit row."""

    def __init__(self, database: Database, authorizer: Authorizer, audit: AuditService) -> None:
        self._db = database
        self._authorizer = authorizer
        self._audit = audit

    def verify(self, actor: Actor) -> ChainReport:
        actor = self._authorizer.require(actor, Action.VIEW_AUDIT_LOG, resource_type="audit_log")
        with self._db.transaction() as session:
            report = check_chain(session)
        broken = report.first_break
        self._audit.record(
            AuditEvent(
                AuditAction.AUDIT_VERIFIED,
                actor,
                resource_type="audit_log",
                success=report.ok,
                error_message=None if broken is None else broken.detail,
                metadata=report.as_json(),
            )
        )
        return report


def check_chain(session: Session) -> ChainReport:
    """Check the chain in ``session``'s transaction, which must not have run a statement yet (it is made
    REPEATABLE READ so the rows and the head are one snapshot)."""
    connection = session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
    head = connection.execute(_HEAD).one_or_none()
    rows = connection.execution_options(yield_per=_BATCH).execute(_ROWS)
    return _walk(rows, None if head is None else (int(head.last_seq), head.last_hash))


def _walk(rows: Iterable[Any], head: tuple[int, bytes | None] | None) -> ChainReport:
    count = 0
    last_seq = 0
    last_hash: bytes | None = None
    last_at: datetime | None = None
    first_break: ChainBreak | None = None
    for row in rows:
        count += 1
        if first_break is None:
            first_break = _check_row(row, last_seq, last_hash, last_at)
        if row.chain_seq is not None:
            last_seq, last_hash = int(row.chain_seq), row.row_hash
        last_at = row.created_at or last_at
    if first_break is None:
        first_break = _check_head(head, last_seq, last_hash)
    return ChainReport(count, None if last_hash is None else last_hash.hex(), first_break)


def _check_row(
    row: Any, last_seq: int, last_hash: bytes | None, last_at: datetime | None
) -> ChainBreak | None:
    seq: int | None = None if row.chain_seq is None else int(row.chain_seq)
    if seq is None or row.row_hash is None:
        return ChainBreak(AuditChainFault.UNCHAINED, seq, row.id, f"row {row.id} is not in the chain")
    if seq != last_seq + 1:
        return ChainBreak(
            AuditChainFault.MISSING,
            last_seq + 1,
            row.id,
            f"rows {last_seq + 1}..{seq - 1} are missing (removed) before row {seq}",
        )
    if bytes(row.recomputed) != bytes(row.row_hash):
        return ChainBreak(AuditChainFault.CHANGED, seq, row.id, f"row {seq} was changed after it was written")
    if (None if row.prev_hash is None else bytes(row.prev_hash)) != last_hash:
        return ChainBreak(
            AuditChainFault.RELINKED, seq, row.id, f"row {seq} does not follow row {last_seq} (inserted)"
        )
    if last_at is not None and row.created_at is not None and row.created_at < last_at:
        return ChainBreak(
            AuditChainFault.BACKDATED,
            seq,
            row.id,
            f"row {seq} is dated {row.created_at.isoformat()}, before row {last_seq} ({last_at.isoformat()})",
        )
    return None


def _check_head(
    head: tuple[int, bytes | None] | None, last_seq: int, last_hash: bytes | None
) -> ChainBreak | None:
    if head is None:
        return ChainBreak(AuditChainFault.MISSING, None, None, "the chain head (audit_chain_head) is missing")
    head_seq, head_hash = head
    if head_seq != last_seq or (None if head_hash is None else bytes(head_hash)) != last_hash:
        return ChainBreak(
            AuditChainFault.MISSING,
            last_seq + 1,
            None,
            f"the chain head records row {head_seq} but the newest row is {last_seq}: rows were removed "
            "or the head was moved",
        )
    return None
