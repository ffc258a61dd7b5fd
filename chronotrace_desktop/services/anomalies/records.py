"""Anomaly rows: what the services hand out (``AnomalyRecord``) and how rule findings become rows.

Machine-made rows carry ``metadata.source = "rules"`` and ``metadata.fingerprint`` (the finding's key): a
rescan updates the row with the same fingerprint, adds new findings and deletes machine rows nobody has
touched that the rules no longer find. A row a human has acknowledged, investigated or closed is never
changed or deleted by a rescan.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from chronotrace_desktop.domain.anomalies import (
    ALERT_SEVERITIES,
    AlertState,
    AnomalyCandidate,
    AnomalyStatus,
    AnomalyType,
    Severity,
)
from chronotrace_desktop.domain.clock import utcnow
from chronotrace_desktop.storage.orm import Anomaly, VideoSegment

if TYPE_CHECKING:
    import uuid

    from sqlalchemy.orm import Session

    from chronotrace_desktop.domain.anomalies import CameraConfig
    from chronotrace_desktop.storage.orm import Video

SOURCE = "rules"


@dataclass(frozen=True, slots=True)
class AnomalyRecord:
    id: uuid.UUID
    video_id: uuid.UUID
    segment_id: uuid.UUID
    type: AnomalyType
    confidence: float
    severity: Severity
    status: AnomalyStatus
    title: str | None
    description: str | None
    camera_id: str | None
    location: str | None
    detected_at: datetime
    created_at: datetime | None
    resolved_at: datetime | None
    resolved_by: uuid.UUID | None
    resolution_notes: str | None
    alert_sent: bool
    alert_sent_at: datetime | None
    alert_recipients: tuple[str, ...]
    alert_state: AlertState
    video_offset: float | None  # seconds from the start of the video
    metadata: dict[str, Any]

    @property
    def recorder_detected_at(self) -> datetime | None:
        """The recorder's own clock at detected_at, when the video's clock was corrected."""
        offset = self.metadata.get("clock_offset_s")
        return self.detected_at - timedelta(seconds=float(offset)) if offset else None

    def as_json(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "video_id": str(self.video_id),
            "segment_id": str(self.segment_id),
            "type": self.type.value,
            "confidence": self.confidence,
            "severity": self.severity.value,
            "status": self.status.value,
            "title": self.title,
            "description": self.description,
            "camera_id": self.camera_id,
            "location": self.location,
            "detected_at": self.detected_at.isoformat(),
            "recorder_detected_at": self.recorder_detected_at.isoformat()
            if self.recorder_detected_at
            else None,
            "created_at": self.created_at.isoformat() if self.created_at else None,
            "resolved_at": self.resolved_at.isoformat() if self.resolved_at else None,
            "resolved_by": str(self.resolved_by) if self.resolved_by else None,
            "resolution_notes": self.resolution_notes,
            "alert_sent": self.alert_sent,
            "alert_sent_at": self.alert_sent_at.isoformat() if self.alert_sent_at else None,
            "alert_recipients": list(self.alert_recipients),
            "alert_state": self.alert_state.value,
            "video_offset": self.video_offset,
            "metadata": self.metadata,
        }


def record(row: Anomaly) -> AnomalyRecord:
    meta = dict(row.meta or {})
    alert = meta.get("alert") or {}
    return AnomalyRecord(
        id=row.id,
        video_id=row.video_id,
        segment_id=row.segment_id,
        type=AnomalyType(row.anomaly_type),
        confidence=float(row.confidence),
        severity=Severity(row.severity or "medium"),
        status=AnomalyStatus(row.status or "new"),
        title=row.title,
        description=row.description,
        camera_id=row.camera_id,
        location=row.location,
        detected_at=row.detected_at,
        created_at=row.created_at,
        resolved_at=row.resolved_at,
        resolved_by=row.resolved_by,
        resolution_notes=row.resolution_notes,
        alert_sent=bool(row.alert_sent),
        alert_sent_at=row.alert_sent_at,
        alert_recipients=tuple(row.alert_recipients or ()),
        alert_state=AlertState(alert.get("state", AlertState.NOT_REQUIRED.value)),
        video_offset=meta.get("video_offset_start"),
        metadata=meta,
    )


def human_touched(row: Anomaly) -> bool:
    return (row.status or "new") != AnomalyStatus.NEW.value or bool((row.meta or {}).get("human_touched"))


@dataclass(frozen=True, slots=True)
class ReplaceCounts:
    added: int = 0
    updated: int = 0
    removed: int = 0
    kept_human: int = 0


def segment_at(session: Session, video_id: uuid.UUID) -> list[tuple[float, float, uuid.UUID]]:
    rows = session.execute(
        sa.select(VideoSegment.start_time, VideoSegment.end_time, VideoSegment.id)
        .where(VideoSegment.video_id == video_id)
        .order_by(VideoSegment.segment_index)
    )
    return [(float(s), float(e), i) for s, e, i in rows]


def replace_findings(
    session: Session,
    video: Video,
    camera: CameraConfig,
    found: list[AnomalyCandidate],
    rules_version: str,
) -> ReplaceCounts:
    """Make the video's machine-made rows match ``found`` (human-touched rows stay as they are)."""
    segments = segment_at(session, video.id)
    if not segments:
        return ReplaceCounts()
    existing = {
        (row.meta or {}).get("fingerprint"): row
        for row in session.scalars(
            sa.select(Anomaly).where(Anomaly.video_id == video.id, Anomaly.meta["source"].astext == SOURCE)
        )
    }
    added = updated = kept = 0
    for candidate in found:
        values = _values(video, camera, segments, candidate, rules_version)
        row = existing.pop(candidate.key, None)
        if row is None:
            session.add(Anomaly(video_id=video.id, **values))
            added += 1
        elif human_touched(row):
            kept += 1
        else:
            alert = (row.meta or {}).get("alert") or {}
            if alert.get("state") in (
                AlertState.SENT.value,
                AlertState.RETRYING.value,
                AlertState.FAILED.value,
            ):
                values["meta"]["alert"] = (
                    alert  # the e-mail about this finding went (or is going) out already
                )
                values["alert_recipients"] = row.alert_recipients
            for key, value in values.items():
                setattr(row, key, value)
            row.updated_at = utcnow()
            updated += 1
    removed = 0
    for row in existing.values():
        if human_touched(row):
            kept += 1
        else:
            session.delete(row)
            removed += 1
    session.flush()
    return ReplaceCounts(added, updated, removed, kept)


def _values(
    video: Video,
    camera: CameraConfig,
    segments: list[tuple[float, float, uuid.UUID]],
    candidate: AnomalyCandidate,
    rules_version: str,
) -> dict[str, Any]:
    segment_id = next((i for s, e, i in segments if s <= candidate.start < e), segments[-1][2])
    if video.recorded_at is not None:
        base, source = video.recorded_at, "recorded_at"
    else:
        base = video.processing_started_at or video.uploaded_at or utcnow()
        source = "ingest_time_plus_offset"
    alertable = candidate.severity in ALERT_SEVERITIES and bool(camera.alert_recipients)
    meta = {
        **candidate.metadata,
        "source": SOURCE,
        "fingerprint": candidate.key,
        "rules_version": rules_version,
        "video_offset_start": round(candidate.start, 3),
        "video_offset_end": round(candidate.end, 3),
        "detected_at_source": source,
        "clock_offset_s": video.clock_offset_s if source == "recorded_at" else None,
        "video_filename": video.filename,
        "alert": {
            "state": (AlertState.PENDING if alertable else AlertState.NOT_REQUIRED).value,
            "attempts": 0,
        },
    }
    return {
        "segment_id": segment_id,
        "anomaly_type": candidate.type.value,
        "confidence": Decimal(f"{candidate.confidence:.4f}"),
        "severity": candidate.severity.value,
        "title": candidate.title[:255],
        "description": candidate.description,
        "camera_id": video.camera_id,
        "location": video.location,
        "detected_at": base + timedelta(seconds=candidate.start),
        "alert_recipients": list(camera.alert_recipients) if alertable else None,
        "meta": meta,
    }
