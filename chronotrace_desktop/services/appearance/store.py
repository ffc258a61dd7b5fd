"""PostgreSQL for appearance: tracks with their video, the segments a track spans, and the search log row."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from chronotrace_desktop.analysis.tracking import label_group
from chronotrace_desktop.domain.analysis import Track
from chronotrace_desktop.domain.appearance import APPEARANCE_GROUPS, TrackInfo
from chronotrace_desktop.domain.errors import NotFoundError
from chronotrace_desktop.domain.ingest import VideoStatus
from chronotrace_desktop.storage.orm import Video, VideoSegment, VideoTrack

if TYPE_CHECKING:
    import uuid
    from collections.abc import Iterable

    from sqlalchemy.orm import Session

    from chronotrace_desktop.domain.appearance import TrackRef


@dataclass(frozen=True, slots=True)
class StoredTrack:
    info: TrackInfo
    track: Track  # its points, for crop choice and box picking
    recorded_at: datetime | None  # the video's corrected start


@dataclass(frozen=True, slots=True)
class SegmentSpan:
    id: uuid.UUID
    index: int
    start: float
    end: float
    clip_start: float
    clip_end: float
    key: str | None  # the original cut's media key

    def holds(self, t: float) -> bool:
        return self.start <= t < self.end


_TRACK_COLUMNS = (
    VideoTrack.id,
    VideoTrack.video_id,
    VideoTrack.track_key,
    VideoTrack.label,
    VideoTrack.points,
    Video.camera_id,
    Video.filename,
    Video.recorded_at,
)


def _stored(row: Any) -> StoredTrack:
    track = Track.from_dict({"track_id": row.track_key, "label": row.label, "points": row.points or []})
    info = TrackInfo(
        track_id=row.id,
        video_id=row.video_id,
        track_key=row.track_key,
        label=row.label,
        group=label_group(row.label),
        first_seen=track.start if track.points else 0.0,
        last_seen=track.end if track.points else 0.0,
        camera_id=row.camera_id,
        video_filename=row.filename,
    )
    return StoredTrack(info, track, row.recorded_at)


def _live_tracks() -> Any:  # a Select of _TRACK_COLUMNS
    return (
        sa.select(*_TRACK_COLUMNS)
        .join(Video, Video.id == VideoTrack.video_id)
        .where(Video.deleted_at.is_(None))
        .order_by(VideoTrack.video_id, VideoTrack.track_key)
    )


def tracks_of(session: Session, video_id: uuid.UUID) -> list[StoredTrack]:
    """The video's person and vehicle tracks with points (none if the video is deleted)."""
    rows = session.execute(_live_tracks().where(VideoTrack.video_id == video_id))
    found = [_stored(r) for r in rows]
    return [s for s in found if s.info.group in APPEARANCE_GROUPS and s.track.points]


def resolve(session: Session, ref: TrackRef) -> StoredTrack:
    query = _live_tracks()
    if ref.track_id is not None:
        query = query.where(VideoTrack.id == ref.track_id)
    else:
        query = query.where(VideoTrack.video_id == ref.video_id, VideoTrack.track_key == ref.track_key)
    row = session.execute(query).first()
    if row is None:
        raise NotFoundError(f"No track {ref} (its video may be deleted or re-ingested).")
    return _stored(row)


def tracks_by_key(
    session: Session, keys: Iterable[tuple[uuid.UUID, int]]
) -> dict[tuple[uuid.UUID, int], StoredTrack]:
    wanted = list(dict.fromkeys(keys))
    if not wanted:
        return {}
    pairs = sa.tuple_(VideoTrack.video_id, VideoTrack.track_key).in_(wanted)
    return {(r.video_id, r.track_key): _stored(r) for r in session.execute(_live_tracks().where(pairs))}


def segments_of(session: Session, video_id: uuid.UUID) -> list[SegmentSpan]:
    rows = session.execute(
        sa.select(
            VideoSegment.id,
            VideoSegment.segment_index,
            VideoSegment.start_time,
            VideoSegment.end_time,
            VideoSegment.clip_start_time,
            VideoSegment.clip_end_time,
            VideoSegment.segment_path,
        )
        .where(VideoSegment.video_id == video_id)
        .order_by(VideoSegment.segment_index)
    )
    return [
        SegmentSpan(
            r.id,
            r.segment_index,
            float(r.start_time),
            float(r.end_time),
            float(r.clip_start_time if r.clip_start_time is not None else r.start_time),
            float(r.clip_end_time if r.clip_end_time is not None else r.end_time),
            r.segment_path,
        )
        for r in rows
    ]


def segment_at(spans: list[SegmentSpan], t: float) -> SegmentSpan | None:
    """The segment whose window holds ``t`` (the last one for a time at or past the end)."""
    for span in spans:
        if span.holds(t):
            return span
    return spans[-1] if spans and t >= spans[-1].start else None


def segment_by_id(session: Session, segment_id: uuid.UUID) -> tuple[uuid.UUID, SegmentSpan]:
    row = session.execute(
        sa.select(VideoSegment.video_id)
        .join(Video, Video.id == VideoSegment.video_id)
        .where(VideoSegment.id == segment_id, Video.deleted_at.is_(None))
    ).first()
    if row is None:
        raise NotFoundError(f"No segment {segment_id} (it may belong to a deleted video).")
    span = next(s for s in segments_of(session, row.video_id) if s.id == segment_id)
    return row.video_id, span


def indexable_videos(session: Session) -> list[uuid.UUID]:
    """Completed, live videos, oldest first (the backfill's order)."""
    return list(
        session.scalars(
            sa.select(Video.id)
            .where(Video.deleted_at.is_(None), Video.processing_status == VideoStatus.COMPLETED.value)
            .order_by(Video.uploaded_at, Video.id)
        )
    )


def wall_clock(recorded_at: datetime | None, seconds: float) -> datetime | None:
    return None if recorded_at is None else recorded_at + timedelta(seconds=seconds)


def record_state(session: Session, video_id: uuid.UUID, state: dict[str, Any]) -> None:
    """The video's appearance indexing state in ``videos.metadata['appearance']``."""
    video = session.get(Video, video_id, with_for_update=True)
    if video is not None:
        video.meta = {**(video.meta or {}), "appearance": state}
