"""The redaction plan of a segment: regions to blur between sampled frames, swept so movers stay covered.

``RedactionPlan`` blurs a frame at ``t`` in the union of the keyframes before and after it. Detections are a
second apart, and a walking person's head moves several head widths in a second: the union of the two
positions would leave the head bare in between. So each region is followed over the keyframes (the tracker,
with a generous gate: a wrong match only blurs more) and every keyframe box is replaced by the hull of
itself and the same region's box at the next keyframe, which contains every straight-line position in
between. A region missed at a keyframe but seen before and after is interpolated there. Before the first and
after the last keyframe a region was seen at, a region that was moving is extended along its velocity to the
keyframe before (or the segment's start) and the keyframe after (or the segment's end).

Two layers, planned apart: heads and faces, and (boxes labelled ``BODY``) upper bodies. Each layer is
tracked and swept on its own, so a head never pairs with a body; both share the plan's keyframe times and
keep their labels, and the renderer blurs the upper-body layer only in ``upper_body`` mode.

The stored plan (``plan_to_json``) keeps no labels, so ingest stores the heads-and-faces layer only
(``redaction_boxes`` without ``upper_body``); ``plan_from_detections`` plans both layers again from a
segment's stored detections, the same frames and the same functions as at ingest.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from chronotrace_desktop.analysis.faces import BODY, redaction_boxes
from chronotrace_desktop.analysis.tracking import Tracker, TrackerConfig
from chronotrace_desktop.domain.media import Box, RedactionPlan, TimedBoxes

if TYPE_CHECKING:
    from collections.abc import Sequence

    from chronotrace_desktop.domain.analysis import FrameDetections

_REGION = "region"
_GATE = TrackerConfig(max_gap=2.5, min_iou=0.01, max_speed=6.0, labels=None)


def _lerp(a: Box, b: Box, f: float) -> Box:
    return Box(
        a.x + (b.x - a.x) * f,
        a.y + (b.y - a.y) * f,
        a.w + (b.w - a.w) * f,
        a.h + (b.h - a.h) * f,
        a.label,
        a.score,
    )


@dataclass(slots=True)
class _Path:
    points: dict[int, Box] = field(default_factory=dict)  # keyframe index -> region box


def plan_redaction(
    samples: Sequence[tuple[float, Sequence[Box]]], start: float, end: float, margin: float = 1.3
) -> RedactionPlan:
    """Keyframes of regions to blur from ``(t, boxes)`` per detection time (in time order) of a segment.

    Boxes labelled ``BODY`` are the upper-body layer, planned apart from the others (see the module doc).
    """
    if not samples:
        return RedactionPlan((), margin)
    times = [t for t, _ in samples]
    frames: list[list[Box]] = [[] for _ in samples]
    for body in (False, True):
        layer = [[b for b in boxes if (b.label == BODY) == body] for _, boxes in samples]
        for k, boxes in enumerate(_plan_layer(times, layer, start, end)):
            frames[k].extend(boxes)
    keyframes = tuple(
        TimedBoxes(t, tuple(b.clipped() for b in boxes)) for t, boxes in zip(times, frames, strict=True)
    )
    return RedactionPlan(keyframes, margin)


def plan_from_detections(
    detections: Sequence[FrameDetections],
    start: float,
    end: float,
    *,
    upper_body: bool,
    margin: float = 1.3,
) -> RedactionPlan:
    """The plan of a segment from its detections (in time order), as ingest makes it; with ``upper_body``
    the upper-body layer too."""
    samples = [(d.t, redaction_boxes(d.faces, d.to_blur, upper_body=upper_body)) for d in detections]
    return plan_redaction(samples, start, end, margin)


def _plan_layer(times: list[float], samples: list[list[Box]], start: float, end: float) -> list[list[Box]]:
    """One layer's boxes per keyframe: followed over the keyframes, gaps filled, swept, ends extended."""
    tracker = Tracker(_GATE)
    paths: dict[int, _Path] = {}
    for k, (t, boxes) in enumerate(zip(times, samples, strict=True)):
        relabelled = [Box(b.x, b.y, b.w, b.h, _REGION, b.score) for b in boxes]
        for box, track_id in zip(boxes, tracker.update(t, relabelled), strict=True):
            if track_id is not None:
                paths.setdefault(track_id, _Path()).points[k] = box
    frames: list[list[Box]] = [[] for _ in times]
    for path in paths.values():
        _fill_gaps(path, times)
        seen = sorted(path.points)
        for k in seen:
            box = path.points[k]
            nxt = path.points.get(k + 1)
            frames[k].append(box.hull(nxt) if nxt is not None else box)
        _extend_ends(path, seen, times, frames, start, end)
    return frames


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
        frames[first].append(a.hull(a.shifted((a.x - b.x) * f, (a.y - b.y) * f)))
    dt = times[last] - times[before]
    if dt > 0:
        a, b = path.points[before], path.points[last]
        f = ((times[last + 1] if last + 1 < len(times) else end) - times[last]) / dt
        frames[last].append(b.hull(b.shifted((b.x - a.x) * f, (b.y - a.y) * f)))
