"""After-hours access: a person (or motion) outside the camera's business hours.

Needs the wall-clock time of the video (``recorded_at``) and configured hours; without either the rule
stays quiet (nothing is guessed). Hours are in the camera's time zone; ``recorded_at`` is UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from chronotrace_desktop.analysis.anomalies import geometry as g
from chronotrace_desktop.domain.anomalies import AnomalyCandidate, AnomalyType, Severity

if TYPE_CHECKING:
    from chronotrace_desktop.analysis.anomalies.evidence import VideoEvidence
    from chronotrace_desktop.domain.anomalies import AfterHoursRule, CameraConfig, HoursSpan

EPISODE_GAP = 60.0  # seconds: sightings closer than this are one visit


def is_open(moment: datetime, hours: tuple[HoursSpan, ...]) -> bool:
    """Whether local time ``moment`` falls in any span (an overnight span belongs to the day it starts)."""
    clock = moment.time()
    for span in hours:
        if span.start < span.end:
            if moment.weekday() in span.weekdays and span.start <= clock < span.end:
                return True
        elif (moment.weekday() in span.weekdays and clock >= span.start) or (
            (moment.weekday() - 1) % 7 in span.weekdays and clock < span.end
        ):
            return True
    return False


def detect(evidence: VideoEvidence, camera: CameraConfig) -> list[AnomalyCandidate]:
    rule: AfterHoursRule = camera.rules.after_hours_access
    if not rule.enabled or evidence.recorded_at is None or not camera.business_hours:
        return []
    zone = ZoneInfo(camera.timezone)
    origin = evidence.recorded_at.replace(tzinfo=UTC)

    def closed(t: float) -> bool:
        return not is_open((origin + timedelta(seconds=t)).astimezone(zone), camera.business_hours)

    sightings: list[tuple[float, float, int]] = []  # (start, end, track id) of people seen while closed
    for track in evidence.tracks_of("person"):
        times = [p.t for p in track.points if closed(p.t)]
        if times and (times[-1] - times[0] >= rule.min_seconds or len(times) >= 3):
            sightings.append((times[0], times[-1], track.track_id))
    found: list[AnomalyCandidate] = []
    for start, end, ids in _episodes(sightings):
        found.append(_candidate(evidence, camera, start, end, ids, people=True))
    if rule.include_motion and not sightings:
        moving = [(s.start, s.end, -1) for s in evidence.segments if s.motion_detected and closed(s.start)]
        for start, end, _ in _episodes(moving):
            found.append(_candidate(evidence, camera, start, end, [], people=False))
    return found


def _episodes(spans: list[tuple[float, float, int]]) -> list[tuple[float, float, list[int]]]:
    merged: list[tuple[float, float, list[int]]] = []
    for start, end, track_id in sorted(spans):
        ids = [track_id] if track_id >= 0 else []
        if merged and start - merged[-1][1] <= EPISODE_GAP:
            first, last, known = merged[-1]
            merged[-1] = (first, max(last, end), known + ids)
        else:
            merged.append((start, end, ids))
    return merged


def _candidate(
    evidence: VideoEvidence, camera: CameraConfig, start: float, end: float, ids: list[int], *, people: bool
) -> AnomalyCandidate:
    assert evidence.recorded_at is not None
    local = (evidence.recorded_at.replace(tzinfo=UTC) + timedelta(seconds=start)).astimezone(
        ZoneInfo(camera.timezone)
    )
    what = f"{len(ids)} person(s)" if people else "Motion"
    when = local.strftime("%a %Y-%m-%d %H:%M:%S") + f" {camera.timezone}"
    hours = "; ".join(
        f"{','.join(str(d) for d in sorted(h.weekdays))} {h.start:%H:%M}-{h.end:%H:%M}"
        for h in camera.business_hours
    )
    return AnomalyCandidate(
        type=AnomalyType.AFTER_HOURS_ACCESS,
        start=start,
        end=end,
        confidence=0.9 if people else 0.6,
        severity=Severity.HIGH if people else Severity.MEDIUM,
        title=f"{what} seen after hours ({local:%H:%M})",
        description=(
            f"{what} in view at {when} for {max(end - start, 0):.0f} s ({g.clock(start)} to {g.clock(end)} of "
            f"the video), outside business hours (weekdays 0=Mon: {hours})."
        ),
        key=f"after_hours_access:{'people' if people else 'motion'}:{round(start)}",
        metadata={
            "track_ids": ids,
            "local_time": local.isoformat(),
            "timezone": camera.timezone,
            "duration_seconds": round(end - start, 1),
            "cause": "person" if people else "motion",
        },
    )
