"""Alert e-mail against real SMTP servers (aiosmtpd on 127.0.0.1) — issue 13, items 5 and 7.

Item 5: the server's certificate is verified under STARTTLS and SMTPS (a certificate made here, by a CA made
here, is refused until that CA is named in ``smtp_ca_file``), and no password goes out without TLS.
Item 7: an alert that cannot be built or sent is recorded as failed on its own row and the next one still goes
out; a line break stored in a camera id (from before the check) reaches no header.

The anomaly rows are written straight into the database (a video, a segment, a pending alert), as the scanner
leaves them; no clip is decoded.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import socket
import ssl
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from email import message_from_bytes, policy
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from chronotrace_desktop.config import SmtpSecurity
from chronotrace_desktop.domain.secrets import SecretName
from chronotrace_desktop.services.anomalies.alerts import AlertService
from chronotrace_desktop.storage.orm import Anomaly, Video, VideoSegment
from chronotrace_desktop.storage.secrets import SecretStore
from tests.conftest import scratch_dir
from tests.integration.conftest import Installation, new_installation

HOST = "127.0.0.1"
RECIPIENT = "night-desk@example.org"
USERNAME = "alerts"
PASSWORD = "smtp-secret-for-tests"


# ---------------------------------------------------------------- certificates made at test time


@dataclass(frozen=True)
class Pki:
    ca_file: Path
    cert_file: Path
    key_file: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.cert_file, self.key_file)
        return context


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def make_pki(folder: Path) -> Pki:
    """A CA of its own and a server certificate for 127.0.0.1 and localhost signed by it."""
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(_name("ChronoTrace test CA"))
        .issuer_name(_name("ChronoTrace test CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name("localhost"))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address(HOST))]
            ),
            critical=False,
        )
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    pki = Pki(folder / "ca.pem", folder / "server.pem", folder / "server.key")
    pki.ca_file.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    pki.cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    pki.key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return pki


# ---------------------------------------------------------------- the SMTP servers


@dataclass
class Mailbox:
    """What the server saw: every AUTH attempt (login, password) and every message delivered."""

    logins: list[tuple[bytes, bytes]] = field(default_factory=list)
    messages: list[tuple[list[str], Message]] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd hook
        self.messages.append(
            (list(envelope.rcpt_tos), message_from_bytes(envelope.content, policy=policy.default))
        )
        return "250 OK"

    def authenticate(self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        assert isinstance(data, LoginPassword)
        self.logins.append((data.login, data.password))
        ok = (data.login, data.password) == (USERNAME.encode(), PASSWORD.encode())
        return AuthResult(success=ok)


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


@contextmanager
def smtp_server(security: SmtpSecurity, pki: Pki) -> Iterator[tuple[int, Mailbox]]:
    """A server speaking ``security``: STARTTLS required before mail; TLS from the first byte; or plain text
    that would even take a password in clear (so a client that sends one is caught)."""
    box = Mailbox()
    port = free_port()
    options: dict[str, Any] = {"authenticator": box.authenticate, "auth_require_tls": False}
    if security is SmtpSecurity.STARTTLS:
        options.update(tls_context=pki.server_context(), require_starttls=True, auth_require_tls=True)
    elif security is SmtpSecurity.SMTPS:
        options.update(ssl_context=pki.server_context())
    controller = Controller(box, hostname=HOST, port=port, **options)
    controller.start()
    try:
        yield port, box
    finally:
        controller.stop()


# ---------------------------------------------------------------- installation and alerts


@pytest.fixture(scope="module")
def inst() -> Iterator[Installation]:
    with new_installation("embedded") as made:
        SecretStore().set(SecretName.SMTP_PASSWORD, HOST, PASSWORD)
        yield made


@pytest.fixture(scope="module")
def pki() -> Pki:
    return make_pki(scratch_dir("smtp-pki-"))


def pending_alert(
    inst: Installation,
    *,
    camera_id: str = "CAM-GATE",
    recipients: tuple[str, ...] = (RECIPIENT,),
    meta: dict[str, Any] | None = None,
) -> tuple[uuid.UUID, uuid.UUID]:
    """A video with one high-severity anomaly whose alert is pending, as the scanner leaves it: (video, anomaly)."""
    with inst.services.database.transaction() as session:
        video = Video(
            filename=f"{uuid.uuid4().hex}.mp4",
            original_path="/evidence/gate.mp4",
            camera_id=camera_id,
            processing_status="completed",
        )
        session.add(video)
        session.flush()
        segment = VideoSegment(video_id=video.id, segment_index=0, start_time=0, end_time=10)
        session.add(segment)
        session.flush()
        anomaly = Anomaly(
            segment_id=segment.id,
            video_id=video.id,
            anomaly_type="perimeter_breach",
            confidence=Decimal("0.9"),
            severity="high",
            title="Person entered restricted zone 'Loading bay'",
            camera_id=camera_id,
            detected_at=dt.datetime(2024, 3, 6, 1, 30),
            alert_recipients=list(recipients),
            meta={"alert": {"state": "pending"}, "video_offset_start": 14.0, **(meta or {})},
        )
        session.add(anomaly)
        session.flush()
        return video.id, anomaly.id


def mailer(inst: Installation, port: int, **changes: object) -> AlertService:
    settings = inst.settings.model_copy(
        update={
            "smtp_host": HOST,
            "smtp_port": port,
            "smtp_timeout": 5.0,
            "alert_retry_seconds": 0.0,
            **changes,
        }
    )
    return AlertService(inst.services.database, settings, inst.services.audit)


def alert_of(inst: Installation, anomaly_id: uuid.UUID) -> tuple[bool, dict[str, Any]]:
    with inst.services.database.transaction() as session:
        row = session.get(Anomaly, anomaly_id)
        assert row is not None
        return bool(row.alert_sent), dict((row.meta or {})["alert"])


# ---------------------------------------------------------------- item 5: TLS verified, no password in clear


@pytest.mark.parametrize("security", [SmtpSecurity.STARTTLS, SmtpSecurity.SMTPS])
def test_an_untrusted_certificate_is_refused(inst: Installation, pki: Pki, security: SmtpSecurity) -> None:
    video_id, anomaly_id = pending_alert(inst)
    with smtp_server(security, pki) as (port, box):
        report = mailer(inst, port, smtp_security=security).send_due(
            inst.admin, video_ids=[video_id], immediate_retries=0
        )
    assert report.sent == 0
    assert box.messages == []
    assert box.logins == []
    sent, alert = alert_of(inst, anomaly_id)
    assert not sent
    assert alert["state"] == "retrying"
    assert "CERTIFICATE_VERIFY_FAILED" in alert["last_error"]


@pytest.mark.parametrize("security", [SmtpSecurity.STARTTLS, SmtpSecurity.SMTPS])
def test_a_certificate_from_the_named_ca_is_trusted_and_the_password_goes_over_tls(
    inst: Installation, pki: Pki, security: SmtpSecurity
) -> None:
    video_id, anomaly_id = pending_alert(inst)
    with smtp_server(security, pki) as (port, box):
        service = mailer(inst, port, smtp_security=security, smtp_ca_file=pki.ca_file, smtp_username=USERNAME)
        report = service.send_due(inst.admin, video_ids=[video_id], immediate_retries=0)
    assert report.sent == 1, report.errors
    assert box.logins == [(USERNAME.encode(), PASSWORD.encode())]
    [(rcpt_tos, message)] = box.messages
    assert rcpt_tos == [RECIPIENT]
    assert "Loading bay" in str(message["Subject"])
    sent, alert = alert_of(inst, anomaly_id)
    assert sent
    assert alert["state"] == "sent"


def test_no_password_is_sent_without_tls(inst: Installation, pki: Pki) -> None:
    """With ``smtp_security = none`` and a user name, the alert waits with the cause named; the server, which
    would take a password in clear, never sees one (nor the mail)."""
    video_id, anomaly_id = pending_alert(inst)
    with smtp_server(SmtpSecurity.NONE, pki) as (port, box):
        service = mailer(inst, port, smtp_security=SmtpSecurity.NONE, smtp_username=USERNAME)
        report = service.send_due(inst.admin, video_ids=[video_id], immediate_retries=0)
    assert box.logins == []
    assert box.messages == []
    assert report.sent == 0
    assert report.waiting == 1
    sent, alert = alert_of(inst, anomaly_id)
    assert not sent
    assert alert["state"] == "pending"
    assert "in clear" in alert["last_error"]
    assert "smtp_security" in alert["last_error"]


# ---------------------------------------------------------------- item 7: each alert on its own


def test_an_alert_that_cannot_be_mailed_fails_alone_and_the_next_is_still_sent(
    inst: Installation, pki: Pki
) -> None:
    """Two broken rows first (metadata the message cannot be built from; a stored recipient with a line break),
    then a good one: the broken ones are marked failed with their error, the good one goes out."""
    unbuildable = pending_alert(inst, meta={"video_offset_start": "fourteen"})
    unsendable = pending_alert(inst, recipients=("night-desk@example.org\r\nRCPT TO:<someone@example.org>",))
    good = pending_alert(inst)
    with smtp_server(SmtpSecurity.NONE, pki) as (port, box):
        report = mailer(inst, port, smtp_security=SmtpSecurity.NONE).send_due(
            inst.admin, video_ids=[unbuildable[0], unsendable[0], good[0]], immediate_retries=0
        )
    assert report.sent == 1
    assert report.failed == 2
    assert [rcpt for rcpt, _ in box.messages] == [[RECIPIENT]]
    for _, anomaly_id in (unbuildable, unsendable):
        sent, alert = alert_of(inst, anomaly_id)
        assert not sent
        assert alert["state"] == "failed"
        assert alert["attempts"] == 1
        assert alert["last_error"]
    assert alert_of(inst, good[1])[0]


def test_a_line_break_stored_in_a_camera_id_reaches_no_header(inst: Installation, pki: Pki) -> None:
    """A camera id stored before ingest refused line breaks: the mail still goes, its Subject on one line."""
    video_id, anomaly_id = pending_alert(inst, camera_id="CAM-GATE\r\nBcc: someone@example.org")
    with smtp_server(SmtpSecurity.NONE, pki) as (port, box):
        report = mailer(inst, port, smtp_security=SmtpSecurity.NONE).send_due(
            inst.admin, video_ids=[video_id], immediate_retries=0
        )
    assert report.sent == 1, report.errors
    [(rcpt_tos, message)] = box.messages
    assert rcpt_tos == [RECIPIENT]
    assert message["Bcc"] is None
    subject = str(message["Subject"])
    assert "CAM-GATE" in subject
    assert "\n" not in subject
    assert "\r" not in subject
    assert alert_of(inst, anomaly_id)[0]
