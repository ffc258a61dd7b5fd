"""Run every enabled rule of a camera over one video's evidence."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from chronotrace_desktop.analysis.anomalies import (
    abandonment,
    after_hours,
    crowd,
    fall,
    geometry,
    loitering,
    movement,
    perimeter,
    vehicle_stopped,
)
from chronotrace_desktop.analysis.anomalies.evidence import MotionNormal
from chronotrace_desktop.domain.anomalies import AnomalyType

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from chronotrace_desktop.analysis.anomalies.evidence import VideoEvidence
    from chronotrace_desktop.domain.analysis import Track
    from chronotrace_desktop.domain.anomalies import AnomalyCandidate, CameraConfig

logger = logging.getLogger(__name__)

RULES: dict[AnomalyType, Callable[[VideoEvidence, CameraConfig], list[AnomalyCandidate]]] = {
    AnomalyType.LOITERING: loitering.detect,
    AnomalyType.CROWD_FORMATION: crowd.detect,
    AnomalyType.OBJECT_ABANDONMENT: abandonment.detect,
    AnomalyType.UNUSUAL_MOVEMENT: movement.detect,
    AnomalyType.AFTER_HOURS_ACCESS: after_hours.detect,
    AnomalyType.FALL_DETECTION: fall.detect,
    AnomalyType.VEHICLE_STOPPED: vehicle_stopped.detect,
    AnomalyType.PERIMETER_BREACH: perimeter.detect,
}
# Bumped whenever a rule changes what it finds: stored in each row's metadata.
RULES_VERSION = "3"


def run_rules(evidence: VideoEvidence, camera: CameraConfig) -> list[AnomalyCandidate]:
    found: list[AnomalyCandidate] = []
    for kind, rule in RULES.items():
        results = rule(evidence, camera)
        if results:
            logger.debug("%s: %d finding(s)", kind.value, len(results))
        found.extend(results)
    return sorted(found, key=lambda c: (c.start, c.type.value, c.key))


MOVING_FLOOR = 0.3  # body heights per second: below this a person is standing or sitting


def motion_normal(
    tracks: Iterable[Track], aspects: Callable[[Track], float], min_points: int = 3
) -> MotionNormal:
    """The camera's typical speeds: the median of per-track median speeds, per group (needs 5 tracks), over
    the people that move at all (median step above ``MOVING_FLOOR``): "fast" means fast against how people
    walk in this view. Counting the still ones too made a seated audience the norm, so
    every walker in a sped-up recording (the shared gym clip plays 4x) looked like a runner."""
    per_group: dict[str, list[float]] = {"person": [], "vehicle": []}
    count = 0
    for track in tracks:
        group = geometry.group_of(track.label)
        if group not in per_group or len(track.points) < min_points:
            continue
        steps = geometry.speeds(track, aspects(track))
        if steps:
            typical = geometry.median([s for _, _, s in steps])
            if group != "person" or typical >= MOVING_FLOOR:
                per_group[group].append(typical)
            count += 1
    person = geometry.median(per_group["person"]) if len(per_group["person"]) >= 5 else None
    vehicle = geometry.median(per_group["vehicle"]) if len(per_group["vehicle"]) >= 5 else None
    return MotionNormal(person, vehicle, count)
