"""The bookmarks a package carries, and the REDACTED still of a bookmarked moment.

An export made in a case carries the case's bookmarks; one made in all footage carries the bookmarks of the
exported segments' videos that fall within the exported windows. A still is the frame of the segment's redacted
rendition at the bookmark's time (never the original); when that cannot be read, the segment's redacted
thumbnail stands in. The box is drawn by whoever shows the still (the report, the bookmark dialog).
"""

from __future__ import annotations

import logging
import shutil
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

import sqlalchemy as sa

from chronotrace_desktop.domain.errors import InvalidInputError, NotFoundError
from chronotrace_desktop.media.frames import frame_at
from chronotrace_desktop.media.images import write_thumbnail
from chronotrace_desktop.storage.orm import VideoSegment

if TYPE_CHECKING:
    import uuid
    from collections.abc import Sequence
    from pathlib import Path

    from chronotrace_desktop.domain.cases import Bookmark, CaseInfo
    from chronotrace_desktop.domain.users import Actor
    from chronotrace_desktop.services.cases import BookmarkService, CaseService
    from chronotrace_desktop.services.export.selection import Resolved
    from chronotrace_desktop.services.media_access import MediaAccessService
    from chronotrace_desktop.storage.database import Database

logger = logging.getLogger(__name__)

STILL_WIDTH = 640
_EDGE_S = 1e-3


@dataclass(frozen=True, slots=True)
class PackageBookmarks:
    case: CaseInfo | None
    bookmarks: tuple[Bookmark, ...]


def gather(
    cases: CaseService,
    bookmarks: BookmarkService,
    actor: Actor,
    case: str | None,
    resolved: Resolved,
) -> PackageBookmarks:
    if case is not None:
        info = cases.get(actor, case)
        return PackageBookmarks(info, tuple(bookmarks.list_bookmarks(actor, case_id=case)))
    if not resolved.segments:
        return PackageBookmarks(None, ())
    spans: dict[uuid.UUID, list[tuple[float, float]]] = {}
    for s in resolved.segments:
        spans.setdefault(s.video_id, []).append((s.start_s - _EDGE_S, s.end_s + _EDGE_S))
    found = bookmarks.list_bookmarks(actor, video_ids=list(spans))
    kept = [b for b in found if any(a <= b.offset_s <= z for a, z in spans[b.video_id])]
    return PackageBookmarks(None, tuple(kept))


@dataclass(frozen=True, slots=True)
class _Window:
    segment_id: uuid.UUID
    start_s: float


def window_of(database: Database, video_id: uuid.UUID, offset_s: float) -> _Window | None:
    """The segment of ``video_id`` holding ``offset_s`` (the last one starting at or before it)."""
    with database.transaction() as session:
        row = session.execute(
            sa.select(VideoSegment.id, VideoSegment.start_time)
            .where(VideoSegment.video_id == video_id, VideoSegment.start_time <= Decimal(f"{offset_s:.3f}"))
            .order_by(VideoSegment.start_time.desc())
            .limit(1)
        ).first()
    return None if row is None else _Window(row[0], float(row[1]))


def write_still(
    database: Database,
    media: MediaAccessService,
    actor: Actor,
    video_id: uuid.UUID,
    offset_s: float,
    dest: Path,
) -> Path | None:
    """The redacted frame of ``video_id`` at ``offset_s`` as a JPEG at ``dest``; None when there is none."""
    window = window_of(database, video_id, offset_s)
    if window is None:
        return None
    try:
        clip = media.redacted_clip(actor, window.segment_id)
        image = frame_at(clip, max(0.0, offset_s - window.start_s), max_side=STILL_WIDTH)
        return write_thumbnail(image, dest, width=STILL_WIDTH)
    except (InvalidInputError, NotFoundError) as exc:
        logger.info(
            "No redacted frame at %.3f s of video %s (%s); using the thumbnail", offset_s, video_id, exc
        )
    try:
        shutil.copyfile(media.redacted_thumbnail(actor, window.segment_id), dest)
    except (NotFoundError, OSError) as exc:
        logger.warning("No redacted still for video %s at %.3f s: %s", video_id, offset_s, exc)
        return None
    return dest


def write_stills(
    database: Database,
    media: MediaAccessService,
    actor: Actor,
    marks: Sequence[Bookmark],
    folder: Path,
) -> dict[uuid.UUID, Path]:
    stills = {}
    for mark in marks:
        made = write_still(
            database, media, actor, mark.video_id, mark.offset_s, folder / f"{mark.bookmark_id}.jpg"
        )
        if made is not None:
            stills[mark.bookmark_id] = made
    return stills
