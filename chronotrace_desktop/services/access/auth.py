"""Sign-in: bcrypt check, active flag, throttling of repeated failures, ``user_login`` audit rows.

A refusal gives nothing away (issue 13 item 8): an unknown e-mail, a wrong password, a locked or throttled
account and a disabled one all get the same message, :data:`WRONG_CREDENTIALS`, after the same work: exactly
one bcrypt check (against a stand-in hash when there is no such account, and even when the answer is known
without it). Every attempt is audited with the real reason in ``error_message`` and ``metadata.reason``, and
where it came from in ``metadata.source`` (and ``ip_address`` when the source is an address).

Repeated failures are slowed per source and per account by counters that decay (``throttle``, whose
docstring says why that shape): a lock ends by itself, and a third party cannot keep an account's owner out
of it from elsewhere.
"""

from __future__ import annotations

import ipaddress
import logging
from typing import TYPE_CHECKING

import sqlalchemy as sa

from chronotrace_desktop.domain.audit import AuditAction
from chronotrace_desktop.domain.clock import utcnow
from chronotrace_desktop.domain.errors import AuthenticationError
from chronotrace_desktop.domain.roles import Role
from chronotrace_desktop.domain.users import Actor, normalise_email
from chronotrace_desktop.services.access.audit import AuditEvent, AuditService
from chronotrace_desktop.services.access.passwords import verify_password
from chronotrace_desktop.services.access.throttle import SignInThrottle, attempt_source
from chronotrace_desktop.storage.orm import User

if TYPE_CHECKING:
    from datetime import datetime

    from sqlalchemy.orm import Session

    from chronotrace_desktop.config import Settings
    from chronotrace_desktop.storage.database import Database

logger = logging.getLogger(__name__)

WRONG_CREDENTIALS = (
    "Wrong e-mail or password. After repeated failures sign-in pauses for a while; "
    "if it keeps failing, ask an administrator."
)
# Refusals that are guesses, and so count toward the throttle. A right password refused because of a lock or
# a disabled account is not a guess.
_COUNTED = frozenset({"unknown_user", "wrong_password"})
_BLOCK_REASONS = {"source": "source_throttled", "pair": "locked", "account": "locked"}


class AuthService:
    def __init__(self, database: Database, audit: AuditService, settings: Settings) -> None:
        self._db = database
        self._audit = audit
        self._settings = settings
        self._throttle = SignInThrottle(settings)

    def login(
        self, email: str, password: str, *, client: str = "desktop", source: str | None = None
    ) -> Actor:
        """The signed-in actor, or :class:`AuthenticationError` with :data:`WRONG_CREDENTIALS`.

        ``source``: where the attempt comes from, for the per-source throttle; the desktop's default is this
        machine's host name, a server passes the client's address.
        """
        address = normalise_email(email)
        origin = attempt_source(source)
        now = utcnow()
        with self._db.transaction() as session:
            user = session.scalars(sa.select(User).where(User.email == address).with_for_update()).first()
            trusted = user is not None and self._throttle.trusted(session, user.id, origin, now)
            blocked = self._throttle.blocking(session, address, origin, trusted=trusted, now=now)
            # Exactly one bcrypt check whatever the outcome, so that no refusal is quicker than another.
            password_ok = verify_password(
                password, user.password_hash if user else None, rounds=self._settings.bcrypt_rounds
            )
            if blocked is not None:
                reason = _BLOCK_REASONS[blocked]
            elif user is None:
                reason = "unknown_user"
            elif not password_ok:
                reason = "wrong_password"
            elif not user.is_active:
                reason = "inactive"
            else:
                return self._signed_in(session, user, client, origin)
            self._refused(session, user, address, origin, client, reason, now)
        logger.info("Sign-in refused for %s from %s: %s", address, origin, reason)
        raise AuthenticationError(WRONG_CREDENTIALS)

    def _signed_in(self, session: Session, user: User, client: str, origin: str) -> Actor:
        user.failed_login_count = 0
        user.last_login_at = utcnow()
        self._throttle.count_success(session, user.email, origin)
        actor = Actor(user.id, user.email, Role(user.role), user.full_name, client=client)
        self._audit.record_in(
            session,
            AuditEvent(
                AuditAction.USER_LOGIN,
                actor=actor,
                resource_type="user",
                resource_id=user.id,
                metadata={"client": client, "source": origin},
                ip_address=_address(origin),
            ),
        )
        logger.info("%s signed in (%s, %s)", actor.email, actor.role.value, client)
        return actor

    def _refused(
        self,
        session: Session,
        user: User | None,
        address: str,
        origin: str,
        client: str,
        reason: str,
        now: datetime,
    ) -> None:
        """Count a guess and audit the refusal; both commit with the caller's transaction, never lost."""
        if reason in _COUNTED:
            locked_until = self._throttle.count_failure(session, address, origin, now)
            if user is not None:
                user.failed_login_count = (user.failed_login_count or 0) + 1
                user.locked_until = locked_until  # shown to administrators; 'users unlock' clears it
        self._audit.record_in(
            session,
            AuditEvent(
                AuditAction.USER_LOGIN,
                username=address,
                resource_type="user",
                resource_id=user.id if user is not None else None,
                success=False,
                error_message=reason,
                metadata={"reason": reason, "client": client, "source": origin},
                ip_address=_address(origin),
            ),
        )

    def logout(self, actor: Actor) -> None:
        self._audit.record(
            AuditEvent(AuditAction.USER_LOGOUT, actor=actor, resource_type="user", resource_id=actor.user_id)
        )


def _address(source: str) -> str | None:
    """``source`` when it is an IP address (for ``audit_log.ip_address``), else ``None``."""
    try:
        return str(ipaddress.ip_address(source))
    except ValueError:
        return None
