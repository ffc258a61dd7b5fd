"""SQL of the queue's own tables (0018): a job's progress and worker, the workers' heartbeat rows.

procrastinate owns ``procrastinate_jobs``; what the library shows beside it (which worker, how far, the last
error) is ``ingest_job_progress``, and each worker process has an ``ingest_workers`` row it beats.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from chronotrace_desktop.domain.jobs import LIVE_WITHIN_S, IngestJob, JobStatus, WorkerInfo
from chronotrace_desktop.services.jobs.connection import TASK_NAME

if TYPE_CHECKING:
    import uuid

    from sqlalchemy.orm import Session

_JOBS = sa.text(
    """
    SELECT j.id, j.status, j.attempts, j.args, p.stage, p.done, p.total, p.video_id, p.message,
           w.host, w.pid
      FROM procrastinate_jobs j
      LEFT JOIN ingest_job_progress p ON p.job_id = j.id
      LEFT JOIN ingest_workers w ON w.id = p.worker_id
     WHERE j.task_name = :task AND (CAST(:job_id AS BIGINT) IS NULL OR j.id = CAST(:job_id AS BIGINT))
       AND (NOT CAST(:active AS BOOLEAN) OR j.status IN ('todo', 'doing'))
     ORDER BY j.id DESC
     LIMIT :limit
    """
)


def jobs(
    session: Session, *, job_id: int | None = None, active: bool = False, limit: int = 500
) -> list[IngestJob]:
    rows = session.execute(
        _JOBS, {"task": TASK_NAME, "job_id": job_id, "active": active, "limit": limit}
    ).mappings()
    return [_job(row) for row in rows]


def _job(row: Any) -> IngestJob:
    args = dict(row["args"] or {})
    enqueued = args.get("enqueued_at")
    return IngestJob(
        id=int(row["id"]),
        path=str(args.get("path", "")),
        status=JobStatus(row["status"]),
        attempts=int(row["attempts"]),
        enqueued_by=str(args.get("email", "")),
        enqueued_at=datetime.fromisoformat(enqueued) if enqueued else None,
        worker_host=row["host"],
        worker_pid=row["pid"],
        stage=row["stage"],
        done=int(row["done"] or 0),
        total=int(row["total"] or 0),
        video_id=row["video_id"],
        message=row["message"],
    )


def active_paths(session: Session, paths: list[str]) -> set[str]:
    """Which of ``paths`` have a job waiting or running now."""
    if not paths:
        return set()
    rows = session.execute(
        sa.text(
            "SELECT args->>'path' FROM procrastinate_jobs WHERE task_name = :task "
            "AND status IN ('todo', 'doing') AND args->>'path' = ANY(:paths)"
        ),
        {"task": TASK_NAME, "paths": paths},
    )
    return {str(path) for path in rows.scalars()}


def record_progress(
    session: Session,
    job_id: int,
    *,
    worker_id: uuid.UUID,
    path: str,
    stage: str,
    done: int,
    total: int,
    video_id: uuid.UUID | None = None,
    message: str | None = None,
) -> None:
    session.execute(
        sa.text(
            """
            INSERT INTO ingest_job_progress (job_id, worker_id, path, video_id, stage, done, total, message)
            VALUES (:job_id, :worker_id, :path, :video_id, :stage, :done, :total, :message)
            ON CONFLICT (job_id) DO UPDATE SET worker_id = EXCLUDED.worker_id, stage = EXCLUDED.stage,
                done = EXCLUDED.done, total = EXCLUDED.total,
                video_id = COALESCE(EXCLUDED.video_id, ingest_job_progress.video_id),
                message = EXCLUDED.message, updated_at = now()
            """
        ),
        {
            "job_id": job_id,
            "worker_id": worker_id,
            "path": path,
            "video_id": video_id,
            "stage": stage,
            "done": done,
            "total": total,
            "message": message,
        },
    )


def register_worker(session: Session, worker_id: uuid.UUID, host: str, pid: int, concurrency: int) -> None:
    session.execute(
        sa.text(
            "INSERT INTO ingest_workers (id, host, pid, concurrency) VALUES (:id, :host, :pid, :concurrency)"
        ),
        {"id": worker_id, "host": host[:255], "pid": pid, "concurrency": concurrency},
    )


def beat(
    session: Session,
    worker_id: uuid.UUID,
    *,
    jobs_done: int,
    jobs_failed: int,
    segments_done: int,
    segments_per_s: float,
    current: list[int],
) -> None:
    session.execute(
        sa.text(
            """
            UPDATE ingest_workers SET last_beat_at = now(), jobs_done = :jobs_done, jobs_failed = :jobs_failed,
                   segments_done = :segments_done, segments_per_s = :rate, current_job_ids = :current
             WHERE id = :id
            """
        ),
        {
            "id": worker_id,
            "jobs_done": jobs_done,
            "jobs_failed": jobs_failed,
            "segments_done": segments_done,
            "rate": segments_per_s,
            "current": current,
        },
    )


def forget_worker(session: Session, worker_id: uuid.UUID) -> None:
    session.execute(sa.text("DELETE FROM ingest_workers WHERE id = :id"), {"id": worker_id})


def forget_silent_workers(session: Session, silent_for_s: float) -> int:
    """Remove heartbeat rows of workers silent for ``silent_for_s`` (killed ones); how many went."""
    result = session.execute(
        sa.text("DELETE FROM ingest_workers WHERE last_beat_at < now() - make_interval(secs => :s)"),
        {"s": silent_for_s},
    )
    return int(getattr(result, "rowcount", 0) or 0)


def workers(session: Session) -> list[WorkerInfo]:
    rows = session.execute(
        sa.text(
            """
            SELECT id, host, pid, concurrency, started_at, last_beat_at, jobs_done, jobs_failed, segments_done,
                   segments_per_s, last_beat_at > now() - make_interval(secs => :live) AS live
              FROM ingest_workers ORDER BY started_at
            """
        ),
        {"live": LIVE_WITHIN_S},
    ).mappings()
    return [
        WorkerInfo(
            id=row["id"],
            host=row["host"],
            pid=int(row["pid"]),
            concurrency=int(row["concurrency"]),
            started_at=row["started_at"],
            last_beat_at=row["last_beat_at"],
            jobs_done=int(row["jobs_done"]),
            jobs_failed=int(row["jobs_failed"]),
            segments_done=int(row["segments_done"]),
            segments_per_s=float(row["segments_per_s"]),
            live=bool(row["live"]),
        )
        for row in rows
    ]


def job_args(session: Session, job_id: int) -> dict[str, Any]:
    args = session.scalar(sa.text("SELECT args FROM procrastinate_jobs WHERE id = :id"), {"id": job_id})
    return dict(args or {})


def queued_count(session: Session) -> int:
    return int(
        session.scalar(
            sa.text("SELECT count(*) FROM procrastinate_jobs WHERE task_name = :task AND status = 'todo'"),
            {"task": TASK_NAME},
        )
        or 0
    )


def video_completed(session: Session, video_id: uuid.UUID) -> bool:
    status = session.scalar(sa.text("SELECT processing_status FROM videos WHERE id = :id"), {"id": video_id})
    return bool(status == "completed")
