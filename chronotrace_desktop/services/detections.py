"""A video's stored per-frame detections and the tracks built from them.

Ingest writes both; the anomaly scan reads them again when a camera's rules change. Shared here so that
neither capability reaches into the other's records.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from chronotrace_desktop.storage.orm import VideoSegment, VideoTrack

if TYPE_CHECKING:
    import uuid

    from sqlalchemy.orm import Session


def detections_of(session: Session, video_id: uuid.UUID) -> list[dict[str, Any]]:
    """Every segment's stored per-frame detections, in time order (input of the tracker)."""
    rows = session.execute(
        sa.select(VideoSegment.meta["detections"])
        .where(VideoSegment.video_id == video_id)
        .order_by(VideoSegment.segment_index)
    )
    return [item for (detections,) in rows for item in (detections or [])]


def replace_tracks(session: Session, video_id: uuid.UUID, tracks: list[dict[str, Any]]) -> None:
    session.execute(sa.delete(VideoTrack).where(VideoTrack.video_id == video_id))
    for track in tracks:
        session.add(VideoTrack(video_id=video_id, **track))
