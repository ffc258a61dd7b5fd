"""The team's ingest queue as the front ends see it: a job per file, its status, its worker and progress."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import uuid
    from datetime import datetime


class JobStatus(StrEnum):
    """procrastinate's job statuses, by the names its table stores."""

    QUEUED = "todo"
    RUNNING = "doing"
    DONE = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"
    ABORTED = "aborted"

    @property
    def label(self) -> str:
        return _LABELS[self]

    @property
    def finished(self) -> bool:
        return self in (JobStatus.DONE, JobStatus.FAILED, JobStatus.CANCELLED, JobStatus.ABORTED)


_LABELS = {
    JobStatus.QUEUED: "queued",
    JobStatus.RUNNING: "running",
    JobStatus.DONE: "done",
    JobStatus.FAILED: "failed",
    JobStatus.CANCELLED: "cancelled",
    JobStatus.ABORTED: "cancelled",  # a running job stopped by a cancel
}


@dataclass(frozen=True, slots=True)
class IngestJob:
    """One file on the queue (``path`` as the enqueuing machine named it; every worker must reach it)."""

    id: int
    path: str
    status: JobStatus
    attempts: int
    enqueued_by: str  # the enqueuing user's e-mail
    enqueued_at: datetime | None
    worker_host: str | None  # the machine running it (or that ran it last)
    worker_pid: int | None
    stage: str | None
    done: int  # segments written of ``total`` (0 of 0: not started)
    total: int
    video_id: uuid.UUID | None
    message: str | None  # the last error, or the result's note

    def as_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "path": self.path,
            "status": self.status.label,
            "attempts": self.attempts,
            "enqueued_by": self.enqueued_by,
            "enqueued_at": self.enqueued_at.isoformat() if self.enqueued_at else None,
            "worker": f"{self.worker_host}:{self.worker_pid}" if self.worker_host else None,
            "stage": self.stage,
            "done": self.done,
            "total": self.total,
            "video_id": str(self.video_id) if self.video_id else None,
            "message": self.message,
        }


@dataclass(frozen=True, slots=True)
class EnqueueOutcome:
    """What enqueueing a request did: new job ids, and paths already waiting or running (not queued twice)."""

    job_ids: tuple[int, ...]
    already_queued: tuple[str, ...]
    missing: tuple[str, ...]  # named paths that do not exist here


@dataclass(frozen=True, slots=True)
class WorkerInfo:
    """A ``chronotrace worker`` process by its heartbeat row."""

    id: uuid.UUID
    host: str
    pid: int
    concurrency: int
    started_at: datetime
    last_beat_at: datetime
    jobs_done: int
    jobs_failed: int
    segments_done: int
    segments_per_s: float
    live: bool  # beat within the last ``LIVE_WITHIN_S`` seconds


# A worker beats every few seconds; one silent for this long is taken as gone.
LIVE_WITHIN_S = 30.0
