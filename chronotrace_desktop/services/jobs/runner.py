"""``chronotrace worker``: a process that works the team's ingest queue.

Each job runs the ingest pipeline for one file (``IngestService.ingest_file``) as the user who queued it, re-read
from the database (a disabled or demoted user's jobs fail: roles still apply). procrastinate fetches jobs with
SKIP LOCKED, wakes on LISTEN/NOTIFY and keeps a job's ``lock`` (its path) while it runs. A failed file is retried
up to ``attempts`` runs in all and then ends ``failed`` with its message. A cancel from any machine reaches the
running job through procrastinate's abort flag, which the pipeline checks between segments.

A worker killed outright (``kill -9``, a machine lost) leaves its job ``doing``: every live worker, on each beat,
removes workers whose procrastinate heartbeat is older than ``stalled_after_s`` and queues their jobs again. The
next run resumes the video from its committed segments; segment ids, vector ids and media keys derive from
(video, window), and a resume first removes what no committed row owns, so nothing is duplicated or orphaned.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import procrastinate
from procrastinate import exceptions as queue_errors

from chronotrace_desktop.domain.errors import (
    EnvironmentProblemError,
    OperationCancelledError,
    UserFacingError,
)
from chronotrace_desktop.domain.ingest import IngestOptions, IngestStage, IngestStatus
from chronotrace_desktop.domain.roles import Role
from chronotrace_desktop.domain.users import Actor
from chronotrace_desktop.services.jobs import store
from chronotrace_desktop.services.jobs.connection import QUEUE, TASK_NAME, queue_app

if TYPE_CHECKING:
    from procrastinate.job_context import JobContext

    from chronotrace_desktop.domain.ingest import IngestResult
    from chronotrace_desktop.services.ingest import IngestService
    from chronotrace_desktop.storage.database import Database

logger = logging.getLogger(__name__)


class IngestJobFailedError(Exception):
    """A file's ingest ended ``failed``: procrastinate retries it until its attempts are spent."""


@dataclass(frozen=True, slots=True)
class WorkerOptions:
    concurrency: int = 1  # files at once in this process
    attempts: int = 3  # runs of a failing file in all, then ``failed``
    beat_s: float = 10.0  # heartbeat period (procrastinate's and ours)
    stalled_after_s: float = 30.0  # a worker silent this long is taken as dead, its jobs queued again
    retry_wait_s: int = 2
    stop_when_idle: bool = False  # end when the queue is empty (benchmarks)


@dataclass
class _Counters:
    jobs_done: int = 0
    jobs_failed: int = 0
    segments: int = 0
    started: float = field(default_factory=time.monotonic)
    running: set[int] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)


class _AbortFlag:
    """The pipeline's TaskControl over procrastinate's abort flag (a cancel from any machine)."""

    def __init__(self, context: JobContext) -> None:
        self._context = context

    @property
    def cancelled(self) -> bool:
        return self._context.should_abort()

    def check_cancelled(self) -> None:
        if self.cancelled:
            raise OperationCancelledError("the ingest job was cancelled")

    def progress(self, done: int, total: int, message: str = "") -> None:
        return None


class IngestWorker:
    def __init__(self, ingest: IngestService, database: Database, options: WorkerOptions) -> None:
        self._ingest = ingest
        self._db = database
        self._options = options
        self.id = uuid.uuid4()
        self._counters = _Counters()

    # ------------------------------------------------------------------ the process

    def run(self) -> None:
        """Work the queue until stopped (SIGINT/SIGTERM: running jobs finish their segment, then stop)."""
        with self._db.transaction() as session:
            store.register_worker(
                session, self.id, socket.gethostname(), os.getpid(), self._options.concurrency
            )
        logger.info("Worker %s on %s (pid %d) started", self.id, socket.gethostname(), os.getpid())
        try:
            asyncio.run(self._main())
        finally:
            try:
                with self._db.transaction() as session:
                    store.forget_worker(session, self.id)
            except EnvironmentProblemError:
                logger.warning("Could not remove worker %s's heartbeat row", self.id)

    async def _main(self) -> None:
        app = queue_app(self._db, pool_size=self._options.concurrency + 2)
        app.task(
            name=TASK_NAME,
            queue=QUEUE,
            pass_context=True,
            retry=procrastinate.RetryStrategy(
                max_attempts=max(0, self._options.attempts - 1),
                wait=self._options.retry_wait_s,
                retry_exceptions={IngestJobFailedError},
            ),
        )(self._run_job)
        async with app.open_async():
            beats = asyncio.create_task(self._beat_loop(app))
            try:
                await app.run_worker_async(
                    queues=[QUEUE],
                    name=f"{socket.gethostname()}:{os.getpid()}",
                    concurrency=self._options.concurrency,
                    wait=not self._options.stop_when_idle,
                    update_heartbeat_interval=self._options.beat_s,
                    stalled_worker_timeout=self._options.stalled_after_s,
                    fetch_job_polling_interval=self._options.beat_s,
                    abort_job_polling_interval=min(self._options.beat_s, 2.0),
                    delete_jobs="never",
                )
            finally:
                beats.cancel()

    async def _beat_loop(self, app: procrastinate.App) -> None:
        while True:
            try:
                await asyncio.to_thread(self._beat)
                await self._recover_stalled(app)
            except (EnvironmentProblemError, queue_errors.ConnectorException):
                logger.warning("Worker heartbeat failed; trying again", exc_info=True)
            await asyncio.sleep(self._options.beat_s)

    def _beat(self) -> None:
        c = self._counters
        with c.lock:
            elapsed = max(1e-6, time.monotonic() - c.started)
            values = (c.jobs_done, c.jobs_failed, c.segments, c.segments / elapsed, sorted(c.running))
        with self._db.transaction() as session:
            store.beat(
                session,
                self.id,
                jobs_done=values[0],
                jobs_failed=values[1],
                segments_done=values[2],
                segments_per_s=values[3],
                current=values[4],
            )
            store.forget_silent_workers(session, self._options.stalled_after_s * 10)

    async def _recover_stalled(self, app: procrastinate.App) -> None:
        """Queue again the jobs of workers whose heartbeat stopped (killed, or their machine lost). Asked on every
        beat, not only when this worker pruned one: another worker (or one starting) may have pruned it."""
        manager = app.job_manager
        await manager.prune_stalled_workers(self._options.stalled_after_s)
        stalled = await manager.get_stalled_jobs(
            queue=QUEUE, seconds_since_heartbeat=self._options.stalled_after_s
        )
        for job in stalled:
            logger.warning("Job %s of a worker gone silent is queued again", job.id)
            await manager.retry_job(job)

    # ------------------------------------------------------------------ one job

    def _run_job(self, context: JobContext, /, **args: Any) -> dict[str, Any]:
        job = context.job
        assert job.id is not None
        job_id = int(job.id)
        path = str(args["path"])
        with self._counters.lock:
            self._counters.running.add(job_id)
        try:
            return self._ingest_one(job_id, path, args, _AbortFlag(context))
        finally:
            with self._counters.lock:
                self._counters.running.discard(job_id)

    def _ingest_one(self, job_id: int, path: str, args: dict[str, Any], task: _AbortFlag) -> dict[str, Any]:
        last: dict[str, Any] = {"at": time.monotonic(), "stage": ""}

        def record(stage: str, done: int, total: int, message: str | None = None, video: Any = None) -> None:
            with self._db.transaction() as session:
                store.record_progress(
                    session,
                    job_id,
                    worker_id=self.id,
                    path=path,
                    stage=stage,
                    done=done,
                    total=total,
                    video_id=video,
                    message=message,
                )

        def progress(done: int, total: int, stage: IngestStage) -> None:
            now = time.monotonic()
            if stage != last["stage"] or now - last["at"] >= 1.0 or (total and done == total):
                last.update(at=now, stage=stage)
                try:
                    record(stage.value, done, total)
                except EnvironmentProblemError:
                    logger.warning("Could not record job %d's progress", job_id)

        record(IngestStage.PROBING.value, 0, 0)
        actor = Actor(uuid.UUID(args["user_id"]), str(args.get("email", "")), Role.VIEWER, client="worker")
        try:
            options = _options(args.get("options") or {})
            result = self._ingest.ingest_file(actor, Path(path), options, task, progress=progress)
        except UserFacingError as exc:  # the user lost the right to ingest, bad options
            self._failed(job_id, record, str(exc))
        except Exception as exc:  # a bug: retried like any failure, its traceback in this worker's log
            logger.exception("Ingest job %d failed unexpectedly", job_id)
            self._failed(
                job_id, record, f"internal error on the worker ({type(exc).__name__}); details in its log"
            )
        if result.status is IngestStatus.CANCELLED:
            record("cancelled", result.segments, result.segments, result.error, result.video_id)
            raise queue_errors.JobAborted(result.error or "cancelled")
        if result.status is IngestStatus.FAILED or self._held_elsewhere(result):
            self._failed(job_id, record, result.error or "the ingest failed", result.video_id)
        with self._counters.lock:
            self._counters.jobs_done += 1
            if result.status is IngestStatus.COMPLETED:
                self._counters.segments += result.segments
        note = None if result.status is IngestStatus.COMPLETED else (result.error or result.status.value)
        record("done", result.segments, result.segments, note, result.video_id)
        return {"status": result.status.value, "segments": result.segments, "video_id": str(result.video_id)}

    def _held_elsewhere(self, result: IngestResult) -> bool:
        """The same bytes are being ingested by another session now (their lease is held): not done, so the job is
        retried — a worker whose machine was lost keeps the lease until the server notices its connection gone."""
        if result.status is not IngestStatus.DUPLICATE or result.video_id is None:
            return False
        with self._db.transaction() as session:
            return not store.video_completed(session, result.video_id)

    def _failed(self, job_id: int, record: Any, message: str, video: Any = None) -> NoReturn:
        with self._counters.lock:
            self._counters.jobs_failed += 1
        record("failed", 0, 0, message, video)
        logger.warning("Ingest job %d failed: %s", job_id, message)
        raise IngestJobFailedError(message)


def _options(values: dict[str, Any]) -> IngestOptions:
    recorded = values.get("recorded_at")
    return IngestOptions(
        camera_id=values.get("camera_id"),
        location=values.get("location"),
        recorded_at=datetime.fromisoformat(recorded) if recorded else None,
        clock_offset_s=values.get("clock_offset_s"),
        frame_rate=values.get("frame_rate"),
    )
