"""The recorder's clock and its correction (issue 15 item 3).

A recorder's clock drifts or was never set. ``videos.recorder_recorded_at`` keeps what it said;
``videos.recorded_at`` is the corrected start: the recorder's time plus the effective offset (the video's own,
else its camera's, else none). Times derived from ``recorded_at`` (search filters, the after-hours rule,
reports) follow the correction; wherever a time is shown, the recorder's time is shown beside it when an
offset applies.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from chronotrace_desktop.domain.errors import InvalidInputError

MAX_OFFSET_S = 100 * 365 * 86_400.0  # a century either way: beyond that the number is a typo


class ClockSource(StrEnum):
    """Where a video's start time came from."""

    CONTAINER = "container"  # the container's creation time
    FLAG = "flag"  # given at ingest (``--recorded-at``)
    OCR = "ocr"  # read from the on-screen clock
    MANUAL = "manual"  # set by hand afterwards (``videos set-time``, the GUI)
    CAMERA = "camera"  # the camera's offset applies


def check_offset(offset_s: float) -> float:
    """An offset in seconds, refused when not a finite number within a century."""
    value = float(offset_s)
    if not math.isfinite(value) or abs(value) > MAX_OFFSET_S:
        raise InvalidInputError(
            f"{offset_s!r} is not a clock offset in seconds (at most a century either way)"
        )
    return value


def parse_offset(text: str) -> float:
    """``"-73.5"``, ``"+3600"`` as seconds."""
    try:
        value = float(text.strip())
    except ValueError:
        raise InvalidInputError(f"{text!r} is not a number of seconds (e.g. -73 or 3600)") from None
    return check_offset(value)


def corrected(recorder: datetime | None, offset_s: float | None) -> datetime | None:
    """The true time of a recorder's ``recorder`` time (None when the recorder's time is unknown)."""
    if recorder is None:
        return None
    return recorder + timedelta(seconds=offset_s or 0.0)


@dataclass(frozen=True, slots=True)
class VideoClock:
    """A video's start as recorded and as corrected; ``offset_s`` is the effective offset (0 when none)."""

    recorded_at: datetime | None  # corrected
    recorder_recorded_at: datetime | None
    offset_s: float = 0.0
    source: str | None = None

    @property
    def has_offset(self) -> bool:
        return self.offset_s != 0.0 and self.recorder_recorded_at is not None

    def recorder_at(self, seconds: float) -> datetime | None:
        """The recorder's clock ``seconds`` into the video."""
        if self.recorder_recorded_at is None:
            return None
        return self.recorder_recorded_at + timedelta(seconds=seconds)

    def true_at(self, seconds: float) -> datetime | None:
        if self.recorded_at is None:
            return None
        return self.recorded_at + timedelta(seconds=seconds)


def effective_offset(video_offset: float | None, camera_offset: float | None) -> float:
    """The offset that applies: the video's own, else its camera's, else none."""
    if video_offset is not None:
        return video_offset
    return camera_offset if camera_offset is not None else 0.0


def format_offset(offset_s: float) -> str:
    """``+1 min 13 s``, ``-2 h 0 min 5 s``, ``+0.5 s``: for labels beside a time."""
    sign = "-" if offset_s < 0 else "+"
    rest = abs(offset_s)
    whole = int(rest)
    frac = rest - whole
    hours, rem = divmod(whole, 3600)
    minutes, seconds = divmod(rem, 60)
    secs = f"{seconds + frac:.1f}".rstrip("0").rstrip(".") if frac else str(seconds)
    if hours:
        return f"{sign}{hours} h {minutes} min {secs} s"
    if minutes:
        return f"{sign}{minutes} min {secs} s"
    return f"{sign}{secs} s"
