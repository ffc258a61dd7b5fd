"""Issue 16 item 4: which footage of each camera covers a wall-clock moment (PlaybackService).

One embedded installation, four cameras of overlapping dated footage, offset by a few seconds (T0 = 14:32:00):

    CAM-1  bottle-detection.mp4    T0     .. T0+39.9   and face-demographics-walking.gif T0+10 .. T0+12.9
    CAM-2  car-detection.mp4       T0+5   .. T0+35.2
    CAM-3  video02.avi             recorder T0+63 with a -60 s clock offset: T0+3 .. T0+33
    CAM-4  classroom.gif           T0+20  .. T0+23 (no footage before or after)
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from chronotrace_desktop.domain.errors import AuthenticationError, InvalidInputError, NotFoundError
from chronotrace_desktop.domain.ingest import IngestOptions, IngestStatus
from chronotrace_desktop.domain.playback import FootageAt, NoFootage
from chronotrace_desktop.domain.roles import Role
from chronotrace_desktop.domain.tasks import Unattended
from tests.conftest import VIDEOS_DIR
from tests.integration.conftest import Installation, new_installation

T0 = datetime(2024, 3, 1, 14, 32, 0)
CAMERAS = ("CAM-1", "CAM-2", "CAM-3", "CAM-4")
# (clip, camera, recorder's start, clock offset)
FOOTAGE = (
    ("bottle-detection.mp4", "CAM-1", T0, None),
    ("face-demographics-walking.gif", "CAM-1", T0 + timedelta(seconds=10), None),
    ("car-detection.mp4", "CAM-2", T0 + timedelta(seconds=5), None),
    ("video02.avi", "CAM-3", T0 + timedelta(seconds=63), -60.0),
    ("classroom.gif", "CAM-4", T0 + timedelta(seconds=20), None),
)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


@pytest.fixture(scope="module")
def grid() -> Iterator[tuple[Installation, dict[str, uuid.UUID]]]:
    with new_installation("embedded") as inst:
        videos: dict[str, uuid.UUID] = {}
        for clip, camera, start, offset in FOOTAGE:
            options = IngestOptions(camera_id=camera, recorded_at=start, clock_offset_s=offset)
            (result,) = inst.services.ingest.ingest_paths(
                inst.admin, [VIDEOS_DIR / clip], options, Unattended()
            )
            assert result.status is IngestStatus.COMPLETED, result
            assert result.video_id is not None
            videos[clip] = result.video_id
        yield inst, videos


def _footage(moment: FootageAt | NoFootage) -> FootageAt:
    assert isinstance(moment, FootageAt), moment
    return moment


def test_cameras_with_their_wall_clock_spans(grid: tuple[Installation, dict[str, uuid.UUID]]) -> None:
    inst, _videos = grid
    cameras = {c.camera_id: c for c in inst.services.playback.cameras(inst.admin)}
    assert sorted(cameras) == list(CAMERAS)
    (cam1,) = cameras["CAM-1"].spans  # the walking clip lies inside the bottles: one span
    assert cam1.start == T0
    assert 39 < cam1.seconds < 41
    assert cameras["CAM-1"].video_count == 2
    (cam3,) = cameras["CAM-3"].spans
    assert cam3.start == at(3)  # corrected: the recorder said 14:33:03
    assert cameras["CAM-3"].has_offset
    assert not cameras["CAM-2"].has_offset
    (cam4,) = cameras["CAM-4"].spans
    assert cam4.start == at(20)
    assert 2.5 < cam4.seconds < 3.5

    span = inst.services.playback.common_span(inst.admin, CAMERAS)
    assert span is not None
    assert span.start == T0
    assert span.end == cam1.end  # the bottles end last
    only4 = inst.services.playback.common_span(inst.admin, ["CAM-4"])
    assert only4 == cam4
    assert inst.services.playback.common_span(inst.admin, ["CAM-NONE"]) is None


def test_each_camera_at_one_moment(grid: tuple[Installation, dict[str, uuid.UUID]]) -> None:
    inst, videos = grid
    cam1, cam2, cam3, cam4 = inst.services.playback.footage_at(inst.admin, CAMERAS, at(11))

    first = _footage(cam1)  # the walking clip overlaps: the recording that started first is shown
    assert first.video_id == videos["bottle-detection.mp4"]
    assert first.segment_index == 0
    assert first.into_s == pytest.approx(11, abs=1e-3)
    assert first.start == T0
    assert first.covers(at(11))
    assert first.clock_offset_s is None
    assert first.recorder_at(at(11)) is None

    car = _footage(cam2)
    assert car.video_id == videos["car-detection.mp4"]
    assert car.into_s == pytest.approx(6, abs=1e-3)
    assert car.start == at(5)

    corrected = _footage(cam3)
    assert corrected.video_id == videos["video02.avi"]
    assert corrected.into_s == pytest.approx(8, abs=1e-3)  # 3 s after the corrected start
    assert corrected.clock_offset_s == pytest.approx(-60)
    assert corrected.recorder_at(at(11)) == at(71)  # the recorder's clock said 14:33:11

    gap = cam4
    assert isinstance(gap, NoFootage)
    assert gap.next_start == at(20)
    assert gap.previous_end is None
    assert gap.covers(at(0))
    assert gap.covers(at(19.9))
    assert not gap.covers(at(20))


def test_segments_follow_each_other_and_gaps_name_the_footage_around(
    grid: tuple[Installation, dict[str, uuid.UUID]],
) -> None:
    inst, _videos = grid
    playback = inst.services.playback
    (before,) = playback.footage_at(inst.admin, ["CAM-1"], at(14.9))
    (after,) = playback.footage_at(inst.admin, ["CAM-1"], _footage(before).end)
    assert _footage(before).segment_index == 0
    assert _footage(after).segment_index == 1
    assert _footage(after).into_s == pytest.approx(0, abs=1e-3)  # the next segment starts where one ends
    assert _footage(after).start == _footage(before).end

    (gone,) = playback.footage_at(inst.admin, ["CAM-4"], at(25))
    assert isinstance(gone, NoFootage)
    assert gone.next_start is None
    assert gone.previous_end is not None
    assert at(22.5) < gone.previous_end <= at(23.5)
    (early,) = playback.footage_at(inst.admin, ["CAM-2"], at(1))
    assert isinstance(early, NoFootage)
    assert early.next_start == at(5)
    (late,) = playback.footage_at(inst.admin, ["CAM-1"], at(3600))
    assert isinstance(late, NoFootage)
    assert late.previous_end is not None
    assert late.next_start is None


def test_a_case_limits_the_footage_to_its_videos(grid: tuple[Installation, dict[str, uuid.UUID]]) -> None:
    inst, videos = grid
    case = inst.services.cases.create(inst.admin, "Car park at 14:32")
    inst.services.cases.add_videos(inst.admin, case.case_id, [videos["car-detection.mp4"]])
    playback = inst.services.playback
    assert [c.camera_id for c in playback.cameras(inst.admin, case.case_id)] == ["CAM-2"]
    cam1, cam2 = playback.footage_at(inst.admin, ["CAM-1", "CAM-2"], at(11), case.case_id)
    assert isinstance(cam1, NoFootage)  # CAM-1's footage is not in the case
    assert cam1.next_start is None
    assert cam1.previous_end is None
    assert _footage(cam2).video_id == videos["car-detection.mp4"]
    span = playback.common_span(inst.admin, CAMERAS, case.case_id)
    assert span is not None
    assert span.start == at(5)


def test_roles_and_inputs_are_checked(grid: tuple[Installation, dict[str, uuid.UUID]]) -> None:
    inst, _videos = grid
    email, viewer = inst.add_user(Role.VIEWER)
    playback = inst.services.playback
    (moment,) = playback.footage_at(viewer, ["CAM-2"], at(11))
    assert isinstance(moment, FootageAt)  # viewers may look (the media they then get is redacted)
    with pytest.raises(InvalidInputError):
        playback.footage_at(viewer, [], at(11))
    with pytest.raises(InvalidInputError):
        playback.footage_at(viewer, ["CAM-2"], at(11).replace(tzinfo=UTC))
    with pytest.raises(NotFoundError):
        playback.cameras(viewer, "CASE-1999-0001")
    inst.services.users.set_active(inst.admin, email, False)
    with pytest.raises(AuthenticationError):  # every call asks the authorizer
        playback.footage_at(viewer, ["CAM-2"], at(11))
    with pytest.raises(AuthenticationError):
        playback.cameras(viewer)
