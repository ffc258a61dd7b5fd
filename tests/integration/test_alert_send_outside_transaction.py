"""Alert sending and the database — issue 13 (low): no SMTP inside a DB transaction; soft-deleted videos.

A real SMTP server (aiosmtpd on 127.0.0.1) looks at the database when a message arrives, through a connection
of its own: no session of the application may then be ``idle in transaction`` (a transaction left open while
the sender talks to the mail server, holding its row locks). A second sender started at that moment mails
nothing: the alert is claimed. An alert of a soft-deleted video is never mailed, and is retired
(``not_required``) rather than left pending.

The anomaly rows are written straight into the database, as in ``test_alert_mail_security``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from typing import Any

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from sqlalchemy.pool import NullPool

from chronotrace_desktop.config import SmtpSecurity
from chronotrace_desktop.domain.clock import utcnow
from chronotrace_desktop.services.anomalies.alerts import AlertReport
from chronotrace_desktop.storage.orm import Video
from tests.integration.conftest import Installation, new_installation
from tests.integration.test_alert_mail_security import (
    HOST,
    alert_of,
    free_port,
    mailer,
    pending_alert,
)

_OPEN_TRANSACTIONS = sa.text(
    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
    "AND pid <> pg_backend_pid() AND state LIKE 'idle in transaction%'"
)


@dataclass
class Watchdog:
    """An SMTP handler that, as each message arrives, counts the application's open transactions and runs a
    second sender (to a port where nothing listens) to see whether it would mail the same alert."""

    inst: Installation
    videos: dict[str, Any]  # anomaly id -> its video: the second sender looks at the arriving alert only
    open_transactions: list[int] = field(default_factory=list)
    second_sender: list[AlertReport] = field(default_factory=list)
    anomaly_ids: list[str] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd hook
        message = message_from_bytes(envelope.content, policy=policy.default)
        self.anomaly_ids.append(str(message["X-ChronoTrace-Anomaly"]))
        engine = sa.create_engine(self.inst.services.database.engine.url, poolclass=NullPool)
        try:
            with engine.connect() as connection:
                self.open_transactions.append(int(connection.scalar(_OPEN_TRANSACTIONS) or 0))
        finally:
            engine.dispose()
        other = mailer(self.inst, free_port(), smtp_security=SmtpSecurity.NONE)
        if self.anomaly_ids[-1] in self.videos:
            video_ids = [self.videos[self.anomaly_ids[-1]]]
            self.second_sender.append(other.send_due(None, video_ids=video_ids, immediate_retries=0))
        return "250 OK"


@contextmanager
def watching_server(watchdog: Watchdog) -> Iterator[int]:
    port = free_port()
    controller = Controller(watchdog, hostname=HOST, port=port)
    controller.start()
    try:
        yield port
    finally:
        controller.stop()


@pytest.fixture(scope="module")
def inst() -> Iterator[Installation]:
    with new_installation("embedded") as made:
        yield made


def test_no_transaction_is_open_while_the_mail_server_is_spoken_to(inst: Installation) -> None:
    first, second = pending_alert(inst), pending_alert(inst)
    watchdog = Watchdog(inst, {str(a): v for v, a in (first, second)})
    with watching_server(watchdog) as port:
        report = mailer(inst, port, smtp_security=SmtpSecurity.NONE).send_due(
            inst.admin, video_ids=[first[0], second[0]], immediate_retries=0
        )
    assert report.sent == 2, report.errors
    assert sorted(watchdog.anomaly_ids) == sorted([str(first[1]), str(second[1])])
    assert watchdog.open_transactions == [0, 0]
    # the alert being mailed is claimed: a second sender at that moment neither mails it nor fails it
    assert len(watchdog.second_sender) == 2
    assert all(r.sent == r.retrying == r.failed == 0 for r in watchdog.second_sender), watchdog.second_sender
    for _, anomaly_id in (first, second):
        sent, alert = alert_of(inst, anomaly_id)
        assert sent
        assert alert["state"] == "sent"
        assert alert["attempts"] == 1
        assert "claimed_until" not in alert


def test_an_alert_claimed_by_another_sender_is_left_to_it(inst: Installation) -> None:
    video_id, anomaly_id = pending_alert(inst)
    until = (utcnow() + dt.timedelta(minutes=10)).isoformat()  # naive UTC, as the sender writes it
    with inst.services.database.transaction() as session:
        session.execute(
            sa.text(
                "UPDATE anomalies SET metadata = jsonb_set(metadata, '{alert,claimed_until}', "
                "to_jsonb(CAST(:until AS text))) WHERE id = :id"
            ),
            {"until": until, "id": anomaly_id},
        )
    watchdog = Watchdog(inst, {})
    with watching_server(watchdog) as port:
        report = mailer(inst, port, smtp_security=SmtpSecurity.NONE).send_due(
            inst.admin, video_ids=[video_id], immediate_retries=0
        )
    assert report.sent == 0
    assert watchdog.anomaly_ids == []
    assert alert_of(inst, anomaly_id)[1]["state"] == "pending"


def test_the_alert_of_a_soft_deleted_video_is_not_mailed(inst: Installation) -> None:
    deleted, kept = pending_alert(inst), pending_alert(inst)
    inst.services.library.delete_video(inst.admin, deleted[0])
    watchdog = Watchdog(inst, {})
    with watching_server(watchdog) as port:
        report = mailer(inst, port, smtp_security=SmtpSecurity.NONE).send_due(
            inst.admin, video_ids=[deleted[0], kept[0]], immediate_retries=0
        )
    assert report.sent == 1, report.errors
    assert watchdog.anomaly_ids == [str(kept[1])]
    sent, alert = alert_of(inst, deleted[1])
    assert not sent
    assert alert["state"] == "not_required"  # retired: neither pending nor retrying forever
    assert "deleted" in alert["reason"]
    with inst.services.database.transaction() as session:
        assert session.get(Video, deleted[0]).deleted_at is not None  # type: ignore[union-attr]
    assert (
        mailer(inst, port, smtp_security=SmtpSecurity.NONE).send_due(
            inst.admin, video_ids=[deleted[0]], retry_failed=True
        )
        == AlertReport()
    )
