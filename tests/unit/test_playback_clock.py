"""The synchronised grid's clock maths (domain.playback): the master clock, spans, gaps, catching up."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import pytest

from chronotrace_desktop.domain.playback import (
    MAX_NUDGE,
    SEEK_FROM_S,
    FootageAt,
    MasterClock,
    NoFootage,
    WallSpan,
    catch_up_rate,
    frame_seconds,
    in_sync,
    merge_spans,
    union_span,
)

T0 = datetime(2024, 3, 1, 14, 32, 0)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def test_the_master_clock_runs_pauses_and_steps() -> None:
    clock = MasterClock(at(0), now=100.0)
    assert clock.at(105.0) == at(0)  # made paused
    assert not clock.running
    clock.set_rate(1.0, now=105.0)
    assert clock.at(107.5) == at(2.5)
    clock.set_rate(2.0, now=107.5)  # faster from where it is
    assert clock.at(108.5) == at(4.5)
    clock.set_rate(-1.0, now=108.5)  # backwards
    assert clock.at(109.5) == at(3.5)
    assert clock.step(0.04, now=110.0) == at(3.04)  # a step pauses first (at 3.0), then moves
    assert clock.rate == 0
    assert clock.at(200.0) == at(3.04)
    clock.set_time(at(30), now=200.0)
    assert clock.at(201.0) == at(30)


def test_spans_merge_and_unite() -> None:
    spans = [
        WallSpan(at(10), at(20)),
        WallSpan(at(0), at(5)),
        WallSpan(at(15), at(25)),
        WallSpan(at(5), at(6)),
    ]
    assert merge_spans(spans) == (WallSpan(at(0), at(6)), WallSpan(at(10), at(25)))
    assert merge_spans(spans, gap_s=5) == (WallSpan(at(0), at(25)),)
    assert union_span(spans) == WallSpan(at(0), at(25))
    assert union_span([]) is None
    span = WallSpan(at(0), at(10))
    assert span.contains(at(0))
    assert not span.contains(at(10))  # [start, end)
    assert span.clamp(at(-3)) == at(0)
    assert span.clamp(at(12)) == at(10)
    assert span.seconds == 10


def test_a_gap_answers_for_every_moment_in_it() -> None:
    gap = NoFootage("CAM-4", at(5), previous_end=at(3), next_start=at(20))
    assert gap.covers(at(3))
    assert gap.covers(at(19.999))
    assert not gap.covers(at(20))
    assert not gap.covers(at(2.9))
    open_ended = NoFootage("CAM-4", at(30), previous_end=at(23), next_start=None)
    assert open_ended.covers(at(10_000))


def test_a_segment_knows_its_window_pre_roll_and_recorder_time() -> None:
    footage = FootageAt(
        camera_id="CAM-3",
        wall_time=at(11),
        segment_id=uuid.uuid4(),
        video_id=uuid.uuid4(),
        segment_index=0,
        filename="video02.avi",
        into_s=8.0,
        start=at(3),
        end=at(18),
        video_offset_s=15.0,
        clip_start_s=14.2,
        fps=25.0,
        clock_offset_s=-60.0,
    )
    assert footage.covers(at(3))
    assert not footage.covers(at(18))
    assert footage.preroll_s == pytest.approx(0.8)
    assert footage.recorder_at(at(11)) == at(71)  # the recorder ran a minute fast


def test_a_player_catches_up_by_rate_and_seeks_when_far_off() -> None:
    assert catch_up_rate(1.0, 0.0) == 1.0
    assert catch_up_rate(1.0, -0.03) == 1.0  # close enough: the clock's own rate
    assert catch_up_rate(1.0, -0.1) == pytest.approx(1.1)  # behind: a little faster
    assert catch_up_rate(1.0, 0.1) == pytest.approx(0.9)  # ahead: a little slower
    assert catch_up_rate(2.0, -0.4) == pytest.approx(2.0 * (1 + MAX_NUDGE))  # never more than the cap
    assert catch_up_rate(1.0, -SEEK_FROM_S - 0.01) is None  # too far: seek
    assert in_sync(at(1.1), at(1.0))
    assert not in_sync(at(1.2), at(1.0))


def test_a_frame_step_is_one_frame_of_the_fastest_camera() -> None:
    assert frame_seconds([12.5, 29.83, None]) == pytest.approx(1 / 29.83)
    assert frame_seconds([None, 0]) == pytest.approx(0.04)  # unknown: 25 fps
