"""Videos and their segments (metadata), and a segment's REDACTED thumbnail and clip (``read:videos``).

The services check the key user's role (``VIEW_LIBRARY``) and serve redacted renditions only; the original is
never reachable through the API (revealing needs a re-authenticated person at the desktop).

No ``from __future__ import annotations`` in the routers: FastAPI reads the signatures at run time."""

import mimetypes
import uuid
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import FileResponse

from chronotrace_desktop.api.encode import plain
from chronotrace_desktop.api.gate import ReadVideos
from chronotrace_desktop.api.routers.deps import Services
from chronotrace_desktop.domain.errors import NotFoundError

router = APIRouter(tags=["videos"])

MAX_PAGE = 200
MAX_OFFSET = 10_000_000
HIDDEN = frozenset({"original_path"})  # a path on the server's disk is not the client's business


def _video(
    row: Any,
) -> dict[str, Any]:
    return {k: v for k, v in plain(row).items() if k not in HIDDEN}


@router.get("/videos", summary="Live videos, newest upload first (paged)")
def list_videos(
    actor: ReadVideos,
    services: Services,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
) -> dict[str, Any]:
    ids = services.library.video_ids(actor)
    page = ids[offset : offset + limit]
    rows = services.library.rows(actor, page)
    return {
        "items": [_video(rows[i]) for i in page if i in rows],
        "total": len(ids),
        "offset": offset,
        "limit": limit,
    }


@router.get("/videos/{video_id}", summary="One video")
def get_video(
    video_id: uuid.UUID,
    actor: ReadVideos,
    services: Services,
) -> dict[str, Any]:
    row = services.library.rows(actor, [video_id]).get(video_id)
    if row is None:
        raise NotFoundError("No such video (it may have been deleted).")
    return _video(row)


@router.get("/videos/{video_id}/segments", summary="A video's segments, in order")
def list_segments(
    video_id: uuid.UUID,
    actor: ReadVideos,
    services: Services,
) -> dict[str, Any]:
    segments = services.library.segments_of(actor, video_id)
    return {"items": plain(segments), "total": len(segments)}


def _file(
    path: Path,
) -> FileResponse:
    media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return FileResponse(path, media_type=media_type)


@router.get(
    "/segments/{segment_id}/thumbnail",
    summary="A segment's redacted thumbnail",
    response_class=FileResponse,
    responses={200: {"content": {"image/jpeg": {}}}},
)
def segment_thumbnail(
    segment_id: uuid.UUID,
    actor: ReadVideos,
    services: Services,
) -> FileResponse:
    return _file(services.media.redacted_thumbnail(actor, segment_id))


@router.get(
    "/segments/{segment_id}/clip",
    summary="A segment's redacted clip (rendered on first request)",
    response_class=FileResponse,
    responses={200: {"content": {"video/mp4": {}}}},
)
def segment_clip(
    segment_id: uuid.UUID,
    actor: ReadVideos,
    services: Services,
) -> FileResponse:
    return _file(services.media.redacted_clip(actor, segment_id))
