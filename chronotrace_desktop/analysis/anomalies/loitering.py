"""Loitering: a person stays within a small area (or inside a watch zone) for longer than the threshold.

"Small" is measured in the person's own body heights, so it means the same near and far from the camera.
Whole-frame loitering is not reported while the scene is busy (``max_people`` or more in view: standing
around is normal in a crowd); loitering inside a drawn watch zone always is.
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING

from chronotrace_desktop.analysis.anomalies import geometry as g
from chronotrace_desktop.domain.anomalies import AnomalyCandidate, AnomalyType, Severity, ZoneKind

if TYPE_CHECKING:
    from chronotrace_desktop.analysis.anomalies.evidence import VideoEvidence
    from chronotrace_desktop.domain.analysis import Track, TrackPoint
    from chronotrace_desktop.domain.anomalies import CameraConfig, LoiteringRule, Zone


def detect(evidence: VideoEvidence, camera: CameraConfig) -> list[AnomalyCandidate]:
    rule: LoiteringRule = camera.rules.loitering
    if not rule.enabled:
        return []
    found: list[AnomalyCandidate] = []
    zones = [z for z in camera.zones if z.kind is ZoneKind.WATCH and "person" in z.labels]
    for track in evidence.tracks_of("person"):
        in_zone: list[tuple[float, float]] = []
        for zone in zones:
            flags = [g.inside(track, p, zone.polygon) for p in track.points]
            for first, last in g.runs([p.t for p in track.points], flags):
                points = track.points[first : last + 1]
                if points[-1].t - points[0].t >= rule.min_seconds:
                    found.append(_candidate(track, points, rule, zone, None))
                    in_zone.append((points[0].t, points[-1].t))
        for points in _dwells(track, evidence.aspect, rule):
            start, end = points[0].t, points[-1].t
            if any(s <= end and start <= e for s, e in in_zone):
                continue  # the zone finding says more
            people = evidence.people_at(start, end)
            busy = g.median([float(n) for n in people]) if people else 0.0
            if busy >= rule.max_people:
                continue
            found.append(_candidate(track, points, rule, None, busy))
    return found


def _dwells(track: Track, aspect: float, rule: LoiteringRule) -> list[tuple[TrackPoint, ...]]:
    """Maximal runs whose feet stay inside a square of side 2 x radius body heights, at least min_seconds long.

    Two pointers with monotonic deques for the running min/max of x and y: O(n) per track.
    """
    points = track.points
    limit = 2 * rule.radius * g.median([p.box.h for p in points])
    feet = [g.foot(p.box, aspect) for p in points]
    lo_x: deque[int] = deque()
    hi_x: deque[int] = deque()
    lo_y: deque[int] = deque()
    hi_y: deque[int] = deque()
    spans: list[tuple[int, int]] = []
    episode_end: list[int] = []
    left = 0
    for right, (x, y) in enumerate(feet):
        for queue, value, keep_min, axis in (
            (lo_x, x, True, 0),
            (hi_x, x, False, 0),
            (lo_y, y, True, 1),
            (hi_y, y, False, 1),
        ):
            while queue and (
                (feet[queue[-1]][axis] >= value) if keep_min else (feet[queue[-1]][axis] <= value)
            ):
                queue.pop()
            queue.append(right)
        while (
            feet[hi_x[0]][0] - feet[lo_x[0]][0] > limit
            or feet[hi_y[0]][1] - feet[lo_y[0]][1] > limit
            or points[right].t - points[max(left, right - 1)].t > g.TRACK_GAP
        ):
            left += 1
            for queue in (lo_x, hi_x, lo_y, hi_y):
                while queue and queue[0] < left:
                    queue.popleft()
        if points[right].t - points[left].t >= rule.min_seconds:
            # Overlapping windows are one episode; it is reported as its longest window, so a slow drift
            # across the frame is not added up into one long "stay".
            if spans and left <= episode_end[-1]:
                a, b = spans[-1]
                if points[right].t - points[left].t > points[b].t - points[a].t:
                    spans[-1] = (left, right)
                episode_end[-1] = right
            else:
                spans.append((left, right))
                episode_end.append(right)
    return [points[a : b + 1] for a, b in spans]


def _candidate(
    track: Track, points: tuple[TrackPoint, ...], rule: LoiteringRule, zone: Zone | None, busy: float | None
) -> AnomalyCandidate:
    start, end = points[0].t, points[-1].t
    duration = end - start
    where = f"in zone '{zone.name}'" if zone else "in one spot"
    severity = Severity.MEDIUM if zone is not None or duration >= 3 * rule.min_seconds else Severity.LOW
    last = points[-1].box
    description = (
        f"Person (track {track.track_id}) stayed {duration:.0f} s {where} "
        f"from {g.clock(start)} to {g.clock(end)} of the video"
        + ("" if zone else f" (feet within {rule.radius:g} body heights)")
        + f"; threshold {rule.min_seconds:g} s."
    )
    return AnomalyCandidate(
        type=AnomalyType.LOITERING,
        start=start,
        end=end,
        confidence=g.strength_confidence(g.mean_score(points), duration, rule.min_seconds),
        severity=severity,
        title=f"Person loitered {duration:.0f} s {where}",
        description=description,
        key=f"loitering:{zone.name if zone else '-'}:{track.track_id}:{round(start)}",
        metadata={
            "track_ids": [track.track_id],
            "duration_seconds": round(duration, 1),
            "zone": zone.name if zone else None,
            "people_in_view": busy,
            "threshold_seconds": rule.min_seconds,
            "bounding_box": g.box_json(last),
            "boxes": g.boxes_json(points),
        },
    )
