"""The redaction plan of a segment: regions to blur between sampled frames, swept so movers stay covered.

``RedactionPlan`` blurs a frame at ``t`` in the union of the keyframes before and after it. Detections are a
second apart, and a walking person's head moves several head widths in a second: the union of the two
positions would leave the head bare in between. So each region is followed over the keyframes (the tracker,
with a generous gate: a wrong match only blurs more) and every keyframe box is replaced by the hull of
itself and the same region's box at the next keyframe, which contains every straight-line position in
between. A region missed at a keyframe but seen before and after is interpolated there. Before the first and
after the last keyframe a region was seen at, a region that was moving is extended along its velocity to the
keyframe before (or the segment's start) and the keyframe after (or the segment's end).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from chronotrace_desktop.analysis.tracking import Tracker, TrackerConfig
from chronotrace_desktop.domain.media import Box, RedactionPlan, TimedBoxes

if TYPE_CHECKING:
    from collections.abc import Sequence

_REGION = "region"
_GATE = TrackerConfig(max_gap=2.5, min_iou=0.01, max_speed=6.0, labels=None)


def hull(a: Box, b: Box) -> Box:
    x0, y0 = min(a.x, b.x), min(a.y, b.y)
    x1, y1 = max(a.x + a.w, b.x + b.w), max(a.y + a.h, b.y + b.h)
    return Box(x0, y0, x1 - x0, y1 - y0, a.label, max(a.score, b.score))


def _lerp(a: Box, b: Box, f: float) -> Box:
    return Box(
        a.x + (b.x - a.x) * f,
        a.y + (b.y - a.y) * f,
        a.w + (b.w - a.w) * f,
        a.h + (b.h - a.h) * f,
        a.label,
        a.score,
    )


def _shifted(box: Box, dx: float, dy: float) -> Box:
    return Box(box.x + dx, box.y + dy, box.w, box.h, box.label, box.score)


@dataclass(slots=True)
class _Path:
    points: dict[int, Box] = field(default_factory=dict)  # keyframe index -> region box


def plan_redaction(
    samples: Sequence[tuple[float, Sequence[Box]]], start: float, end: float, margin: float = 1.3
) -> RedactionPlan:
    """Keyframes of regions to blur from ``(t, boxes)`` per detection time (in time order) of a segment."""
    if not samples:
        return RedactionPlan((), margin)
    times = [t for t, _ in samples]
    tracker = Tracker(_GATE)
    paths: dict[int, _Path] = {}
    for k, (t, boxes) in enumerate(samples):
        relabelled = [Box(b.x, b.y, b.w, b.h, _REGION, b.score) for b in boxes]
        for box, track_id in zip(boxes, tracker.update(t, relabelled), strict=True):
            if track_id is not None:
                paths.setdefault(track_id, _Path()).points[k] = box
    frames: list[list[Box]] = [[] for _ in samples]
    for path in paths.values():
        _fill_gaps(path, times)
        seen = sorted(path.points)
        for k in seen:
            box = path.points[k]
            nxt = path.points.get(k + 1)
            frames[k].append(hull(box, nxt) if nxt is not None else box)
        _extend_ends(path, seen, times, frames, start, end)
    keyframes = tuple(
        TimedBoxes(t, tuple(b.clipped() for b in boxes)) for t, boxes in zip(times, frames, strict=True)
    )
    return RedactionPlan(keyframes, margin)


def _fill_gaps(path: _Path, times: list[float]) -> None:
    seen = sorted(path.points)
    for a, b in itertools.pairwise(seen):
        for k in range(a + 1, b):
            f = (times[k] - times[a]) / max(times[b] - times[a], 1e-9)
            path.points[k] = _lerp(path.points[a], path.points[b], f)


def _extend_ends(
    path: _Path, seen: list[int], times: list[float], frames: list[list[Box]], start: float, end: float
) -> None:
    """Extend a moving region back to the keyframe before its first sighting, on to the one after its last."""
    if len(seen) < 2:
        return
    first, second, last, before = seen[0], seen[1], seen[-1], seen[-2]
    dt = times[second] - times[first]
    if dt > 0:
        a, b = path.points[first], path.points[second]
        f = (times[first] - (times[first - 1] if first > 0 else start)) / dt
        frames[first].append(hull(a, _shifted(a, (a.x - b.x) * f, (a.y - b.y) * f)))
    dt = times[last] - times[before]
    if dt > 0:
        a, b = path.points[before], path.points[last]
        f = ((times[last + 1] if last + 1 < len(times) else end) - times[last]) / dt
        frames[last].append(hull(b, _shifted(b, (b.x - a.x) * f, (b.y - a.y) * f)))
