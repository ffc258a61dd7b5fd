"""What the rules look at: one video's tracks, per-frame detections, segments and the camera's normal."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from datetime import datetime

    from chronotrace_desktop.analysis.anomalies.left_behind import LeftObject
    from chronotrace_desktop.domain.analysis import FrameDetections, Track


@dataclass(frozen=True, slots=True)
class SegmentSpan:
    index: int
    start: float
    end: float
    motion_detected: bool | None = None
    motion_score: float | None = None


@dataclass(frozen=True, slots=True)
class MotionNormal:
    """Typical speeds on this camera (median of per-track medians; None: not enough tracks to say).

    Persons in body heights per second, vehicles in vehicle sizes per second (see ``geometry.speeds``).
    """

    person_speed: float | None = None
    vehicle_speed: float | None = None
    tracks: int = 0


@dataclass(frozen=True, slots=True)
class VideoEvidence:
    """``aspect`` is the display width / height: x and y are normalised separately, distances are not."""

    duration: float
    aspect: float
    tracks: tuple[Track, ...] = ()
    frames: tuple[FrameDetections, ...] = ()
    segments: tuple[SegmentSpan, ...] = ()
    crowd_counts: tuple[tuple[float, int], ...] = ()  # (t, people) from the dense count of busy frames
    left_objects: tuple[LeftObject, ...] = ()  # blobs left where a person stayed (``left_behind``)
    recorded_at: datetime | None = None  # naive UTC wall-clock time of t = 0, when known
    normal: MotionNormal = MotionNormal()

    def tracks_of(self, group: str) -> list[Track]:
        from chronotrace_desktop.analysis.anomalies.geometry import group_of

        return [t for t in self.tracks if group_of(t.label) == group and t.points]

    def people_at(self, start: float, end: float) -> list[int]:
        """People counted in view between ``start`` and ``end`` (dense counts when there are any)."""
        dense = [c for t, c in self.crowd_counts if start - 1.0 <= t <= end + 1.0]
        if dense:
            return dense
        return [len(f.labelled("person")) for f in self.frames if start <= f.t <= end]
