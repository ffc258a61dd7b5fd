"""Ingest by a path on the server (``write:videos``), into the desktop's pipeline, as a job with progress.

Only files under the folders the server was started with (``chronotrace serve --ingest-root DIR``) may be
named: a key must not make the server read whatever its OS account can. Without such a folder, ingest by path
is off. No ``from __future__ import annotations``: FastAPI reads the signatures at run time."""

import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from chronotrace_desktop.api.gate import WriteVideos
from chronotrace_desktop.api.jobs import IngestJobs
from chronotrace_desktop.domain.errors import PermissionDeniedError
from chronotrace_desktop.domain.ingest import IngestOptions

router = APIRouter(tags=["ingest"])


class IngestRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    paths: list[str] = Field(
        min_length=1,
        max_length=1000,
        description="files or folders on the server, absolute or under an ingest root",
    )
    camera_id: str | None = Field(None, max_length=100)
    location: str | None = Field(None, max_length=255)
    recorded_at: datetime | None = Field(
        None, description="the recorder's start, ISO 8601 (UTC when no offset)"
    )


def jobs_of(request: Request) -> IngestJobs:
    jobs: IngestJobs = request.app.state.jobs
    return jobs


def allowed_path(text: str, roots: tuple[Path, ...]) -> Path:
    """``text`` resolved (symbolic links followed) when it lies under one of ``roots``; else a refusal that does
    not say whether the path exists. A relative path is taken under each root in turn (the first that exists)."""
    refusal = PermissionDeniedError("that path is not under a folder this server ingests from")
    if not roots or "\x00" in text:
        raise refusal
    named = Path(text)
    for candidate in [named] if named.is_absolute() else [root / named for root in roots]:
        try:
            resolved = candidate.resolve(strict=True)
        except (OSError, RuntimeError):
            continue
        if any(resolved.is_relative_to(root) for root in roots):
            return resolved
    raise refusal


@router.post("/ingest-jobs", summary="Ingest files on the server (a job)", status_code=202)
def start_ingest(body: IngestRequest, request: Request, actor: WriteVideos) -> dict[str, Any]:
    roots: tuple[Path, ...] = request.app.state.ingest_roots
    paths = [allowed_path(p, roots) for p in body.paths]
    recorded_at = body.recorded_at
    if recorded_at is not None and recorded_at.tzinfo is not None:
        recorded_at = recorded_at.astimezone(UTC).replace(tzinfo=None)
    options = IngestOptions(camera_id=body.camera_id, location=body.location, recorded_at=recorded_at)
    return jobs_of(request).submit(actor, paths, options).as_json()


@router.get("/ingest-jobs/{job_id}", summary="An ingest job's progress and results")
def ingest_job(job_id: uuid.UUID, request: Request, actor: WriteVideos) -> dict[str, Any]:
    return jobs_of(request).get(actor, job_id).as_json()
