"""Bookmarks: a marked moment of a video with a note (and optionally a box), in a case or in all footage.

Reading needs ``VIEW_CASES``; making, editing and deleting need ``BOOKMARK``. Each change is audited with the
bookmark's time and note (before and after for an edit). A bookmark in a case must be of one of the case's
videos; making one in a case whose videos do not yet include the video adds it (audited with the bookmark).
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

import sqlalchemy as sa

from chronotrace_desktop.domain.audit import AuditAction
from chronotrace_desktop.domain.cases import Bookmark, check_note, parse_case_id
from chronotrace_desktop.domain.clock import utcnow
from chronotrace_desktop.domain.errors import InvalidInputError, NotFoundError
from chronotrace_desktop.domain.media import Box
from chronotrace_desktop.domain.roles import Action
from chronotrace_desktop.services.access import AuditEvent
from chronotrace_desktop.services.cases.service import put_in_case, require_case
from chronotrace_desktop.storage.orm import Video, VideoSegment
from chronotrace_desktop.storage.orm_cases import BookmarkRow

if TYPE_CHECKING:
    import uuid
    from collections.abc import Sequence
    from datetime import datetime

    from sqlalchemy.orm import Session

    from chronotrace_desktop.domain.users import Actor
    from chronotrace_desktop.services.access import AuditService, Authorizer
    from chronotrace_desktop.storage.database import Database

logger = logging.getLogger(__name__)

_UNSET = object()


@dataclass(frozen=True, slots=True)
class NewBookmark:
    video_id: uuid.UUID
    offset_s: float  # seconds from the video's start
    note: str = ""
    box: Box | None = None  # normalised 0..1
    case_id: str | None = None  # None: all footage


def check_box(box: Box | None) -> Box | None:
    if box is None:
        return None
    values = (box.x, box.y, box.w, box.h)
    if not all(math.isfinite(v) for v in values):
        raise InvalidInputError("a bookmark's box has finite coordinates")
    if box.w <= 0 or box.h <= 0 or box.x < 0 or box.y < 0 or box.right > 1.0001 or box.bottom > 1.0001:
        raise InvalidInputError(
            "a bookmark's box lies within the frame (x, y, w, h between 0 and 1, w and h > 0)"
        )
    return Box(round(box.x, 5), round(box.y, 5), round(box.w, 5), round(box.h, 5))


def parse_box(text: str) -> Box:
    """``"x,y,w,h"`` normalised (0..1)."""
    try:
        x, y, w, h = (float(v) for v in text.split(","))
    except ValueError:
        raise InvalidInputError(f"a box is 'x,y,w,h' between 0 and 1, not {text!r}") from None
    checked = check_box(Box(x, y, w, h))
    assert checked is not None
    return checked


def _box_json(box: Box | None) -> dict[str, float] | None:
    return None if box is None else {"x": box.x, "y": box.y, "w": box.w, "h": box.h}


def _box(data: dict[str, float] | None) -> Box | None:
    return None if not data else Box(data["x"], data["y"], data["w"], data["h"])


def _bookmark(row: BookmarkRow, video: Video) -> Bookmark:
    return Bookmark(
        bookmark_id=row.id,
        case_id=row.case_id,
        video_id=row.video_id,
        segment_id=row.segment_id,
        offset_s=float(row.offset_s),
        note=row.note,
        box=_box(row.box),
        created_by=row.author,
        created_at=row.created_at,
        updated_at=row.updated_at,
        camera_id=video.camera_id,
        filename=video.filename,
        video_start=video.recorded_at,
    )


class BookmarkService:
    def __init__(self, database: Database, authorizer: Authorizer, audit: AuditService) -> None:
        self._db = database
        self._authorizer = authorizer
        self._audit = audit

    def list_bookmarks(
        self,
        actor: Actor,
        *,
        case_id: str | None = None,
        video_ids: Sequence[uuid.UUID] | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> list[Bookmark]:
        """Bookmarks of a case (``case_id``) or of all footage (every bookmark), optionally of some videos and
        between two wall-clock times (naive UTC; bookmarks of videos with no known start are then left out),
        in wall-clock order (then by video and offset)."""
        self._authorizer.require(actor, Action.VIEW_CASES, resource_type="bookmark")
        query = (
            sa.select(BookmarkRow, Video)
            .join(Video, Video.id == BookmarkRow.video_id)
            .where(Video.deleted_at.is_(None))
        )
        if case_id is not None:
            query = query.where(BookmarkRow.case_id == parse_case_id(case_id))
        if video_ids is not None:
            query = query.where(BookmarkRow.video_id.in_(list(video_ids)))
        wall = Video.recorded_at + sa.func.make_interval(0, 0, 0, 0, 0, 0, BookmarkRow.offset_s)
        if since is not None:
            query = query.where(wall >= since)
        if until is not None:
            query = query.where(wall <= until)
        query = query.order_by(wall.nulls_last(), BookmarkRow.video_id, BookmarkRow.offset_s, BookmarkRow.id)
        with self._db.transaction() as session:
            if case_id is not None:
                require_case(session, case_id)
            return [_bookmark(row, video) for row, video in session.execute(query)]

    def get(self, actor: Actor, bookmark_id: uuid.UUID) -> Bookmark:
        self._authorizer.require(actor, Action.VIEW_CASES, resource_type="bookmark", resource_id=bookmark_id)
        with self._db.transaction() as session:
            row, video = self._row(session, bookmark_id)
            return _bookmark(row, video)

    def create(self, actor: Actor, new: NewBookmark) -> Bookmark:
        actor = self._authorizer.require(actor, Action.BOOKMARK, resource_type="bookmark")
        note, box = check_note(new.note), check_box(new.box)
        if not math.isfinite(new.offset_s) or new.offset_s < 0:
            raise InvalidInputError(
                "a bookmark's time is a number of seconds from the video's start, 0 or more"
            )
        with self._db.transaction() as session:
            video = session.get(Video, new.video_id)
            if video is None or video.deleted_at is not None:
                raise NotFoundError("No such video (it may have been deleted).")
            duration = float(video.duration_seconds) if video.duration_seconds is not None else None
            if duration is not None and new.offset_s > duration + 0.5:
                raise InvalidInputError(
                    f"the video is {duration:.1f} s long; a bookmark at {new.offset_s:.1f} s is past its end"
                )
            case_id = None
            if new.case_id is not None:
                case = require_case(session, new.case_id)
                case_id = case.id
                put_in_case(session, self._audit, actor, case_id, [video.id], by="bookmark")
            segment_id = session.scalars(
                sa.select(VideoSegment.id)
                .where(
                    VideoSegment.video_id == video.id,
                    VideoSegment.start_time <= Decimal(str(new.offset_s)),
                )
                .order_by(VideoSegment.start_time.desc())
                .limit(1)
            ).first()
            row = BookmarkRow(
                case_id=case_id,
                video_id=video.id,
                segment_id=segment_id,
                offset_s=Decimal(f"{new.offset_s:.3f}"),
                box=_box_json(box),
                note=note,
                created_by=actor.user_id,
                author=actor.email,
                updated_by=actor.user_id,
            )
            session.add(row)
            session.flush()
            session.refresh(row)
            self._record(session, actor, AuditAction.BOOKMARK_CREATED, row, {"note": note})
            made = _bookmark(row, video)
        logger.info("%s bookmarked video %s at %.3f s", actor.email, new.video_id, new.offset_s)
        return made

    def update(
        self,
        actor: Actor,
        bookmark_id: uuid.UUID,
        *,
        note: str | None = None,
        box: Box | object | None = _UNSET,
    ) -> Bookmark:
        """Change a bookmark's note and/or box (``box=None`` removes the box)."""
        actor = self._authorizer.require(
            actor, Action.BOOKMARK, resource_type="bookmark", resource_id=bookmark_id
        )
        with self._db.transaction() as session:
            row, video = self._row(session, bookmark_id, for_update=True)
            before = {"note": row.note, "box": row.box}
            if note is not None:
                row.note = check_note(note)
            if box is not _UNSET:
                row.box = _box_json(check_box(box if isinstance(box, Box) else None))
            after = {"note": row.note, "box": row.box}
            if after != before:
                row.updated_by, row.updated_at = actor.user_id, utcnow()
                self._record(
                    session, actor, AuditAction.BOOKMARK_UPDATED, row, {"before": before, "after": after}
                )
            session.flush()
            return _bookmark(row, video)

    def delete(self, actor: Actor, bookmark_id: uuid.UUID) -> None:
        actor = self._authorizer.require(
            actor, Action.BOOKMARK, resource_type="bookmark", resource_id=bookmark_id
        )
        with self._db.transaction() as session:
            row, _video = self._row(session, bookmark_id, for_update=True)
            self._record(
                session, actor, AuditAction.BOOKMARK_DELETED, row, {"note": row.note, "box": row.box}
            )
            session.delete(row)
        logger.info("%s deleted bookmark %s", actor.email, bookmark_id)

    @staticmethod
    def _row(
        session: Session, bookmark_id: uuid.UUID, *, for_update: bool = False
    ) -> tuple[BookmarkRow, Video]:
        row = session.get(BookmarkRow, bookmark_id, with_for_update=for_update)
        video = session.get(Video, row.video_id) if row is not None else None
        if row is None or video is None or video.deleted_at is not None:
            raise NotFoundError(f"no bookmark {bookmark_id}")
        return row, video

    def _record(
        self,
        session: Session,
        actor: Actor,
        action: AuditAction,
        row: BookmarkRow,
        details: dict[str, object],
    ) -> None:
        self._audit.record_in(
            session,
            AuditEvent(
                action,
                actor=actor,
                resource_type="bookmark",
                resource_id=row.id,
                metadata={
                    "case_id": row.case_id,
                    "video_id": str(row.video_id),
                    "offset_s": float(row.offset_s),
                    **details,
                },
            ),
        )
