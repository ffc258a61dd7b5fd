"""The recorder's clock corrected per video and per camera (issue 15 item 3): the migration, the service and
the after-hours rule following the corrected time. The team profile's logins: test_store_enforces_roles.py."""

from __future__ import annotations

import json
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.pool import NullPool

from chronotrace_desktop.domain.anomalies import AnomalyType
from chronotrace_desktop.domain.audit import AuditAction
from chronotrace_desktop.domain.errors import InvalidInputError, PermissionDeniedError
from chronotrace_desktop.domain.export import ExportRequest, ExportSelection, ExportType
from chronotrace_desktop.domain.ingest import IngestOptions, IngestStatus
from chronotrace_desktop.domain.roles import Role
from chronotrace_desktop.domain.tasks import Unattended
from chronotrace_desktop.services.anomalies.mailer import alert_message
from chronotrace_desktop.services.anomalies.service import AnomalyFilter
from chronotrace_desktop.services.cameras import CameraChanges, parse_hours
from chronotrace_desktop.services.clock import ClockReader
from chronotrace_desktop.storage.migrations import DEFAULT_SQL_DIR, apply_migrations
from chronotrace_desktop.storage.orm import Anomaly, AuditLog, Camera, Video, VideoSegment
from tests.conftest import VIDEOS_DIR
from tests.integration.conftest import Installation, new_installation

HIGHWAY = VIDEOS_DIR / "video02.avi"  # 30 s of traffic: motion in every segment
BOTTLE = VIDEOS_DIR / "bottle-detection.mp4"
FRIDAY_2PM = datetime(2024, 2, 9, 14, 0, 0)
NINE_HOURS = 9 * 3600.0


# ---------------------------------------------------------------- the migration, on both backends


def test_0011_adds_the_clock_columns_and_keeps_the_recorders_time(empty_db_url: str, tmp_path: Path) -> None:
    before = tmp_path / "sql"
    before.mkdir()
    for path in sorted(DEFAULT_SQL_DIR.glob("*.sql")):
        if path.name < "0011":
            shutil.copy(path, before / path.name)
    engine = sa.create_engine(empty_db_url, poolclass=NullPool)
    try:
        apply_migrations(engine, before)
        video_id = uuid.uuid4()
        with engine.begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO videos (id, filename, original_path, recorded_at) "
                    "VALUES (:id, 'old.mp4', '/x/old.mp4', :at), (:other, 'none.mp4', '/x/none.mp4', NULL)"
                ),
                {"id": video_id, "other": uuid.uuid4(), "at": FRIDAY_2PM},
            )
        with_0011 = tmp_path / "sql-0011"
        shutil.copytree(before, with_0011)
        shutil.copy(DEFAULT_SQL_DIR / "0011_clock_offsets.sql", with_0011)
        assert apply_migrations(engine, with_0011) == ["0011_clock_offsets"]  # later ones do not matter here
        with engine.connect() as conn:
            rows = conn.execute(
                sa.text(
                    "SELECT filename, recorded_at, recorder_recorded_at, clock_offset_s, clock_source "
                    "FROM videos ORDER BY filename"
                )
            ).all()
            camera_columns = {c["name"] for c in sa.inspect(conn).get_columns("cameras")}
        assert [tuple(r) for r in rows] == [
            ("none.mp4", None, None, None, None),
            ("old.mp4", FRIDAY_2PM, FRIDAY_2PM, None, None),
        ]
        assert "clock_offset_s" in camera_columns
        with pytest.raises(sa.exc.IntegrityError), engine.begin() as conn:
            conn.execute(sa.text("UPDATE videos SET clock_source = 'guess'"))
    finally:
        engine.dispose()


# ---------------------------------------------------------------- the service on real footage


@pytest.fixture(scope="module")
def clocked() -> Iterator[tuple[Installation, uuid.UUID]]:
    """The highway clip on camera CAM-CLOCK (open 08:00-18:00 UTC every day), recorded at 14:00 on a Friday."""
    with new_installation("embedded") as inst:
        inst.services.cameras.update(
            inst.admin, "CAM-CLOCK", CameraChanges(business_hours=parse_hours("mon-sun 08:00-18:00"))
        )
        options = IngestOptions(camera_id="CAM-CLOCK", recorded_at=FRIDAY_2PM)
        results = inst.services.ingest.ingest_paths(inst.admin, [HIGHWAY], options, Unattended())
        assert [r.status for r in results] == [IngestStatus.COMPLETED], results
        assert results[0].video_id is not None
        yield inst, results[0].video_id


def _after_hours(inst: Installation) -> list[object]:
    filters = AnomalyFilter(camera_id="CAM-CLOCK", types=(AnomalyType.AFTER_HOURS_ACCESS,))
    return list(inst.services.anomalies.list_anomalies(inst.admin, filters))


def _timestamps(inst: Installation, video_id: uuid.UUID) -> dict[float, str]:
    with inst.services.database.transaction() as session:
        ids = list(session.scalars(sa.select(VideoSegment.id).where(VideoSegment.video_id == video_id)))
    points = inst.services.vectors.retrieve(ids)
    return {float(p.payload["start_time"]): str(p.payload.get("timestamp")) for p in points}


def test_an_offset_moves_the_start_keeps_the_recorders_and_after_hours_follows(
    clocked: tuple[Installation, uuid.UUID],
) -> None:
    inst, video_id = clocked
    assert _after_hours(inst) == []  # 14:00 is within business hours
    assert _timestamps(inst, video_id)[0.0] == "2024-02-09T14:00:00Z"
    _, analyst = inst.add_user(Role.ANALYST)

    change = inst.services.clock.set_video_time(analyst, video_id, offset_s=NINE_HOURS, note="NTP log")

    assert change.after.recorded_at == FRIDAY_2PM + timedelta(hours=9)
    assert change.after.recorder_recorded_at == FRIDAY_2PM
    assert change.before.recorded_at == FRIDAY_2PM
    assert change.points_updated > 0
    assert change.anomalies_found is not None
    assert change.anomalies_found >= 1
    assert change.warnings == ()
    with inst.services.database.transaction() as session:
        video = session.get(Video, video_id)
        assert video is not None
        assert (video.recorded_at, video.recorder_recorded_at) == (
            FRIDAY_2PM + timedelta(hours=9),
            FRIDAY_2PM,
        )
        assert (video.clock_offset_s, video.clock_source) == (NINE_HOURS, "manual")
        audit = session.scalars(
            sa.select(AuditLog).where(
                AuditLog.action == AuditAction.VIDEO_TIME_CHANGED.value, AuditLog.resource_id == video_id
            )
        ).one()
        assert audit.user_id == analyst.user_id
        assert audit.meta["before"]["recorded_at"] == "2024-02-09T14:00:00Z"
        assert audit.meta["after"]["recorded_at"] == "2024-02-09T23:00:00Z"
        assert audit.meta["after"]["recorder_recorded_at"] == "2024-02-09T14:00:00Z"
        assert audit.meta["after"]["clock_offset_s"] == NINE_HOURS
        assert audit.meta["note"] == "NTP log"
    assert _timestamps(inst, video_id)[0.0] == "2024-02-09T23:00:00Z"
    found = _after_hours(inst)
    assert found
    assert all(a.detected_at.hour == 23 for a in found)  # type: ignore[attr-defined]
    assert "23:" in found[0].title  # type: ignore[attr-defined]
    assert found[0].recorder_detected_at.hour == 14  # type: ignore[attr-defined]
    assert found[0].as_json()["recorder_detected_at"].startswith("2024-02-09T14:")  # type: ignore[attr-defined]
    with inst.services.database.transaction() as session:
        row = session.get(Anomaly, found[0].id)  # type: ignore[attr-defined]
        assert row is not None
        mail = alert_message(row, "chronotrace@example.org", ["ops@example.org"]).get_content()
    assert "UTC (recorder 2024-02-09 14:" in mail

    # The true start given instead: the offset is what separates it from the recorder's clock.
    back = inst.services.clock.set_video_time(
        analyst, video_id, recorded_at=FRIDAY_2PM - timedelta(seconds=73)
    )
    assert back.after.offset_s == -73.0
    assert back.after.recorder_recorded_at == FRIDAY_2PM
    assert _timestamps(inst, video_id)[0.0] == "2024-02-09T13:58:47Z"
    assert _after_hours(inst) == []  # back within business hours: the machine-made finding goes


def test_viewers_may_not_correct_and_bad_requests_are_refused(
    clocked: tuple[Installation, uuid.UUID],
) -> None:
    inst, video_id = clocked
    _, viewer = inst.add_user(Role.VIEWER)
    _, analyst = inst.add_user(Role.ANALYST)
    with pytest.raises(PermissionDeniedError):
        inst.services.clock.set_video_time(viewer, video_id, offset_s=5)
    with pytest.raises(PermissionDeniedError):
        inst.services.clock.set_camera_offset(analyst, "CAM-CLOCK", 5)
    with pytest.raises(InvalidInputError):
        inst.services.clock.set_video_time(analyst, video_id)
    with pytest.raises(InvalidInputError):
        inst.services.clock.set_video_time(analyst, video_id, offset_s=float("nan"))


def test_a_cameras_offset_applies_to_its_new_videos(clocked: tuple[Installation, uuid.UUID]) -> None:
    inst, _ = clocked
    change = inst.services.clock.set_camera_offset(inst.admin, "CAM-SKEW", -120.0)
    assert (change.before, change.after) == (None, -120.0)
    options = IngestOptions(camera_id="CAM-SKEW", recorded_at=FRIDAY_2PM)
    results = inst.services.ingest.ingest_paths(inst.admin, [BOTTLE], options, Unattended())
    assert [r.status for r in results] == [IngestStatus.COMPLETED], results
    video_id = results[0].video_id
    with inst.services.database.transaction() as session:
        video = session.get(Video, video_id)
        assert video is not None
        assert video.recorder_recorded_at == FRIDAY_2PM
        assert video.recorded_at == FRIDAY_2PM - timedelta(minutes=2)
        assert (video.clock_offset_s, video.clock_source) == (-120.0, "camera")
        camera = session.get(Camera, "CAM-SKEW")
        assert camera is not None
        assert camera.clock_offset_s == -120.0
        audit = session.scalars(
            sa.select(AuditLog).where(AuditLog.action == AuditAction.CAMERA_CLOCK_CHANGED.value)
        ).one()
        assert audit.meta["clock_offset_s_before"] is None
        assert audit.meta["clock_offset_s"] == -120.0
    assert video_id is not None
    assert _timestamps(inst, video_id)[0.0] == "2024-02-09T13:58:00Z"
    # Changing the camera's offset later moves its videos only when asked.
    later = inst.services.clock.set_camera_offset(inst.admin, "CAM-SKEW", 60.0, apply_to_videos=True)
    assert [v.video_id for v in later.videos] == [video_id]
    assert _timestamps(inst, video_id)[0.0] == "2024-02-09T14:01:00Z"


def test_the_package_carries_the_corrected_and_the_recorders_times(
    clocked: tuple[Installation, uuid.UUID], tmp_path: Path
) -> None:
    inst, video_id = clocked
    inst.services.clock.set_video_time(inst.admin, video_id, offset_s=-73.0)
    with inst.services.database.transaction() as session:
        segments = list(session.scalars(sa.select(VideoSegment.id).where(VideoSegment.video_id == video_id)))
    request = ExportRequest(
        case_id="CASE-CLOCK",
        selection=ExportSelection.of_segments(segments[:1]),
        destination=tmp_path,
        types=frozenset({ExportType.CSV_DATA, ExportType.JSON_DATA}),
    )
    result = inst.services.exports.export(inst.admin, request)
    package = Path(result.path)
    manifest = json.loads((package / "manifest.json").read_text(encoding="utf-8"))
    (video,) = manifest["source_videos"]
    assert video["recorded_at"] == "2024-02-09T13:58:47.000Z"
    assert video["recorder_recorded_at"] == "2024-02-09T14:00:00.000Z"
    assert (video["clock_offset_s"], video["clock_source"]) == (-73.0, "manual")
    (segment,) = manifest["segments"]
    assert segment["wall_start"] == "2024-02-09T13:58:47.000Z"
    assert segment["recorder_wall_start"] == "2024-02-09T14:00:00.000Z"
    rows = json.loads(next(package.rglob("segments.json")).read_text(encoding="utf-8"))
    row = rows["segments"][0] if isinstance(rows, dict) else rows[0]
    assert row["wall_start_utc"] == "2024-02-09T13:58:47.000Z"
    assert row["recorder_start_utc"] == "2024-02-09T14:00:00.000Z"
    assert row["clock_offset_s"] == -73.0
    header, first = next(package.rglob("segments.csv")).read_text(encoding="utf-8").splitlines()[:2]
    assert "recorder_start_utc" in header.split(",")
    assert "2024-02-09T14:00:00.000Z" in first


@dataclass(frozen=True)
class _Estimate:
    recording_start: datetime | None
    confidence: float = 0.9
    warnings: tuple[str, ...] = ()

    def summary(self) -> str:
        return "no clock found" if self.recording_start is None else f"recording start {self.recording_start}"


def test_an_accepted_clock_reading_is_taken_in_the_cameras_time_zone(
    clocked: tuple[Installation, uuid.UUID],
) -> None:
    inst, video_id = clocked
    services = inst.services
    services.cameras.update(inst.admin, "CAM-CLOCK", CameraChanges(timezone="Europe/Madrid"))
    reads: list[tuple[Path, float]] = []

    def fake(path: Path, duration: float, date_order: str | None) -> _Estimate:
        reads.append((path, duration))
        return _Estimate(datetime(2024, 2, 9, 15, 1, 13, 400_000))  # Madrid is UTC+1 in February

    reader = ClockReader(services.database, services.blobs, services.authorizer, services.clock, read=fake)
    _, viewer = inst.add_user(Role.VIEWER)
    with pytest.raises(PermissionDeniedError):
        reader.read(viewer, video_id)
    shown = reader.read(inst.admin, video_id)
    assert reads == [(HIGHWAY, 30.0)]
    assert (shown.read_from, shown.timezone) == ("original file", "Europe/Madrid")
    assert shown.recording_start == datetime(2024, 2, 9, 14, 1, 13)
    assert shown.implied_offset_s == 73.0
    assert shown.change is None

    accepted = reader.read(inst.admin, video_id, accept=True)
    assert accepted.change is not None
    assert accepted.change.after.recorded_at == datetime(2024, 2, 9, 14, 1, 13)
    assert (accepted.change.after.offset_s, accepted.change.after.source) == (73.0, "ocr")
    with services.database.transaction() as session:
        audit = session.scalars(
            sa.select(AuditLog)
            .where(AuditLog.action == AuditAction.VIDEO_TIME_CHANGED.value, AuditLog.resource_id == video_id)
            .order_by(AuditLog.created_at.desc())
            .limit(1)
        ).one()
        assert audit.meta["after"]["clock_source"] == "ocr"
        assert "on-screen clock read from the original file (Europe/Madrid)" in audit.meta["note"]

    none = ClockReader(
        services.database,
        services.blobs,
        services.authorizer,
        services.clock,
        read=lambda p, d, order: _Estimate(None),
    )
    with pytest.raises(InvalidInputError, match="cannot be accepted"):
        none.read(inst.admin, video_id, accept=True)


def test_a_cameras_date_order_is_kept_audited_and_given_to_the_reader(
    clocked: tuple[Installation, uuid.UUID],
) -> None:
    inst, video_id = clocked
    services, camera_id = inst.services, "CAM-CLOCK"
    with pytest.raises(InvalidInputError):
        services.clock.set_camera_date_order(inst.admin, camera_id, "dym")
    _, analyst = inst.add_user(Role.ANALYST)
    with pytest.raises(PermissionDeniedError):
        services.clock.set_camera_date_order(analyst, camera_id, "mdy")
    assert services.clock.set_camera_date_order(inst.admin, camera_id, "mdy") is None
    hints: list[str | None] = []

    def fake(path: Path, duration: float, date_order: str | None) -> _Estimate:
        hints.append(date_order)
        return _Estimate(None)

    reader = ClockReader(services.database, services.blobs, services.authorizer, services.clock, read=fake)
    reader.read(inst.admin, video_id)
    assert hints == ["mdy"]
    assert services.clock.set_camera_date_order(inst.admin, camera_id, None) == "mdy"
    with services.database.transaction() as session:
        row = session.scalars(
            sa.select(AuditLog)
            .where(AuditLog.action == AuditAction.CAMERA_CLOCK_CHANGED.value)
            .order_by(AuditLog.chain_seq.desc())
        ).first()
    assert row is not None
    assert row.meta is not None
    assert (row.meta["date_order_before"], row.meta["date_order"]) == ("mdy", None)
