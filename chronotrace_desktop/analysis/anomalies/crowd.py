"""Crowd formation: the people count reaches the threshold and holds, or rises fast.

The count per moment is the dense count of busy frames when the scan made one (``crowd_count``), else the
ingest detector's people per sampled frame; a median over +-2.5 s smooths detector flicker.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from chronotrace_desktop.analysis.anomalies import geometry as g
from chronotrace_desktop.domain.anomalies import AnomalyCandidate, AnomalyType, Severity

if TYPE_CHECKING:
    from chronotrace_desktop.analysis.anomalies.evidence import VideoEvidence
    from chronotrace_desktop.domain.anomalies import CameraConfig, CrowdRule

SMOOTH_HALF_WINDOW = 2.5


def counts(evidence: VideoEvidence) -> tuple[list[tuple[float, int]], str]:
    if evidence.crowd_counts:
        return list(evidence.crowd_counts), "dense_count"
    return [(f.t, len(f.labelled("person"))) for f in evidence.frames], "detections"


def smoothed(series: list[tuple[float, int]]) -> list[tuple[float, float]]:
    return [
        (t, g.median([float(c) for u, c in series if abs(u - t) <= SMOOTH_HALF_WINDOW])) for t, _ in series
    ]


def detect(evidence: VideoEvidence, camera: CameraConfig) -> list[AnomalyCandidate]:
    rule: CrowdRule = camera.rules.crowd_formation
    series, source = counts(evidence)
    if not rule.enabled or not series:
        return []
    smooth = smoothed(sorted(series))
    times = [t for t, _ in smooth]
    high = [v >= rule.min_people for _, v in smooth]
    rising = [False] * len(smooth)
    for i, (t, value) in enumerate(smooth):
        earlier = [v for u, v in smooth[:i] if t - u <= rule.rise_seconds]
        if earlier and value - min(earlier) >= rule.rise_people and value >= rule.min_people / 2:
            rising[i] = True
    flags = [a or b for a, b in zip(high, rising, strict=True)]
    found: list[AnomalyCandidate] = []
    for first, last in g.runs(times, flags, gap=rule.merge_gap):
        start, end = times[first], times[last]
        held = end - start >= rule.min_seconds and sum(high[first : last + 1]) >= 2
        # A rise seen on one sample only is a count's flicker, not a crowd forming (NanoDet's denser counts
        # made such one-sample spikes on the aerial crossing).
        rose = any(rising[first : last + 1]) and last > first
        if not (held or rose):
            continue
        values = [v for _, v in smooth[first : last + 1]]
        peak = max(values)
        raw_peak = max(c for t, c in series if start <= t <= end)
        severity = Severity.HIGH if peak >= 2 * rule.min_people or (rose and not held) else Severity.MEDIUM
        how = f"about {peak:.0f} people (peak {raw_peak})" + (" after a fast rise" if rose else "")
        found.append(
            AnomalyCandidate(
                type=AnomalyType.CROWD_FORMATION,
                start=start,
                end=end,
                confidence=g.strength_confidence(
                    0.8 if source == "dense_count" else 0.6, peak, rule.min_people
                ),
                severity=severity,
                title=f"Crowd of about {peak:.0f} people",
                description=(
                    f"{how} in view for {end - start:.0f} s, from {g.clock(start)} to {g.clock(end)} of the "
                    f"video; threshold {rule.min_people} people for {rule.min_seconds:g} s or a rise of "
                    f"{rule.rise_people} within {rule.rise_seconds:g} s."
                ),
                key=f"crowd_formation:{round(start)}",
                metadata={
                    "person_count": round(peak),
                    "peak_count": raw_peak,
                    "mean_count": round(sum(values) / len(values), 1),
                    "duration_seconds": round(end - start, 1),
                    "fast_rise": rose,
                    "count_source": source,
                    "threshold_people": rule.min_people,
                    "counts": [[round(t, 1), c] for t, c in series if start <= t <= end][:60],
                },
            )
        )
    return found
