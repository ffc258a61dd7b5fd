"""The alert e-mail: what it says, and how it reaches the SMTP server.

Transport (``smtp_security``): ``starttls`` upgrades a plain connection with STARTTLS, which must succeed;
``smtps`` speaks TLS from the first byte. Both verify the server's certificate and host name, against the
system's trust store or the certificates of ``smtp_ca_file``. ``none`` sends in clear and is refused while
``smtp_username`` is set: the password would cross the network readable (:meth:`Mailer.problem`).

Stored values (titles, camera ids, locations) reach the headers through ``one_line``, so a line break stored
in one can neither break the message nor add a header; recipients are checked as addresses before any is
used. The mail holds the anomaly's text only: no frame, no thumbnail (faces stay in the workstation).
"""

from __future__ import annotations

import logging
import smtplib
import ssl
import time
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import TYPE_CHECKING, Any

from chronotrace_desktop.config import SmtpSecurity
from chronotrace_desktop.domain.errors import InvalidInputError, UserFacingError
from chronotrace_desktop.domain.identifiers import one_line
from chronotrace_desktop.domain.secrets import SecretName
from chronotrace_desktop.domain.users import email_problem

if TYPE_CHECKING:
    from chronotrace_desktop.config import Settings
    from chronotrace_desktop.storage.orm import Anomaly
    from chronotrace_desktop.storage.secrets import SecretStore

logger = logging.getLogger(__name__)

NO_SERVER = "no SMTP server is configured (smtp_host)"
PASSWORD_IN_CLEAR = (
    "not sent: the SMTP password would go in clear (smtp_username is set and smtp_security is none); "
    "set smtp_security to starttls or smtps"
)


class SmtpSettingsError(smtplib.SMTPException):
    """The settings do not let this message go: no server, or a password that would go in clear."""


class Mailer:
    """Sends one message at a time to the configured SMTP server (a new connection each time)."""

    def __init__(self, settings: Settings, secrets: SecretStore) -> None:
        self._settings = settings
        self._secrets = secrets

    def problem(self) -> str | None:
        """Why nothing can be sent with these settings (checked before connecting), or ``None``."""
        s = self._settings
        if not s.smtp_host:
            return NO_SERVER
        if s.smtp_username and s.smtp_security is SmtpSecurity.NONE:
            return PASSWORD_IN_CLEAR
        return None

    def deliver(self, message: EmailMessage, recipients: list[str], retries: int) -> str | None:
        """Send, trying ``retries`` more times after 0.5 s, 1 s, ...; the last error, or None when sent.

        Connection, TLS, SMTP and keyring failures are returned; anything else (a bug, a value the SMTP
        library refuses) is raised for the caller to record."""
        error: str | None = None
        for attempt in range(retries + 1):
            if attempt:
                time.sleep(0.5 * 2 ** (attempt - 1))
            try:
                self.send(message, recipients)
                return None
            except (smtplib.SMTPException, OSError, UserFacingError) as exc:
                error = f"{type(exc).__name__}: {exc}"[:500]
                logger.warning("Sending alert to %s failed: %s", ", ".join(recipients), error)
        return error

    def send(self, message: EmailMessage, recipients: list[str]) -> None:
        s = self._settings
        problem = self.problem()
        if problem is not None or s.smtp_host is None:  # (the second for the type checker: problem() saw it)
            raise SmtpSettingsError(problem or NO_SERVER)
        context = None
        if s.smtp_security is not SmtpSecurity.NONE:
            context = ssl.create_default_context(cafile=s.smtp_ca_file)  # verifies certificate and host name
        password = self._secrets.get(SecretName.SMTP_PASSWORD, s.smtp_host) if s.smtp_username else None
        client = (
            smtplib.SMTP_SSL(s.smtp_host, s.smtp_port, timeout=s.smtp_timeout, context=context)
            if s.smtp_security is SmtpSecurity.SMTPS
            else smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=s.smtp_timeout)
        )
        with client:
            if s.smtp_security is SmtpSecurity.STARTTLS:  # raises unless offered and verified: no downgrade
                client.starttls(context=context)
            if s.smtp_username:
                if not isinstance(client.sock, ssl.SSLSocket):
                    raise SmtpSettingsError(PASSWORD_IN_CLEAR)
                client.login(s.smtp_username, password or "")
            client.send_message(message, from_addr=s.smtp_from, to_addrs=recipients)


def _recorder_time(detected_at: datetime, offset: Any) -> str:
    """`` (recorder 14:28:52)`` when the video's recorder clock was corrected by ``offset`` seconds."""
    if not offset:
        return ""
    return f" (recorder {detected_at - timedelta(seconds=float(offset)):%Y-%m-%d %H:%M:%S})"


def alert_message(row: Anomaly, sender: str, recipients: list[str]) -> EmailMessage:
    """The e-mail of one anomaly. Raises :class:`InvalidInputError` for a recipient that is not an address
    (a stored value from before they were checked), ``ValueError`` or ``TypeError`` for unusable metadata."""
    for address in recipients:
        problem = email_problem(address)  # no line break: it would add SMTP commands or headers
        if problem:
            raise InvalidInputError(f"cannot mail this recipient: {problem}")
    meta = row.meta or {}
    severity = (row.severity or "medium").upper()
    camera = one_line(row.camera_id or "")
    message = EmailMessage()
    message["Subject"] = one_line(f"[ChronoTrace] {severity}: {row.title} ({camera or 'no camera'})")
    message["From"] = one_line(sender)
    message["To"] = ", ".join(recipients)
    message["X-ChronoTrace-Anomaly"] = str(row.id)
    offset = meta.get("video_offset_start")
    lines = [
        f"{severity} anomaly: {one_line(row.title or '')}",
        "",
        row.description or "",
        "",
        f"Type:        {row.anomaly_type}",
        f"Confidence:  {float(row.confidence):.2f}",
        f"Camera:      {camera or '-'}  {one_line(row.location or '')}".rstrip(),
        f"Detected at: {row.detected_at:%Y-%m-%d %H:%M:%S} UTC"
        + (" (ingest time + offset)" if meta.get("detected_at_source") != "recorded_at" else "")
        + _recorder_time(row.detected_at, meta.get("clock_offset_s")),
        f"Video:       {one_line(str(meta.get('video_filename', row.video_id)))}"
        + (f" at {offset:.0f} s" if offset else ""),
        f"Anomaly id:  {row.id}",
        "",
        "Review it in ChronoTrace (anomaly queue). This message holds no images.",
    ]
    message.set_content("\n".join(lines))
    return message
