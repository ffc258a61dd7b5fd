"""Run a search (``write:searches``) and read one's own past searches (``read:searches``).

A search made here is logged like the desktop's (a ``searches`` row and a ``search_query`` audit row) with the
request's context: the caller's address, user agent and a session id (``X-Session-ID`` when the client sends
one, else the request id). No ``from __future__ import annotations``: FastAPI reads the signatures at run time."""

import re
import uuid
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from chronotrace_desktop.api.gate import ReadSearches, WriteSearches
from chronotrace_desktop.api.routers.deps import Services
from chronotrace_desktop.domain.search import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    MAX_QUERY_CHARS,
    RequestContext,
    SearchFilters,
    SegmentQuery,
)

router = APIRouter(tags=["searches"])

NOT_BLANK = r"\S"
MAX_OFFSET = 10_000_000
SESSION_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")


class Filters(BaseModel):
    model_config = ConfigDict(extra="forbid")

    camera_ids: list[Annotated[str, Field(min_length=1, max_length=100, pattern=NOT_BLANK)]] = Field(
        default_factory=list, max_length=100
    )
    location: str | None = Field(None, min_length=1, max_length=255, pattern=NOT_BLANK)
    video_ids: list[uuid.UUID] = Field(default_factory=list, max_length=1000)
    start_from: float | None = Field(None, ge=0, description="seconds from the start of each video")
    start_to: float | None = Field(None, ge=0)
    recorded_from: datetime | None = Field(None, description="wall clock, ISO 8601 (UTC when no offset)")
    recorded_to: datetime | None = None
    has_faces: bool | None = None
    motion: bool | None = None
    objects: list[Annotated[str, Field(min_length=1, max_length=50, pattern=NOT_BLANK)]] = Field(
        default_factory=list, max_length=20, description="COCO classes, all required"
    )
    min_score: float | None = Field(None, ge=-1, le=1)
    case_id: str | None = Field(None, pattern=r"^CASE-[0-9]{4}-[0-9]{4,6}$", examples=["CASE-2024-0001"])


class SearchRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=MAX_QUERY_CHARS)
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)
    filters: Filters = Field(default_factory=Filters)


def _naive_utc(
    moment: datetime | None,
) -> datetime | None:
    if moment is None or moment.tzinfo is None:
        return moment
    return moment.astimezone(UTC).replace(tzinfo=None)


def _query(
    body: SearchRequest,
) -> SegmentQuery:
    f = body.filters
    filters = SearchFilters(
        camera_ids=tuple(f.camera_ids),
        location=f.location,
        video_ids=tuple(f.video_ids),
        start_from=f.start_from,
        start_to=f.start_to,
        recorded_from=_naive_utc(f.recorded_from),
        recorded_to=_naive_utc(f.recorded_to),
        has_faces=f.has_faces,
        motion=f.motion,
        objects=tuple(f.objects),
        min_score=f.min_score,
        case_id=f.case_id,
    )
    return SegmentQuery(text=body.text, filters=filters, limit=body.limit)


def request_context(
    request: Request,
) -> RequestContext:
    asked = request.headers.get("x-session-id", "")
    session = asked if SESSION_ID.fullmatch(asked) else str(request.state.request_id)
    return RequestContext(
        ip_address=request.client.host if request.client else None,
        user_agent=(request.headers.get("user-agent") or "")[:512] or None,
        session_id=session,
    )


@router.post("/searches", summary="Run a search with filters", status_code=200)
def run_search(
    body: SearchRequest,
    request: Request,
    actor: WriteSearches,
    services: Services,
) -> dict[str, Any]:
    result = services.search.search(actor, _query(body), context=request_context(request))
    t = result.timings
    return {
        "search_id": str(result.search_id),
        "query_text": result.query_text,
        "understood": list(result.understood),
        "hits": [hit.as_json() for hit in result.hits],
        "timings_ms": {"total": round(t.total_ms, 1), "embed": round(t.embed_ms, 1)},
    }


@router.get("/searches", summary="The key user's own past searches, newest first")
def list_searches(
    actor: ReadSearches,
    services: Services,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> dict[str, Any]:
    items = services.search.history(actor, limit=limit, offset=offset)
    return {"items": [s.as_json() for s in items], "offset": offset, "limit": limit}


@router.get("/searches/{search_id}", summary="One of the key user's own past searches")
def get_search(
    search_id: uuid.UUID,
    actor: ReadSearches,
    services: Services,
) -> dict[str, Any]:
    return services.search.past(actor, search_id).as_json()
