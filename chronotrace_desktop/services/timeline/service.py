"""The timeline service: the extent of dated footage, what a window of wall-clock time holds, and the segments
of a dragged range.

Reading needs ``VIEW_LIBRARY``, and ``VIEW_CASES`` too when a case is named (an unknown case is refused).
Bookmarks come with a window when the actor may read them (``VIEW_CASES``): a case's own, or every bookmark
without a case. A window never returns more than about ``max_items`` segments: past that it returns per-lane
buckets whose step (a nice number of seconds) gives about ``buckets`` per window, aggregated by PostgreSQL.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from chronotrace_desktop.domain.anomalies import Severity
from chronotrace_desktop.domain.errors import InvalidInputError
from chronotrace_desktop.domain.roles import Action, is_allowed
from chronotrace_desktop.domain.timeline import (
    ActivityBucket,
    AnomalyMarker,
    BookmarkMarker,
    Lane,
    SegmentSpan,
    TimelineExtent,
    TimelineWindow,
    VideoSpan,
    nice_step,
)
from chronotrace_desktop.services.cases.service import require_case
from chronotrace_desktop.services.timeline import store

if TYPE_CHECKING:
    import uuid
    from datetime import datetime

    from sqlalchemy.orm import Session

    from chronotrace_desktop.domain.users import Actor
    from chronotrace_desktop.services.access import Authorizer
    from chronotrace_desktop.storage.database import Database

logger = logging.getLogger(__name__)

DEFAULT_MAX_ITEMS = 2000
DEFAULT_BUCKETS = 300
MAX_ITEMS_CAP = 20_000


def _severity(value: str | None) -> Severity:
    try:
        return Severity(value or Severity.MEDIUM)
    except ValueError:
        return Severity.MEDIUM


def _check_window(start: datetime, end: datetime) -> None:
    if start.tzinfo is not None or end.tzinfo is not None:
        raise InvalidInputError("timeline times are naive UTC")
    if end <= start:
        raise InvalidInputError("a timeline window ends after it starts")


class TimelineService:
    def __init__(self, database: Database, authorizer: Authorizer) -> None:
        self._db = database
        self._authorizer = authorizer

    def extent(self, actor: Actor, case_id: str | None = None) -> TimelineExtent:
        """Where dated footage starts and ends, its lanes (cameras), and how many videos have no time."""
        self._require(actor, case_id)
        with self._db.transaction() as session:
            params = self._params(session, case_id)
            first, last, dated, undated = store.extent(session, case_id is not None, params)
            lanes = tuple(
                Lane(camera_id=row[0], name=row[1], location=row[2], video_count=int(row[3]))
                for row in store.lanes(session, case_id is not None, params)
            )
        return TimelineExtent(first, last, lanes, int(dated or 0), int(undated or 0))

    def window(
        self,
        actor: Actor,
        start: datetime,
        end: datetime,
        *,
        case_id: str | None = None,
        max_items: int = DEFAULT_MAX_ITEMS,
        buckets: int = DEFAULT_BUCKETS,
    ) -> TimelineWindow:
        """What lies between two wall-clock times (naive UTC): segments, or buckets past ``max_items``."""
        fresh = self._require(actor, case_id)
        _check_window(start, end)
        limit = max(1, min(MAX_ITEMS_CAP, max_items))
        case = case_id is not None
        with self._db.transaction() as session:
            params = {**self._params(session, case_id), "start": start, "end": end, "limit": limit + 1}
            aggregated = store.segment_count(session, case, params) > limit
            step: int | None = None
            videos: tuple[VideoSpan, ...] = ()
            segments: tuple[SegmentSpan, ...] = ()
            grouped: tuple[ActivityBucket, ...] = ()
            if aggregated:
                step = nice_step((end - start).total_seconds() / max(1, buckets))
                grouped = tuple(
                    ActivityBucket(*r) for r in store.buckets(session, case, {**params, "step": step})
                )
            else:
                videos = tuple(VideoSpan(*r) for r in store.videos(session, case, params))
                segments = tuple(SegmentSpan(*r) for r in store.segments(session, case, params))
            anomalies = [_anomaly(r) for r in store.anomalies(session, case, params)]
            marks = (
                [BookmarkMarker(*r) for r in store.bookmarks(session, case, params)]
                if is_allowed(fresh.role, Action.VIEW_CASES)
                else []
            )
        truncated = len(anomalies) > limit or len(marks) > limit
        return TimelineWindow(
            start=start,
            end=end,
            aggregated=aggregated,
            bucket_s=step,
            videos=videos,
            segments=segments,
            buckets=grouped,
            anomalies=tuple(sorted(anomalies[:limit], key=lambda a: a.time)),
            bookmarks=tuple(marks[:limit]),
            markers_truncated=truncated,
        )

    def segments_between(
        self,
        actor: Actor,
        camera_id: str | None,
        start: datetime,
        end: datetime,
        case_id: str | None = None,
    ) -> list[uuid.UUID]:
        """Ids of one lane's segments whose wall time overlaps ``start .. end``, in time order (for export)."""
        self._require(actor, case_id)
        _check_window(start, end)
        with self._db.transaction() as session:
            params = {**self._params(session, case_id), "start": start, "end": end, "camera_id": camera_id}
            return store.segment_ids(session, case_id is not None, params)

    # ------------------------------------------------------------------ helpers
    def _require(self, actor: Actor, case_id: str | None) -> Actor:
        fresh = self._authorizer.require(actor, Action.VIEW_LIBRARY, resource_type="timeline")
        if case_id is not None:
            fresh = self._authorizer.require(actor, Action.VIEW_CASES, resource_type="case")
        return fresh

    @staticmethod
    def _params(session: Session, case_id: str | None) -> dict[str, Any]:
        if case_id is None:
            return {}
        return {"case_id": require_case(session, case_id).id}


def _anomaly(row: tuple[Any, ...]) -> AnomalyMarker:
    a_id, segment_id, video_id, camera_id, time, offset, kind, severity, title, clock = row
    return AnomalyMarker(
        a_id, segment_id, video_id, camera_id, time, offset, kind, _severity(severity), title, clock
    )
