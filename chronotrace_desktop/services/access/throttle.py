"""Sign-in throttling: decaying counters of failed attempts per source, per account and per (account, source).

Why this shape (issue 13 item 8):

* **Counters that decay.** Each key holds a score, the failures weighted by age: it halves every lock-out
  period (``login_lockout_minutes``), so old failures fade by themselves instead of adding up for ever. When a
  failure brings a score, rounded to whole failures, to its limit the key is blocked for one lock-out period
  (so ``login_max_failures`` failures within a few minutes lock, as before; the same spread over hours do
  not). Attempts refused while a key
  is blocked are not counted: hammering a locked account does not extend its lock, and when the lock lapses the
  score has halved, so the next lock needs fresh failures.
* **Three keys per attempt.** ``pair`` (this account from this source, limit ``login_max_failures``) stops a
  guesser at one machine; ``account`` (this account from anywhere, same limit) stops a guesser spread over
  many machines; ``source`` (any account from this source, :data:`SOURCE_LIMIT_FACTOR` times the limit) stops
  one machine spraying a common password over many accounts.
* **The owner is not shut out.** The ``account`` block does not apply to a source the account signed in from
  successfully within :data:`TRUSTED_SOURCE_DAYS` (read from the audit trail): a third party who fails
  against a known account locks it for every other machine, but its owner at their own machine still signs in,
  held only by their own ``pair`` and ``source`` counters, which the third party cannot fill from elsewhere.
  (OWASP's "device cookie" idea, with the source in place of the cookie.)
* **Nothing tells accounts apart.** Unknown e-mails are counted exactly like known ones (the account key is the
  e-mail as typed), and the caller answers every refusal alike.

Where a source comes from matters: the desktop names itself (its host name) and a client that talks straight to
the database can claim any name, so on the desktop these counters slow guessing through the application and
nothing more (the database credentials are the boundary there; issue 13 item 1). A server in front (the API)
passes the client address it sees, which a client cannot choose freely.
"""

from __future__ import annotations

import logging
import socket
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert

from chronotrace_desktop.domain.audit import AuditAction
from chronotrace_desktop.storage.orm import AuditLog, LoginThrottleCounter

if TYPE_CHECKING:
    import uuid
    from datetime import datetime

    from sqlalchemy.orm import Session

    from chronotrace_desktop.config import Settings

logger = logging.getLogger(__name__)

SOURCE_LIMIT_FACTOR = 10
TRUSTED_SOURCE_DAYS = 90
# A counter this many half-lives old has faded to under a thousandth: its row is deleted.
_FORGET_AFTER_HALF_LIVES = 10
_KEY_CHARS = 255


def default_source() -> str:
    """Where a desktop's attempts come from: this machine."""
    return socket.gethostname() or "unknown-host"


def attempt_source(source: str | None) -> str:
    """The source an attempt is counted under: the one given (a server's client address), else this machine."""
    return (source or "").strip() or default_source()


def source_failure_limit(settings: Settings) -> int:
    return settings.login_max_failures * SOURCE_LIMIT_FACTOR


def decayed(score: float, since: datetime, now: datetime, half_life: timedelta) -> float:
    """``score`` as of ``since``, faded to ``now`` (a clock that went back fades nothing)."""
    elapsed = max((now - since).total_seconds(), 0.0)
    return float(score * 0.5 ** (elapsed / half_life.total_seconds()))


@dataclass(frozen=True, slots=True)
class Key:
    scope: str  # "pair", "account" or "source"
    account: str
    source: str
    limit: int


class SignInThrottle:
    """The counters of ``login_throttle``, in the caller's transaction."""

    def __init__(self, settings: Settings) -> None:
        self._limit = settings.login_max_failures
        self._source_limit = source_failure_limit(settings)
        self._period = timedelta(minutes=settings.login_lockout_minutes)

    def keys(self, account: str, source: str) -> list[Key]:
        """The counters of an attempt, in the order they are locked (account-wide ones first)."""
        account, source = account[:_KEY_CHARS] or "-", source[:_KEY_CHARS] or "-"
        return [
            Key("account", account, "", self._limit),
            Key("pair", account, source, self._limit),
            Key("source", "", source, self._source_limit),
        ]

    def blocking(
        self, session: Session, account: str, source: str, *, trusted: bool, now: datetime
    ) -> str | None:
        """The scope of the first counter that refuses this attempt now, or ``None``. ``trusted``: the account
        signed in from this source before, so the account-wide block does not hold it."""
        for key in self.keys(account, source):
            if key.scope == "account" and trusted:
                continue
            row = session.get(LoginThrottleCounter, (key.scope, key.account, key.source))
            if row is not None and row.blocked_until is not None and row.blocked_until > now:
                return key.scope
        return None

    def count_failure(self, session: Session, account: str, source: str, now: datetime) -> datetime | None:
        """Count a failed attempt in each of its counters; when the account-wide one is blocked, until when."""
        self._forget_faded(session, now)
        account_blocked: datetime | None = None
        for key in self.keys(account, source):
            row = self._locked_row(session, key, now)
            row.score = decayed(row.score, row.updated_at, now, self._period) + 1.0
            row.updated_at = max(row.updated_at, now)
            if round(row.score) >= key.limit and (row.blocked_until is None or row.blocked_until <= now):
                row.blocked_until = now + self._period
                logger.warning(
                    "Sign-in blocked for %g min after repeated failures (%s %s)",
                    self._period.total_seconds() / 60,
                    key.scope,
                    key.account or key.source,
                )
            if key.scope == "account" and row.blocked_until is not None and row.blocked_until > now:
                account_blocked = row.blocked_until
        return account_blocked

    def count_success(self, session: Session, account: str, source: str) -> None:
        """A signed-in source starts afresh for that account (its other counters keep fading)."""
        pair = self.keys(account, source)[1]
        session.execute(
            sa.delete(LoginThrottleCounter).where(
                LoginThrottleCounter.scope == pair.scope,
                LoginThrottleCounter.account == pair.account,
                LoginThrottleCounter.source == pair.source,
            )
        )

    def clear_account(self, session: Session, account: str) -> None:
        """An administrator's unlock: the account's own counters, from every source."""
        session.execute(
            sa.delete(LoginThrottleCounter).where(LoginThrottleCounter.account == account[:_KEY_CHARS])
        )

    @staticmethod
    def trusted(session: Session, user_id: uuid.UUID, source: str, now: datetime) -> bool:
        """Whether the account signed in from ``source`` within :data:`TRUSTED_SOURCE_DAYS`."""
        signed_in = sa.exists().where(
            AuditLog.user_id == user_id,
            AuditLog.action == AuditAction.USER_LOGIN.value,
            AuditLog.success.is_(True),
            AuditLog.created_at > now - timedelta(days=TRUSTED_SOURCE_DAYS),
            AuditLog.meta.contains({"source": source}),
        )
        return bool(session.scalar(sa.select(signed_in)))

    @staticmethod
    def _locked_row(session: Session, key: Key, now: datetime) -> LoginThrottleCounter:
        session.execute(
            insert(LoginThrottleCounter)
            .values(scope=key.scope, account=key.account, source=key.source, score=0.0, updated_at=now)
            .on_conflict_do_nothing()
        )
        return session.get_one(
            LoginThrottleCounter,
            (key.scope, key.account, key.source),
            with_for_update=True,
            populate_existing=True,
        )

    def _forget_faded(self, session: Session, now: datetime) -> None:
        faded = now - self._period * _FORGET_AFTER_HALF_LIVES
        session.execute(
            sa.delete(LoginThrottleCounter).where(
                LoginThrottleCounter.updated_at < faded,
                sa.or_(
                    LoginThrottleCounter.blocked_until.is_(None), LoginThrottleCounter.blocked_until < now
                ),
            )
        )
