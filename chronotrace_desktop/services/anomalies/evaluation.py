"""Measuring the anomaly rules on labelled footage: ``chronotrace anomalies eval FILE``.

The file (``eval/dev_events.json``) names ingested videos by file name, the events a person sees in each
(type, start and end in seconds of the video) and, optionally, the camera settings the labels assume (zones,
hours, thresholds, on top of the camera's stored ones). A video listed with no events is a negative: every
finding there is a false positive.

The rules run in memory over each video's stored evidence (tracks, detections, the scan's dense counts) with
those settings: nothing is written, and the figures measure the rules as they are now, not the rows a past
scan left. Matching is by event: a finding is correct when it overlaps (within ``tolerance`` seconds) a
labelled event of its type; an event is found when at least one finding overlaps it. Precision per type is
correct findings / findings, recall is found events / events; ``None`` where there is nothing to divide.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from chronotrace_desktop.analysis.anomalies.runner import run_rules
from chronotrace_desktop.domain.anomalies import AnomalyType, RuleSettings, Zone
from chronotrace_desktop.domain.errors import InvalidInputError
from chronotrace_desktop.domain.ingest import VideoStatus
from chronotrace_desktop.domain.roles import Action
from chronotrace_desktop.services.anomalies.scan import AnomalyScanner
from chronotrace_desktop.services.cameras import check_timezone, load_config, parse_hours
from chronotrace_desktop.storage.orm import Video

if TYPE_CHECKING:
    from pathlib import Path

    from chronotrace_desktop.domain.anomalies import AnomalyCandidate, CameraConfig
    from chronotrace_desktop.domain.users import Actor
    from chronotrace_desktop.services.access import AuditService, Authorizer
    from chronotrace_desktop.storage.database import Database


@dataclass(frozen=True, slots=True)
class LabelledEvent:
    type: AnomalyType
    start: float
    end: float
    note: str = ""


@dataclass(frozen=True, slots=True)
class LabelledVideo:
    filename: str
    events: tuple[LabelledEvent, ...]
    camera: dict[str, Any]


@dataclass(frozen=True, slots=True)
class TypeScore:
    type: str
    events: int
    findings: int
    correct_findings: int
    found_events: int

    @property
    def precision(self) -> float | None:
        return self.correct_findings / self.findings if self.findings else None

    @property
    def recall(self) -> float | None:
        return self.found_events / self.events if self.events else None

    def as_json(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "events": self.events,
            "findings": self.findings,
            "correct_findings": self.correct_findings,
            "found_events": self.found_events,
            "precision": self.precision,
            "recall": self.recall,
        }


@dataclass(frozen=True, slots=True)
class EvalReport:
    per_type: tuple[TypeScore, ...]
    overall: TypeScore
    videos: tuple[dict[str, Any], ...]
    missing: tuple[str, ...]
    tolerance: float

    def as_json(self) -> dict[str, Any]:
        return {
            "tolerance_seconds": self.tolerance,
            "per_type": [s.as_json() for s in self.per_type],
            "overall": self.overall.as_json(),
            "videos": list(self.videos),
            "missing_videos": list(self.missing),
        }


def load_events(path: Path) -> tuple[float, list[LabelledVideo]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        tolerance = float(data.get("tolerance_seconds", 2.0))
        videos = [
            LabelledVideo(
                str(item["filename"]),
                tuple(
                    LabelledEvent(
                        AnomalyType(e["type"]), float(e["start"]), float(e["end"]), str(e.get("note", ""))
                    )
                    for e in item.get("events", [])
                ),
                dict(item.get("camera") or {}),
            )
            for item in data["videos"]
        ]
    except OSError as exc:
        raise InvalidInputError(f"cannot read {path}: {exc.strerror or exc}") from None
    except (ValueError, KeyError, TypeError) as exc:
        raise InvalidInputError(f"{path} is not a labelled-events file: {exc}") from None
    return tolerance, videos


def with_overrides(config: CameraConfig, overrides: dict[str, Any]) -> CameraConfig:
    """The camera's stored settings with the eval file's assumptions on top."""
    changes: dict[str, Any] = {}
    if "timezone" in overrides:
        changes["timezone"] = check_timezone(str(overrides["timezone"]))
    if "business_hours" in overrides:
        changes["business_hours"] = parse_hours(str(overrides["business_hours"]))
    if "zones" in overrides:
        changes["zones"] = tuple(Zone.from_json(z) for z in overrides["zones"])
    if "thresholds" in overrides:
        merged = config.rules.overrides()
        for kind, values in dict(overrides["thresholds"]).items():
            merged.setdefault(kind, {}).update(values)
        changes["rules"] = RuleSettings.from_overrides(merged)
    return dataclasses.replace(config, **changes)


def _overlaps(finding: AnomalyCandidate, event: LabelledEvent, tolerance: float) -> bool:
    return (
        finding.type is event.type
        and finding.start <= event.end + tolerance
        and event.start - tolerance <= finding.end
    )


class AnomalyEvaluator:
    def __init__(self, database: Database, authorizer: Authorizer, audit: AuditService) -> None:
        self._db = database
        self._authorizer = authorizer
        self._scanner = AnomalyScanner(database, audit)

    def evaluate(self, actor: Actor, path: Path) -> EvalReport:
        self._authorizer.require(actor, Action.VIEW_ANOMALIES, resource_type="anomaly")
        tolerance, labelled = load_events(path)
        stats = {t: [0, 0, 0, 0] for t in AnomalyType}  # events, findings, correct findings, found events
        videos: list[dict[str, Any]] = []
        missing: list[str] = []
        for item in labelled:
            with self._db.transaction() as session:
                video = session.scalars(
                    sa.select(Video)
                    .where(
                        Video.filename == item.filename,
                        Video.deleted_at.is_(None),
                        Video.processing_status == VideoStatus.COMPLETED.value,
                    )
                    .order_by(Video.uploaded_at.desc())
                ).first()
                if video is None:
                    missing.append(item.filename)
                    continue
                camera = with_overrides(load_config(session, video.camera_id), item.camera)
                evidence = self._scanner.evidence_for(session, video)
            found = run_rules(evidence, camera)
            for event in item.events:
                stats[event.type][0] += 1
                stats[event.type][3] += any(_overlaps(f, event, tolerance) for f in found)
            for finding in found:
                stats[finding.type][1] += 1
                stats[finding.type][2] += any(_overlaps(finding, e, tolerance) for e in item.events)
            videos.append(
                {
                    "filename": item.filename,
                    "events": [{"type": e.type.value, "start": e.start, "end": e.end} for e in item.events],
                    "findings": [
                        {
                            "type": f.type.value,
                            "start": round(f.start, 2),
                            "end": round(f.end, 2),
                            "confidence": f.confidence,
                            "title": f.title,
                            "correct": any(_overlaps(f, e, tolerance) for e in item.events),
                        }
                        for f in found
                    ],
                }
            )
        per_type = tuple(TypeScore(t.value, *stats[t]) for t in AnomalyType)
        overall = TypeScore("overall", *(sum(s[i] for s in stats.values()) for i in range(4)))
        return EvalReport(per_type, overall, tuple(videos), tuple(missing), tolerance)
