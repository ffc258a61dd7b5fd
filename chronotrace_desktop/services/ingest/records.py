"""Ingestion's database side: video rows and their status, segment rows.

PostgreSQL is the source of truth. A segment's id is derived from its video and index (``segment_id``), so a
resumed or repeated ingest writes the same row and the same vector point again instead of new ones: no
duplicate segment and no orphan vector can come out of a crash between the two writes.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert

from chronotrace_desktop.domain.clock import utcnow
from chronotrace_desktop.domain.ingest import VideoStatus
from chronotrace_desktop.domain.recorder_time import ClockSource, corrected
from chronotrace_desktop.storage.orm import Camera, Video, VideoSegment

if TYPE_CHECKING:
    from pathlib import Path

    from sqlalchemy.orm import Session

    from chronotrace_desktop.domain.ingest import IngestOptions
    from chronotrace_desktop.domain.media import VideoProbe

_SEGMENT_NAMESPACE = uuid.UUID("6f1c1d4e-3a55-4f0b-9a0e-6c7e1d2b9a10")


def segment_id(video_id: uuid.UUID, index: int) -> uuid.UUID:
    """The stable id of segment ``index`` of ``video_id`` (also its vector point id)."""
    return uuid.uuid5(_SEGMENT_NAMESPACE, f"{video_id}:{index}")


def seconds(value: float) -> Decimal:
    return Decimal(f"{value:.3f}")


def live_video_by_sha(session: Session, sha256: str) -> Video | None:
    query = sa.select(Video).where(Video.meta["sha256"].astext == sha256, Video.deleted_at.is_(None))
    return session.scalars(query.with_for_update()).first()


def video_being_ingested(session: Session, sha256: str) -> tuple[uuid.UUID, str] | None:
    """Id and file name of the live row of these bytes, read without locking it (another ingest holds it)."""
    query = sa.select(Video.id, Video.filename).where(
        Video.meta["sha256"].astext == sha256, Video.deleted_at.is_(None)
    )
    row = session.execute(query.limit(1)).first()
    return (row.id, row.filename) if row is not None else None


def failed_video_by_path(session: Session, path: Path) -> Video | None:
    """A failed row for ``path`` whose bytes could not even be hashed (retried in place)."""
    query = sa.select(Video).where(
        Video.original_path == str(path),
        Video.processing_status == VideoStatus.FAILED.value,
        Video.deleted_at.is_(None),
        sa.not_(Video.meta.has_key("sha256")),
    )
    return session.scalars(query.with_for_update()).first()


def new_video(
    session: Session,
    *,
    path: Path,
    uploaded_by: uuid.UUID,
    options: IngestOptions,
    sha256: str | None,
    size_bytes: int | None,
) -> Video:
    meta: dict[str, Any] = {"sha256": sha256} if sha256 else {}
    video = Video(
        filename=path.name[:255],
        original_path=str(path),
        s3_key=None,
        camera_id=options.camera_id,
        location=options.location,
        recorded_at=options.recorded_at,
        uploaded_by=uploaded_by,
        file_size_bytes=size_bytes,
        processing_status=VideoStatus.PENDING.value,
        meta=meta,
    )
    session.add(video)
    session.flush()
    return video


def apply_probe(
    video: Video, probe: VideoProbe, options: IngestOptions, camera_offset: float | None = None
) -> None:
    """Record what the probe found. The recorder's start: the flag, else the container's creation time, else
    empty; the offset: the flag's, else the one a resumed row has, else the camera's (copied onto the video, so a
    later change of the camera's offset does not move videos already in); ``recorded_at`` is the corrected
    start (:mod:`chronotrace_desktop.domain.recorder_time`)."""
    video.duration_seconds = round(probe.duration_s)
    video.resolution = probe.resolution[:20]
    video.fps = round(probe.fps) if probe.fps else None
    video.codec = probe.codec[:50]
    video.file_size_bytes = probe.size_bytes
    _apply_clock(video, probe, options, camera_offset)
    meta = dict(video.meta or {})
    meta.update(
        {
            "duration_exact": round(probe.duration_s, 3),
            "fps_exact": round(probe.fps, 3),
            "container": probe.container,
            "has_audio": probe.has_audio,
            "audio_codec": probe.audio_codec,
            "recorded_at_source": "flag"
            if options.recorded_at is not None
            else ("container" if probe.creation_time is not None else None),
        }
    )
    video.meta = meta


def _apply_clock(
    video: Video, probe: VideoProbe, options: IngestOptions, camera_offset: float | None
) -> None:
    recorder = video.recorder_recorded_at or video.recorded_at  # a resumed row keeps what it had
    source = video.clock_source
    if options.recorded_at is not None:
        recorder, source = options.recorded_at, ClockSource.FLAG.value
    elif recorder is None and probe.creation_time is not None:
        recorder, source = probe.creation_time, ClockSource.CONTAINER.value
    offset = video.clock_offset_s
    if options.clock_offset_s is not None:
        offset, source = options.clock_offset_s, ClockSource.FLAG.value
    elif offset is None and camera_offset is not None:
        offset, source = camera_offset, ClockSource.CAMERA.value
    video.recorder_recorded_at = recorder
    video.clock_offset_s = offset
    video.clock_source = source if recorder is not None else None
    video.recorded_at = corrected(recorder, offset)


def camera_offset(session: Session, camera_id: str | None) -> float | None:
    """The camera's recorder clock offset, when it has one."""
    if not camera_id:
        return None
    return session.scalar(sa.select(Camera.clock_offset_s).where(Camera.camera_id == camera_id))


def add_warnings(video: Video, warnings: list[str] | tuple[str, ...]) -> None:
    if not warnings:
        return
    meta = dict(video.meta or {})
    known = list(meta.get("warnings", []))
    meta["warnings"] = known + [w for w in warnings if w not in known]
    video.meta = meta


def set_status(video: Video, status: VideoStatus, *, error: str | None = None) -> None:
    video.processing_status = status.value
    video.error_message = error
    now = utcnow()
    if status is VideoStatus.PROCESSING:
        video.processing_started_at = now
        video.processing_completed_at = None
    elif status in (VideoStatus.COMPLETED, VideoStatus.FAILED):
        video.processing_completed_at = now


def done_segment_indexes(session: Session, video_id: uuid.UUID) -> set[int]:
    """Segments whose row and vector were committed (the vector is written in the same unit of work)."""
    query = sa.select(VideoSegment.segment_index).where(
        VideoSegment.video_id == video_id, VideoSegment.embedding_id.is_not(None)
    )
    return set(session.scalars(query))


def upsert_segment(session: Session, values: dict[str, Any]) -> None:
    """Insert the segment row, or replace it when a resumed ingest writes the same index again."""
    statement = insert(VideoSegment).values(**values)
    column = {key: VideoSegment.__mapper__.attrs[key].columns[0].name for key in values}
    keep = ("id", "video_id", "segment_index")
    update = {column[key]: statement.excluded[column[key]] for key in values if key not in keep}
    session.execute(statement.on_conflict_do_update(constraint="unique_video_segment", set_=update))


def segment_ids(session: Session, video_id: uuid.UUID) -> set[uuid.UUID]:
    return set(session.scalars(sa.select(VideoSegment.id).where(VideoSegment.video_id == video_id)))


def segment_media_keys(session: Session, video_id: uuid.UUID) -> set[str]:
    rows = session.execute(
        sa.select(
            VideoSegment.segment_path,
            VideoSegment.thumbnail_path,
            VideoSegment.redacted_thumbnail_path,
            VideoSegment.redacted_path,
        ).where(VideoSegment.video_id == video_id)
    )
    return {key for row in rows for key in row if key}
