"""Fall detection from box geometry: an upright person box turns near-horizontal within a moment and stays.

DESIGN.md's pose model (mediapipe 0.10.21) needs numpy<2, which this environment cannot take (OpenCV 4.14 and
onnxruntime need numpy 2), so the rule reads the tracked person boxes: height/width (corrected for the
frame's aspect) goes from ``upright_ratio`` or more to ``down_ratio`` or less within ``drop_seconds``, the
box top drops, and the person stays down for ``min_down_seconds``. It cannot tell a fall from lying down on
purpose, and a person seen from straight above has no "upright" box. A "down" box that another person's
box overlaps by a quarter or more is not taken as lying (in a crowd, box shapes follow occlusion), nor one
farther from the upright box than a body can fall (the tracker switched people).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from chronotrace_desktop.analysis.anomalies import geometry as g
from chronotrace_desktop.domain.anomalies import AnomalyCandidate, AnomalyType, Severity

if TYPE_CHECKING:
    from chronotrace_desktop.analysis.anomalies.evidence import VideoEvidence
    from chronotrace_desktop.domain.analysis import Track
    from chronotrace_desktop.domain.anomalies import CameraConfig, FallRule
    from chronotrace_desktop.domain.media import Box


MAX_FALL_REACH = 1.5  # a body falls about its own height away from where it stood


def ratio(box: Box, aspect: float) -> float:
    return box.h / max(box.w * aspect, 1e-6)


def detect(evidence: VideoEvidence, camera: CameraConfig) -> list[AnomalyCandidate]:
    rule: FallRule = camera.rules.fall_detection
    if not rule.enabled:
        return []
    found: list[AnomalyCandidate] = []
    others = g.people_by_time(evidence.frames)
    for track in evidence.tracks_of("person"):
        candidate = _fall(track, evidence.aspect, rule, others)
        if candidate is not None:
            found.append(candidate)
    return found


def _jumped(stand: Box, down: Box, aspect: float) -> bool:
    """The "lying" box is more than ``MAX_FALL_REACH`` standing heights from the upright one: the tracker
    went from one person to another (a far walker to a near spectator, in the shared gym crowd)."""
    dx = (down.x + down.w / 2 - stand.x - stand.w / 2) * aspect
    dy = (down.y + down.h / 2) - (stand.y + stand.h / 2)
    return math.hypot(dx, dy) > MAX_FALL_REACH * stand.h


def _fall(
    track: Track, aspect: float, rule: FallRule, others: dict[float, tuple[Box, ...]]
) -> AnomalyCandidate | None:
    points = track.points
    for j, down in enumerate(points):
        if ratio(down.box, aspect) > rule.down_ratio:
            continue
        if g.occluded(down.box, others.get(round(down.t, 3), ())):
            continue
        before = [p for p in points[:j] if 0 < down.t - p.t <= rule.drop_seconds]
        upright = [p for p in before if ratio(p.box, aspect) >= rule.upright_ratio]
        if not upright:
            continue
        stand = upright[-1]
        if _jumped(stand.box, down.box, aspect):
            continue
        dropped = down.box.y - stand.box.y >= 0.3 * stand.box.h or down.box.h <= 0.6 * stand.box.h
        if not dropped:
            continue
        stay = [down]
        for p in points[j + 1 :]:
            if ratio(p.box, aspect) > rule.down_ratio * 1.15 or p.t - stay[-1].t > g.TRACK_GAP:
                break
            stay.append(p)
        lying = stay[-1].t - down.t
        if lying < rule.min_down_seconds:
            continue
        severity = Severity.CRITICAL if lying >= 5 * rule.min_down_seconds else Severity.HIGH
        return AnomalyCandidate(
            type=AnomalyType.FALL_DETECTION,
            start=stand.t,
            end=stay[-1].t,
            confidence=g.strength_confidence(g.mean_score(stay), lying, rule.min_down_seconds),
            severity=severity,
            title=f"Possible fall: person down {lying:.0f} s",
            description=(
                f"Person (track {track.track_id}) went from upright (box {ratio(stand.box, aspect):.1f}x taller "
                f"than wide) to lying (ratio {ratio(down.box, aspect):.2f}) in {down.t - stand.t:.1f} s at "
                f"{g.clock(down.t)} of the video and stayed down {lying:.0f} s (box geometry; no pose model)."
            ),
            key=f"fall_detection:{track.track_id}:{round(down.t)}",
            metadata={
                "track_ids": [track.track_id],
                "down_seconds": round(lying, 1),
                "drop_seconds": round(down.t - stand.t, 2),
                "upright_box": g.box_json(stand.box),
                "bounding_box": g.box_json(down.box),
                "boxes": g.boxes_json((stand, *stay)),
                "method": "box_geometry",
            },
        )
    return None
