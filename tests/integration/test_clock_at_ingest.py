"""The recorder's on-screen clock is read at ingest (issue 15 item 2): a video whose start nobody knew takes
it from the clock (the highway clip: within 2 s of what a person reads on its first frame), audited; a clip
without a clock keeps what it had and records that no clock was found."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest
import sqlalchemy as sa

from chronotrace_desktop.domain.audit import AuditAction
from chronotrace_desktop.domain.ingest import IngestOptions, IngestStatus
from chronotrace_desktop.domain.tasks import Unattended
from chronotrace_desktop.storage.orm import AuditLog, Video
from tests.conftest import VIDEOS_DIR
from tests.integration.conftest import Installation, new_installation

# Read by a person on the first frame of video02.avi (overlay enlarged 8x): 17/09/07 12:04:11, dd/mm/yy.
HUMAN_FIRST_FRAME = datetime(2007, 9, 17, 12, 4, 11)


@pytest.fixture(scope="module")
def workstation() -> Iterator[Installation]:
    with new_installation("embedded") as made:
        yield made


def _video(inst: Installation, video_id: object) -> Video:
    with inst.services.database.transaction() as session:
        video = session.get(Video, video_id)
        assert video is not None
        return video


def test_a_video_without_a_known_start_takes_its_on_screen_clock(workstation: Installation) -> None:
    result = workstation.services.ingest.ingest_file(
        workstation.admin, VIDEOS_DIR / "video02.avi", IngestOptions(camera_id="HIGHWAY"), Unattended()
    )
    assert result.status is IngestStatus.COMPLETED, result
    video = _video(workstation, result.video_id)
    assert video.meta is not None
    reading = video.meta["clock_reading"]
    assert reading["date_order"] == "dmy", reading
    assert reading["ocr_calls"] <= 32
    if video.clock_source != "ocr":
        pytest.fail(f"the clock was not taken (source {video.clock_source}, reading {reading})")
    assert video.recorded_at is not None
    assert abs((video.recorded_at - HUMAN_FIRST_FRAME).total_seconds()) <= 2.0
    with workstation.services.database.transaction() as session:
        audited = session.scalars(
            sa.select(AuditLog).where(
                AuditLog.action == AuditAction.VIDEO_TIME_CHANGED.value,
                AuditLog.resource_id == result.video_id,
            )
        ).all()
    assert len(audited) == 1
    # The clock read is the recorder's own: it is kept as the recorder's time, so an offset can correct it.
    assert video.recorder_recorded_at == video.recorded_at
    change = workstation.services.clock.set_video_time(workstation.admin, result.video_id, offset_s=3600.0)
    assert change.after.recorded_at is not None
    assert (change.after.recorded_at - video.recorded_at).total_seconds() == 3600.0


def test_a_clip_without_a_clock_keeps_its_time_and_says_so(workstation: Installation) -> None:
    result = workstation.services.ingest.ingest_file(
        workstation.admin, VIDEOS_DIR / "car-detection.mp4", IngestOptions(), Unattended()
    )
    assert result.status is IngestStatus.COMPLETED, result
    video = _video(workstation, result.video_id)
    assert video.meta is not None
    assert video.meta["clock_reading"]["recording_start"] is None
    assert "no clock" in video.meta["clock_reading"]["summary"].lower()
    assert video.clock_source != "ocr"
