"""Synchronised playback: cameras on one wall-clock axis, and the master clock that drives them.

Wall time is the corrected time (``videos.recorded_at`` + seconds into the video; naive UTC). A camera's
footage at a wall time is the segment whose window ``[start, end)`` covers it; where two videos of one camera
overlap, the one that started FIRST is shown (ties: the lower video id), so a recording that plays on is never
cut off by one that starts during it — the later one takes over when the first ends.

The master clock is plain arithmetic over a monotonic reading (``time.monotonic()`` in the app), so it is
tested without Qt and without waiting: ``wall(now) = anchor_wall + rate * (now - anchor_now)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import uuid

# How far a cell's picture may be from the master clock before it is moved back onto it. One frame is 40 ms
# at 25 fps (100 ms at the 10 fps many recorders write); a media player reports its position in steps of a
# decoded frame and a seek lands on a frame, so closer than one frame of the slowest camera cannot be held
# without seeking all the time. 120 ms: three frames at 25 fps, just over one frame at 10 fps.
SYNC_TOLERANCE_S = 0.12
# Within the tolerance a playing player is kept on the clock by its rate, not by seeks (a seek stalls it while
# it decodes from a keyframe): closer than NUDGE_FROM_S it plays at the clock's rate, up to SEEK_FROM_S a
# little faster or slower (at most MAX_NUDGE, in steps of RATE_STEP), farther it is moved by a seek.
NUDGE_FROM_S = 0.04
SEEK_FROM_S = 0.5
MAX_NUDGE = 0.25
RATE_STEP = 0.05
DEFAULT_FPS = 25.0


@dataclass(frozen=True, slots=True)
class WallSpan:
    """A wall-clock interval ``[start, end)``."""

    start: datetime
    end: datetime

    @property
    def seconds(self) -> float:
        return (self.end - self.start).total_seconds()

    def contains(self, moment: datetime) -> bool:
        return self.start <= moment < self.end

    def clamp(self, moment: datetime) -> datetime:
        return min(max(moment, self.start), self.end)


def merge_spans(spans: list[WallSpan], *, gap_s: float = 0.0) -> tuple[WallSpan, ...]:
    """The spans joined where they overlap or lie within ``gap_s`` of each other, in time order."""
    merged: list[WallSpan] = []
    for span in sorted(spans, key=lambda s: (s.start, s.end)):
        if merged and span.start <= merged[-1].end + timedelta(seconds=gap_s):
            last = merged[-1]
            merged[-1] = WallSpan(last.start, max(last.end, span.end))
        else:
            merged.append(span)
    return tuple(merged)


def union_span(spans: list[WallSpan]) -> WallSpan | None:
    """From the earliest start to the latest end (None without spans)."""
    if not spans:
        return None
    return WallSpan(min(s.start for s in spans), max(s.end for s in spans))


@dataclass(frozen=True, slots=True)
class CameraFootage:
    """A camera with dated footage: the wall-clock spans its (not deleted) videos cover."""

    camera_id: str
    name: str | None
    location: str | None
    spans: tuple[WallSpan, ...]
    video_count: int
    has_offset: bool  # a recorder clock offset corrects at least one of its videos

    @property
    def label(self) -> str:
        return f"{self.camera_id} · {self.name}" if self.name else self.camera_id


@dataclass(frozen=True, slots=True)
class FootageAt:
    """The segment of ``camera_id`` covering a wall time."""

    camera_id: str
    wall_time: datetime  # the moment asked for
    segment_id: uuid.UUID
    video_id: uuid.UUID
    segment_index: int
    filename: str
    into_s: float  # seconds from the segment's start to ``wall_time``
    start: datetime  # the segment's wall-clock window [start, end)
    end: datetime
    video_offset_s: float  # the segment's start in seconds from its video's start
    clip_start_s: float  # where the stored original cut starts in the video (a keyframe at or before)
    fps: float | None
    clock_offset_s: float | None  # the recorder's clock + this = wall time; None when no offset applies

    @property
    def window(self) -> WallSpan:
        return WallSpan(self.start, self.end)

    @property
    def preroll_s(self) -> float:
        """Seconds of the original cut before the window (the redacted rendition has none)."""
        return max(0.0, self.video_offset_s - self.clip_start_s)

    def covers(self, moment: datetime) -> bool:
        return self.start <= moment < self.end

    def recorder_at(self, moment: datetime) -> datetime | None:
        """What the recorder's own clock said at wall time ``moment`` (None when no offset applies)."""
        if self.clock_offset_s is None:
            return None
        return moment - timedelta(seconds=self.clock_offset_s)


@dataclass(frozen=True, slots=True)
class NoFootage:
    """``camera_id`` recorded nothing (that is in the library, or in the case) at ``wall_time``."""

    camera_id: str
    wall_time: datetime
    previous_end: datetime | None  # where its last footage before ended
    next_start: datetime | None  # where its next footage starts

    def covers(self, moment: datetime) -> bool:
        """Whether ``moment`` lies in the same gap (the answer holds for it too)."""
        after_previous = self.previous_end is None or self.previous_end <= moment
        before_next = self.next_start is None or moment < self.next_start
        return after_previous and before_next


CameraMoment = FootageAt | NoFootage


def seconds_between(earlier: datetime, later: datetime) -> float:
    return (later - earlier).total_seconds()


def frame_seconds(fps_values: list[float | None]) -> float:
    """One frame step of a grid: a frame of its fastest camera (so no camera skips a frame), else 25 fps."""
    rates = [f for f in fps_values if f and f > 0]
    return 1.0 / (max(rates) if rates else DEFAULT_FPS)


def catch_up_rate(rate: float, drift_s: float) -> float | None:
    """The rate a player ``drift_s`` ahead of the clock (negative: behind) plays at while the clock runs at
    ``rate`` (> 0), to close the gap in about a second; None when it is too far off and must seek."""
    if abs(drift_s) > SEEK_FROM_S:
        return None
    if abs(drift_s) <= NUDGE_FROM_S:
        return rate
    nudge = max(-MAX_NUDGE, min(MAX_NUDGE, -drift_s))
    return rate * round((1 + nudge) / RATE_STEP) * RATE_STEP


def in_sync(shown: datetime, master: datetime, tolerance_s: float = SYNC_TOLERANCE_S) -> bool:
    return abs(seconds_between(master, shown)) <= tolerance_s


class MasterClock:
    """The wall time every player follows: set, paused, or running at a rate (negative: backwards).

    ``now`` is a monotonic reading in seconds; the clock keeps no reference to a real clock itself."""

    def __init__(self, wall: datetime, now: float) -> None:
        self._anchor_wall = wall
        self._anchor_now = now
        self.rate = 0.0

    @property
    def running(self) -> bool:
        return self.rate != 0.0

    def at(self, now: float) -> datetime:
        return self._anchor_wall + timedelta(seconds=self.rate * (now - self._anchor_now))

    def set_time(self, wall: datetime, now: float) -> None:
        self._anchor_wall, self._anchor_now = wall, now

    def set_rate(self, rate: float, now: float) -> None:
        """Run at ``rate`` from the time it shows ``now`` (0: pause there)."""
        self._anchor_wall, self._anchor_now = self.at(now), now
        self.rate = rate

    def step(self, seconds: float, now: float) -> datetime:
        """Pause and move by ``seconds`` (negative: back); the new time."""
        self.set_rate(0.0, now)
        self._anchor_wall += timedelta(seconds=seconds)
        return self._anchor_wall
