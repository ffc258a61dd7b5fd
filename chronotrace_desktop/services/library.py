"""The library as the desktop shows it: videos with their status and counts, a video's segments, soft delete.

Read calls need ``VIEW_LIBRARY``; they return frozen dataclasses (never ORM rows). The video table is lazy in
the GUI: :meth:`LibraryService.video_ids` lists ids in a stable order and :meth:`LibraryService.rows` fetches
the rows of a batch of them. :meth:`LibraryService.delete_video` (``DELETE_VIDEO``) soft-deletes: it sets
``videos.deleted_at``, removes the video's vectors from the index so no search can return them, and writes a
``video_deleted`` audit row, all in one transaction (the vectors go before the commit; a failed commit leaves
segments without vectors, which ingest's reconcile step repairs).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import UUID as PG_UUID
from sqlalchemy.orm import load_only

from chronotrace_desktop.domain.analysis import FrameDetections
from chronotrace_desktop.domain.audit import AuditAction
from chronotrace_desktop.domain.clock import utcnow
from chronotrace_desktop.domain.errors import ConflictError, NotFoundError
from chronotrace_desktop.domain.ingest import VideoStatus
from chronotrace_desktop.domain.roles import Action
from chronotrace_desktop.services.access import AuditEvent
from chronotrace_desktop.services.cases import held_by
from chronotrace_desktop.storage.orm import Search, Video, VideoSegment

if TYPE_CHECKING:
    import uuid
    from collections.abc import Sequence
    from datetime import datetime

    from sqlalchemy.orm import Session

    from chronotrace_desktop.domain.users import Actor
    from chronotrace_desktop.services.access import AuditService, Authorizer
    from chronotrace_desktop.storage.database import Database
    from chronotrace_desktop.storage.vectors import VectorIndex

logger = logging.getLogger(__name__)

MAX_ROWS_PER_CALL = 1000
HISTORY_LIMIT = 50


@dataclass(frozen=True, slots=True)
class VideoRow:
    id: uuid.UUID
    filename: str
    original_path: str
    camera_id: str | None
    location: str | None
    recorded_at: datetime | None
    uploaded_at: datetime | None
    duration_s: float | None
    resolution: str | None
    fps: float | None
    size_bytes: int | None
    status: VideoStatus
    error_message: str | None
    segment_count: int
    face_segments: int  # segments in which at least one face was seen
    warnings: tuple[str, ...] = ()
    recorder_recorded_at: datetime | None = None  # what the recorder's clock said (recorded_at is corrected)
    clock_offset_s: float | None = None  # seconds added to the recorder's clock; None: none applied
    clock_source: str | None = None


@dataclass(frozen=True, slots=True)
class SegmentInfo:
    """One segment of a video, for the player's previous/next and its time display."""

    id: uuid.UUID
    video_id: uuid.UUID
    index: int
    start_time: float  # seconds from the start of the video
    end_time: float
    clip_start: float  # where the stored clip (cut at a keyframe) starts, seconds from the video start
    recorded_start: datetime | None  # wall clock at start_time, when the video's recorded_at is known
    has_faces: bool
    caption: str | None


@dataclass(frozen=True, slots=True)
class SegmentDetail:
    """A segment with what the player needs around it: its video, its neighbours and its detections."""

    segment: SegmentInfo
    video_filename: str
    camera_id: str | None
    location: str | None
    fps: float | None
    recorded_at: datetime | None
    siblings: tuple[SegmentInfo, ...]  # every segment of the same video, in order
    detections: tuple[FrameDetections, ...]  # times in seconds from the start of the video
    recorder_recorded_at: datetime | None = None  # the recorder's own start (recorded_at is corrected)
    clock_offset_s: float | None = None

    @property
    def previous(self) -> SegmentInfo | None:
        index = self._position()
        return self.siblings[index - 1] if index > 0 else None

    @property
    def next(self) -> SegmentInfo | None:
        index = self._position()
        return self.siblings[index + 1] if 0 <= index < len(self.siblings) - 1 else None

    def _position(self) -> int:
        ids = [s.id for s in self.siblings]
        return ids.index(self.segment.id) if self.segment.id in ids else -1


@dataclass(frozen=True, slots=True)
class FilterOptions:
    """What the search filters can offer: values present in the live library."""

    cameras: tuple[str, ...]
    locations: tuple[str, ...]
    objects: tuple[str, ...]


_IDS = sa.bindparam("ids", type_=ARRAY(PG_UUID(as_uuid=True)))
_COUNTS = (
    sa.select(
        VideoSegment.video_id,
        sa.func.count().label("segments"),
        sa.func.count().filter(VideoSegment.has_faces.is_(True)).label("face_segments"),
    )
    .where(VideoSegment.video_id == sa.any_(_IDS))
    .group_by(VideoSegment.video_id)
)


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def _video_row(video: Video, segments: int, face_segments: int) -> VideoRow:
    meta = video.meta or {}
    duration = meta.get("duration_exact", video.duration_seconds)
    fps = meta.get("fps_exact", video.fps)
    return VideoRow(
        id=video.id,
        filename=video.filename,
        original_path=video.original_path,
        camera_id=video.camera_id,
        location=video.location,
        recorded_at=video.recorded_at,
        uploaded_at=video.uploaded_at,
        duration_s=_float(duration),
        resolution=video.resolution,
        fps=_float(fps),
        size_bytes=video.file_size_bytes,
        status=VideoStatus(video.processing_status or VideoStatus.PENDING),
        error_message=video.error_message,
        segment_count=segments,
        face_segments=face_segments,
        warnings=tuple(str(w) for w in meta.get("warnings", [])),
        recorder_recorded_at=video.recorder_recorded_at,
        clock_offset_s=video.clock_offset_s,
        clock_source=video.clock_source,
    )


def _segment_info(segment: VideoSegment, recorded_at: datetime | None) -> SegmentInfo:
    start = float(segment.start_time)
    clip_start = segment.clip_start_time if segment.clip_start_time is not None else segment.start_time
    return SegmentInfo(
        id=segment.id,
        video_id=segment.video_id,
        index=segment.segment_index,
        start_time=start,
        end_time=float(segment.end_time),
        clip_start=float(clip_start),
        recorded_start=recorded_at + timedelta(seconds=start) if recorded_at else None,
        has_faces=bool(segment.has_faces),
        caption=segment.caption,
    )


class LibraryService:
    def __init__(
        self, database: Database, vectors: VectorIndex, authorizer: Authorizer, audit: AuditService
    ) -> None:
        self._db = database
        self._vectors = vectors
        self._authorizer = authorizer
        self._audit = audit

    # ------------------------------------------------------------------ videos
    def video_ids(self, actor: Actor) -> list[uuid.UUID]:
        """Every live video, newest upload first."""
        self._authorizer.require(actor, Action.VIEW_LIBRARY, resource_type="video")
        query = (
            sa.select(Video.id)
            .where(Video.deleted_at.is_(None))
            .order_by(Video.uploaded_at.desc().nulls_last(), Video.id)
        )
        with self._db.transaction() as session:
            return list(session.scalars(query))

    def rows(self, actor: Actor, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, VideoRow]:
        """The rows of these videos by id (deleted or unknown ids are left out)."""
        self._authorizer.require(actor, Action.VIEW_LIBRARY, resource_type="video")
        wanted = list(dict.fromkeys(ids))[:MAX_ROWS_PER_CALL]
        if not wanted:
            return {}
        with self._db.transaction() as session:
            counts = {
                r.video_id: (r.segments, r.face_segments) for r in session.execute(_COUNTS, {"ids": wanted})
            }
            videos = session.scalars(
                sa.select(Video).where(Video.id == sa.any_(_IDS), Video.deleted_at.is_(None)), {"ids": wanted}
            )
            return {v.id: _video_row(v, *counts.get(v.id, (0, 0))) for v in videos}

    def delete_video(self, actor: Actor, video_id: uuid.UUID) -> None:
        """Soft-delete a video: hidden from the library and from every search from now on. Audited."""
        actor = self._authorizer.require(
            actor, Action.DELETE_VIDEO, resource_type="video", resource_id=video_id
        )
        with self._db.transaction() as session:
            video = session.get(Video, video_id, with_for_update=True)
            if video is None or video.deleted_at is not None:
                raise NotFoundError("No such video (it may have been deleted already).")
            held = held_by(session, video_id)
            if held is not None:
                raise ConflictError(
                    f"{video.filename} is under the evidence hold of case {held}: it cannot be deleted until an "
                    "administrator releases the hold"
                )
            segment_ids = list(
                session.scalars(sa.select(VideoSegment.id).where(VideoSegment.video_id == video_id))
            )
            video.deleted_at = utcnow()
            self._audit.record_in(
                session,
                AuditEvent(
                    AuditAction.VIDEO_DELETED,
                    actor=actor,
                    resource_type="video",
                    resource_id=video_id,
                    metadata={
                        "filename": video.filename,
                        "sha256": (video.meta or {}).get("sha256"),
                        "segments": len(segment_ids),
                        "soft_delete": True,
                    },
                ),
            )
            session.flush()
            self._vectors.delete(segment_ids)
        logger.info("%s deleted video %s (%d segments)", actor.email, video_id, len(segment_ids))

    # ------------------------------------------------------------------ segments
    def segments_of(self, actor: Actor, video_id: uuid.UUID) -> tuple[SegmentInfo, ...]:
        self._authorizer.require(actor, Action.VIEW_LIBRARY, resource_type="video", resource_id=video_id)
        with self._db.transaction() as session:
            video = session.get(Video, video_id)
            if video is None or video.deleted_at is not None:
                raise NotFoundError("No such video (it may have been deleted).")
            return self._siblings(session, video)

    def segment_detail(self, actor: Actor, segment_id: uuid.UUID) -> SegmentDetail:
        self._authorizer.require(actor, Action.VIEW_LIBRARY, resource_type="segment", resource_id=segment_id)
        with self._db.transaction() as session:
            segment = session.get(VideoSegment, segment_id)
            video = session.get(Video, segment.video_id) if segment is not None else None
            if segment is None or video is None or video.deleted_at is not None:
                raise NotFoundError("No such segment (it may belong to a deleted video).")
            detections = tuple(
                FrameDetections.from_dict(item) for item in (segment.meta or {}).get("detections", [])
            )
            fps = (video.meta or {}).get("fps_exact", video.fps)
            return SegmentDetail(
                segment=_segment_info(segment, video.recorded_at),
                video_filename=video.filename,
                camera_id=video.camera_id,
                location=video.location,
                fps=_float(fps),
                recorded_at=video.recorded_at,
                siblings=self._siblings(session, video),
                detections=detections,
                recorder_recorded_at=video.recorder_recorded_at,
                clock_offset_s=video.clock_offset_s,
            )

    @staticmethod
    def _siblings(session: Session, video: Video) -> tuple[SegmentInfo, ...]:
        query = (
            sa.select(VideoSegment)
            .where(VideoSegment.video_id == video.id)
            .order_by(VideoSegment.segment_index)
            .options(load_only(*_SEGMENT_FIELDS))
        )
        return tuple(_segment_info(s, video.recorded_at) for s in session.scalars(query))

    # ------------------------------------------------------------------ for the search pane
    def filter_options(self, actor: Actor) -> FilterOptions:
        self._authorizer.require(actor, Action.VIEW_LIBRARY, resource_type="video")
        live = Video.deleted_at.is_(None)
        with self._db.transaction() as session:
            cameras = session.scalars(
                sa.select(Video.camera_id)
                .where(live, Video.camera_id.is_not(None))
                .distinct()
                .order_by(Video.camera_id)
            )
            locations = session.scalars(
                sa.select(Video.location)
                .where(live, Video.location.is_not(None))
                .distinct()
                .order_by(Video.location)
            )
            label = sa.func.unnest(VideoSegment.objects_detected).label("label")
            inner = sa.select(label).join(Video, Video.id == VideoSegment.video_id).where(live).subquery()
            objects = session.scalars(sa.select(inner.c.label).distinct().order_by(inner.c.label))
            return FilterOptions(
                tuple(c for c in cameras if c),
                tuple(x for x in locations if x),
                tuple(o for o in objects if o),
            )

    def recent_searches(self, actor: Actor, limit: int = HISTORY_LIMIT) -> list[str]:
        """The actor's own recent word searches from ``searches``, newest first, each once."""
        self._authorizer.require(actor, Action.SEARCH, resource_type="search")
        last = sa.func.max(Search.created_at)
        query = (
            sa.select(Search.query_text)
            .where(Search.user_id == actor.user_id, Search.query_type == "text")
            .group_by(Search.query_text)
            .order_by(last.desc())
            .limit(limit)
        )
        with self._db.transaction() as session:
            return list(session.scalars(query))


_SEGMENT_FIELDS = (
    VideoSegment.id,
    VideoSegment.video_id,
    VideoSegment.segment_index,
    VideoSegment.start_time,
    VideoSegment.end_time,
    VideoSegment.clip_start_time,
    VideoSegment.has_faces,
    VideoSegment.caption,
)
