from __future__ import annotations

import itertools

import pytest

from chronotrace_desktop.domain.errors import InvalidInputError
from chronotrace_desktop.domain.media import SEGMENT_SECONDS
from chronotrace_desktop.media.windows import MIN_TAIL_SECONDS, plan_windows


def _spans(duration: float) -> list[tuple[int, float, float]]:
    return [(w.index, w.start, w.end) for w in plan_windows(duration)]


def test_fifteen_second_windows_with_a_shorter_last_one() -> None:
    assert _spans(40.0) == [(0, 0.0, 15.0), (1, 15.0, 30.0), (2, 30.0, 40.0)]


def test_exact_multiple_has_no_empty_tail() -> None:
    assert _spans(30.0) == [(0, 0.0, 15.0), (1, 15.0, 30.0)]
    assert _spans(30.0 + 1e-12) == [(0, 0.0, 15.0), (1, 15.0, 30.0 + 1e-12)]


def test_tiny_tail_is_merged_into_the_previous_window() -> None:
    assert _spans(30.3) == [(0, 0.0, 15.0), (1, 15.0, 30.3)]
    assert _spans(30.0 + MIN_TAIL_SECONDS) == [(0, 0.0, 15.0), (1, 15.0, 30.0), (2, 30.0, 30.5)]


def test_short_videos_get_one_window() -> None:
    assert _spans(2.99) == [(0, 0.0, 2.99)]
    assert _spans(0.2) == [(0, 0.0, 0.2)]
    assert _spans(15.0) == [(0, 0.0, 15.0)]


@pytest.mark.parametrize("duration", [0.3, 3.0, 15.2, 17.476, 28.333, 75.133, 139.4, 3600.04, 86_400.0])
def test_windows_tile_the_video(duration: float) -> None:
    windows = plan_windows(duration)
    assert windows[0].start == 0.0
    assert windows[-1].end == duration
    for i, (a, b) in enumerate(itertools.pairwise(windows)):
        assert a.index == i
        assert b.index == i + 1
        assert a.end == b.start
        assert a.end - a.start == SEGMENT_SECONDS
    if len(windows) > 1:
        assert MIN_TAIL_SECONDS <= windows[-1].end - windows[-1].start < SEGMENT_SECONDS + MIN_TAIL_SECONDS


@pytest.mark.parametrize("duration", [0.0, -1.0, float("nan"), float("inf")])
def test_no_windows_for_a_meaningless_duration(duration: float) -> None:
    with pytest.raises(InvalidInputError):
        plan_windows(duration)
