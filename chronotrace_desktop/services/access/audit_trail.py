"""Reading ``audit_log``: administrators read every row, analysts their own; checked on every call.

The viewer pages the trail lazily: :meth:`AuditReader.page_ids` returns a page of row ids (keyset, newest first;
``services.access.audit_query``), :meth:`AuditReader.entries_by_ids` and :meth:`AuditReader.reveals_by_ids`
materialise the rows a view shows, :meth:`AuditReader.count` says how many match without counting millions.
Who may read what is enforced here (an actor without ``VIEW_AUDIT_LOG`` is held to its own rows, whatever the
filter says) and again by the database's row-level security on a team login (``storage.db_roles``).
Only ``audit_log`` is read: rows moved to an archive table are outside the trail shown here.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from chronotrace_desktop.domain.roles import Action, is_allowed
from chronotrace_desktop.services.access.audit_query import (
    NEWEST_FIRST,
    AuditCount,
    AuditCursor,
    AuditPage,
    AuditQuery,
    after,
    conditions,
    page_of,
)
from chronotrace_desktop.services.access.audit_reveals import REVEAL_ACTIONS, RevealEntry, reveals_by_ids
from chronotrace_desktop.storage.orm import AuditLog, User

if TYPE_CHECKING:
    import uuid
    from collections.abc import Mapping, Sequence
    from datetime import datetime

    from sqlalchemy.orm import Session

    from chronotrace_desktop.domain.audit import AuditAction
    from chronotrace_desktop.domain.users import Actor
    from chronotrace_desktop.services.access.authorization import Authorizer
    from chronotrace_desktop.storage.database import Database

# Counted exactly up to this many rows (an index range, tens of milliseconds); past it, the planner's estimate.
EXACT_COUNT_CAP = 100_000
PAGE_LIMIT_MAX = 5000


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: uuid.UUID
    created_at: datetime | None
    user_id: uuid.UUID | None
    username: str | None
    action: str
    resource_type: str | None
    resource_id: uuid.UUID | None
    success: bool
    error_message: str | None
    justification: str | None
    metadata: Mapping[str, Any]
    ip_address: str | None = None
    user_agent: str | None = None
    request_id: str | None = None


@dataclass(frozen=True, slots=True)
class _Scope:
    """What an actor may read: everything (``only_user`` None) or the rows in its own name."""

    only_user: uuid.UUID | None

    def where(self, query: AuditQuery) -> list[sa.ColumnElement[bool]]:
        return conditions(query, only_user=self.only_user)


class AuditReader:
    """Reads the audit trail for the roles allowed to see it."""

    def __init__(self, database: Database, authorizer: Authorizer) -> None:
        self._db = database
        self._authorizer = authorizer

    def entries(
        self,
        actor: Actor,
        *,
        action: AuditAction | None = None,
        user_id: uuid.UUID | None = None,
        limit: int = 200,
    ) -> list[AuditEntry]:
        """The newest rows first."""
        query = AuditQuery(user_id=user_id, actions=() if action is None else (action,))
        return self.entries_by_ids(actor, self.page_ids(actor, query, limit=limit).ids)

    def page_ids(
        self, actor: Actor, query: AuditQuery, *, after_row: AuditCursor | None = None, limit: int = 200
    ) -> AuditPage:
        """One page of matching row ids, newest first, strictly after ``after_row``."""
        scope = self.scope(actor)
        limit = max(1, min(limit, PAGE_LIMIT_MAX))
        with self._db.transaction() as session:
            where = scope.where(resolve_user(session, query))
            rows = session.execute(
                sa.select(AuditLog.id, AuditLog.created_at)
                .where(*where, *after(after_row))
                .order_by(*NEWEST_FIRST)
                .limit(limit + 1)
            ).all()
        return page_of(rows, limit)

    def count(self, actor: Actor, query: AuditQuery) -> AuditCount:
        """How many rows match: exact up to :data:`EXACT_COUNT_CAP`, else the planner's estimate."""
        scope = self.scope(actor)
        with self._db.transaction() as session:
            where = scope.where(resolve_user(session, query))
            capped = sa.select(AuditLog.id).where(*where).limit(EXACT_COUNT_CAP + 1).subquery()
            rows = int(session.scalar(sa.select(sa.func.count()).select_from(capped)) or 0)
            if rows <= EXACT_COUNT_CAP:
                return AuditCount(rows, exact=True)
            estimate = _planner_rows(session, sa.select(AuditLog.id).where(*where))
        return AuditCount(max(estimate, rows), exact=False)

    def entries_by_ids(self, actor: Actor, ids: Sequence[uuid.UUID]) -> list[AuditEntry]:
        """The rows among ``ids`` the actor may read, in the order of ``ids``."""
        scope = self.scope(actor)
        if not ids:
            return []
        with self._db.transaction() as session:
            rows = session.scalars(
                sa.select(AuditLog).where(AuditLog.id.in_(list(ids)), *scope.where(AuditQuery()))
            )
            found = {row.id: audit_entry(row) for row in rows}
        return [found[i] for i in ids if i in found]

    def reveals_by_ids(self, actor: Actor, ids: Sequence[uuid.UUID]) -> list[RevealEntry]:
        """The PII reveals among ``ids`` the actor may read, with their segments, in the order of ``ids``."""
        scope = self.scope(actor)
        with self._db.transaction() as session:
            return reveals_by_ids(session, ids, scope.where(AuditQuery()))

    def reveal_trail(
        self, actor: Actor, query: AuditQuery, *, after_row: AuditCursor | None = None, limit: int = 200
    ) -> tuple[list[RevealEntry], AuditCursor | None]:
        """One page of the PII access trail (``query`` narrowed to reveals), newest first, and where it ended."""
        page = self.page_ids(actor, reveals_only(query), after_row=after_row, limit=limit)
        return self.reveals_by_ids(actor, page.ids), page.next

    def scope(self, actor: Actor) -> _Scope:
        """Administrators read everything; anyone else needs ``VIEW_OWN_AUDIT`` and reads its own rows only
        (a refusal is audited by the authorizer)."""
        fresh = self._authorizer.current(actor)
        if is_allowed(fresh.role, Action.VIEW_AUDIT_LOG):
            return _Scope(None)
        fresh = self._authorizer.require(fresh, Action.VIEW_OWN_AUDIT, resource_type="audit_log")
        return _Scope(fresh.user_id)


def reveals_only(query: AuditQuery) -> AuditQuery:
    return replace(query, actions=REVEAL_ACTIONS)


def resolve_user(session: Session, query: AuditQuery) -> AuditQuery:
    """A user named by e-mail becomes its id (indexed) while the account exists; a removed account's rows are
    found by the name the log cached."""
    if not query.user_email:
        return query
    found = session.scalar(
        sa.select(User.id).where(sa.func.lower(User.email) == query.user_email.strip().lower())
    )
    return query if found is None else replace(query, user_id=found, user_email=None)


def _planner_rows(session: Session, statement: sa.Select[Any]) -> int:
    compiled = statement.compile(dialect=session.get_bind().dialect)
    plan = (
        session.connection()
        .exec_driver_sql(f"EXPLAIN (FORMAT JSON) {compiled}", compiled.params)
        .scalar_one()
    )
    return int(plan[0]["Plan"]["Plan Rows"])


def audit_entry(row: AuditLog) -> AuditEntry:
    return AuditEntry(
        id=row.id,
        created_at=row.created_at,
        user_id=row.user_id,
        username=row.username,
        action=row.action,
        resource_type=row.resource_type,
        resource_id=row.resource_id,
        success=bool(row.success),
        error_message=row.error_message,
        justification=row.justification,
        metadata=dict(row.meta or {}),
        ip_address=None if row.ip_address is None else str(row.ip_address),
        user_agent=row.user_agent,
        request_id=row.request_id,
    )
