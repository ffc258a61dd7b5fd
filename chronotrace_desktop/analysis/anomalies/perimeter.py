"""Perimeter breach: a tracked person (or vehicle, or bag, as the zone says) inside a restricted zone.

A person counts by their feet, anything else by its centre; ``min_seconds`` inside before it counts (0: the
first sighting inside)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chronotrace_desktop.analysis.anomalies import geometry as g
from chronotrace_desktop.domain.anomalies import AnomalyCandidate, AnomalyType, Severity, ZoneKind

if TYPE_CHECKING:
    from chronotrace_desktop.analysis.anomalies.evidence import VideoEvidence
    from chronotrace_desktop.domain.anomalies import CameraConfig, PerimeterRule

LONG_STAY = 30.0  # seconds inside that make a breach critical


def detect(evidence: VideoEvidence, camera: CameraConfig) -> list[AnomalyCandidate]:
    rule: PerimeterRule = camera.rules.perimeter_breach
    zones = [z for z in camera.zones if z.kind is ZoneKind.RESTRICTED]
    if not rule.enabled or not zones:
        return []
    found: list[AnomalyCandidate] = []
    for zone in zones:
        for track in evidence.tracks:
            if g.group_of(track.label) not in zone.labels or not track.points:
                continue
            flags = [g.inside(track, p, zone.polygon) for p in track.points]
            for first, last in g.runs([p.t for p in track.points], flags):
                points = track.points[first : last + 1]
                start, end = points[0].t, points[-1].t
                if end - start < rule.min_seconds:
                    continue
                stay = end - start
                entered = "was already inside" if first == 0 else "entered"
                found.append(
                    AnomalyCandidate(
                        type=AnomalyType.PERIMETER_BREACH,
                        start=start,
                        end=end,
                        confidence=round(g.mean_score(points) * (1.0 if len(points) > 1 else 0.8), 4),
                        severity=Severity.CRITICAL if stay >= LONG_STAY else Severity.HIGH,
                        title=f"{track.label.capitalize()} in restricted zone '{zone.name}'",
                        description=(
                            f"{track.label.capitalize()} (track {track.track_id}) {entered} restricted zone "
                            f"'{zone.name}' at {g.clock(start)} of the video and was seen inside for "
                            f"{stay:.0f} s ({len(points)} sightings)."
                        ),
                        key=f"perimeter_breach:{zone.name}:{track.track_id}:{round(start)}",
                        metadata={
                            "track_ids": [track.track_id],
                            "zone": zone.name,
                            "inside_seconds": round(stay, 1),
                            "sightings": len(points),
                            "bounding_box": g.box_json(points[0].box),
                            "boxes": g.boxes_json(points),
                        },
                    )
                )
    return found
