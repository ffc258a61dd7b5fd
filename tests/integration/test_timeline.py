"""Issue 16 item 2 (service): the timeline's extent, windows (segments, or buckets aggregated by PostgreSQL),
markers, the recorder-time correction, case filtering and roles, on both backends.

One installation per backend: a synthetic dated library (rows through the ORM, three cameras over two days),
one undated video, and one real shared clip ingested with a recorder clock offset.
"""

from __future__ import annotations

import math
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from chronotrace_desktop.domain.errors import InvalidInputError, NotFoundError
from chronotrace_desktop.domain.ingest import IngestOptions, IngestStatus
from chronotrace_desktop.domain.roles import Role
from chronotrace_desktop.domain.tasks import Unattended
from chronotrace_desktop.domain.timeline import EPOCH, activity_score, to_seconds
from chronotrace_desktop.domain.users import Actor
from chronotrace_desktop.services.cases import NewBookmark
from chronotrace_desktop.storage.orm import Anomaly, Video, VideoSegment
from tests.conftest import VIDEOS_DIR
from tests.integration.conftest import Installation, new_installation
from tests.timeline_library import Synthetic, build_library

RECORDER_START = datetime(2025, 3, 1, 9, 0, 0)
OFFSET_S = 90.0


@dataclass(frozen=True)
class World:
    inst: Installation
    viewer: Actor
    synthetic: Synthetic
    clip: uuid.UUID  # CAM-REAL, recorder said 09:00:00, corrected by +90 s


@pytest.fixture(
    scope="module", params=[pytest.param("server", marks=pytest.mark.server_pg), pytest.param("embedded")]
)
def world(request: pytest.FixtureRequest) -> Iterator[World]:
    with new_installation(request.param) as inst:
        synthetic = build_library(inst.services, videos=24, cameras=3, segments=4, days=2)
        options = IngestOptions(camera_id="CAM-REAL", recorded_at=RECORDER_START, clock_offset_s=OFFSET_S)
        (result,) = inst.services.ingest.ingest_paths(
            inst.admin, [VIDEOS_DIR / "bottle-detection.mp4"], options, Unattended()
        )
        assert result.status is IngestStatus.COMPLETED, result
        assert result.video_id is not None
        with inst.services.database.transaction() as session:
            session.add(Video(filename="undated.mp4", original_path="x/undated.mp4", duration_seconds=30))
        _, viewer = inst.add_user(Role.VIEWER)
        yield World(inst, viewer, synthetic, result.video_id)


def _all(world: World) -> tuple[datetime, datetime]:
    extent = world.inst.services.timeline.extent(world.inst.admin)
    assert extent.start is not None
    assert extent.end is not None
    return extent.start, extent.end


def test_the_extent_spans_dated_footage_names_its_lanes_and_counts_the_undated(world: World) -> None:
    extent = world.inst.services.timeline.extent(world.viewer)
    assert extent.undated_videos == 1
    assert extent.dated_videos == 25
    assert [lane.camera_id for lane in extent.lanes] == ["CAM-REAL", "SYN-01", "SYN-02", "SYN-03"]
    assert sum(lane.video_count for lane in extent.lanes) == 25
    assert extent.start == min(world.synthetic.first, RECORDER_START + timedelta(seconds=OFFSET_S))
    assert extent.start is not None
    assert extent.end is not None
    assert extent.end >= world.synthetic.last


def test_a_narrow_window_lists_segments_with_the_corrected_time_and_activity(world: World) -> None:
    services, admin = world.inst.services, world.inst.admin
    corrected = RECORDER_START + timedelta(seconds=OFFSET_S)
    window = services.timeline.window(
        admin, corrected - timedelta(minutes=5), corrected + timedelta(minutes=5)
    )
    assert not window.aggregated
    spans = [v for v in window.videos if v.video_id == world.clip]
    assert len(spans) == 1
    assert spans[0].start == corrected
    assert spans[0].recorder_start == RECORDER_START
    mine = [s for s in window.segments if s.video_id == world.clip]
    rows = services.library.segments_of(admin, world.clip)
    assert [s.segment_id for s in mine] == [r.id for r in rows]
    for span, row in zip(mine, rows, strict=True):
        assert span.start == corrected + timedelta(seconds=row.start_time)
        assert span.clock_offset_s == OFFSET_S
        assert 0.0 <= span.activity <= 1.0
    with services.database.transaction() as session:
        stored = {
            s.id: activity_score(s.people_count, s.vehicle_count, s.motion_detected, s.activity_level)
            for s in session.scalars(sa.select(VideoSegment).where(VideoSegment.video_id == world.clip))
        }
    assert {s.segment_id: s.activity for s in mine} == stored


def test_a_wide_window_returns_buckets_whose_counts_equal_the_segments(world: World) -> None:
    services, admin = world.inst.services, world.inst.admin
    start, end = _all(world)
    listed = services.timeline.window(admin, start, end, max_items=10_000)
    assert not listed.aggregated
    assert len(listed.segments) == 24 * 4 + len(services.library.segments_of(admin, world.clip))

    grouped = services.timeline.window(admin, start, end, max_items=20, buckets=50)
    assert grouped.aggregated
    assert grouped.bucket_s is not None
    assert grouped.segments == ()
    assert grouped.videos == ()
    step = grouped.bucket_s
    assert step >= (end - start).total_seconds() / 50
    expected_counts: Counter[tuple[str | None, datetime]] = Counter()
    expected_max: dict[tuple[str | None, datetime], float] = defaultdict(float)
    for s in listed.segments:
        key = (s.camera_id, EPOCH + timedelta(seconds=math.floor(to_seconds(s.start) / step) * step))
        expected_counts[key] += 1
        expected_max[key] = max(expected_max[key], s.activity)
    got = {(b.camera_id, b.start): b for b in grouped.buckets}
    assert {k: b.segment_count for k, b in got.items()} == dict(expected_counts)
    assert {k: b.activity_max for k, b in got.items()} == dict(expected_max)
    assert all(b.end > b.start and 0 <= b.activity_mean <= b.activity_max for b in grouped.buckets)


def test_anomaly_and_bookmark_markers_sit_at_their_wall_time(world: World) -> None:
    services, admin = world.inst.services, world.inst.admin
    video_id = world.synthetic.video_ids[4]
    with services.database.transaction() as session:
        video = session.get(Video, video_id)
        assert video is not None
        assert video.recorded_at is not None
        second = session.scalars(
            sa.select(VideoSegment).where(VideoSegment.video_id == video_id, VideoSegment.segment_index == 1)
        ).one()
        anomaly = Anomaly(
            segment_id=second.id,
            video_id=video_id,
            anomaly_type="loitering",
            confidence=Decimal("0.9"),
            severity="high",
            camera_id=video.camera_id,
            detected_at=video.recorded_at,
            meta={"video_offset_start": 20.0},
        )
        session.add(anomaly)
        session.flush()
        anomaly_id, start = anomaly.id, video.recorded_at
    mark = services.bookmarks.create(admin, NewBookmark(video_id, 40.5, note="Man at the gate\nsecond line"))
    window = services.timeline.window(admin, start, start + timedelta(minutes=2))
    (found,) = [a for a in window.anomalies if a.anomaly_id == anomaly_id]
    assert found.time == start + timedelta(seconds=20)
    assert found.segment_id == second.id
    assert found.segment_offset_s == pytest.approx(5.0)
    assert found.severity.value == "high"
    (pin,) = [b for b in window.bookmarks if b.bookmark_id == mark.bookmark_id]
    assert pin.time == start + timedelta(seconds=40.5)
    assert pin.note == "Man at the gate"
    assert pin.segment_id is not None
    too_few = services.timeline.window(admin, start, start + timedelta(minutes=2), max_items=0)
    assert len(too_few.anomalies) <= 1  # the most severe kept


def test_a_case_filters_the_timeline_and_an_unknown_case_is_refused(world: World) -> None:
    services, admin = world.inst.services, world.inst.admin
    case = services.cases.create(admin, "Depot break-in")
    services.cases.add_videos(admin, case.case_id, [world.clip])
    extent = services.timeline.extent(world.viewer, case.case_id)
    assert [lane.camera_id for lane in extent.lanes] == ["CAM-REAL"]
    assert extent.undated_videos == 0
    start, end = _all(world)
    window = services.timeline.window(world.viewer, start, end, case_id=case.case_id)
    assert {s.video_id for s in window.segments} == {world.clip}
    assert all(b.video_id == world.clip for b in window.bookmarks)
    with pytest.raises(NotFoundError):
        services.timeline.window(admin, start, end, case_id="CASE-1999-0042")
    with pytest.raises(InvalidInputError):
        services.timeline.window(admin, end, start)


def test_segments_between_give_one_lanes_segments_overlapping_a_range(world: World) -> None:
    services, admin = world.inst.services, world.inst.admin
    corrected = RECORDER_START + timedelta(seconds=OFFSET_S)
    rows = services.library.segments_of(admin, world.clip)
    assert len(rows) >= 2
    # from inside the first segment to inside the second: both overlap, no other lane's
    ids = services.timeline.segments_between(
        world.viewer,
        "CAM-REAL",
        corrected + timedelta(seconds=rows[0].end_time - 1),
        corrected + timedelta(seconds=rows[1].start_time + 1),
    )
    assert ids == [rows[0].id, rows[1].id]
    assert (
        services.timeline.segments_between(admin, "SYN-01", corrected, corrected + timedelta(seconds=5)) == []
    )
