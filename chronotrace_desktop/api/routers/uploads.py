"""Ingest by upload (``write:videos``): the request body is the file, streamed to the server's disk under a cap
and then ingested as a job, like a path (``/v1/ingest-jobs``).

The bytes go to ``<data dir>/uploads/<id>/<name>.part`` and take their name only once the whole body has
arrived; a body over the cap (413) or a client gone mid-way leaves nothing behind. The kept upload is the
video's original, as a file ingested in place on the desktop. No ``from __future__ import annotations``: FastAPI
reads the signatures at run time."""

import logging
import re
import shutil
import uuid
from pathlib import Path
from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Query, Request
from starlette.requests import ClientDisconnect

from chronotrace_desktop.api.gate import WriteVideos
from chronotrace_desktop.api.problems import RequestRefusedError
from chronotrace_desktop.api.routers.ingest import jobs_of
from chronotrace_desktop.domain.errors import InvalidInputError
from chronotrace_desktop.domain.ingest import IngestOptions

logger = logging.getLogger(__name__)

router = APIRouter(tags=["ingest"])

UPLOADS_PATH = "/v1/uploads"
_SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,199}")


def safe_name(text: str) -> str:
    name = Path(text.replace("\\", "/")).name
    if not _SAFE_NAME.fullmatch(name) or "." not in name:
        raise InvalidInputError(
            "filename: letters, digits, '.', '_' and '-' only, up to 200 characters, with an extension"
        )
    return name


async def _receive(request: Request, target: Path, cap: int) -> int:
    """Stream the body to ``target``; the number of bytes, or a 413 once more than ``cap`` arrived."""
    written = 0
    async with await anyio.open_file(target, "wb") as out:
        async for chunk in request.stream():
            written += len(chunk)
            if written > cap:
                raise RequestRefusedError(413, f"an upload is limited to {cap} bytes", outcome="too_large")
            await out.write(chunk)
    return written


@router.post(
    "/uploads",
    summary="Upload a video file (the request body) and ingest it (a job)",
    status_code=202,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
        }
    },
)
async def upload(
    request: Request,
    actor: WriteVideos,
    filename: Annotated[str, Query(min_length=1, max_length=255)],
    camera_id: Annotated[str | None, Query(max_length=100)] = None,
    location: Annotated[str | None, Query(max_length=255)] = None,
) -> dict[str, Any]:
    name = safe_name(filename)
    options = IngestOptions(camera_id=camera_id, location=location)
    folder: Path = request.app.state.upload_dir / uuid.uuid4().hex
    cap: int = request.app.state.max_upload_bytes
    partial = folder / f"{name}.part"
    await anyio.to_thread.run_sync(lambda: folder.mkdir(parents=True, mode=0o700))
    try:
        size = await _receive(request, partial, cap)
        if size == 0:
            raise InvalidInputError("the upload is empty: send the file as the request body")
        final = folder / name
        await anyio.to_thread.run_sync(partial.rename, final)
    except ClientDisconnect:
        shutil.rmtree(folder, ignore_errors=True)
        # Nobody is left to read the answer; the audit row says what happened.
        raise RequestRefusedError(400, "the upload was cut off", outcome="cut_off") from None
    except BaseException:  # over the cap, empty, a disk error, a cancel: nothing is kept
        shutil.rmtree(folder, ignore_errors=True)  # synchronous: it must run even when cancelled
        raise
    logger.info("upload of %d bytes by %s kept as %s", size, actor.email, final)
    job = await anyio.to_thread.run_sync(jobs_of(request).submit, actor, [final], options)
    return job.as_json()
