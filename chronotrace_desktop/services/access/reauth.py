"""Re-authentication: the signed-in user's password asked again before faces are shown (issue 13, item 2).

A workstation left signed in must not let someone else reveal originals. So ``MediaAccessService.reveal`` and
``ExportService.export`` with originals refuse without a fresh :class:`ReauthProof`, which only
:meth:`ReauthService.confirm` makes, from the password:

* the password is checked with bcrypt against the account's row as a change of one's own password checks the
  current one (``services.admin.users``): a wrong one counts toward the sign-in throttle like a failed
  sign-in, so the reveal dialog is no way around it; a locked account is refused even with the right password,
  and so is an account disabled since it signed in;
* every attempt writes a ``user_reauthenticated`` row, with the reason of a refusal, the purpose and the source;
* a proof names its user, its purpose (``ReauthPurpose``: a reveal proof does not export) and when it lapses
  on this process's monotonic clock, sealed (HMAC) with a key drawn when the process starts: no other code path
  makes one, a changed one is refused, and none outlives the process.

How fresh (``reauth_minutes``, 5 by default): the dialogs ask for the password for every reveal and every
unredacted export, so a proof only has to last from the password to the start of the operation (a queued
worker, a slow database); minutes, not seconds, so a busy machine does not refuse a password just typed, and no
longer, so a proof is no session of its own. An operation that reveals many originals (an export, a
measurement) checks its proof once, when it starts (``MediaAccessService.revealer``), however long it runs.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass, field
from time import monotonic
from typing import TYPE_CHECKING

from chronotrace_desktop.domain.audit import AuditAction
from chronotrace_desktop.domain.clock import utcnow
from chronotrace_desktop.domain.errors import AuthenticationError
from chronotrace_desktop.services.access.audit import AuditEvent
from chronotrace_desktop.services.access.passwords import verify_password
from chronotrace_desktop.services.access.throttle import SignInThrottle, attempt_source
from chronotrace_desktop.storage.orm import User

if TYPE_CHECKING:
    import uuid
    from datetime import datetime

    from sqlalchemy.orm import Session

    from chronotrace_desktop.config import Settings
    from chronotrace_desktop.domain.users import Actor, ReauthPurpose
    from chronotrace_desktop.services.access.audit import AuditService
    from chronotrace_desktop.storage.database import Database

logger = logging.getLogger(__name__)

WRONG_REAUTH_PASSWORD = (
    "The password is wrong. After repeated failures it is refused for a while, even when right."
)
REAUTH_NEEDED = {
    "reauth_missing": "Enter your password again to {what}.",
    "reauth_expired": "Your password was confirmed too long ago: enter it again to {what}.",
    "reauth_other_user": "The password was confirmed by another account: enter yours to {what}.",
    "reauth_other_purpose": "The password was confirmed for something else: enter it again to {what}.",
    "reauth_invalid": "The password confirmation is not valid: enter your password again to {what}.",
}
_WHAT = {"reveal": "reveal faces", "export_unredacted": "export the unredacted originals"}
_SEAL_KEY = secrets.token_bytes(32)  # this process's; a proof is worth nothing in another one


@dataclass(frozen=True, slots=True)
class ReauthProof:
    """That ``user_id`` re-entered their password for ``purpose``; good until ``expires_at`` (``monotonic()``)."""

    user_id: uuid.UUID
    purpose: ReauthPurpose
    expires_at: float
    seal: bytes = field(repr=False)


def _seal(user_id: uuid.UUID, purpose: ReauthPurpose, expires_at: float) -> bytes:
    message = f"{user_id}|{purpose.value}|{expires_at!r}".encode()
    return hmac.new(_SEAL_KEY, message, hashlib.sha256).digest()


def proof_problem(actor: Actor, proof: ReauthProof | None, purpose: ReauthPurpose) -> str | None:
    """Why ``proof`` does not let ``actor`` do ``purpose`` now (a ``reauth_*`` reason), or ``None``."""
    if proof is None:
        return "reauth_missing"
    if not hmac.compare_digest(proof.seal, _seal(proof.user_id, proof.purpose, proof.expires_at)):
        return "reauth_invalid"
    if proof.user_id != actor.user_id:
        return "reauth_other_user"
    if proof.purpose != purpose:
        return "reauth_other_purpose"
    if monotonic() >= proof.expires_at:
        return "reauth_expired"
    return None


def reauth_needed(reason: str, purpose: ReauthPurpose) -> AuthenticationError:
    """The error a service raises for a refused proof (``reason`` from :func:`proof_problem`)."""
    return AuthenticationError(REAUTH_NEEDED[reason].format(what=_WHAT[purpose.value]))


class ReauthService:
    """Checks a signed-in user's password again and hands out the proof the revealing services ask for."""

    def __init__(self, database: Database, audit: AuditService, settings: Settings) -> None:
        self._db = database
        self._audit = audit
        self._rounds = settings.bcrypt_rounds
        self._window_s = settings.reauth_minutes * 60
        self._throttle = SignInThrottle(settings)

    def confirm(
        self, actor: Actor, password: str, purpose: ReauthPurpose, *, source: str | None = None
    ) -> ReauthProof:
        """A proof for ``purpose``, or :class:`AuthenticationError` (audited; a wrong password is counted).

        ``source``: where the request comes from, for the sign-in throttle (as ``AuthService.login``).
        """
        origin = attempt_source(source)
        with self._db.transaction() as session:
            user = session.get(User, actor.user_id, with_for_update=True)
            refusal = self._refusal(session, user, actor.email, password, origin, utcnow())
            self._audit.record_in(
                session,
                AuditEvent(
                    AuditAction.USER_REAUTHENTICATED,
                    actor=actor,
                    resource_type="user",
                    resource_id=actor.user_id,
                    success=refusal is None,
                    error_message=refusal,
                    metadata={"purpose": purpose.value, "source": origin}
                    | ({"reason": refusal} if refusal else {}),
                ),
            )
        if refusal is not None:
            logger.info("Re-authentication of %s refused (%s): %s", actor.email, purpose.value, refusal)
            raise AuthenticationError(WRONG_REAUTH_PASSWORD)
        expires_at = monotonic() + self._window_s
        return ReauthProof(actor.user_id, purpose, expires_at, _seal(actor.user_id, purpose, expires_at))

    def _refusal(
        self, session: Session, user: User | None, email: str, password: str, origin: str, now: datetime
    ) -> str | None:
        """Why ``password`` is refused (a wrong one counted as a failed sign-in), or ``None``. The session is
        signed in from ``origin``, so only that source's own counters hold it (as a password change)."""
        blocked = self._throttle.blocking(session, email, origin, trusted=True, now=now)
        right = verify_password(password, user.password_hash if user else None, rounds=self._rounds)
        if blocked is not None:
            return "locked" if blocked != "source" else "source_throttled"
        if user is None:
            return "unknown_user"
        if not right:
            user.failed_login_count = (user.failed_login_count or 0) + 1
            user.locked_until = self._throttle.count_failure(session, user.email, origin, now)
            return "wrong_password"
        if not user.is_active:
            return "inactive"
        return None
