"""The timeline: cameras as lanes on one wall-clock axis; what a window of it holds; the axis's own maths.

Every time here is the corrected wall clock (``videos.recorded_at``: the recorder's clock plus its offset,
naive UTC). Where an offset corrected a video, ``clock_offset_s`` travels with its items so a tooltip can show
what the recorder's clock said too. Videos with no known start cannot be placed on a wall clock; the extent
counts them (``undated_videos``) so the pane can say so.

Activity of a segment (0..1), the rule the service's SQL applies (:func:`activity_score` is its reference):

* presence: ``min(1, (people + vehicles) / PRESENCE_FULL)``: four people or vehicles in a segment are "busy";
* motion: the segment's ``activity_level`` (high 1.0, medium 0.6, low 0.25) when motion was detected, else 0;
* activity = ``max(presence, MOTION_WEIGHT * motion)``: motion alone (trees, rain, a light going on) reaches
  at most 0.6; a segment with people or vehicles in it is as active as their number says.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import uuid

    from chronotrace_desktop.domain.anomalies import Severity

EPOCH = datetime(1970, 1, 1)
PRESENCE_FULL = 4
MOTION_WEIGHT = 0.6
MOTION_LEVELS = {"high": 1.0, "medium": 0.6, "low": 0.25}
# Steps of the axis and of the service's buckets, in seconds: 1 s up to 30 days.
NICE_STEPS = (
    1, 2, 5, 10, 15, 30,
    60, 120, 300, 600, 900, 1800,
    3600, 7200, 10800, 21600, 43200,
    86400, 2 * 86400, 7 * 86400, 14 * 86400, 30 * 86400,
)  # fmt: skip
MIN_SPAN_S = 10.0  # the closest zoom shows ten seconds across the lanes
MAX_SPAN_S = 400 * 86400.0  # the widest, a little over a year


def activity_score(people: int | None, vehicles: int | None, motion: bool | None, level: str | None) -> float:
    """A segment's activity 0..1 (the module's rule; the service computes the same in SQL)."""
    presence = min(1.0, ((people or 0) + (vehicles or 0)) / PRESENCE_FULL)
    moving = MOTION_LEVELS.get(level or "", 0.25) if motion else 0.0
    return round(max(presence, MOTION_WEIGHT * moving), 3)


def to_seconds(moment: datetime) -> float:
    """Seconds since 1970 of a naive UTC time (the pane's axis works in these)."""
    return (moment - EPOCH).total_seconds()


def from_seconds(seconds: float) -> datetime:
    return EPOCH + timedelta(seconds=seconds)


def nice_step(seconds: float) -> int:
    """The smallest of :data:`NICE_STEPS` that is at least ``seconds`` (the largest when none is)."""
    for step in NICE_STEPS:
        if step >= seconds:
            return step
    return NICE_STEPS[-1]


# ---------------------------------------------------------------- what the service returns


@dataclass(frozen=True, slots=True)
class Lane:
    """One camera's lane. ``camera_id`` None: videos ingested without a camera."""

    camera_id: str | None
    name: str | None = None
    location: str | None = None
    video_count: int = 0

    @property
    def label(self) -> str:
        title = self.camera_id or "No camera"
        return f"{title} \N{EM DASH} {self.name}" if self.name else title


@dataclass(frozen=True, slots=True)
class TimelineExtent:
    start: datetime | None  # earliest start of dated footage (None: no dated footage)
    end: datetime | None  # latest end
    lanes: tuple[Lane, ...]
    dated_videos: int
    undated_videos: int  # no recorded_at: not on the timeline


@dataclass(frozen=True, slots=True)
class VideoSpan:
    video_id: uuid.UUID
    camera_id: str | None
    filename: str
    start: datetime
    end: datetime
    clock_offset_s: float | None = None

    @property
    def recorder_start(self) -> datetime | None:
        return recorder_time(self.start, self.clock_offset_s)


@dataclass(frozen=True, slots=True)
class SegmentSpan:
    segment_id: uuid.UUID
    video_id: uuid.UUID
    camera_id: str | None
    start: datetime
    end: datetime
    video_offset_s: float  # the segment's start, seconds from its video's start
    activity: float  # 0..1, see the module's rule
    people: int
    vehicles: int
    motion: bool
    clock_offset_s: float | None = None


@dataclass(frozen=True, slots=True)
class ActivityBucket:
    """Segments of one lane starting in ``[start, start + step)``, when a window holds too many to list.

    ``end`` is where the last of them ends (a bucket's shading covers its segments, not only the step)."""

    camera_id: str | None
    start: datetime
    end: datetime
    segment_count: int
    video_count: int
    activity_max: float
    activity_mean: float


@dataclass(frozen=True, slots=True)
class AnomalyMarker:
    anomaly_id: uuid.UUID
    segment_id: uuid.UUID
    video_id: uuid.UUID
    camera_id: str | None
    time: datetime
    segment_offset_s: float  # seconds into its segment
    anomaly_type: str
    severity: Severity
    title: str | None
    clock_offset_s: float | None = None


@dataclass(frozen=True, slots=True)
class BookmarkMarker:
    bookmark_id: uuid.UUID
    video_id: uuid.UUID
    segment_id: uuid.UUID | None
    camera_id: str | None
    time: datetime
    note: str  # its first line
    clock_offset_s: float | None = None


@dataclass(frozen=True, slots=True)
class TimelineWindow:
    """What lies between ``start`` and ``end``: every segment (``aggregated`` False) or, when more than the
    call's ``max_items`` would be listed, per-lane buckets of ``bucket_s`` seconds instead (no ``videos`` nor
    ``segments`` then). Markers beyond ``max_items`` are left out, the most severe anomalies kept
    (``markers_truncated``)."""

    start: datetime
    end: datetime
    aggregated: bool
    bucket_s: int | None
    videos: tuple[VideoSpan, ...]
    segments: tuple[SegmentSpan, ...]
    buckets: tuple[ActivityBucket, ...]
    anomalies: tuple[AnomalyMarker, ...]
    bookmarks: tuple[BookmarkMarker, ...]
    markers_truncated: bool = False


def recorder_time(moment: datetime, offset_s: float | None) -> datetime | None:
    """The recorder's own clock at the corrected ``moment`` (None when no offset applies)."""
    return moment - timedelta(seconds=offset_s) if offset_s else None


# ---------------------------------------------------------------- the axis


@dataclass(frozen=True, slots=True)
class Tick:
    seconds: float
    label: str
    major: bool  # a new day (or a new month on the widest zooms): labelled with the date


def ticks(start_s: float, end_s: float, width_px: float, *, min_gap_px: float = 90.0) -> list[Tick]:
    """Axis ticks between two times (seconds since 1970) for ``width_px`` pixels, at least ``min_gap_px`` apart,
    on a nice step (seconds to days), labelled at the precision the step needs."""
    span = end_s - start_s
    if span <= 0 or width_px <= 0:
        return []
    step = nice_step(span * min_gap_px / width_px)
    first = math.ceil(start_s / step) * step
    if step >= 86400:  # days start at midnight UTC; weeks and months too (not on 1970's Thursday grid)
        first = math.ceil(start_s / 86400) * 86400
    out: list[Tick] = []
    t = float(first)
    while t <= end_s and len(out) < 500:
        moment = from_seconds(t)
        major = moment.hour == 0 and moment.minute == 0 and moment.second == 0
        out.append(Tick(t, _label(moment, step, major), major))
        t += step
    return out


def _label(moment: datetime, step: int, major: bool) -> str:
    if step >= 86400:
        return (
            moment.strftime("%d %b %Y") if moment.day == 1 or step < 7 * 86400 else moment.strftime("%d %b")
        )
    if major:
        return moment.strftime("%d %b %Y")
    if step >= 60:
        return moment.strftime("%H:%M")
    return moment.strftime("%H:%M:%S")


@dataclass(frozen=True, slots=True)
class Viewport:
    """Which times the lanes show: ``start_s`` (seconds since 1970) at x 0, ``span_s`` across ``width_px``."""

    start_s: float
    span_s: float
    width_px: float

    @property
    def end_s(self) -> float:
        return self.start_s + self.span_s

    @property
    def seconds_per_px(self) -> float:
        return self.span_s / max(1.0, self.width_px)

    def x_of(self, seconds: float) -> float:
        return (seconds - self.start_s) / self.seconds_per_px

    def time_at(self, x: float) -> float:
        return self.start_s + x * self.seconds_per_px

    def zoomed(self, factor: float, anchor_x: float) -> Viewport:
        """Zoomed by ``factor`` (> 1 shows less time) keeping the time under ``anchor_x`` where it is."""
        anchor = self.time_at(anchor_x)
        span = min(MAX_SPAN_S, max(MIN_SPAN_S, self.span_s / factor))
        share = anchor_x / max(1.0, self.width_px)
        return Viewport(anchor - share * span, span, self.width_px)

    def panned(self, dx_px: float) -> Viewport:
        """Moved so the content follows a drag of ``dx_px`` pixels (positive: towards earlier times)."""
        return Viewport(self.start_s - dx_px * self.seconds_per_px, self.span_s, self.width_px)

    def resized(self, width_px: float) -> Viewport:
        """Same start and scale over a new width (more pixels show more time)."""
        return Viewport(self.start_s, self.seconds_per_px * max(1.0, width_px), max(1.0, width_px))

    @staticmethod
    def fit(start_s: float, end_s: float, width_px: float, *, margin: float = 0.02) -> Viewport:
        """Showing ``start_s .. end_s`` with a small margin each side (at least the closest zoom's span)."""
        span = min(MAX_SPAN_S, max(MIN_SPAN_S, (end_s - start_s) * (1 + 2 * margin)))
        middle = (start_s + end_s) / 2
        return Viewport(middle - span / 2, span, max(1.0, width_px))


def tile_level(span_s: float) -> int:
    """The zoom level whose tiles (``2 ** level`` seconds) are at least as wide as ``span_s``."""
    return max(0, math.ceil(math.log2(max(1.0, span_s))))


def tiles_for(start_s: float, end_s: float, level: int) -> list[int]:
    """Indexes of the level's tiles (``index * 2 ** level`` seconds since 1970) covering ``start_s .. end_s``."""
    size = 2.0**level
    return list(range(math.floor(start_s / size), math.floor(end_s / size) + 1))
