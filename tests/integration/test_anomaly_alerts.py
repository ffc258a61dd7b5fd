"""A synthetic clip through the real pipeline, the rules that need configuration, and e-mail alerts against
a real SMTP server process (aiosmtpd on 127.0.0.1).

The clip is rendered here: a dark upright blob crossing a grey room and stepping into a restricted band.
YOLOv3-tiny does not see such a shape as a person, so after the ingest the test writes the person boxes a
detector would have produced into the segments' detections and rebuilds the tracks (the ingest's own
``build_tracks``); the rescan then decodes the file again (aspect, motion) and runs the rules.
"""

from __future__ import annotations

import dataclasses
import mailbox
import socket
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import cv2
import numpy as np
import pytest
import sqlalchemy as sa

from chronotrace_desktop.config import SmtpSecurity
from chronotrace_desktop.domain.analysis import FrameDetections
from chronotrace_desktop.domain.anomalies import AlertState, AnomalyType, Severity, Zone, ZoneKind
from chronotrace_desktop.domain.audit import AuditAction
from chronotrace_desktop.domain.ingest import IngestOptions, IngestStatus
from chronotrace_desktop.domain.media import Box
from chronotrace_desktop.domain.tasks import Unattended
from chronotrace_desktop.services.anomalies.alerts import AlertService
from chronotrace_desktop.services.anomalies.service import AnomalyFilter
from chronotrace_desktop.services.cameras import CameraChanges, parse_hours
from chronotrace_desktop.services.ingest.segments import SegmentPipeline
from chronotrace_desktop.storage.orm import Anomaly, AuditLog, VideoSegment
from tests.conftest import scratch_dir
from tests.integration.conftest import Installation, new_installation, wait_for_port

CAMERA = "CAM-SYNTH"
FPS, SECONDS, W, H = 10, 20, 320, 240
RECIPIENT = "night-desk@example.org"


def person_box(t: float) -> Box:
    """Where the blob is at ``t``: across the room for 10 s, then down into the restricted band."""
    x = 0.1 + 0.05 * min(t, 10.0)
    y = 0.2 if t < 10 else min(0.2 + 0.06 * (t - 10), 0.5)
    return Box(x, y, 0.08, 0.35, "person", 0.85)


def render_clip(path: Path) -> None:
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), FPS, (W, H))
    try:
        for i in range(FPS * SECONDS):
            frame = np.full((H, W, 3), 150, np.uint8)
            cv2.rectangle(frame, (0, int(0.8 * H)), (W, H), (120, 120, 170), -1)  # the restricted band
            b = person_box(i / FPS)
            cv2.rectangle(
                frame,
                (int(b.x * W), int(b.y * H)),
                (int((b.x + b.w) * W), int((b.y + b.h) * H)),
                (40, 40, 40),
                -1,
            )
            writer.write(frame)
    finally:
        writer.release()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def synthetic() -> Iterator[tuple[Installation, object]]:
    with new_installation("embedded") as inst:
        clip = scratch_dir("synthetic-") / "night-visit.mp4"
        render_clip(clip)
        services = inst.services
        services.cameras.update(
            inst.admin,
            CAMERA,
            CameraChanges(
                timezone="Europe/Paris",
                business_hours=parse_hours("mon-fri 08:00-18:00"),
                alert_recipients=(RECIPIENT,),
            ),
        )
        band = Zone(
            "Loading bay", ((0.0, 0.8), (1.0, 0.8), (1.0, 1.0), (0.0, 1.0)), ZoneKind.RESTRICTED, ("person",)
        )
        services.cameras.add_zone(inst.admin, CAMERA, band)
        options = IngestOptions(camera_id=CAMERA, recorded_at=datetime(2024, 3, 6, 1, 30))  # Wed 02:30 Paris
        [result] = services.ingest.ingest_paths(inst.admin, [clip], options, Unattended())
        assert result.status is IngestStatus.COMPLETED
        assert result.video_id is not None
        with services.database.transaction() as session:
            for segment in session.scalars(
                sa.select(VideoSegment).where(VideoSegment.video_id == result.video_id)
            ):
                start, end = float(segment.start_time), float(segment.end_time)
                frames = [FrameDetections(float(t), (person_box(t),)) for t in range(int(start), int(end))]
                segment.meta = {**(segment.meta or {}), "detections": [f.to_dict() for f in frames]}
        SegmentPipeline(services.database, services.vectors, services.blobs).build_tracks(result.video_id)
        yield inst, result.video_id


def test_synthetic_clip_breach_after_hours(synthetic: tuple[Installation, object]) -> None:
    inst, video_id = synthetic
    [scan] = inst.services.anomalies.rescan(inst.admin, video_id=video_id)  # type: ignore[arg-type]
    assert scan.status == "completed"
    found = {
        a.type: a for a in inst.services.anomalies.list_anomalies(inst.admin, AnomalyFilter(camera_id=CAMERA))
    }
    assert {AnomalyType.PERIMETER_BREACH, AnomalyType.AFTER_HOURS_ACCESS} <= set(found)
    assert all(a.alert_state is AlertState.NOT_REQUIRED for a in found.values() if a.severity is Severity.LOW)
    breach = found[AnomalyType.PERIMETER_BREACH]
    assert breach.metadata["zone"] == "Loading bay"
    assert breach.severity is Severity.HIGH
    assert breach.metadata["video_offset_start"] == pytest.approx(14.0, abs=1.0)
    night = found[AnomalyType.AFTER_HOURS_ACCESS]
    assert night.metadata["local_time"].startswith("2024-03-06T02:30")
    assert night.alert_recipients == (RECIPIENT,)
    assert night.alert_state is AlertState.PENDING
    assert "no SMTP server" in night.metadata["alert"]["last_error"]
    assert night.alert_sent is False


def test_new_high_anomalies_are_polled_for_notifications(synthetic: tuple[Installation, object]) -> None:
    inst, _ = synthetic
    service = inst.services.anomalies
    polled = service.new_alerts_since(inst.admin, None)
    assert {a.type for a in polled} >= {AnomalyType.PERIMETER_BREACH, AnomalyType.AFTER_HOURS_ACCESS}
    assert all(a.severity in (Severity.HIGH, Severity.CRITICAL) for a in polled)
    newest = max(a.created_at for a in polled if a.created_at)
    assert service.new_alerts_since(inst.admin, newest) == []


def _mailer(inst: Installation, port: int, **changes: object) -> AlertService:
    settings = inst.settings.model_copy(
        update={
            "smtp_host": "127.0.0.1",
            "smtp_port": port,
            "smtp_timeout": 5.0,
            "smtp_security": SmtpSecurity.NONE,  # the aiosmtpd process below speaks plain SMTP only
            "alert_retry_seconds": 0.0,
            **changes,
        }
    )
    return AlertService(inst.services.database, settings, inst.services.audit)


def _alert_rows(inst: Installation) -> list[Anomaly]:
    with inst.services.database.transaction() as session:
        rows = session.scalars(sa.select(Anomaly).where(Anomaly.camera_id == CAMERA)).all()
        session.expunge_all()
    return [r for r in rows if r.alert_recipients]


def test_failed_sends_retry_with_backoff_then_deliver_to_a_real_smtp_server(
    synthetic: tuple[Installation, object],
) -> None:
    inst, _ = synthetic
    port = free_port()
    mailer = _mailer(inst, port, alert_max_attempts=2)
    first = mailer.send_due(inst.admin, immediate_retries=1)  # nothing listens on the port
    assert first.sent == 0
    assert first.retrying == 2
    assert first.errors
    rows = _alert_rows(inst)
    assert all(r.alert_sent is False for r in rows)
    assert all(r.meta["alert"]["state"] == "retrying" and r.meta["alert"]["attempts"] == 1 for r in rows)
    assert all("Connection" in r.meta["alert"]["last_error"] for r in rows)
    second = mailer.send_due(inst.admin, immediate_retries=0)  # bounded: the last attempt marks them failed
    assert second.failed == 2
    assert mailer.send_due(inst.admin).failed == 0  # failed ones are not retried on their own ...
    assert [r.meta["alert"]["state"] for r in _alert_rows(inst)] == [
        "failed",
        "failed",
    ]  # ... but stay visible

    maildir = scratch_dir("maildir-") / "mail"
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "aiosmtpd",
            "-n",
            "-l",
            f"127.0.0.1:{port}",
            "-c",
            "aiosmtpd.handlers.Mailbox",
            str(maildir),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        wait_for_port(port, server, "aiosmtpd")
        report = mailer.send_due(inst.admin, retry_failed=True)
        assert report.sent == 2
        assert not report.errors
        messages = list(mailbox.Maildir(str(maildir)))
    finally:
        server.terminate()
        server.wait(timeout=10)
    assert len(messages) == 2
    subjects = sorted(str(m["Subject"]) for m in messages)
    assert any("restricted zone 'Loading bay'" in s for s in subjects)
    assert all(CAMERA in s for s in subjects)
    assert all(m["To"] == RECIPIENT for m in messages)
    for row in _alert_rows(inst):
        assert row.alert_sent is True
        assert row.alert_sent_at is not None
        assert row.alert_recipients == [RECIPIENT]
        assert row.meta["alert"]["state"] == "sent"
    with inst.services.database.transaction() as session:
        actions = session.scalars(
            sa.select(AuditLog.action).where(
                AuditLog.action.in_([AuditAction.ANOMALY_ALERT_SENT, AuditAction.ANOMALY_ALERT_FAILED])
            )
        ).all()
    assert actions.count(AuditAction.ANOMALY_ALERT_SENT) == 2
    assert actions.count(AuditAction.ANOMALY_ALERT_FAILED) == 4
    assert mailer.send_due(inst.admin, retry_failed=True).sent == 0  # never mailed twice


def test_rescan_keeps_the_alert_state_of_a_mailed_finding(synthetic: tuple[Installation, object]) -> None:
    inst, video_id = synthetic
    before = {r.meta["fingerprint"]: r.id for r in _alert_rows(inst)}
    inst.services.anomalies.rescan(inst.admin, video_id=video_id)  # type: ignore[arg-type]
    after = _alert_rows(inst)
    assert {r.meta["fingerprint"]: r.id for r in after} == before
    assert all(r.alert_sent and r.meta["alert"]["state"] == "sent" for r in after)
    assert dataclasses.is_dataclass(inst.services.anomalies.get(inst.admin, after[0].id))
