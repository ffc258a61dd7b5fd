"""What the player draws over the picture at a time: the detections sampled at ingest and an anomaly's evidence
boxes, each held until the next sample (at most ``DETECTION_HOLD_S``). Plain functions, no Qt."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from chronotrace_desktop.domain.media import Box
    from chronotrace_desktop.services.library import SegmentDetail

DETECTION_HOLD_S = 1.5  # a sample's boxes are shown until the next sample, at most this long


def boxes_at(detail: SegmentDetail, t: float) -> tuple[Box, ...]:
    """The boxes of the last sampled frame at or before ``t`` (seconds from the video start)."""
    best = None
    for frame in detail.detections:
        if frame.t <= t + 1e-3 and (best is None or frame.t > best.t):
            best = frame
    if best is None or t - best.t > DETECTION_HOLD_S:
        return ()
    return best.objects + best.faces


def evidence_at(points: tuple[tuple[float, Box], ...], t: float) -> tuple[Box, ...]:
    """An anomaly's box at ``t``: its last point at or before ``t``, held until the next (within its span)."""
    if not points or t < points[0][0] - DETECTION_HOLD_S or t > points[-1][0] + DETECTION_HOLD_S:
        return ()
    before = [box for when, box in points if when <= t + 1e-3]
    return (before[-1] if before else points[0][1],)
