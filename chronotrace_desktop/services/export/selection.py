"""PostgreSQL for export: which segments a selection names, their rows and videos, the query that found them,
and the audit entries the report quotes. Everything leaves here as frozen dataclasses (no ORM objects)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from chronotrace_desktop.domain.clock import utc_iso
from chronotrace_desktop.domain.errors import NotFoundError
from chronotrace_desktop.domain.export import MAX_SEGMENTS, SelectionKind
from chronotrace_desktop.storage.orm import Anomaly, AuditLog, Search, Video, VideoSegment

if TYPE_CHECKING:
    import uuid
    from collections.abc import Mapping, Sequence

    from sqlalchemy.orm import Session

    from chronotrace_desktop.domain.export import ExportSelection

MAX_AUDIT_ENTRIES = 200


@dataclass(frozen=True, slots=True)
class VideoRecord:
    id: uuid.UUID
    filename: str
    original_path: str
    sha256: str | None
    size_bytes: int | None
    recorded_at: datetime | None
    camera_id: str | None
    location: str | None
    duration_s: float | None
    recorder_recorded_at: datetime | None = None  # what the recorder's clock said (recorded_at is corrected)
    clock_offset_s: float | None = None  # seconds added to the recorder's clock; None: none applied
    clock_source: str | None = None

    def wall(self, offset_s: float) -> datetime | None:
        return None if self.recorded_at is None else self.recorded_at + timedelta(seconds=offset_s)

    def recorder_wall(self, offset_s: float) -> datetime | None:
        """The recorder's clock ``offset_s`` into the video."""
        start = self.recorder_recorded_at
        return None if start is None else start + timedelta(seconds=offset_s)


@dataclass(frozen=True, slots=True)
class SegmentRecord:
    id: uuid.UUID
    video_id: uuid.UUID
    segment_index: int
    start_s: float  # the window, in the source video
    end_s: float
    clip_start_s: float  # what the stored cut holds (it may start at the keyframe before the window)
    clip_end_s: float
    segment_key: str | None
    redacted_thumbnail_key: str | None
    camera_id: str | None
    location: str | None
    caption: str | None
    people_count: int | None
    face_count: int
    vehicle_count: int
    objects: tuple[str, ...]
    motion: bool
    activity: str | None
    lighting: str | None
    redaction: Any  # the stored redaction plan (JSON), None when there is none
    metadata: Mapping[str, Any]  # the stored metadata without the redaction plan
    score: float | None = None


@dataclass(frozen=True, slots=True)
class Resolved:
    """A selection turned into rows."""

    segments: tuple[SegmentRecord, ...]
    videos: Mapping[uuid.UUID, VideoRecord]
    description: str
    details: Mapping[str, Any]  # JSON: how they were chosen (for the manifest)
    query_id: uuid.UUID | None = None
    query_text: str | None = None
    filters: Mapping[str, Any] = field(default_factory=dict)


def _f(value: Any) -> float:
    return float(value) if value is not None else 0.0


def _video(row: Video) -> VideoRecord:
    meta = row.meta or {}
    return VideoRecord(
        id=row.id,
        filename=row.filename,
        original_path=row.original_path,
        sha256=meta.get("sha256"),
        size_bytes=row.file_size_bytes,
        recorded_at=row.recorded_at,
        camera_id=row.camera_id,
        location=row.location,
        duration_s=float(meta["duration_exact"]) if meta.get("duration_exact") is not None else None,
        recorder_recorded_at=row.recorder_recorded_at,
        clock_offset_s=row.clock_offset_s,
        clock_source=row.clock_source,
    )


def _segment(row: VideoSegment, score: float | None) -> SegmentRecord:
    meta = dict(row.meta or {})
    plan = meta.pop("redaction", None)
    return SegmentRecord(
        id=row.id,
        video_id=row.video_id,
        segment_index=row.segment_index,
        start_s=_f(row.start_time),
        end_s=_f(row.end_time),
        clip_start_s=_f(row.clip_start_time if row.clip_start_time is not None else row.start_time),
        clip_end_s=_f(row.clip_end_time if row.clip_end_time is not None else row.end_time),
        segment_key=row.segment_path,
        redacted_thumbnail_key=row.redacted_thumbnail_path,
        camera_id=row.camera_id,
        location=row.location,
        caption=row.caption,
        people_count=row.people_count,
        face_count=row.face_count or 0,
        vehicle_count=row.vehicle_count or 0,
        objects=tuple(row.objects_detected or ()),
        motion=bool(row.motion_detected),
        activity=row.activity_level,
        lighting=row.lighting_condition,
        redaction=plan,
        metadata=meta,
        score=score,
    )


def resolve(
    session: Session,
    selection: ExportSelection,
    *,
    ids: Sequence[uuid.UUID] = (),
    scores: Mapping[uuid.UUID, float] | None = None,
    query_id: uuid.UUID | None = None,
) -> Resolved:
    """The rows of the selection (``ids``/``scores``/``query_id``: a search already run for it)."""
    scores = dict(scores or dict(selection.scores))
    query_id = query_id or selection.query_id
    details: dict[str, Any] = {"kind": selection.kind.value}
    kind = selection.kind
    if kind is SelectionKind.ANOMALY:
        assert selection.anomaly_id is not None
        anomaly = session.get(Anomaly, selection.anomaly_id)
        if anomaly is None:
            raise NotFoundError(f"No anomaly {selection.anomaly_id}.")
        ids = [anomaly.segment_id]
        scores.setdefault(anomaly.segment_id, float(anomaly.confidence))
        details |= {
            "anomaly_id": str(anomaly.id),
            "anomaly_type": anomaly.anomaly_type,
            "title": anomaly.title,
            "confidence": float(anomaly.confidence),
            "detected_at": utc_iso(anomaly.detected_at),
        }
        description = f"Anomaly {anomaly.title or anomaly.anomaly_type} ({anomaly.id})"
    elif kind is SelectionKind.CAMERA_RANGE:
        ids = _camera_range(session, selection)
        assert selection.recorded_from is not None
        assert selection.recorded_to is not None
        details |= {
            "camera_id": selection.camera_id,
            "from": utc_iso(selection.recorded_from),
            "to": utc_iso(selection.recorded_to),
        }
        description = (
            f"Camera {selection.camera_id}, {selection.recorded_from:%Y-%m-%d %H:%M:%S} to "
            f"{selection.recorded_to:%Y-%m-%d %H:%M:%S} UTC"
        )
    elif kind is SelectionKind.SEARCH:
        details["search_id"] = str(query_id) if query_id else None
        description = "Hits of a search run for this export"
    else:
        ids = list(selection.segment_ids)
        description = f"{len(ids)} segment(s) selected by the examiner"
    segments, videos = _load(session, ids, scores, ranked=kind is SelectionKind.SEARCH)
    text, filters = query_info(session, query_id)
    if query_id is not None:
        details["query_id"] = str(query_id)
    return Resolved(tuple(segments), videos, description, details, query_id, text, filters)


def _camera_range(session: Session, selection: ExportSelection) -> list[uuid.UUID]:
    seconds: sa.ColumnElement[Any] = sa.literal_column("interval '1 second'")
    start = Video.recorded_at + VideoSegment.start_time * seconds
    end = Video.recorded_at + VideoSegment.end_time * seconds
    query = (
        sa.select(VideoSegment.id)
        .join(Video, Video.id == VideoSegment.video_id)
        .where(
            VideoSegment.camera_id == selection.camera_id,
            Video.deleted_at.is_(None),
            Video.recorded_at.is_not(None),
            start < selection.recorded_to,
            end > selection.recorded_from,
        )
        .limit(MAX_SEGMENTS + 1)
    )
    found = list(session.scalars(query))
    if not found:
        raise NotFoundError(
            f"No segment of camera {selection.camera_id} was recorded in that time range "
            "(only videos with a known recording time can match)."
        )
    if len(found) > MAX_SEGMENTS:
        raise NotFoundError(f"More than {MAX_SEGMENTS} segments fall in that range: narrow it.")
    return found


def _load(
    session: Session, ids: Sequence[uuid.UUID], scores: Mapping[uuid.UUID, float], *, ranked: bool
) -> tuple[list[SegmentRecord], dict[uuid.UUID, VideoRecord]]:
    wanted = list(dict.fromkeys(ids))
    if not wanted:
        raise NotFoundError("Nothing to export: the selection holds no segment.")
    rows = session.execute(
        sa.select(VideoSegment, Video)
        .join(Video, Video.id == VideoSegment.video_id)
        .where(VideoSegment.id.in_(wanted), Video.deleted_at.is_(None))
    ).all()
    found = {seg.id: (seg, video) for seg, video in rows}
    missing = [str(i) for i in wanted if i not in found]
    if missing:
        raise NotFoundError(
            f"{len(missing)} selected segment(s) do not exist or belong to deleted videos: "
            f"{', '.join(missing[:5])}{' ...' if len(missing) > 5 else ''}"
        )
    videos = {video.id: _video(video) for _seg, video in found.values()}
    segments = [_segment(found[i][0], scores.get(i)) for i in wanted]
    if not ranked:
        far = datetime.max

        def when(s: SegmentRecord) -> tuple[datetime, str, int]:
            video = videos[s.video_id]
            return (video.wall(s.start_s) or far, video.filename, s.segment_index)

        segments.sort(key=when)
    return segments, videos


def query_info(session: Session, query_id: uuid.UUID | None) -> tuple[str | None, dict[str, Any]]:
    """The words and filters of the ``searches`` row ``query_id`` (``None``/``{}`` when unknown)."""
    if query_id is None:
        return None, {}
    row = session.get(Search, query_id)
    if row is None:
        return None, {}
    return row.query_text, dict(row.filters or {})


@dataclass(frozen=True, slots=True)
class AuditRow:
    at: datetime | None
    username: str | None
    action: str
    resource_type: str | None
    resource_id: uuid.UUID | None
    justification: str | None
    success: bool
    error: str | None
    metadata: Mapping[str, Any]


def audit_entries(session: Session, segment_ids: Sequence[uuid.UUID]) -> list[AuditRow]:
    """Reveals of these segments and earlier exports of any of them, by anyone, oldest first.

    Read through ``chronotrace_custody_trail`` (made by ``storage.db_roles``): an analyst's own team login may
    read only its own audit rows, and a package names everyone who handled its evidence."""
    query = (
        sa.select(AuditLog)
        .from_statement(sa.text("SELECT * FROM chronotrace_custody_trail(CAST(:ids AS uuid[]), :n)"))
        .params(ids=list(segment_ids), n=MAX_AUDIT_ENTRIES)
    )
    rows = [
        AuditRow(
            at=row.created_at,
            username=row.username,
            action=row.action,
            resource_type=row.resource_type,
            resource_id=row.resource_id,
            justification=row.justification,
            success=bool(row.success),
            error=row.error_message,
            metadata=dict(row.meta or {}),
        )
        for row in session.scalars(query)
    ]
    rows.reverse()
    return rows
