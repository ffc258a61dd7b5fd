"""Small geometry and scoring helpers shared by the rules (normalised boxes; see ``VideoEvidence.aspect``)."""

from __future__ import annotations

import itertools
import math
from typing import TYPE_CHECKING, Any

from chronotrace_desktop.analysis.tracking import label_group

if TYPE_CHECKING:
    from collections.abc import Sequence

    from chronotrace_desktop.domain.analysis import FrameDetections, Track, TrackPoint
    from chronotrace_desktop.domain.media import Box

TRACK_GAP = 3.0  # seconds: the tracker keeps a track through gaps this long (analysis.tracking)


def group_of(label: str) -> str:
    """person | vehicle | bag | (other COCO label)."""
    return label_group(label)


def foot(box: Box, aspect: float) -> tuple[float, float]:
    """Bottom centre in frame-height units (x scaled by the aspect), where a person stands."""
    return (box.centre[0] * aspect, box.bottom)


def centre(box: Box, aspect: float) -> tuple[float, float]:
    """The box's centre in frame-height units (x scaled by the aspect)."""
    cx, cy = box.centre
    return (cx * aspect, cy)


def size(box: Box, aspect: float) -> float:
    """Geometric mean of the box's sides in frame-height units (vehicles and bags)."""
    return math.sqrt(max(box.w * aspect * box.h, 1e-9))


def anchor(track: Track, point: TrackPoint, aspect: float) -> tuple[float, float]:
    """Where a track is: feet for people, centre for everything else."""
    return foot(point.box, aspect) if group_of(track.label) == "person" else centre(point.box, aspect)


def scale(track: Track, point: TrackPoint, aspect: float) -> float:
    """A track's own length unit: body height for people, size for vehicles and bags."""
    return point.box.h if group_of(track.label) == "person" else size(point.box, aspect)


def median(values: Sequence[float]) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def point_in_polygon(x: float, y: float, polygon: Sequence[tuple[float, float]]) -> bool:
    """Even-odd rule; ``x, y`` and the polygon in normalised frame coordinates."""
    inside = False
    j = len(polygon) - 1
    for i, (xi, yi) in enumerate(polygon):
        xj, yj = polygon[j]
        if (yi > y) != (yj > y) and x < (xj - xi) * (y - yi) / ((yj - yi) or 1e-12) + xi:
            inside = not inside
        j = i
    return inside


def inside(track: Track, point: TrackPoint, polygon: Sequence[tuple[float, float]]) -> bool:
    cx, cy = point.box.centre
    return point_in_polygon(cx, point.box.bottom if group_of(track.label) == "person" else cy, polygon)


def runs(times: Sequence[float], flags: Sequence[bool], gap: float = TRACK_GAP) -> list[tuple[int, int]]:
    """Index ranges ``(first, last)`` of consecutive true flags, bridging false/missing spans up to ``gap`` s."""
    found: list[tuple[int, int]] = []
    first: int | None = None
    last: int | None = None
    for i, flag in enumerate(flags):
        if not flag:
            continue
        if first is not None and last is not None and times[i] - times[last] <= gap:
            last = i
            continue
        if first is not None and last is not None:
            found.append((first, last))
        first = last = i
    if first is not None and last is not None:
        found.append((first, last))
    return found


def speeds(track: Track, aspect: float, min_dt: float = 0.5) -> list[tuple[float, float, float]]:
    """``(t0, t1, speed)`` between successive points at least ``min_dt`` apart, in own lengths per second."""
    out: list[tuple[float, float, float]] = []
    points = track.points
    previous = points[0] if points else None
    for point in points[1:]:
        assert previous is not None
        dt = point.t - previous.t
        if dt < min_dt:
            continue
        (x0, y0), (x1, y1) = anchor(track, previous, aspect), anchor(track, point, aspect)
        unit = max((scale(track, previous, aspect) + scale(track, point, aspect)) / 2, 1e-3)
        out.append((previous.t, point.t, math.hypot(x1 - x0, y1 - y0) / dt / unit))
        previous = point
    return out


def strength_confidence(detector_score: float, measure: float, threshold: float) -> float:
    """Confidence in 0..1: the detector's mean score, scaled from 0.6 at the threshold to 1.0 at twice it."""
    margin = 1.0 if threshold <= 0 else min(1.0, max(0.0, measure / threshold - 1.0))
    return round(max(0.0, min(1.0, detector_score)) * (0.6 + 0.4 * margin), 4)


def mean_score(points: Sequence[TrackPoint]) -> float:
    return sum(p.box.score for p in points) / len(points) if points else 0.0


def box_json(box: Box) -> dict[str, float]:
    return {"x": round(box.x, 4), "y": round(box.y, 4), "w": round(box.w, 4), "h": round(box.h, 4)}


def boxes_json(points: Sequence[TrackPoint], limit: int = 12) -> list[list[Any]]:
    """Up to ``limit`` evenly spread ``[t, x, y, w, h]`` of a run of points (evidence for the reviewer)."""
    if not points:
        return []
    step = max(1, math.ceil(len(points) / limit))
    chosen = list(points[::step])
    if chosen[-1] is not points[-1]:
        chosen.append(points[-1])
    return [[round(p.t, 2), *(round(v, 4) for v in (p.box.x, p.box.y, p.box.w, p.box.h))] for p in chosen]


def clock(seconds: float) -> str:
    """Video offset as m:ss (or h:mm:ss)."""
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


OCCLUDED_SHARE = 0.25


def people_by_time(frames: Sequence[FrameDetections]) -> dict[float, tuple[Box, ...]]:
    """Person boxes per sampled time (rounded to the millisecond, as track points are)."""
    return {round(f.t, 3): f.labelled("person") for f in frames}


def occluded(box: Box, people: Sequence[Box]) -> bool:
    """Another person's box covers ``OCCLUDED_SHARE`` of this one: in a crowd the box's shape and position
    follow who stands in front, so neither a posture nor a speed can be read from it."""
    for other in people:
        if other == box:
            continue
        shared = box.intersection(other)
        if shared is not None and shared.area >= OCCLUDED_SHARE * box.w * box.h:
            return True
    return False


def steady_size(points: Sequence[TrackPoint], factor: float = 1.5) -> bool:
    """The box height changes by less than ``factor`` between successive points (no identity switch)."""
    return all(
        max(a.box.h, b.box.h) < factor * max(min(a.box.h, b.box.h), 1e-6)
        for a, b in itertools.pairwise(points)
    )
