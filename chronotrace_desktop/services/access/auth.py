"""Sign-in: bcrypt check, active flag, lock-out after repeated failures, ``user_login`` audit rows.

Every attempt is audited, successful or not, with the reason of a failure in ``error_message`` and
``metadata.reason``. The message the person sees does not tell an unknown e-mail from a wrong password.
"""

from __future__ import annotations

import logging
import math
from datetime import timedelta
from typing import TYPE_CHECKING

import sqlalchemy as sa

from chronotrace_desktop.domain.audit import AuditAction
from chronotrace_desktop.domain.clock import utcnow
from chronotrace_desktop.domain.errors import AuthenticationError
from chronotrace_desktop.domain.roles import Role
from chronotrace_desktop.domain.users import Actor, normalise_email
from chronotrace_desktop.services.access.audit import AuditEvent, AuditService
from chronotrace_desktop.services.access.passwords import verify_password
from chronotrace_desktop.storage.orm import User

if TYPE_CHECKING:
    from chronotrace_desktop.config import Settings
    from chronotrace_desktop.storage.database import Database

logger = logging.getLogger(__name__)

WRONG_CREDENTIALS = "Wrong e-mail or password."


class AuthService:
    def __init__(self, database: Database, audit: AuditService, settings: Settings) -> None:
        self._db = database
        self._audit = audit
        self._settings = settings

    def login(self, email: str, password: str, *, client: str = "desktop") -> Actor:
        """The signed-in actor, or :class:`AuthenticationError` with a message ready to show."""
        address = normalise_email(email)
        rounds = self._settings.bcrypt_rounds
        with self._db.transaction() as session:
            user = session.scalars(sa.select(User).where(User.email == address).with_for_update()).first()
            failure: tuple[str, str] | None
            if user is None:
                verify_password(password, None, rounds=rounds)
                failure = ("unknown_user", WRONG_CREDENTIALS)
            else:
                failure = self._check(user, password, rounds)
            if failure is None:
                assert user is not None
                user.failed_login_count = 0
                user.locked_until = None
                user.last_login_at = utcnow()
                actor = Actor(user.id, user.email, Role(user.role), user.full_name, client=client)
                self._audit.record_in(
                    session,
                    AuditEvent(
                        AuditAction.USER_LOGIN, actor=actor, resource_type="user", resource_id=user.id
                    ),
                )
                logger.info("%s signed in (%s, %s)", actor.email, actor.role.value, client)
                return actor
            reason, message = failure
            # The failure counter and this row commit together: a refused sign-in is never lost.
            self._audit.record_in(
                session,
                AuditEvent(
                    AuditAction.USER_LOGIN,
                    username=address,
                    resource_type="user",
                    resource_id=user.id if user is not None else None,
                    success=False,
                    error_message=reason,
                    metadata={"reason": reason, "client": client},
                ),
            )
        logger.info("Sign-in refused for %s: %s", address, reason)
        raise AuthenticationError(message)

    def _check(self, user: User, password: str, rounds: int) -> tuple[str, str] | None:
        """``None`` when ``password`` signs ``user`` in; else (reason, message). Counts failures."""
        now = utcnow()
        if user.locked_until is not None and user.locked_until > now:
            minutes = math.ceil((user.locked_until - now).total_seconds() / 60)
            return "locked", (
                f"This account is locked after repeated failed sign-ins. Try again in {minutes} min "
                "or ask an administrator to unlock it."
            )
        if not verify_password(password, user.password_hash, rounds=rounds):
            user.failed_login_count = (user.failed_login_count or 0) + 1
            if user.failed_login_count >= self._settings.login_max_failures:
                user.locked_until = now + timedelta(minutes=self._settings.login_lockout_minutes)
                user.failed_login_count = 0
                logger.warning("Locked %s after repeated failed sign-ins", user.email)
                return "wrong_password_locked", (
                    f"{WRONG_CREDENTIALS} The account is now locked for "
                    f"{self._settings.login_lockout_minutes:g} min."
                )
            return "wrong_password", WRONG_CREDENTIALS
        if not user.is_active:
            return "inactive", "This account is disabled. Ask an administrator to enable it."
        return None

    def logout(self, actor: Actor) -> None:
        self._audit.record(
            AuditEvent(AuditAction.USER_LOGOUT, actor=actor, resource_type="user", resource_id=actor.user_id)
        )
