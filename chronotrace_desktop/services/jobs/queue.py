"""IngestQueue: what the desktop and the CLI of a team installation call instead of ingesting locally.

A request's files (folders walked as a local ingest does) become one job each, named by the file's absolute
path, which every worker must reach (a shared folder or mount). A file with a job waiting or running is not
queued twice (procrastinate's ``queueing_lock`` on the path, and a look at running jobs); a job holds the
path's ``lock`` while it runs, so two workers never ingest the same file at once (and the ingest's own
same-bytes lease keeps one copy under two names to one worker). Roles are checked on every call: enqueueing,
cancelling and retrying need the ingest permission, listing needs the library's.
"""

from __future__ import annotations

import logging
from dataclasses import asdict
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from procrastinate import exceptions as queue_errors

from chronotrace_desktop.domain.audit import AuditAction
from chronotrace_desktop.domain.clock import utcnow
from chronotrace_desktop.domain.errors import InvalidInputError
from chronotrace_desktop.domain.jobs import EnqueueOutcome, IngestJob, JobStatus, WorkerInfo
from chronotrace_desktop.domain.roles import Action
from chronotrace_desktop.services.access import AuditEvent
from chronotrace_desktop.services.ingest.inputs import collect_inputs
from chronotrace_desktop.services.jobs import store
from chronotrace_desktop.services.jobs.connection import QUEUE, TASK_NAME, queue_app
from chronotrace_desktop.storage.database import translate_db_errors

if TYPE_CHECKING:
    from collections.abc import Iterable
    from pathlib import Path

    from procrastinate.types import JSONValue

    from chronotrace_desktop.domain.ingest import IngestOptions
    from chronotrace_desktop.domain.users import Actor
    from chronotrace_desktop.services.access import AuditService, Authorizer
    from chronotrace_desktop.storage.database import Database

logger = logging.getLogger(__name__)


def options_to_args(options: IngestOptions) -> dict[str, JSONValue]:
    values = asdict(options)
    if options.recorded_at is not None:
        values["recorded_at"] = options.recorded_at.isoformat()
    return values


class IngestQueue:
    def __init__(self, database: Database, authorizer: Authorizer, audit: AuditService) -> None:
        self._db = database
        self._authorizer = authorizer
        self._audit = audit

    def enqueue(self, actor: Actor, paths: Iterable[Path | str], options: IngestOptions) -> EnqueueOutcome:
        """One job per file; files already waiting or running are reported, not queued again."""
        actor = self._authorizer.require(actor, Action.INGEST_VIDEO, resource_type="video")
        inputs = collect_inputs(paths)
        files = [str(path) for path in inputs.files]
        missing = tuple(str(r.path) for r in inputs.settled if r.error and r.error.startswith("no such"))
        with self._db.transaction() as session:
            busy = store.active_paths(session, files)
        base: dict[str, JSONValue] = {
            "user_id": str(actor.user_id),
            "email": actor.email,
            "options": options_to_args(options),
            "enqueued_at": utcnow().isoformat(),
        }
        queued: list[int] = []
        already: list[str] = [path for path in files if path in busy]
        with translate_db_errors(self._db.display_url), queue_app(self._db).open() as app:
            for path in files:
                if path in busy:
                    continue
                task = app.configure_task(
                    TASK_NAME, queue=QUEUE, lock=f"ingest:{path}", queueing_lock=f"ingest:{path}"
                )
                try:
                    queued.append(task.defer(path=path, **base))
                except queue_errors.AlreadyEnqueued:
                    already.append(path)
        if queued:
            self._audit.record(
                AuditEvent(
                    AuditAction.INGEST_QUEUED,
                    actor=actor,
                    resource_type="ingest_job",
                    metadata={"job_ids": queued, "files": len(queued), "already_queued": len(already)},
                )
            )
        logger.info("Queued %d file(s) for ingest (%d already queued)", len(queued), len(already))
        return EnqueueOutcome(tuple(queued), tuple(already), missing)

    def jobs(self, actor: Actor, *, active_only: bool = False, limit: int = 500) -> list[IngestJob]:
        """Newest first: every user's jobs (the team's queue is shared)."""
        self._authorizer.require(actor, Action.VIEW_LIBRARY, resource_type="ingest_job")
        with self._db.transaction() as session:
            return store.jobs(session, active=active_only, limit=limit)

    def job(self, actor: Actor, job_id: int) -> IngestJob:
        self._authorizer.require(actor, Action.VIEW_LIBRARY, resource_type="ingest_job")
        with self._db.transaction() as session:
            found = store.jobs(session, job_id=job_id, limit=1)
        if not found:
            raise InvalidInputError(f"no ingest job {job_id}")
        return found[0]

    def workers(self, actor: Actor) -> list[WorkerInfo]:
        self._authorizer.require(actor, Action.VIEW_LIBRARY, resource_type="ingest_worker")
        with self._db.transaction() as session:
            return store.workers(session)

    def cancel(self, actor: Actor, job_id: int) -> IngestJob:
        """A waiting job is cancelled at once; a running one is asked to stop (its worker stops after the
        current segment, leaving the video resumable)."""
        actor = self._authorizer.require(actor, Action.INGEST_VIDEO, resource_type="ingest_job")
        job = self.job(actor, job_id)
        if job.status.finished:
            raise InvalidInputError(f"ingest job {job_id} has already ended ({job.status.label})")
        with translate_db_errors(self._db.display_url), queue_app(self._db).open() as app:
            app.job_manager.cancel_job_by_id(job_id, abort=True)
        self._audit.record(
            AuditEvent(
                AuditAction.INGEST_JOB_CANCELLED,
                actor=actor,
                resource_type="ingest_job",
                metadata={"job_id": job_id, "path": job.path, "was": job.status.label},
            )
        )
        return self.job(actor, job_id)

    def retry(self, actor: Actor, job_id: int) -> IngestJob:
        """A failed job runs once more; a cancelled one is queued again as a new job."""
        actor = self._authorizer.require(actor, Action.INGEST_VIDEO, resource_type="ingest_job")
        job = self.job(actor, job_id)
        if not job.status.finished or job.status is JobStatus.DONE:
            raise InvalidInputError(
                f"ingest job {job_id} is {job.status.label}: only an ended, unfinished job is retried"
            )
        new_id = job_id
        with translate_db_errors(self._db.display_url), queue_app(self._db).open() as app:
            if job.status is JobStatus.FAILED:
                app.job_manager.retry_job_by_id(job_id, retry_at=datetime.now(UTC))
            else:
                with self._db.transaction() as session:
                    args = store.job_args(session, job_id)
                task = app.configure_task(
                    TASK_NAME, queue=QUEUE, lock=f"ingest:{job.path}", queueing_lock=f"ingest:{job.path}"
                )
                try:
                    new_id = task.defer(**args)
                except queue_errors.AlreadyEnqueued:
                    raise InvalidInputError(f"{job.path} is already queued") from None
        self._audit.record(
            AuditEvent(
                AuditAction.INGEST_JOB_RETRIED,
                actor=actor,
                resource_type="ingest_job",
                metadata={"job_id": job_id, "new_job_id": new_id, "path": job.path},
            )
        )
        return self.job(actor, new_id)
