"""Ingest jobs started through the API: the desktop's pipeline (``services.ingest.ingest_paths``) on a worker
thread of this process, with progress a client polls (``GET /v1/ingest-jobs/{id}``).

A job lives in this process's memory (a restarted server forgets it; the videos it made stay, with their
``processing_status``, and an interrupted file resumes when it is ingested again). Jobs run one at a time: the
pipeline already keeps both cores busy. A job is visible to the user who started it and to administrators.
"""

from __future__ import annotations

import logging
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from chronotrace_desktop.domain.clock import utc_iso, utcnow
from chronotrace_desktop.domain.errors import NotFoundError, OperationCancelledError, UserFacingError
from chronotrace_desktop.domain.roles import Role

if TYPE_CHECKING:
    from datetime import datetime
    from pathlib import Path

    from chronotrace_desktop.domain.ingest import IngestOptions, IngestProgress, IngestResult
    from chronotrace_desktop.domain.users import Actor
    from chronotrace_desktop.services.ingest import IngestService

logger = logging.getLogger(__name__)


@dataclass
class Job:
    id: uuid.UUID
    owner: uuid.UUID
    files: int
    created_at: datetime
    status: str = "queued"  # queued, running, completed, failed, cancelled
    stage: str | None = None
    file_index: int = 0
    done: int = 0
    total: int = 0
    results: list[IngestResult] = field(default_factory=list)
    error: str | None = None
    cancel: threading.Event = field(default_factory=threading.Event)

    # TaskControl, for the pipeline: a cancel is honoured between segments.
    @property
    def cancelled(self) -> bool:
        return self.cancel.is_set()

    def check_cancelled(self) -> None:
        if self.cancel.is_set():
            raise OperationCancelledError

    def progress(self, done: int, total: int, message: str = "") -> None:
        self.done, self.total = done, total

    def as_json(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "status": self.status,
            "created_at": utc_iso(self.created_at),
            "files": self.files,
            "file_index": self.file_index,
            "stage": self.stage,
            "done": self.done,
            "total": self.total,
            "error": self.error,
            "results": [
                {
                    "filename": r.filename,
                    "status": r.status.value,
                    "video_id": str(r.video_id) if r.video_id else None,
                    "segments": r.segments,
                    "error": r.error,
                    "warnings": list(r.warnings),
                }
                for r in self.results
            ],
        }


class IngestJobs:
    def __init__(self, ingest: IngestService) -> None:
        self._ingest = ingest
        self._jobs: dict[uuid.UUID, Job] = {}
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="api-ingest")

    def submit(self, actor: Actor, paths: list[Path], options: IngestOptions) -> Job:
        job = Job(uuid.uuid4(), actor.user_id, len(paths), utcnow())
        with self._lock:
            self._jobs[job.id] = job
        self._pool.submit(self._run, job, actor, paths, options)
        logger.info("ingest job %s by %s: %d path(s)", job.id, actor.email, len(paths))
        return job

    def get(self, actor: Actor, job_id: uuid.UUID) -> Job:
        with self._lock:
            job = self._jobs.get(job_id)
        if job is None or (job.owner != actor.user_id and actor.role is not Role.ADMIN):
            raise NotFoundError(f"No ingest job {job_id} of yours on this server.")
        return job

    def close(self) -> None:
        """Ask running jobs to stop (the file in progress stays resumable) and wait for them."""
        with self._lock:
            for job in self._jobs.values():
                job.cancel.set()
        self._pool.shutdown(wait=True, cancel_futures=True)

    def _run(self, job: Job, actor: Actor, paths: list[Path], options: IngestOptions) -> None:
        job.status = "running"

        def progress(done: int, total: int, where: IngestProgress) -> None:
            job.file_index, job.stage, job.done, job.total = where.file_index, where.stage.value, done, total

        try:
            self._ingest.ingest_paths(
                actor, paths, options, job, progress=progress, on_result=job.results.append
            )
        except UserFacingError as error:
            job.status, job.error = "failed", str(error)
            return
        except Exception:  # a bug: logged with its traceback; the client sees the job failed
            logger.exception("ingest job %s failed", job.id)
            job.status, job.error = "failed", "internal error"
            return
        job.status = "cancelled" if job.cancelled else "completed"
