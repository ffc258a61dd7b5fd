"""Vehicle stopped: a car, bus, truck or motorbike stays within ``tolerance`` of its own size (and keeps its
size: a car driving away shrinks while its centre hardly moves) for ``min_seconds``; optionally only
inside a zone (``zone_only``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chronotrace_desktop.analysis.anomalies import geometry as g
from chronotrace_desktop.domain.anomalies import AnomalyCandidate, AnomalyType, Severity, ZoneKind

if TYPE_CHECKING:
    from chronotrace_desktop.analysis.anomalies.evidence import VideoEvidence
    from chronotrace_desktop.domain.analysis import Track, TrackPoint
    from chronotrace_desktop.domain.anomalies import CameraConfig, VehicleStoppedRule, Zone

SIZE_CHANGE = 0.3  # a stopped vehicle's box size changes by less than this fraction


def detect(evidence: VideoEvidence, camera: CameraConfig) -> list[AnomalyCandidate]:
    rule: VehicleStoppedRule = camera.rules.vehicle_stopped
    if not rule.enabled:
        return []
    zones = [z for z in camera.zones if "vehicle" in z.labels]
    found: list[AnomalyCandidate] = []
    for track in evidence.tracks_of("vehicle"):
        for points in _stops(track, evidence.aspect, rule):
            middle = points[len(points) // 2]
            zone = next((z for z in zones if g.inside(track, middle, z.polygon)), None)
            if rule.zone_only and zone is None:
                continue
            found.append(_candidate(track, points, rule, zone))
    return found


def _stops(track: Track, aspect: float, rule: VehicleStoppedRule) -> list[tuple[TrackPoint, ...]]:
    points = track.points
    out: list[tuple[TrackPoint, ...]] = []
    i = 0
    while i < len(points):
        first = points[i]
        origin, unit = g.centre(first.box, aspect), g.size(first.box, aspect)
        j = i
        while j + 1 < len(points):
            nxt = points[j + 1]
            x, y = g.centre(nxt.box, aspect)
            moved = ((x - origin[0]) ** 2 + (y - origin[1]) ** 2) ** 0.5 > rule.tolerance * unit
            resized = abs(g.size(nxt.box, aspect) - unit) > SIZE_CHANGE * unit
            if moved or resized or nxt.t - points[j].t > g.TRACK_GAP:
                break
            j += 1
        if points[j].t - first.t >= rule.min_seconds:
            out.append(points[i : j + 1])
            i = j + 1
        else:
            i += 1
    return out


def _candidate(
    track: Track, points: tuple[TrackPoint, ...], rule: VehicleStoppedRule, zone: Zone | None
) -> AnomalyCandidate:
    start, end = points[0].t, points[-1].t
    duration = end - start
    severity = Severity.MEDIUM
    if (zone is not None and zone.kind is ZoneKind.RESTRICTED) or duration >= 4 * rule.min_seconds:
        severity = Severity.HIGH
    where = f" in zone '{zone.name}'" if zone else ""
    return AnomalyCandidate(
        type=AnomalyType.VEHICLE_STOPPED,
        start=start,
        end=end,
        confidence=g.strength_confidence(g.mean_score(points), duration, rule.min_seconds),
        severity=severity,
        title=f"{track.label.capitalize()} stopped {duration:.0f} s{where}",
        description=(
            f"A {track.label} (track {track.track_id}) stood still{where} for {duration:.0f} s from "
            f"{g.clock(start)} to {g.clock(end)} of the video; threshold {rule.min_seconds:g} s."
        ),
        key=f"vehicle_stopped:{track.track_id}:{round(start)}",
        metadata={
            "track_ids": [track.track_id],
            "vehicle_type": track.label,
            "duration_seconds": round(duration, 1),
            "zone": zone.name if zone else None,
            "threshold_seconds": rule.min_seconds,
            "bounding_box": g.box_json(points[0].box),
            "boxes": g.boxes_json(points),
        },
    )
