"""Reading ``audit_log``: for the roles allowed to see it, checked on every call."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from chronotrace_desktop.domain.roles import Action
from chronotrace_desktop.storage.orm import AuditLog

if TYPE_CHECKING:
    import uuid
    from collections.abc import Mapping
    from datetime import datetime

    from chronotrace_desktop.domain.audit import AuditAction
    from chronotrace_desktop.domain.users import Actor
    from chronotrace_desktop.services.access.authorization import Authorizer
    from chronotrace_desktop.storage.database import Database


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
        self._authorizer.require(actor, Action.VIEW_AUDIT_LOG)
        query = sa.select(AuditLog).order_by(AuditLog.created_at.desc(), AuditLog.id).limit(limit)
        if action is not None:
            query = query.where(AuditLog.action == action.value)
        if user_id is not None:
            query = query.where(AuditLog.user_id == user_id)
        with self._db.transaction() as session:
            return [_entry(row) for row in session.scalars(query)]


def _entry(row: AuditLog) -> AuditEntry:
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
    )
