"""E-mail alerts for new high and critical anomalies, to the recipients of the anomaly's camera.

An alertable anomaly is created with ``metadata.alert.state = pending`` and its recipients in
``alert_recipients``. ``send_due`` mails every pending anomaly whose next attempt is due: on success
``alert_sent``/``alert_sent_at`` are set (state ``sent``); on failure the attempt and its error are recorded
(state ``retrying``, next attempt after ``alert_retry_seconds`` doubling per attempt, capped at an hour) until
``alert_max_attempts``, then ``failed`` — visible in the queue and sent again by
``chronotrace anomalies send-alerts --retry-failed``. Nothing is dropped: without an SMTP host the alerts
stay pending (with that as their last error) until one is configured, and so do they while the settings would
send the SMTP password in clear. Every send and failure is audited.

No database transaction is open while the SMTP server is spoken to. A due alert is first claimed in a short
transaction (its row taken ``FOR UPDATE SKIP LOCKED``, then ``metadata.alert.claim``/``claimed_until`` set:
a lease long enough for every attempt of one send), the message is built there and the transaction closed;
then it is mailed; then the outcome is written (and the claim released) in a new short transaction. Another
sender skips a claimed alert until its lease ends, so two processes never mail the same anomaly; a sender
that dies between the send and the record leaves the lease to run out, and the alert is mailed again
(at least once, never lost). The state stays ``pending``/``retrying`` while claimed.

Alerts of soft-deleted videos are never mailed: they are retired (state ``not_required``, ``reason`` says the
video was deleted) when a pass meets them, rather than left waiting.

Each alert stands alone: one whose message cannot be built or sent (a stored value the mail cannot carry) is
marked failed with its error at once, and the next one is still sent. The message and its transport (TLS,
certificate checks) are in ``mailer``.
"""

from __future__ import annotations

import logging
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from chronotrace_desktop.domain.anomalies import CLOSED, AlertOutcome, AlertState, AnomalyStatus
from chronotrace_desktop.domain.audit import AuditAction
from chronotrace_desktop.domain.clock import utcnow
from chronotrace_desktop.domain.errors import UserFacingError
from chronotrace_desktop.services.access import AuditEvent
from chronotrace_desktop.services.anomalies.mailer import Mailer, alert_message
from chronotrace_desktop.storage.orm import Anomaly, Video
from chronotrace_desktop.storage.secrets import SecretStore

if TYPE_CHECKING:
    from collections.abc import Iterable
    from email.message import EmailMessage

    from sqlalchemy.orm import Session

    from chronotrace_desktop.config import Settings
    from chronotrace_desktop.domain.users import Actor
    from chronotrace_desktop.services.access import AuditService
    from chronotrace_desktop.storage.database import Database

logger = logging.getLogger(__name__)

MAX_BACKOFF_SECONDS = 3600.0
_WAITING = (AlertState.PENDING.value, AlertState.RETRYING.value)
DELETED = "the video was deleted before it was sent"
_REPORTED = (AlertOutcome.SENT, AlertOutcome.RETRYING, AlertOutcome.FAILED, AlertOutcome.WAITING)


@dataclass(frozen=True, slots=True)
class AlertReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    waiting: int = 0  # pending: no SMTP server is configured, or the settings would send a password in clear
    errors: tuple[str, ...] = field(default=())

    def as_json(self) -> dict[str, Any]:
        return {
            "sent": self.sent,
            "retrying": self.retrying,
            "failed": self.failed,
            "waiting": self.waiting,
            "errors": list(self.errors),
        }


class AlertService:
    def __init__(
        self, database: Database, settings: Settings, audit: AuditService, secrets: SecretStore | None = None
    ) -> None:
        self._db = database
        self._settings = settings
        self._audit = audit
        self._mailer = Mailer(settings, secrets or SecretStore())

    def send_due(
        self,
        actor: Actor | None,
        *,
        video_ids: Iterable[uuid.UUID] | None = None,
        retry_failed: bool = False,
        immediate_retries: int = 2,
    ) -> AlertReport:
        """Mail every due alert (of ``video_ids`` only, if given); ``retry_failed`` re-arms failed ones."""
        now = utcnow()
        states = [*_WAITING, AlertState.FAILED.value] if retry_failed else list(_WAITING)
        waiting = [Anomaly.alert_sent.is_not(True), Anomaly.meta["alert"]["state"].astext.in_(states)]
        if video_ids is not None:
            waiting.append(Anomaly.video_id.in_(list(video_ids)))
        with self._db.transaction() as session:
            _retire_deleted(session, waiting)
            ids = list(
                session.scalars(
                    sa.select(Anomaly.id)
                    .join(Video, Video.id == Anomaly.video_id)
                    .where(*waiting, Video.deleted_at.is_(None))
                    .order_by(Anomaly.created_at)
                )
            )
        counts: Counter[AlertOutcome] = Counter()
        errors: list[str] = []
        for anomaly_id in ids:
            try:
                outcome, error = self._send_one(actor, anomaly_id, now, retry_failed, immediate_retries)
            except UserFacingError:
                raise  # the database or the keyring is unavailable: no later alert would fare better
            except Exception as exc:  # a bug in one alert's bookkeeping must not hold back the others
                logger.exception("The alert of anomaly %s could not be processed", anomaly_id)
                outcome, error = AlertOutcome.FAILED, f"{type(exc).__name__}: {exc}"[:500]
            counts[outcome] += 1
            if error:
                errors.append(f"{anomaly_id}: {error}")
        summary = ", ".join(f"{counts[o]} {o}" for o in _REPORTED if counts[o])
        if summary:
            logger.info("Alerts: %s", summary)
        return AlertReport(
            sent=counts[AlertOutcome.SENT],
            retrying=counts[AlertOutcome.RETRYING],
            failed=counts[AlertOutcome.FAILED],
            waiting=counts[AlertOutcome.WAITING],
            errors=tuple(errors),
        )

    def _send_one(
        self, actor: Actor | None, anomaly_id: uuid.UUID, now: datetime, retry_failed: bool, retries: int
    ) -> tuple[AlertOutcome, str | None]:
        """Claim the alert (one transaction), mail it with no transaction open, record the outcome (another)."""
        claim = self._claim(anomaly_id, now, retry_failed, retries)
        if not isinstance(claim, _Claim):
            return claim
        error, final = claim.error, claim.error is not None
        if claim.message is not None:
            try:
                error = self._mailer.deliver(claim.message, claim.recipients, retries)
            except Exception as exc:  # a value the SMTP library refuses, or a bug: this alert fails alone
                logger.exception("The alert of anomaly %s cannot be mailed", anomaly_id)
                error, final = f"cannot be mailed: {type(exc).__name__}: {exc}"[:500], True
        return self._record(actor, claim, now, error, final)

    def _claim(
        self, anomaly_id: uuid.UUID, now: datetime, retry_failed: bool, retries: int
    ) -> _Claim | tuple[AlertOutcome, str | None]:
        """Take a lease on a due alert and build its message; or what this pass does instead."""
        with self._db.transaction() as session:
            row = session.scalars(
                sa.select(Anomaly).where(Anomaly.id == anomaly_id).with_for_update(skip_locked=True)
            ).first()
            if row is None or row.alert_sent:
                return AlertOutcome.SKIPPED, None
            meta = dict(row.meta or {})
            alert = dict(meta.get("alert") or {})
            claimed_until = alert.get("claimed_until")
            if claimed_until and _naive(claimed_until) > utcnow():
                return AlertOutcome.SKIPPED, None  # another sender is mailing it
            # FOR SHARE: a deletion of the video waits until the claim is taken (or refused)
            deleted = session.scalar(
                sa.select(Video.deleted_at).where(Video.id == row.video_id).with_for_update(read=True)
            )
            if deleted is not None:
                _retire(row, DELETED)
                return AlertOutcome.SKIPPED, None
            due = alert.get("next_attempt_at")
            if alert.get("state") == AlertState.FAILED.value and retry_failed:
                alert.update(state=AlertState.RETRYING.value, attempts=0, next_attempt_at=None)
            elif due and not retry_failed and datetime.fromisoformat(due) > now:
                return AlertOutcome.SKIPPED, None
            if AnomalyStatus(row.status or "new") in CLOSED:
                alert.update(state=AlertState.NOT_REQUIRED.value, reason="closed before it was sent")
                row.meta = {**meta, "alert": alert}
                return AlertOutcome.SKIPPED, None
            recipients = list(row.alert_recipients or [])
            waiting = self._mailer.problem() if recipients else "the camera has no recipients"
            if waiting:
                alert["last_error"] = waiting
                row.meta = {**meta, "alert": alert}
                return AlertOutcome.WAITING, waiting
            message, error = self._message(row, recipients)
            token = uuid.uuid4().hex
            alert.update(claim=token, claimed_until=(utcnow() + self._lease(retries)).isoformat())
            row.meta = {**meta, "alert": alert}
            return _Claim(row.id, token, recipients, message, error)

    def _record(
        self, actor: Actor | None, claim: _Claim, now: datetime, error: str | None, final: bool
    ) -> tuple[AlertOutcome, str | None]:
        """Write the outcome of a send on the alert (and release the claim), and audit it."""
        with self._db.transaction() as session:
            row = session.get(Anomaly, claim.anomaly_id, with_for_update=True)
            meta = dict(row.meta or {}) if row is not None else {}
            alert = dict(meta.get("alert") or {})
            if alert.get("claim") == claim.token:
                alert.pop("claim", None)
                alert.pop("claimed_until", None)
            else:  # the lease ran out (or a rescan rewrote the row): record this attempt all the same
                logger.warning(
                    "The claim on the alert of anomaly %s was lost while it was sent", claim.anomaly_id
                )
            attempts = int(alert.get("attempts", 0)) + 1
            history = [*alert.get("history", [])[-9:], {"at": now.isoformat(), "error": error}]
            alert.update(attempts=attempts, history=history, last_attempt_at=now.isoformat())
            if error is None:
                alert.update(state=AlertState.SENT.value, last_error=None, next_attempt_at=None)
                outcome = AlertOutcome.SENT
            elif final or attempts >= self._settings.alert_max_attempts:
                alert.update(state=AlertState.FAILED.value, last_error=error, next_attempt_at=None)
                outcome = AlertOutcome.FAILED
            else:
                delay = min(MAX_BACKOFF_SECONDS, self._settings.alert_retry_seconds * 2 ** (attempts - 1))
                alert.update(
                    state=AlertState.RETRYING.value,
                    last_error=error,
                    next_attempt_at=(now + timedelta(seconds=delay)).isoformat(),
                )
                outcome = AlertOutcome.RETRYING
            if row is not None and not (row.alert_sent and error is not None):  # a send that went stands
                row.meta = {**meta, "alert": alert}
                if error is None:
                    row.alert_sent = True
                    row.alert_sent_at = utcnow()
            self._audit.record_in(
                session,
                AuditEvent(
                    AuditAction.ANOMALY_ALERT_SENT if error is None else AuditAction.ANOMALY_ALERT_FAILED,
                    actor=actor,
                    resource_type="anomaly",
                    resource_id=claim.anomaly_id,
                    success=error is None,
                    error_message=error,
                    metadata={"recipients": claim.recipients, "attempt": attempts, "state": alert["state"]},
                ),
            )
            return outcome, error

    def _lease(self, retries: int) -> timedelta:
        """How long a claim holds: every attempt of one send at a few SMTP time-outs each, its pauses, a margin."""
        pauses = sum(0.5 * 2**i for i in range(retries))
        return timedelta(seconds=(retries + 1) * 4 * self._settings.smtp_timeout + pauses + 60)

    def _message(self, row: Anomaly, recipients: list[str]) -> tuple[EmailMessage | None, str | None]:
        """The alert's message, or the final error why it cannot be built (no retry can help)."""
        try:
            return alert_message(row, self._settings.smtp_from, recipients), None
        except UserFacingError as exc:  # a stored recipient that is not an address
            logger.warning("The alert of anomaly %s cannot be mailed: %s", row.id, exc)
            return None, f"cannot be mailed: {exc}"[:500]
        except Exception as exc:  # unusable metadata, or a bug: this alert fails alone
            logger.exception("The alert of anomaly %s cannot be mailed", row.id)
            return None, f"cannot be mailed: {type(exc).__name__}: {exc}"[:500]


@dataclass(frozen=True, slots=True)
class _Claim:
    """An alert taken by this sender: the message to send (``None`` when it cannot be built: ``error``)."""

    anomaly_id: uuid.UUID
    token: str
    recipients: list[str]
    message: EmailMessage | None
    error: str | None


def _naive(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo is None else moment.astimezone(UTC).replace(tzinfo=None)


def _retire(row: Anomaly, reason: str) -> None:
    meta = dict(row.meta or {})
    alert = dict(meta.get("alert") or {})
    alert.update(state=AlertState.NOT_REQUIRED.value, reason=reason, next_attempt_at=None)
    alert.pop("claim", None)
    alert.pop("claimed_until", None)
    row.meta = {**meta, "alert": alert}


def _retire_deleted(session: Session, waiting: list[sa.ColumnElement[bool]]) -> None:
    """Alerts waiting on anomalies of soft-deleted videos are retired (``not_required``), never mailed."""
    rows = session.scalars(
        sa.select(Anomaly)
        .join(Video, Video.id == Anomaly.video_id)
        .where(*waiting, Video.deleted_at.is_not(None))
        .with_for_update(of=Anomaly, skip_locked=True)
    ).all()
    for row in rows:
        _retire(row, DELETED)
    if rows:
        logger.info("Alerts: %d of deleted videos retired unsent", len(rows))
