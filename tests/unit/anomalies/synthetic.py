"""Synthetic tracks and evidence for the rule tests (boxes in normalised coordinates, 1 sample a second)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from chronotrace_desktop.analysis.anomalies.evidence import MotionNormal, SegmentSpan, VideoEvidence
from chronotrace_desktop.analysis.anomalies.left_behind import LeftObject
from chronotrace_desktop.domain.analysis import FrameDetections, Track, TrackPoint
from chronotrace_desktop.domain.media import Box

ASPECT = 16 / 9


def track(
    track_id: int,
    label: str,
    times: range | list[float],
    box: Callable[[float], tuple[float, float, float, float]],
    score: float = 0.9,
) -> Track:
    return Track(
        track_id, label, tuple(TrackPoint(float(t), Box(*box(float(t)), label, score)) for t in times)
    )


def standing(
    x: float, y: float = 0.3, h: float = 0.5
) -> Callable[[float], tuple[float, float, float, float]]:
    """A person who does not move (a little detector jitter)."""
    return lambda t: (x + 0.003 * ((int(t) % 3) - 1), y, h * 0.35, h)


def walking(
    x0: float, vx: float, y: float = 0.3, h: float = 0.4
) -> Callable[[float], tuple[float, float, float, float]]:
    return lambda t: (x0 + vx * t, y, h * 0.35, h)


def frames_for(tracks: list[Track], extra: dict[float, int] | None = None) -> tuple[FrameDetections, ...]:
    """Per-second detections holding every track's box at that time (plus ``extra`` anonymous people)."""
    times = sorted({p.t for tr in tracks for p in tr.points} | set(extra or {}))
    frames = []
    for t in times:
        boxes = [p.box for tr in tracks for p in tr.points if p.t == t]
        boxes += [Box(0.9, 0.1, 0.02, 0.05, "person", 0.5)] * (extra or {}).get(t, 0)
        frames.append(FrameDetections(t, tuple(boxes)))
    return tuple(frames)


def evidence(
    tracks: list[Track],
    *,
    duration: float = 120.0,
    crowd: list[tuple[float, int]] | None = None,
    recorded_at: datetime | None = None,
    segments: tuple[SegmentSpan, ...] = (),
    normal: MotionNormal | None = None,
    left_objects: tuple[LeftObject, ...] = (),
) -> VideoEvidence:
    return VideoEvidence(
        duration=duration,
        aspect=ASPECT,
        tracks=tuple(tracks),
        frames=frames_for(tracks),
        segments=segments,
        crowd_counts=tuple(crowd or ()),
        recorded_at=recorded_at,
        normal=normal or MotionNormal(),
        left_objects=left_objects,
    )
