"""A small multi-object tracker over sampled frames: people, vehicles and bags, for the anomaly rules.

Association, frame by frame (greedy, cheapest first, within a label group: person | vehicle | bag, so a car
that YOLO calls a truck in one frame stays one track):
- each live track predicts its box at the new time from its last box and centre velocity;
- a detection may join a track when the predicted box overlaps it (IoU >= ``min_iou``) or its centre is
  within ``max_speed`` box diagonals per second of elapsed time from the predicted centre (sparse samples:
  a walker moves about one body height a second, so overlap alone breaks tracks at 1 sample a second);
- cost = 1 - IoU when they overlap, else 1 + normalised centre distance;
- detections left over start new tracks; a track not seen for more than ``max_gap`` seconds ends, so a few
  missed detections (occlusion, a detector flicker) do not split it.
Deterministic: the same detections always give the same tracks and ids.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from chronotrace_desktop.analysis.objects import BAGS, CCTV_CLASSES, PERSON, VEHICLES
from chronotrace_desktop.domain.analysis import Track, TrackPoint
from chronotrace_desktop.domain.media import Box

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from chronotrace_desktop.domain.analysis import FrameDetections


@dataclass(frozen=True, slots=True)
class TrackerConfig:
    max_gap: float = 3.0  # seconds without a detection before a track ends
    min_iou: float = 0.1
    max_speed: float = 1.5  # box diagonals per second between predicted and detected centres
    labels: frozenset[str] | None = CCTV_CLASSES  # None: track every label


def label_group(label: str) -> str:
    if label == PERSON:
        return PERSON
    if label in VEHICLES - {"bicycle"}:
        return "vehicle"
    if label in BAGS:
        return "bag"
    return label


def _diag(box: Box) -> float:
    return math.hypot(box.w, box.h)


@dataclass(slots=True)
class _Live:
    track_id: int
    group: str
    points: list[TrackPoint]
    velocity: tuple[float, float] = (0.0, 0.0)  # centre, normalised units per second

    def predicted(self, t: float) -> Box:
        last = self.points[-1]
        dt = t - last.t
        b = last.box
        return Box(b.x + self.velocity[0] * dt, b.y + self.velocity[1] * dt, b.w, b.h, b.label, b.score)

    def add(self, t: float, box: Box) -> None:
        last = self.points[-1]
        dt = t - last.t
        if dt > 0:
            (x0, y0), (x1, y1) = last.box.centre, box.centre
            measured = ((x1 - x0) / dt, (y1 - y0) / dt)
            if len(self.points) == 1:
                self.velocity = measured
            else:  # light smoothing: one bad box should not throw the prediction far
                vx, vy = self.velocity
                self.velocity = (0.5 * measured[0] + 0.5 * vx, 0.5 * measured[1] + 0.5 * vy)
        self.points.append(TrackPoint(t, box))

    def freeze(self) -> Track:
        label = Counter(p.box.label for p in self.points).most_common(1)[0][0]
        return Track(self.track_id, label, tuple(self.points))


@dataclass(slots=True)
class Tracker:
    """Feed it the detections of each sampled frame in time order with ``update``; read ``tracks()``."""

    config: TrackerConfig = field(default_factory=TrackerConfig)
    next_id: int = 1
    _live: list[_Live] = field(default_factory=list)
    _done: list[_Live] = field(default_factory=list)

    def update(self, t: float, boxes: Sequence[Box]) -> list[int | None]:
        """Assign the boxes seen at ``t`` to tracks; returns each box's track id (None: label not tracked)."""
        cfg = self.config
        ended = [tr for tr in self._live if t - tr.points[-1].t > cfg.max_gap]
        self._done.extend(ended)
        self._live = [tr for tr in self._live if tr not in ended]
        ids: list[int | None] = [None] * len(boxes)
        candidates: list[tuple[float, int, int]] = []
        for bi, box in enumerate(boxes):
            if cfg.labels is not None and box.label not in cfg.labels:
                continue
            group = label_group(box.label)
            for ti, track in enumerate(self._live):
                if track.group != group or track.points[-1].t >= t:
                    continue
                cost = self._cost(track, t, box)
                if cost is not None:
                    candidates.append((cost, bi, ti))
        taken_boxes: set[int] = set()
        taken_tracks: set[int] = set()
        for _cost, bi, ti in sorted(candidates):
            if bi in taken_boxes or ti in taken_tracks:
                continue
            taken_boxes.add(bi)
            taken_tracks.add(ti)
            self._live[ti].add(t, boxes[bi])
            ids[bi] = self._live[ti].track_id
        for bi, box in enumerate(boxes):
            if bi in taken_boxes or (cfg.labels is not None and box.label not in cfg.labels):
                continue
            track = _Live(self.next_id, label_group(box.label), [TrackPoint(t, box)])
            self.next_id += 1
            self._live.append(track)
            ids[bi] = track.track_id
        return ids

    def _cost(self, track: _Live, t: float, box: Box) -> float | None:
        predicted = track.predicted(t)
        overlap = predicted.iou(box)
        if overlap >= self.config.min_iou:
            return 1.0 - overlap
        (px, py), (bx, by) = predicted.centre, box.centre
        scale = max(_diag(predicted), _diag(box), 1e-6)
        distance = math.hypot(px - bx, py - by) / scale
        elapsed = max(t - track.points[-1].t, 0.25)
        if distance <= self.config.max_speed * elapsed:
            return 1.0 + distance
        return None

    def tracks(self, min_points: int = 1) -> list[Track]:
        """Every track so far (ended and live), by id; ``min_points`` drops one-off detections if wanted."""
        every = sorted(self._done + self._live, key=lambda tr: tr.track_id)
        return [tr.freeze() for tr in every if len(tr.points) >= min_points]


def build_tracks(
    detections: Iterable[FrameDetections], config: TrackerConfig | None = None, min_points: int = 1
) -> list[Track]:
    """Tracks over a whole video from its segments' stored per-frame detections (in any order)."""
    tracker = Tracker(config or TrackerConfig())
    for frame in sorted(detections, key=lambda d: d.t):
        tracker.update(frame.t, frame.objects)
    return tracker.tracks(min_points)
