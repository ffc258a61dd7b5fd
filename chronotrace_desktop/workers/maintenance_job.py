"""Database maintenance off the UI thread: the due tasks (the scheduler's hourly look) or chosen ones (the
panel's buttons), at background priority, with progress per task and a cancel that stops between tasks (and
between batches or tables inside one): ``HousekeepingService.run`` with the worker's state as its control."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chronotrace_desktop.domain.maintenance import MaintenanceTrigger
from chronotrace_desktop.workers.ingest_job import lower_thread_priority

if TYPE_CHECKING:
    from collections.abc import Sequence

    from chronotrace_desktop.domain.maintenance import MaintenanceRunInfo, MaintenanceTask
    from chronotrace_desktop.domain.users import Actor
    from chronotrace_desktop.services.housekeeping import HousekeepingService
    from chronotrace_desktop.workers.base import Worker, WorkerPool
    from chronotrace_desktop.workers.task_state import TaskState


def run_maintenance(
    state: TaskState,
    housekeeping: HousekeepingService,
    actor: Actor,
    tasks: Sequence[MaintenanceTask] | None,
    trigger: MaintenanceTrigger,
) -> list[MaintenanceRunInfo]:
    """``tasks`` None: whatever is due now."""
    lower_thread_priority()
    if tasks is None:
        return housekeeping.run_due(actor, trigger=trigger, control=state)
    return housekeeping.run(actor, tasks, trigger=trigger, control=state)


def submit_maintenance(
    pool: WorkerPool,
    housekeeping: HousekeepingService,
    actor: Actor,
    tasks: Sequence[MaintenanceTask] | None = None,
    trigger: MaintenanceTrigger = MaintenanceTrigger.MANUAL,
) -> Worker[list[MaintenanceRunInfo]]:
    """Start a run on ``pool``; connect to the worker's ``progress``, ``returned`` and ``errored``."""
    chosen = None if tasks is None else list(tasks)
    return pool.submit(run_maintenance, housekeeping, actor, chosen, trigger, name="maintenance")
