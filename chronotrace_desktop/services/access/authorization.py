"""Authorisation happens here, on every service call, never only in the UI.

:meth:`Authorizer.require` re-reads the acting user's row, so an account that was disabled or demoted
since it signed in loses its rights at once. A refusal writes a ``permission_denied`` audit row (in its own
transaction, so it survives the refused action) and raises :class:`PermissionDeniedError`.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import TYPE_CHECKING

from chronotrace_desktop.domain.audit import AuditAction
from chronotrace_desktop.domain.errors import AuthenticationError, PermissionDeniedError
from chronotrace_desktop.domain.roles import Action, Role, is_allowed
from chronotrace_desktop.services.access.audit import AuditEvent, AuditService
from chronotrace_desktop.storage.orm import User

if TYPE_CHECKING:
    import uuid

    from chronotrace_desktop.domain.users import Actor
    from chronotrace_desktop.storage.database import Database

logger = logging.getLogger(__name__)

_ACTION_WORDS = {
    Action.REVEAL_PII: "reveal faces",
    Action.EXPORT_REDACTED: "export evidence",
    Action.EXPORT_UNREDACTED: "export unredacted media",
    Action.MANAGE_USERS: "manage users",
    Action.MANAGE_DATABASE: "manage the database",
    Action.VIEW_AUDIT_LOG: "read the audit log",
}


class Authorizer:
    def __init__(self, database: Database, audit: AuditService) -> None:
        self._db = database
        self._audit = audit

    def current(self, actor: Actor) -> Actor:
        """``actor`` as the database sees it now: raises if the account was removed or disabled."""
        with self._db.transaction() as session:
            user = session.get(User, actor.user_id)
            if user is None or not user.is_active:
                raise AuthenticationError(
                    "Your account is no longer active. Sign in again or ask an administrator."
                )
            role = Role(user.role)
        return actor if role is actor.role else dataclasses.replace(actor, role=role)

    def require(
        self,
        actor: Actor,
        action: Action,
        *,
        resource_type: str | None = None,
        resource_id: uuid.UUID | None = None,
    ) -> Actor:
        """Return the up-to-date actor if its role allows ``action``; audit and raise otherwise."""
        fresh = self.current(actor)
        if is_allowed(fresh.role, action):
            return fresh
        words = _ACTION_WORDS.get(action, action.value.replace("_", " "))
        message = f"Your role ({fresh.role.value}) may not {words}."
        logger.info("Denied %s to %s (%s)", action.value, fresh.email, fresh.role.value)
        self._audit.record(
            AuditEvent(
                action=AuditAction.PERMISSION_DENIED,
                actor=fresh,
                resource_type=resource_type,
                resource_id=resource_id,
                success=False,
                error_message=message,
                metadata={"requested_action": action.value, "role": fresh.role.value},
            )
        )
        raise PermissionDeniedError(message)
