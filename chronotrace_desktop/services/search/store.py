"""PostgreSQL for search: the candidates' rows (live videos only) and the search log.

``fetch_segments`` reads only the columns and metadata keys ranking needs (``search_attributes``: people,
vehicles, object counts and, since 0007, the scene cues; never the per-frame detections or the redaction
plan) for a list of segment ids, dropping segments of soft-deleted videos, and attaches to
each the anomalies overlapping its time span (any status but ``false_positive``) — all in ONE statement, so
search stays one round trip to PostgreSQL. ``log_searches`` writes the ``searches`` rows and their
``search_query`` audit rows in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, aggregate_order_by
from sqlalchemy.dialects.postgresql import UUID as PG_UUID

from chronotrace_desktop.domain.anomalies import AnomalyStatus
from chronotrace_desktop.domain.audit import AuditAction
from chronotrace_desktop.domain.search import PastSearch, RequestContext
from chronotrace_desktop.services.access import AuditEvent
from chronotrace_desktop.services.search.segment_attributes import AnomalySpan, SegmentAttributes
from chronotrace_desktop.storage.orm import Anomaly, Search, Video, VideoSegment

if TYPE_CHECKING:
    import uuid
    from collections.abc import Iterable, Sequence
    from datetime import datetime

    from sqlalchemy.orm import Session

    from chronotrace_desktop.domain.search import QueryType, SearchFilters, SearchResult
    from chronotrace_desktop.domain.users import Actor
    from chronotrace_desktop.services.access import AuditService


class LoggedQuery(Protocol):
    """What a ``searches`` row records of a query (a ``SegmentQuery``, or an appearance query)."""

    @property
    def display_text(self) -> str: ...
    @property
    def query_type(self) -> QueryType: ...
    @property
    def filters(self) -> SearchFilters: ...
    @property
    def limit(self) -> int: ...


@dataclass(frozen=True, slots=True)
class SegmentRow:
    """A live segment as ranking and hits need it."""

    id: uuid.UUID
    video_id: uuid.UUID
    filename: str
    segment_index: int
    start_time: float
    end_time: float
    recorded_at: datetime | None
    camera_id: str | None
    location: str | None
    thumbnail_key: str | None  # the redacted thumbnail
    has_faces: bool
    privacy_applied: bool
    caption: str | None
    attributes: SegmentAttributes
    clock_offset_s: float | None = None  # the video's recorder clock correction (recorded_at includes it)


_COLUMNS = (
    VideoSegment.id,
    VideoSegment.video_id,
    Video.filename,
    VideoSegment.segment_index,
    VideoSegment.start_time,
    VideoSegment.end_time,
    Video.recorded_at,
    VideoSegment.camera_id,
    VideoSegment.location,
    VideoSegment.redacted_thumbnail_path,
    VideoSegment.has_faces,
    VideoSegment.privacy_applied,
    VideoSegment.caption,
    VideoSegment.objects_detected,
    VideoSegment.people_count,
    VideoSegment.face_count,
    VideoSegment.lighting_condition,
    VideoSegment.motion_detected,
    VideoSegment.activity_level,
    VideoSegment.search_attributes,
    VideoSegment.scene_type,
    Video.clock_offset_s,
)


def _offset(key: str) -> sa.ColumnElement[float]:
    """An anomaly's offset into its video (``metadata.video_offset_*``, written by the rules); NULL if absent."""
    value = Anomaly.meta[key]
    return sa.case((sa.func.jsonb_typeof(value) == "number", value.as_float()), else_=None)


_A_START = _offset("video_offset_start")
_A_END = sa.func.coalesce(_offset("video_offset_end"), _A_START)
# The anomalies overlapping the candidate segment: by their offsets, or, for a row without offsets (entered by
# hand), by the segment they were filed against. [[type, start, end], ...] by start (unknown last), or NULL.
_ANOMALIES = (
    sa.select(
        sa.func.jsonb_agg(
            aggregate_order_by(
                sa.func.jsonb_build_array(Anomaly.anomaly_type, _A_START, _A_END),
                _A_START.asc().nulls_last(),
                Anomaly.anomaly_type,
            )
        )
    )
    .where(
        Anomaly.video_id == VideoSegment.video_id,
        Anomaly.status.is_distinct_from(AnomalyStatus.FALSE_POSITIVE.value),
        sa.or_(
            Anomaly.segment_id == VideoSegment.id,
            sa.and_(VideoSegment.end_time > _A_START, VideoSegment.start_time <= _A_END),
        ),
    )
    .correlate(VideoSegment)
    .scalar_subquery()
    .label("anomalies")
)


# One array parameter (``= ANY(:ids)``): the same statement for any number of ids, compiled once.
_FETCH = (
    sa.select(*_COLUMNS, _ANOMALIES)
    .join(Video, Video.id == VideoSegment.video_id)
    .where(
        VideoSegment.id == sa.any_(sa.bindparam("ids", type_=ARRAY(PG_UUID(as_uuid=True)))),
        Video.deleted_at.is_(None),
    )
)


def _spans(raw: Any) -> tuple[AnomalySpan, ...]:
    def number(value: Any) -> float | None:
        return None if value is None else float(value)

    return tuple(AnomalySpan(str(kind), number(start), number(end)) for kind, start, end in raw or ())


def _row(r: Any) -> SegmentRow:
    return SegmentRow(
        id=r.id,
        video_id=r.video_id,
        filename=r.filename,
        segment_index=r.segment_index,
        start_time=float(r.start_time),
        end_time=float(r.end_time),
        recorded_at=r.recorded_at,
        camera_id=r.camera_id,
        location=r.location,
        thumbnail_key=r.redacted_thumbnail_path,
        has_faces=bool(r.has_faces),
        privacy_applied=bool(r.privacy_applied),
        caption=r.caption,
        attributes=SegmentAttributes.from_meta(
            r.search_attributes,
            objects=r.objects_detected or [],
            people_count=r.people_count,
            face_count=r.face_count,
            lighting=r.lighting_condition,
            motion=r.motion_detected,
            activity=r.activity_level,
            scene_type=r.scene_type,
            anomalies=_spans(r.anomalies),
        ),
        clock_offset_s=r.clock_offset_s,
    )


def fetch_segments(session: Session, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, SegmentRow]:
    """The rows of these segments whose video is not soft-deleted, by id."""
    wanted = list(dict.fromkeys(ids))
    if not wanted:
        return {}
    return {r.id: _row(r) for r in session.execute(_FETCH, {"ids": wanted})}


def segment_source(session: Session, segment_id: uuid.UUID) -> SegmentRow | None:
    """One live segment (find-similar's source)."""
    return fetch_segments(session, [segment_id]).get(segment_id)


def log_searches(
    session: Session,
    audit: AuditService,
    actor: Actor,
    entries: Sequence[tuple[LoggedQuery, SearchResult]],
    metadata: dict[str, Any] | None = None,
    context: RequestContext | None = None,
) -> None:
    """A ``searches`` row and a ``search_query`` audit row per result, in the caller's transaction.

    ``context``: where a network request came from (ip address, user agent, session id); a desktop search
    has none and records its client as the user agent."""
    origin = context or RequestContext()
    for query, result in entries:
        t = result.timings
        top = result.top_score
        row = Search(
            id=result.search_id,
            user_id=actor.user_id,
            query_text=query.display_text,
            query_type=query.query_type.value,
            filters=query.filters.as_json(),
            case_id=query.filters.case_id,
            result_count=len(result.hits),
            top_score=None if top is None else Decimal(f"{max(-1.0, min(1.0, top)):.4f}"),
            execution_time_ms=round(t.total_ms),
            nova_time_ms=round(t.embed_ms),
            qdrant_time_ms=round(t.vector_ms),
            db_time_ms=round(t.db_ms),
            cache_hit=result.cache_hit,
            user_agent=origin.user_agent or f"chronotrace-{actor.client}",
            ip_address=origin.ip_address,
            session_id=origin.session_id,
            meta={
                **(metadata or {}),
                "limit": query.limit,
                "understood": list(result.understood),
                "fused": result.fused,
                "engines": list(result.engines),
                **({"engines_failed": list(result.engines_failed)} if result.engines_failed else {}),
                "timings_ms": {
                    "total": round(t.total_ms, 3),
                    "embed": round(t.embed_ms, 3),
                    "vector": round(t.vector_ms, 3),
                    "db": round(t.db_ms, 3),
                },
            },
        )
        session.add(row)
        audit.record_in(
            session,
            AuditEvent(
                AuditAction.SEARCH_QUERY,
                actor=actor,
                resource_type="search",
                resource_id=result.search_id,
                metadata={
                    "query_text": query.display_text,
                    "query_type": query.query_type.value,
                    "filters": query.filters.as_json(),
                    "result_count": len(result.hits),
                },
            ),
        )
    session.flush()


def _past(row: Search) -> PastSearch:
    return PastSearch(
        id=row.id,
        query_text=row.query_text,
        query_type=row.query_type or "text",
        filters=dict(row.filters or {}),
        case_id=row.case_id,
        result_count=row.result_count,
        top_score=None if row.top_score is None else float(row.top_score),
        execution_time_ms=row.execution_time_ms,
        created_at=row.created_at,
    )


def past_searches(session: Session, user_id: uuid.UUID, *, limit: int, offset: int) -> list[PastSearch]:
    """The user's own searches, newest first."""
    query = (
        sa.select(Search)
        .where(Search.user_id == user_id)
        .order_by(Search.created_at.desc(), Search.id)
        .limit(limit)
        .offset(offset)
    )
    return [_past(row) for row in session.scalars(query)]


def past_search(session: Session, user_id: uuid.UUID, search_id: uuid.UUID) -> PastSearch | None:
    """One of the user's own searches (None for another user's: their existence is not disclosed)."""
    row = session.get(Search, search_id)
    return _past(row) if row is not None and row.user_id == user_id else None
