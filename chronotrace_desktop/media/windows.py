"""Plan the 15-second windows a video is cut into."""

from __future__ import annotations

import math

from chronotrace_desktop.domain.errors import InvalidInputError
from chronotrace_desktop.domain.media import SEGMENT_SECONDS, Window

MIN_TAIL_SECONDS = 0.5


def plan_windows(
    duration_s: float, *, segment_s: float = SEGMENT_SECONDS, min_tail_s: float = MIN_TAIL_SECONDS
) -> list[Window]:
    """``[0, 15), [15, 30), ...`` up to ``duration_s``; the last window is shorter.

    A tail shorter than ``min_tail_s`` is not a window of its own (a sub-second segment is useless to view and
    to analyse): it is merged into the previous window, which then lasts up to ``segment_s + min_tail_s``.
    A video shorter than ``min_tail_s`` still gets its one window. Windows are contiguous, start at 0 and end
    exactly at ``duration_s``.
    """
    if not math.isfinite(duration_s) or duration_s <= 0:
        raise InvalidInputError(f"cannot plan segments for a duration of {duration_s!r} s")
    if segment_s <= 0 or min_tail_s < 0:
        raise ValueError("segment_s must be positive and min_tail_s not negative")
    count = max(1, math.ceil(duration_s / segment_s - 1e-9))
    tail = duration_s - (count - 1) * segment_s
    if count > 1 and tail < min_tail_s:
        count -= 1
    windows = [Window(i, i * segment_s, (i + 1) * segment_s) for i in range(count)]
    last = windows[-1]
    windows[-1] = Window(last.index, last.start, duration_s)
    return windows
