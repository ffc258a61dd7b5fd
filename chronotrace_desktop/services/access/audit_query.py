"""What the audit trail viewer asks for, and the SQL conditions and keyset order it becomes.

Rows are read from ``audit_log`` only (rows moved to an archive table are not searched here), newest first by
``(created_at, id)``, both descending: the order migration 0017's indexes hold, so a page at any depth is an
index range read that stops after the page. A page ends with an :class:`AuditCursor`; the next page starts
strictly after it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from chronotrace_desktop.domain.clock import utc_iso
from chronotrace_desktop.storage.orm import AuditLog

if TYPE_CHECKING:
    import uuid
    from collections.abc import Sequence
    from datetime import datetime

    from chronotrace_desktop.domain.audit import AuditAction

# Newest first; (created_at, id) is unique, so a keyset cursor over it never skips or repeats a row.
NEWEST_FIRST = (AuditLog.created_at.desc(), AuditLog.id.desc())


@dataclass(frozen=True, slots=True)
class AuditQuery:
    """A filter over the audit trail; every field narrows, ``None`` (or empty) leaves it open.

    ``user_email`` names the acting user as the log cached it (``audit_log.username``; kept for a deleted user);
    ``since`` is inclusive and ``until`` exclusive (naive UTC); ``text`` is looked for, case-insensitively, in the
    justification and the error message.
    """

    user_id: uuid.UUID | None = None
    user_email: str | None = None
    actions: tuple[AuditAction, ...] = ()
    resource_type: str | None = None
    resource_id: uuid.UUID | None = None
    since: datetime | None = None
    until: datetime | None = None
    success: bool | None = None
    text: str | None = None

    def as_json(self) -> dict[str, Any]:
        """The filter as an audit row's metadata and a CSV export's note record it (open fields left out)."""
        fields: dict[str, Any] = {
            "user_id": None if self.user_id is None else str(self.user_id),
            "user_email": self.user_email,
            "actions": [a.value for a in self.actions] or None,
            "resource_type": self.resource_type,
            "resource_id": None if self.resource_id is None else str(self.resource_id),
            "since": None if self.since is None else utc_iso(self.since),
            "until": None if self.until is None else utc_iso(self.until),
            "success": self.success,
            "text": self.text,
        }
        return {key: value for key, value in fields.items() if value is not None}


@dataclass(frozen=True, slots=True)
class AuditCursor:
    """Where a page ended: the last row's ``created_at`` and ``id``."""

    created_at: datetime
    id: uuid.UUID


@dataclass(frozen=True, slots=True)
class AuditPage:
    """Row ids, newest first; ``next`` continues after the last (``None``: this was the last page)."""

    ids: tuple[uuid.UUID, ...]
    next: AuditCursor | None


@dataclass(frozen=True, slots=True)
class AuditCount:
    """How many rows match: exact up to a cap, beyond it the planner's estimate (``exact`` False)."""

    rows: int
    exact: bool

    def __str__(self) -> str:
        return f"{self.rows:,}" if self.exact else f"about {self.rows:,}"


def conditions(query: AuditQuery, *, only_user: uuid.UUID | None) -> list[sa.ColumnElement[bool]]:
    """``query`` as WHERE conditions; ``only_user`` (an actor who may read only its own rows) is added to them,
    so a filter naming another user finds nothing rather than the actor's own rows."""
    where: list[sa.ColumnElement[bool]] = []
    if only_user is not None:
        where.append(AuditLog.user_id == only_user)
    if query.user_id is not None:
        where.append(AuditLog.user_id == query.user_id)
    if query.user_email:
        where.append(sa.func.lower(AuditLog.username) == query.user_email.strip().lower())
    if len(query.actions) == 1:
        where.append(AuditLog.action == query.actions[0].value)
    elif query.actions:
        where.append(AuditLog.action.in_([a.value for a in query.actions]))
    if query.resource_type:
        where.append(AuditLog.resource_type == query.resource_type)
    if query.resource_id is not None:
        where.append(AuditLog.resource_id == query.resource_id)
    if query.since is not None:
        where.append(AuditLog.created_at >= query.since)
    if query.until is not None:
        where.append(AuditLog.created_at < query.until)
    if query.success is False:
        where.append(AuditLog.success.is_(False))  # idx_audit_failures' predicate, word for word
    elif query.success is True:
        where.append(AuditLog.success.is_not(False))
    if query.text:
        where.append(
            sa.or_(
                AuditLog.justification.icontains(query.text, autoescape=True),
                AuditLog.error_message.icontains(query.text, autoescape=True),
            )
        )
    return where


def after(cursor: AuditCursor | None) -> list[sa.ColumnElement[bool]]:
    """The keyset condition of the page after ``cursor`` (none for the first page)."""
    if cursor is None:
        return []
    return [sa.tuple_(AuditLog.created_at, AuditLog.id) < sa.tuple_(cursor.created_at, cursor.id)]


def page_of(rows: Sequence[Any], limit: int) -> AuditPage:
    """``rows`` (``id``, ``created_at``), read with one more than ``limit`` to learn whether a page follows."""
    shown = rows[:limit]
    more = len(rows) > limit and shown
    return AuditPage(
        tuple(row.id for row in shown),
        AuditCursor(shown[-1].created_at, shown[-1].id) if more else None,
    )
