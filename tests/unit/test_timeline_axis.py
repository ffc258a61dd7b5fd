"""The timeline's pure maths (domain.timeline): activity rule, nice steps, axis ticks, viewport, tiles."""

from __future__ import annotations

import itertools
from datetime import datetime

import pytest

from chronotrace_desktop.domain.timeline import (
    MAX_SPAN_S,
    MIN_SPAN_S,
    Viewport,
    activity_score,
    from_seconds,
    nice_step,
    ticks,
    tile_level,
    tiles_for,
    to_seconds,
)

DAY = 86400.0


def test_activity_rule() -> None:
    assert activity_score(0, 0, False, None) == 0.0
    assert activity_score(None, None, True, "high") == 0.6  # motion alone tops at 0.6
    assert activity_score(0, 0, True, "low") == 0.15
    assert activity_score(2, 0, False, None) == 0.5
    assert activity_score(3, 2, True, "medium") == 1.0


@pytest.mark.parametrize(
    ("wanted", "step"), [(0.2, 1), (1, 1), (7, 10), (40, 60), (4000, 7200), (3 * DAY, 7 * DAY)]
)
def test_nice_step(wanted: float, step: int) -> None:
    assert nice_step(wanted) == step


def test_nice_step_caps_at_thirty_days() -> None:
    assert nice_step(400 * DAY) == 30 * DAY


def test_ticks_over_a_day_fall_on_whole_hours_and_midnight_is_major() -> None:
    start = to_seconds(datetime(2024, 2, 9, 22, 10))
    marks = ticks(start, start + 6 * 3600, 1000)
    assert all(from_seconds(t.seconds).minute == 0 for t in marks)
    midnight = [t for t in marks if t.major]
    assert [t.label for t in midnight] == ["10 Feb 2024"]
    assert all(t.label.count(":") == 1 for t in marks if not t.major)


def test_ticks_over_a_minute_show_seconds_and_are_spaced() -> None:
    start = to_seconds(datetime(2024, 2, 9, 14, 30, 3))
    marks = ticks(start, start + 60, 1200, min_gap_px=90)
    assert marks
    assert marks[0].label == "14:30:05"
    assert all(b.seconds - a.seconds >= 60 * 90 / 1200 for a, b in itertools.pairwise(marks))


def test_ticks_over_a_month_are_days_at_midnight() -> None:
    start = to_seconds(datetime(2025, 3, 1, 5))
    marks = ticks(start, start + 30 * DAY, 900)
    assert all(from_seconds(t.seconds).hour == 0 for t in marks)
    assert ticks(start, start, 900) == []


def test_zoom_keeps_the_time_under_the_pointer_and_clamps() -> None:
    view = Viewport(1000.0, 3600.0, 900.0)
    anchor = view.time_at(300)
    closer = view.zoomed(4.0, 300)
    assert closer.span_s == pytest.approx(900.0)
    assert closer.time_at(300) == pytest.approx(anchor)
    assert view.zoomed(1e9, 0).span_s == MIN_SPAN_S
    assert view.zoomed(1e-9, 0).span_s == MAX_SPAN_S


def test_pan_resize_and_fit() -> None:
    view = Viewport(0.0, 900.0, 900.0)
    assert view.panned(100).start_s == pytest.approx(-100.0)  # dragging right shows earlier times
    wider = view.resized(1800)
    assert (wider.start_s, wider.span_s) == (0.0, 1800.0)
    fitted = Viewport.fit(100.0, 200.0, 500)
    assert fitted.start_s < 100 < 200 < fitted.end_s
    assert Viewport.fit(5.0, 5.0, 500).span_s == MIN_SPAN_S


def test_tiles_cover_the_view_with_at_most_two_of_its_level() -> None:
    for span in (10.0, 59.0, 3600.0, 30 * DAY):
        level = tile_level(span)
        assert 2**level >= span
        for start in (0.0, 1234.5, 1.7e9):
            assert 1 <= len(tiles_for(start, start + span, level)) <= 2
