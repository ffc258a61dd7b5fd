"""Object abandonment: a bag (backpack, handbag, suitcase) stays put after the person who had it left.

Two sources of evidence:

- bags the detector tracks: the owner is the person nearest the bag (within ``owner_distance`` of their
  height) when the bag is first seen; "left" means farther than ``leave_distance`` or out of view. The
  owner coming back within ``leave_distance``, or anyone stopping by it (within ``owner_distance`` for
  ``ATTEND_SECONDS``; passers-by do not count), attends the bag again. A bag nobody was near is unattended
  from its first sighting.
- objects left where a person stayed (``left_behind``: bags too small for the detector): the person who
  stayed is the owner and left when last seen there; the object is unattended from then on until someone
  stops by it. One finding per departure (the object standing out most), and none where
  a tracked bag already gave one.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from chronotrace_desktop.analysis.anomalies import geometry as g
from chronotrace_desktop.domain.analysis import FrameDetections, Track, TrackPoint
from chronotrace_desktop.domain.anomalies import AnomalyCandidate, AnomalyType, Severity
from chronotrace_desktop.domain.media import Box

if TYPE_CHECKING:
    from collections.abc import Sequence

    from chronotrace_desktop.analysis.anomalies.evidence import VideoEvidence
    from chronotrace_desktop.analysis.anomalies.left_behind import LeftObject
    from chronotrace_desktop.domain.anomalies import AbandonmentRule, CameraConfig

NEAR_IN_TIME = 1.5  # seconds: a person point this close in time counts as "there at the same moment"
ATTEND_SECONDS = 2.0  # seconds someone stays by a bag or object to attend it (passers-by do not)


def _distance(person: TrackPoint, bag: TrackPoint, aspect: float) -> float:
    """Bag centre to the person's box (0 inside it), in the person's heights."""
    bx, by = g.centre(bag.box, aspect)
    x0, x1 = person.box.x * aspect, person.box.right * aspect
    y0, y1 = person.box.y, person.box.bottom
    dx = max(x0 - bx, 0.0, bx - x1)
    dy = max(y0 - by, 0.0, by - y1)
    return math.hypot(dx, dy) / max(person.box.h, 1e-3)


def _track_distance(person: Track, bag: TrackPoint, aspect: float) -> float:
    """How far ``person`` is from the bag at about the bag's time (inf when not seen then)."""
    near = [_distance(p, bag, aspect) for p in person.points if abs(p.t - bag.t) <= NEAR_IN_TIME]
    return min(near, default=math.inf)


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
        others = _attended(evidence.frames, static[len(static) // 2].box, evidence.aspect, rule)
        unattended_from: float | None = None if owner is not None else static[0].t
        best: tuple[float, float] | None = None
        for point in static:
            owner_near = (
                owner is not None and _track_distance(owner, point, evidence.aspect) <= rule.leave_distance
            )
            if owner_near or any(a <= point.t <= b for a, b in others):
                unattended_from = None
                continue
            if unattended_from is None:
                unattended_from = point.t
            if best is None or point.t - unattended_from > best[1] - best[0]:
                best = (unattended_from, point.t)
        if best is None or best[1] - best[0] < rule.min_seconds:
            continue
        found.append(_candidate(bag, static, owner, best, rule))
    return found + _left_behind(evidence, found, rule)


def _bystanders(
    frames: tuple[FrameDetections, ...], item: LeftObject, aspect: float, rule: AbandonmentRule
) -> list[Box]:
    """People near the object while its owner stayed, at spots other than the owner's."""
    spot = TrackPoint(0.0, item.box)
    owner = item.stay.box
    return [
        person
        for f in frames
        if item.stay.start <= f.t <= item.stay.end
        for person in f.labelled("person")
        if _distance(TrackPoint(f.t, person), spot, aspect) <= rule.owner_distance
        and not _same_spot(person, owner)
    ]


def _same_spot(a: Box, b: Box) -> bool:
    """Centres within half the taller box's height of each other."""
    (ax, ay), (bx, by) = a.centre, b.centre
    return math.hypot(ax - bx, ay - by) <= 0.5 * max(a.h, b.h)


def _attended(
    frames: tuple[FrameDetections, ...],
    box: Box,
    aspect: float,
    rule: AbandonmentRule,
    ignore: Sequence[Box] = (),
) -> list[tuple[float, float]]:
    """When someone stopped by the object: detections within ``owner_distance`` for ``ATTEND_SECONDS``.

    People walking past (one or two sightings in a row) do not attend an object; somebody who stays by
    it (its owner coming back, a guard picking it up) does.
    """
    near = [
        f.t
        for f in sorted(frames, key=lambda f: f.t)
        if any(
            _distance(person, TrackPoint(f.t, box), aspect) <= rule.owner_distance
            and not any(_same_spot(person.box, other) for other in ignore)
            for person in _people(f)
        )
    ]
    spans: list[tuple[float, float]] = []
    for t in near:
        if spans and t - spans[-1][1] <= NEAR_IN_TIME + 1.0:
            spans[-1] = (spans[-1][0], t)
        else:
            spans.append((t, t))
    return [(a - NEAR_IN_TIME, b + NEAR_IN_TIME) for a, b in spans if b - a >= ATTEND_SECONDS]


def _people(frame: FrameDetections) -> list[TrackPoint]:
    return [TrackPoint(frame.t, b) for b in frame.labelled("person")]


def _unattended(
    times: tuple[float, ...], owner_left: float, attended: list[tuple[float, float]]
) -> tuple[float, float] | None:
    """The longest run of ``times`` after ``owner_left`` outside every ``attended`` span."""
    best: tuple[float, float] | None = None
    start: float | None = None
    for t in times:
        if t <= owner_left + NEAR_IN_TIME:
            continue
        if any(a <= t <= b for a, b in attended):
            start = None
            continue
        start = t if start is None else start
        if best is None or t - start > best[1] - best[0]:
            best = (start, t)
    return best


def _left_behind(
    evidence: VideoEvidence, tracked: list[AnomalyCandidate], rule: AbandonmentRule
) -> list[AnomalyCandidate]:
    per_departure: dict[tuple[float, float, float], tuple[LeftObject, tuple[float, float]]] = {}
    for item in evidence.left_objects:
        if any(_same_place(item.box, c.metadata["bounding_box"]) for c in tracked):
            continue
        # Someone already by the object, at another spot than its owner's, while the owner was still there is
        # a bystander, not a carer: their sightings never attend it (the owner coming back, or anyone
        # arriving afterwards, does). With NanoDet-g, a spectator reclining beside the gym clip's bag is seen
        # from the first frame, and seen again on and off after its owner walked away.
        bystanders = _bystanders(evidence.frames, item, evidence.aspect, rule)
        attended = _attended(evidence.frames, item.box, evidence.aspect, rule, ignore=bystanders)
        span = _unattended(item.seen, item.stay.end, attended)
        if span is None or span[1] - span[0] < rule.min_seconds:
            continue
        departure = (item.stay.box.x, item.stay.box.y, item.stay.end)
        if departure not in per_departure or item.contrast > per_departure[departure][0].contrast:
            per_departure[departure] = (item, span)
    # One object is one finding, whoever's departure it was found after: the earliest-unattended one wins.
    kept: list[tuple[LeftObject, tuple[float, float]]] = []
    for item, span in sorted(per_departure.values(), key=lambda pair: pair[1][0]):
        if not any(item.box.overlaps(other.box) for other, _ in kept):
            kept.append((item, span))
    return [_left_candidate(item, span, rule) for item, span in kept]


def _same_place(box: Box, other: dict[str, float]) -> bool:
    """``box``'s centre lies in ``other``, a finding's ``bounding_box``."""
    return Box(other["x"], other["y"], other["w"], other["h"]).contains(*box.centre)


def _left_candidate(item: LeftObject, span: tuple[float, float], rule: AbandonmentRule) -> AnomalyCandidate:
    start, end = span
    duration = end - start
    stay = item.stay
    # No detector score to go on: the blob's contrast with its surroundings stands in (150 Lab units = 1).
    score = min(1.0, item.contrast / 150.0) * 0.8
    seen = [TrackPoint(t, item.box) for t in item.seen if start <= t <= end]
    return AnomalyCandidate(
        type=AnomalyType.OBJECT_ABANDONMENT,
        start=start,
        end=end,
        confidence=g.strength_confidence(score, duration, rule.min_seconds),
        severity=Severity.CRITICAL if duration >= 4 * rule.min_seconds else Severity.HIGH,
        title=f"Object left unattended {duration:.0f} s",
        description=(
            f"An object stayed unattended for {duration:.0f} s from {g.clock(start)} to {g.clock(end)} of the "
            f"video where a person had been from {g.clock(stay.start)} to {g.clock(stay.end)} and left it "
            f"behind; threshold {rule.min_seconds:g} s. The object was found by its contrast with the surface "
            "around it, not by the detector: check what it is."
        ),
        key=f"object_abandonment:left:{round(item.box.x * 100)}:{round(item.box.y * 100)}:{round(stay.end)}",
        metadata={
            "track_ids": [],
            "object_type": item.box.label,
            "found_by": "left_behind",
            "owner_track_id": None,
            "owner_box": g.box_json(stay.box),
            "owner_seen": [round(stay.start, 2), round(stay.end, 2)],
            "unattended_seconds": round(duration, 1),
            "first_seen": round(item.seen[0], 2),
            "threshold_seconds": rule.min_seconds,
            "contrast": round(item.contrast, 1),
            "new_since_arrival": item.new_since_arrival,
            "bounding_box": g.box_json(item.box),
            "boxes": g.boxes_json(seen),
        },
    )


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
