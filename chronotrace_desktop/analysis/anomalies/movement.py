"""Unusual movement: a person or vehicle much faster than the camera's normal (running), or going the
wrong way when the camera has a normal direction of travel.

Speeds are in the track's own lengths per second (body heights for people, vehicle sizes for vehicles), so
perspective matters less. A person is "fast" above ``max(person_min_speed, speed_factor x normal)``; a
vehicle above ``vehicle_speed_factor x normal``, off by default: from an uncalibrated view an approaching
car moves several times "faster" than a receding one (5x on the shared motorway clip), so vehicles are
judged by direction only unless a camera sets it.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from chronotrace_desktop.analysis.anomalies import geometry as g
from chronotrace_desktop.domain.anomalies import AnomalyCandidate, AnomalyType, Severity

if TYPE_CHECKING:
    from chronotrace_desktop.analysis.anomalies.evidence import VideoEvidence
    from chronotrace_desktop.domain.analysis import Track
    from chronotrace_desktop.domain.anomalies import CameraConfig, UnusualMovementRule
    from chronotrace_desktop.domain.media import Box


def threshold(group: str, evidence: VideoEvidence, rule: UnusualMovementRule) -> float | None:
    normal = evidence.normal.person_speed if group == "person" else evidence.normal.vehicle_speed
    if group == "person":
        return max(rule.person_min_speed, rule.speed_factor * normal) if normal else rule.person_min_speed
    return rule.vehicle_speed_factor * normal if normal and rule.vehicle_speed_factor > 0 else None


def detect(evidence: VideoEvidence, camera: CameraConfig) -> list[AnomalyCandidate]:
    rule: UnusualMovementRule = camera.rules.unusual_movement
    if not rule.enabled:
        return []
    found: list[AnomalyCandidate] = []
    others = g.people_by_time(evidence.frames)
    for group in ("person", "vehicle"):
        limit = threshold(group, evidence, rule)
        for track in evidence.tracks_of(group):
            steps = g.speeds(track, evidence.aspect)
            if limit is not None:
                found.extend(_fast(track, steps, limit, rule, others if group == "person" else {}))
            if rule.direction_deg is not None:
                found.extend(_wrong_way(track, evidence, rule))
    return found


def _fast(
    track: Track,
    steps: list[tuple[float, float, float]],
    limit: float,
    rule: UnusualMovementRule,
    others: dict[float, tuple[Box, ...]],
) -> list[AnomalyCandidate]:
    """Runs of steps above ``limit``; a run is dropped when the box changes size on the way (the tracker
    jumped to someone else) or is hidden by another person on most of its points (in a crowd its centre
    follows whoever stands in front): both made walkers in the shared gym crowd look like runners."""
    out: list[AnomalyCandidate] = []
    flags = [s >= limit for _, _, s in steps]
    for first, last in g.runs([t0 for t0, _, _ in steps], flags, gap=1.5):
        span = steps[first : last + 1]
        start, end = span[0][0], span[-1][1]
        if end - start < rule.min_seconds or len(span) < 2:
            continue
        seen = [p for p in track.points if start <= p.t <= end]
        hidden = sum(1 for p in seen if g.occluded(p.box, others.get(round(p.t, 3), ())))
        if not g.steady_size(seen) or 2 * hidden > len(seen):
            continue
        speed = g.median([s for _, _, s in span])
        unit = "body heights" if g.group_of(track.label) == "person" else "vehicle lengths"
        points = tuple(p for p in track.points if start <= p.t <= end)
        out.append(
            AnomalyCandidate(
                type=AnomalyType.UNUSUAL_MOVEMENT,
                start=start,
                end=end,
                confidence=g.strength_confidence(g.mean_score(points), speed, limit),
                severity=Severity.HIGH if speed >= 2 * limit else Severity.MEDIUM,
                title=f"{track.label.capitalize()} moving fast ({speed:.1f} {unit}/s)",
                description=(
                    f"{track.label.capitalize()} (track {track.track_id}) moved at {speed:.1f} {unit} per "
                    f"second for {end - start:.0f} s from {g.clock(start)} to {g.clock(end)} of the video; "
                    f"this camera's limit is {limit:.1f}."
                ),
                key=f"unusual_movement:fast:{track.track_id}:{round(start)}",
                metadata={
                    "track_ids": [track.track_id],
                    "kind": "speed",
                    "speed": round(speed, 2),
                    "speed_unit": f"{unit} per second",
                    "threshold": round(limit, 2),
                    "duration_seconds": round(end - start, 1),
                    "bounding_box": g.box_json(points[0].box) if points else None,
                    "boxes": g.boxes_json(points),
                },
            )
        )
    return out


def _wrong_way(track: Track, evidence: VideoEvidence, rule: UnusualMovementRule) -> list[AnomalyCandidate]:
    assert rule.direction_deg is not None
    points = track.points
    if len(points) < 3 or points[-1].t - points[0].t < rule.min_seconds:
        return []
    (x0, y0), (x1, y1) = (
        g.anchor(track, points[0], evidence.aspect),
        g.anchor(track, points[-1], evidence.aspect),
    )
    unit = g.median([g.scale(track, p, evidence.aspect) for p in points])
    if math.hypot(x1 - x0, y1 - y0) < 1.5 * unit:
        return []  # hardly moved: no direction to speak of
    heading = math.degrees(math.atan2(y1 - y0, x1 - x0)) % 360
    opposite = (rule.direction_deg + 180) % 360
    off = abs((heading - opposite + 180) % 360 - 180)
    if off > rule.direction_tolerance:
        return []
    start, end = points[0].t, points[-1].t
    vehicle = g.group_of(track.label) == "vehicle"
    return [
        AnomalyCandidate(
            type=AnomalyType.UNUSUAL_MOVEMENT,
            start=start,
            end=end,
            confidence=round(g.mean_score(points) * (1 - 0.4 * off / max(rule.direction_tolerance, 1)), 4),
            severity=Severity.HIGH if vehicle else Severity.MEDIUM,
            title=f"{track.label.capitalize()} going the wrong way",
            description=(
                f"{track.label.capitalize()} (track {track.track_id}) travelled at {heading:.0f} deg against "
                f"this camera's normal direction of {rule.direction_deg:.0f} deg, from {g.clock(start)} to "
                f"{g.clock(end)} of the video."
            ),
            key=f"unusual_movement:direction:{track.track_id}:{round(start)}",
            metadata={
                "track_ids": [track.track_id],
                "kind": "direction",
                "heading_deg": round(heading, 1),
                "normal_direction_deg": rule.direction_deg,
                "bounding_box": g.box_json(points[0].box),
                "boxes": g.boxes_json(points),
            },
        )
    ]
