"""The :class:`HousekeepingService` facade: which tasks are due, running them, and their history.

Administrators only (``Action.MANAGE_DATABASE``), checked on every call. ``run`` claims each task
(``maintenance_runs``, see ``records``), runs it and records how it ended; a task that fails is recorded
``failed`` with its cause and the others still run. Every run of a task writes a ``maintenance_run`` audit
row. A cancel (``control``) stops between tasks (and inside a task between batches or tables): what finished
stays recorded, the task under way is recorded ``cancelled``, and ``OperationCancelledError`` is raised.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy.exc import DBAPIError

from chronotrace_desktop.domain.audit import AuditAction
from chronotrace_desktop.domain.clock import utcnow
from chronotrace_desktop.domain.errors import OperationCancelledError, UserFacingError
from chronotrace_desktop.domain.maintenance import (
    TASK_TITLES,
    MaintenanceRunInfo,
    MaintenanceStatus,
    MaintenanceTask,
    MaintenanceTrigger,
    TaskSchedule,
    schedule_of,
)
from chronotrace_desktop.domain.roles import Action
from chronotrace_desktop.domain.tasks import Unattended
from chronotrace_desktop.services.access import AuditEvent
from chronotrace_desktop.services.housekeeping import removals
from chronotrace_desktop.services.housekeeping.records import RunLog
from chronotrace_desktop.services.housekeeping.removals import Outcome
from chronotrace_desktop.services.housekeeping.upkeep import run_upkeep

if TYPE_CHECKING:
    import uuid
    from collections.abc import Callable, Sequence
    from datetime import datetime

    from sqlalchemy import URL

    from chronotrace_desktop.config import Settings
    from chronotrace_desktop.domain.tasks import TaskControl
    from chronotrace_desktop.domain.users import Actor
    from chronotrace_desktop.services.access import AuditService, Authorizer
    from chronotrace_desktop.services.export import ExportService
    from chronotrace_desktop.storage.database import Database

logger = logging.getLogger(__name__)

HISTORY_LIMIT = 200


class HousekeepingService:
    """``clock`` dates the cut-offs (searches and audit rows older than the settings' ages); a test moves it."""

    def __init__(
        self,
        database: Database,
        authorizer: Authorizer,
        audit: AuditService,
        exports: ExportService,
        settings: Settings,
        *,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._db = database
        self._authorizer = authorizer
        self._audit = audit
        self._exports = exports
        self._settings = settings
        self._clock = clock
        self._log = RunLog(database)

    @property
    def search_retention_days(self) -> int:
        return self._settings.search_retention_days

    @property
    def audit_archive_days(self) -> int:
        return self._settings.audit_archive_days

    def schedule(self, actor: Actor, now: datetime | None = None) -> list[TaskSchedule]:
        """Every task: its interval, last run, when it last concluded and when it is next due."""
        self._require(actor)
        moment = now or utcnow()
        return schedule_of(self._log.last_concluded(), self._log.last_runs(), moment)

    def due(self, actor: Actor, now: datetime | None = None) -> list[MaintenanceTask]:
        """The tasks due at ``now`` (default: the present), in run order."""
        return [entry.task for entry in self.schedule(actor, now) if entry.due]

    def history(self, actor: Actor, limit: int = HISTORY_LIMIT) -> list[MaintenanceRunInfo]:
        """Past runs, newest first."""
        self._require(actor)
        return self._log.history(max(1, limit))

    def run(
        self,
        actor: Actor,
        tasks: Sequence[MaintenanceTask] | None = None,
        *,
        trigger: MaintenanceTrigger = MaintenanceTrigger.MANUAL,
        control: TaskControl | None = None,
        owner_url: URL | None = None,
    ) -> list[MaintenanceRunInfo]:
        """Run ``tasks`` (default: all) in run order; one record per task run. ``owner_url``: a team
        database owner's credentials for VACUUM and REINDEX (this call only, never kept)."""
        actor = self._require(actor)
        chosen = [task for task in MaintenanceTask if tasks is None or task in tasks]
        control = control or Unattended()
        done: list[MaintenanceRunInfo] = []
        for i, task in enumerate(chosen):
            control.check_cancelled()
            control.progress(i, len(chosen), f"{TASK_TITLES[task]}…")
            claimed = self._log.claim(task, trigger, actor)
            if claimed is None:
                continue  # a scheduled run found it done meanwhile (another workstation)
            if isinstance(claimed, MaintenanceRunInfo):
                done.append(self._audited(actor, claimed))
                continue
            done.append(self._run_one(actor, task, trigger, claimed, control, owner_url))
        control.progress(len(chosen), len(chosen), "done")
        return done

    def run_due(
        self,
        actor: Actor,
        *,
        trigger: MaintenanceTrigger = MaintenanceTrigger.SCHEDULED,
        control: TaskControl | None = None,
    ) -> list[MaintenanceRunInfo]:
        """Run what is due now (the desktop's hourly look, ``maintenance run --due-only``)."""
        return self.run(actor, self.due(actor), trigger=trigger, control=control)

    # ------------------------------------------------------------------ one task

    def _run_one(
        self,
        actor: Actor,
        task: MaintenanceTask,
        trigger: MaintenanceTrigger,
        run_id: uuid.UUID,
        control: TaskControl,
        owner_url: URL | None,
    ) -> MaintenanceRunInfo:
        try:
            outcome = self._perform(actor, task, control, owner_url)
        except OperationCancelledError:
            info = self._log.finish(run_id, MaintenanceStatus.CANCELLED, None, "cancelled", {})
            self._audited(actor, info)
            raise
        except Exception as exc:  # recorded with its cause; the other tasks still run
            cause = failure_cause(exc)
            if not isinstance(exc, UserFacingError | DBAPIError):
                logger.exception("Maintenance task %s failed", task.value)
            else:
                logger.warning("Maintenance task %s failed: %s", task.value, cause)
            outcome = Outcome(0, cause, MaintenanceStatus.FAILED)
        info = self._log.finish(run_id, outcome.status, outcome.rows, outcome.message, outcome.details)
        return self._audited(actor, info)

    def _perform(
        self, actor: Actor, task: MaintenanceTask, control: TaskControl, owner_url: URL | None
    ) -> Outcome:
        now = self._clock()
        if task is MaintenanceTask.PURGE_SEARCHES:
            days = self.search_retention_days
            return removals.purge_searches(self._db, now - timedelta(days=days), days, control)
        if task is MaintenanceTask.ARCHIVE_AUDIT:
            days = self.audit_archive_days
            return removals.archive_audit(self._db, actor, now - timedelta(days=days), days)
        if task is MaintenanceTask.EXPIRE_EXPORTS:
            return removals.expire_exports(self._exports, actor)
        return run_upkeep(self._db, task, owner_url, control)

    def _audited(self, actor: Actor, info: MaintenanceRunInfo) -> MaintenanceRunInfo:
        failed = info.status is MaintenanceStatus.FAILED
        self._audit.record(
            AuditEvent(
                AuditAction.MAINTENANCE_RUN,
                actor=actor,
                resource_type="database",
                resource_id=info.id,
                success=not failed,
                error_message=info.message if failed else None,
                metadata={
                    "task": info.task.value,
                    "trigger": info.trigger.value,
                    "status": info.status.value,
                    "rows": info.rows_affected,
                    "message": info.message,
                },
            )
        )
        return info

    def _require(self, actor: Actor) -> Actor:
        return self._authorizer.require(actor, Action.MANAGE_DATABASE, resource_type="database")


def failure_cause(exc: BaseException) -> str:
    """A failure in words: the database's own message (its first line), a user-facing error's message, or the
    exception's type and text."""
    if isinstance(exc, DBAPIError):
        text = str(exc.orig) if exc.orig is not None else str(exc)
        first = text.strip().splitlines()[0] if text.strip() else type(exc).__name__
        return f"database error: {first}"
    if isinstance(exc, UserFacingError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"
