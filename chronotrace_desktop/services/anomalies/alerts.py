"""E-mail alerts for new high and critical anomalies, to the recipients of the anomaly's camera.

An alertable anomaly is created with ``metadata.alert.state = pending`` and its recipients in
``alert_recipients``. ``send_due`` mails every pending anomaly whose next attempt is due: on success
``alert_sent``/``alert_sent_at`` are set (state ``sent``); on failure the attempt and its error are recorded
(state ``retrying``, next attempt after ``alert_retry_seconds`` doubling per attempt, capped at an hour) until
``alert_max_attempts``, then ``failed`` — visible in the queue and sent again by
``chronotrace anomalies send-alerts --retry-failed``. Nothing is dropped: without an SMTP host the alerts
stay pending (with that as their last error) until one is configured. Each row is locked while it is sent
(``FOR UPDATE SKIP LOCKED``), so two processes never mail the same anomaly. Every send and failure is audited.

The mail holds the anomaly's text only: no frame, no thumbnail (faces stay in the workstation).
"""

from __future__ import annotations

import logging
import smtplib
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from chronotrace_desktop.domain.anomalies import CLOSED, AlertOutcome, AlertState, AnomalyStatus
from chronotrace_desktop.domain.audit import AuditAction
from chronotrace_desktop.domain.clock import utcnow
from chronotrace_desktop.domain.secrets import SecretName
from chronotrace_desktop.services.access import AuditEvent
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
    waiting: int = 0  # pending, but no SMTP server is configured
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
        self._secrets = secrets or SecretStore()

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
            outcome, error = self._send_one(actor, anomaly_id, now, retry_failed, immediate_retries)
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
            if not self._settings.smtp_host or not recipients:
                alert["last_error"] = (
                    "no SMTP server is configured (smtp_host)"
                    if recipients
                    else "the camera has no recipients"
                )
                row.meta = {**meta, "alert": alert}
                return AlertOutcome.WAITING, alert["last_error"]
            error = self._deliver(_message(row, self._settings.smtp_from, recipients), recipients, retries)
            attempts = int(alert.get("attempts", 0)) + 1
            history = [*alert.get("history", [])[-9:], {"at": now.isoformat(), "error": error}]
            alert.update(attempts=attempts, history=history, last_attempt_at=now.isoformat())
            if error is None:
                alert.update(state=AlertState.SENT.value, last_error=None, next_attempt_at=None)
                row.alert_sent = True
                row.alert_sent_at = utcnow()
                outcome = AlertOutcome.SENT
            elif attempts >= self._settings.alert_max_attempts:
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

    def _deliver(self, message: EmailMessage, recipients: list[str], retries: int) -> str | None:
        """Send, trying ``retries`` more times after 0.5 s, 1 s, ...; the last error, or None when sent."""
        error: str | None = None
        for attempt in range(retries + 1):
            if attempt:
                time.sleep(0.5 * 2 ** (attempt - 1))
            try:
                self._smtp_send(message, recipients)
                return None
            except (smtplib.SMTPException, OSError) as exc:
                error = f"{type(exc).__name__}: {exc}"[:500]
                logger.warning("Sending alert to %s failed: %s", ", ".join(recipients), error)
        return error

    def _smtp_send(self, message: EmailMessage, recipients: list[str]) -> None:
        s = self._settings
        assert s.smtp_host is not None
        with smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=s.smtp_timeout) as client:
            if s.smtp_starttls:
                client.starttls()
            if s.smtp_username:
                password = self._secrets.get(SecretName.SMTP_PASSWORD, s.smtp_host) or ""
                client.login(s.smtp_username, password)
            client.send_message(message, from_addr=s.smtp_from, to_addrs=recipients)


def _message(row: Anomaly, sender: str, recipients: list[str]) -> EmailMessage:
    meta = row.meta or {}
    severity = (row.severity or "medium").upper()
    message = EmailMessage()
    message["Subject"] = f"[ChronoTrace] {severity}: {row.title} ({row.camera_id or 'no camera'})"
    message["From"] = sender
    message["To"] = ", ".join(recipients)
    message["X-ChronoTrace-Anomaly"] = str(row.id)
    offset = meta.get("video_offset_start")
    lines = [
        f"{severity} anomaly: {row.title}",
        "",
        row.description or "",
        "",
        f"Type:        {row.anomaly_type}",
        f"Confidence:  {float(row.confidence):.2f}",
        f"Camera:      {row.camera_id or '-'}  {row.location or ''}".rstrip(),
        f"Detected at: {row.detected_at:%Y-%m-%d %H:%M:%S} UTC"
        + (" (ingest time + offset)" if meta.get("detected_at_source") != "recorded_at" else ""),
        f"Video:       {meta.get('video_filename', row.video_id)}"
        + (f" at {offset:.0f} s" if offset else ""),
        f"Anomaly id:  {row.id}",
        "",
        "Review it in ChronoTrace (anomaly queue). This message holds no images.",
    ]
    message.set_content("\n".join(lines))
    return message
