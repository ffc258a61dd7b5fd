"""Object abandonment: a bag (backpack, handbag, suitcase) stays put after the person who had it left.

The owner is the person nearest the bag (within ``owner_distance`` of their height) when the bag is first
seen; "left" means farther than ``leave_distance`` or out of view. Anyone coming back within
``owner_distance`` attends the bag again. A bag nobody was near is unattended from its first sighting.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from chronotrace_desktop.analysis.anomalies import geometry as g
from chronotrace_desktop.domain.anomalies import AnomalyCandidate, AnomalyType, Severity

if TYPE_CHECKING:
    from chronotrace_desktop.analysis.anomalies.evidence import VideoEvidence
    from chronotrace_desktop.domain.analysis import Track, TrackPoint
    from chronotrace_desktop.domain.anomalies import AbandonmentRule, CameraConfig

NEAR_IN_TIME = 1.5  # seconds: a person point this close in time counts as "there at the same moment"


def _distance(person: TrackPoint, bag: TrackPoint, aspect: float) -> float:
    """Bag centre to the person's box (0 inside it), in the person's heights."""
    bx, by = g.centre(bag.box, aspect)
    x0, x1 = person.box.x * aspect, (person.box.x + person.box.w) * aspect
    y0, y1 = person.box.y, person.box.y + person.box.h
    dx = max(x0 - bx, 0.0, bx - x1)
    dy = max(y0 - by, 0.0, by - y1)
    return math.hypot(dx, dy) / max(person.box.h, 1e-3)


def _nearest(people: list[Track], bag: TrackPoint, aspect: float) -> tuple[Track | None, float]:
    best: tuple[Track | None, float] = (None, math.inf)
    for person in people:
        for point in person.points:
            if abs(point.t - bag.t) <= NEAR_IN_TIME:
                d = _distance(point, bag, aspect)
                if d < best[1]:
                    best = (person, d)
    return best


def _static(bag: Track, aspect: float, rule: AbandonmentRule) -> tuple[TrackPoint, ...]:
    """The bag's points that stay near its median position (detector jitter allowed)."""
    xs = g.median([g.centre(p.box, aspect)[0] for p in bag.points])
    ys = g.median([g.centre(p.box, aspect)[1] for p in bag.points])
    unit = g.median([g.size(p.box, aspect) for p in bag.points])
    return tuple(
        p
        for p in bag.points
        if math.dist(g.centre(p.box, aspect), (xs, ys)) <= rule.static_tolerance * max(unit, 1e-3) * 2
    )


def detect(evidence: VideoEvidence, camera: CameraConfig) -> list[AnomalyCandidate]:
    rule: AbandonmentRule = camera.rules.object_abandonment
    if not rule.enabled:
        return []
    people = evidence.tracks_of("person")
    found: list[AnomalyCandidate] = []
    for bag in evidence.tracks_of("bag"):
        static = _static(bag, evidence.aspect, rule)
        if len(static) < 2 or len(static) < 0.7 * len(bag.points):
            continue
        owner, owner_distance = _nearest(people, static[0], evidence.aspect)
        if owner_distance > rule.owner_distance:
            owner = None
        unattended_from: float | None = None if owner is not None else static[0].t
        best: tuple[float, float] | None = None
        for point in static:
            nearest, distance = _nearest(people, point, evidence.aspect)
            attended = distance <= (
                rule.leave_distance if nearest is owner and owner else rule.owner_distance
            )
            if attended:
                unattended_from = None
                continue
            if unattended_from is None:
                unattended_from = point.t
            if best is None or point.t - unattended_from > best[1] - best[0]:
                best = (unattended_from, point.t)
        if best is None or best[1] - best[0] < rule.min_seconds:
            continue
        found.append(_candidate(bag, static, owner, best, rule))
    return found


def _candidate(
    bag: Track,
    static: tuple[TrackPoint, ...],
    owner: Track | None,
    span: tuple[float, float],
    rule: AbandonmentRule,
) -> AnomalyCandidate:
    start, end = span
    duration = end - start
    severity = Severity.CRITICAL if duration >= 4 * rule.min_seconds else Severity.HIGH
    who = f"its owner (track {owner.track_id})" if owner else "no one was seen with it"
    score = g.mean_score(static) * (1.0 if owner else 0.8)
    return AnomalyCandidate(
        type=AnomalyType.OBJECT_ABANDONMENT,
        start=start,
        end=end,
        confidence=g.strength_confidence(score, duration, rule.min_seconds),
        severity=severity,
        title=f"{bag.label.capitalize()} left unattended {duration:.0f} s",
        description=(
            f"A {bag.label} (track {bag.track_id}) stayed in place unattended for {duration:.0f} s from "
            f"{g.clock(start)} to {g.clock(end)} of the video"
            + (f" after {who} walked away" if owner else f"; {who}")
            + f"; threshold {rule.min_seconds:g} s."
        ),
        key=f"object_abandonment:{bag.track_id}:{round(static[0].t)}",
        metadata={
            "track_ids": [bag.track_id] + ([owner.track_id] if owner else []),
            "object_type": bag.label,
            "owner_track_id": owner.track_id if owner else None,
            "unattended_seconds": round(duration, 1),
            "first_seen": round(static[0].t, 2),
            "threshold_seconds": rule.min_seconds,
            "bounding_box": g.box_json(static[-1].box),
            "boxes": g.boxes_json(static),
        },
    )
