"""E-mail alerts for new high and critical anomalies, to the recipients of the anomaly's camera.

An alertable anomaly is created with ``metadata.alert.state = pending`` and its recipients in
``alert_recipients``. ``send_due`` mails every pending anomaly whose next attempt is due: on success
``alert_sent``/``alert_sent_at`` are set (state ``sent``); on failure the attempt and its error are recorded
(state ``retrying``, next attempt after ``alert_retry_seconds`` doubling per attempt, capped at an hour) until
``alert_max_attempts``, then ``failed`` — visible in the queue and sent again by
``chronotrace anomalies send-alerts --retry-failed``. Nothing is dropped: without an SMTP host the alerts
stay pending (with that as their last error) until one is configured, and so do they while the settings would
send the SMTP password in clear. Each row is locked while it is sent (``FOR UPDATE SKIP LOCKED``), so two
processes never mail the same anomaly. Every send and failure is audited.

Each alert stands alone: one whose message cannot be built or sent (a stored value the mail cannot carry) is
marked failed with its error at once, and the next one is still sent. The message and its transport (TLS,
certificate checks) are in ``mailer``.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from chronotrace_desktop.domain.anomalies import CLOSED, AlertOutcome, AlertState, AnomalyStatus
from chronotrace_desktop.domain.audit import AuditAction
from chronotrace_desktop.domain.clock import utcnow
from chronotrace_desktop.domain.errors import UserFacingError
from chronotrace_desktop.services.access import AuditEvent
from chronotrace_desktop.services.anomalies.mailer import Mailer, alert_message
from chronotrace_desktop.storage.orm import Anomaly
from chronotrace_desktop.storage.secrets import SecretStore

if TYPE_CHECKING:
    import uuid
    from collections.abc import Iterable

    from chronotrace_desktop.config import Settings
    from chronotrace_desktop.domain.users import Actor
    from chronotrace_desktop.services.access import AuditService
    from chronotrace_desktop.storage.database import Database

logger = logging.getLogger(__name__)

MAX_BACKOFF_SECONDS = 3600.0
_WAITING = (AlertState.PENDING.value, AlertState.RETRYING.value)
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
        query = sa.select(Anomaly.id).where(
            Anomaly.alert_sent.is_not(True), Anomaly.meta["alert"]["state"].astext.in_(states)
        )
        if video_ids is not None:
            query = query.where(Anomaly.video_id.in_(list(video_ids)))
        with self._db.transaction() as session:
            ids = list(session.scalars(query.order_by(Anomaly.created_at)))
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
        with self._db.transaction() as session:
            row = session.scalars(
                sa.select(Anomaly).where(Anomaly.id == anomaly_id).with_for_update(skip_locked=True)
            ).first()
            if row is None or row.alert_sent:
                return AlertOutcome.SKIPPED, None
            meta = dict(row.meta or {})
            alert = dict(meta.get("alert") or {})
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
            error, final = self._mail(row, recipients, retries)
            attempts = int(alert.get("attempts", 0)) + 1
            history = [*alert.get("history", [])[-9:], {"at": now.isoformat(), "error": error}]
            alert.update(attempts=attempts, history=history, last_attempt_at=now.isoformat())
            if error is None:
                alert.update(state=AlertState.SENT.value, last_error=None, next_attempt_at=None)
                row.alert_sent = True
                row.alert_sent_at = utcnow()
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
            row.meta = {**meta, "alert": alert}
            self._audit.record_in(
                session,
                AuditEvent(
                    AuditAction.ANOMALY_ALERT_SENT if error is None else AuditAction.ANOMALY_ALERT_FAILED,
                    actor=actor,
                    resource_type="anomaly",
                    resource_id=row.id,
                    success=error is None,
                    error_message=error,
                    metadata={"recipients": recipients, "attempt": attempts, "state": alert["state"]},
                ),
            )
            return outcome, error

    def _mail(self, row: Anomaly, recipients: list[str], retries: int) -> tuple[str | None, bool]:
        """Build and send the alert: (the error or None, whether the error is final: no retry can help)."""
        try:
            message = alert_message(row, self._settings.smtp_from, recipients)
            return self._mailer.deliver(message, recipients, retries), False
        except UserFacingError as exc:  # a stored recipient that is not an address
            logger.warning("The alert of anomaly %s cannot be mailed: %s", row.id, exc)
            return f"cannot be mailed: {exc}"[:500], True
        except Exception as exc:  # unusable metadata, or a bug: this alert fails alone
            logger.exception("The alert of anomaly %s cannot be mailed", row.id)
            return f"cannot be mailed: {type(exc).__name__}: {exc}"[:500], True
