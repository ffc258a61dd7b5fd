"""What an ingest reports for bytes already in the library, or being ingested by another session right now."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chronotrace_desktop.domain.ingest import IngestResult, IngestStatus
from chronotrace_desktop.services.ingest import records

if TYPE_CHECKING:
    from pathlib import Path

    from chronotrace_desktop.storage.database import Database
    from chronotrace_desktop.storage.orm import Video


def being_ingested(database: Database, path: Path, digest: str) -> IngestResult:
    """Another session holds these bytes' lease: report a duplicate and leave its row alone."""
    with database.transaction() as session:
        other = records.video_being_ingested(session, digest)
    video_id, name = other if other is not None else (None, "another name")
    return IngestResult(
        path,
        IngestStatus.DUPLICATE,
        video_id,
        error=f"the same bytes are being ingested as {name} by another session right now",
    )


def settled_duplicate(video: Video, path: Path) -> IngestResult:
    """The bytes of ``path`` are a completed video: ``already_ingested`` from the same path, else a duplicate."""
    segments = len(video.segments)
    if video.original_path == str(path):
        return IngestResult(path, IngestStatus.ALREADY_INGESTED, video.id, segments)
    when = video.uploaded_at.strftime("%Y-%m-%d %H:%M") if video.uploaded_at else "earlier"
    return IngestResult(
        path,
        IngestStatus.DUPLICATE,
        video.id,
        error=f"the same bytes are already in the library as {video.filename} (ingested {when} UTC)",
    )
