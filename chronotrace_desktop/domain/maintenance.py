"""Database maintenance (issue 18 item 4): the tasks, their schedule, and what one run of a task recorded.

The schedule follows the schema document's "Database Maintenance": old searches daily, VACUUM ANALYZE weekly,
REINDEX and the audit archive monthly; expired exports daily. A task is due when it has never concluded, or
when its interval has passed since it last concluded: a success, or a skip (the run found it could not be
done here, e.g. VACUUM without the rights to it, and trying again every hour would not change that). A
failed or cancelled run does not count, so the task is due again at the next look.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import uuid
    from collections.abc import Mapping
    from datetime import datetime


class MaintenanceTask(StrEnum):
    """A task, in the order a run does them (removals first, then VACUUM and REINDEX over what they left)."""

    PURGE_SEARCHES = "purge_searches"  # searches older than search_retention_days
    ARCHIVE_AUDIT = "archive_audit"  # audit rows older than audit_archive_days into audit_log_archive
    EXPIRE_EXPORTS = "expire_exports"  # completed exports past their retention: expired, files removed
    VACUUM_ANALYZE = "vacuum_analyze"
    REINDEX = "reindex"


class MaintenanceTrigger(StrEnum):
    MANUAL = "manual"  # an administrator asked (CLI, "Run … now")
    SCHEDULED = "scheduled"  # the desktop's hourly look found it due


class MaintenanceStatus(StrEnum):
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"  # the message holds the cause
    SKIPPED = "skipped"  # not possible here (the message says why and what would make it possible)
    CANCELLED = "cancelled"


CONCLUDED = frozenset({MaintenanceStatus.SUCCEEDED, MaintenanceStatus.SKIPPED})

SCHEDULE: dict[MaintenanceTask, timedelta] = {
    MaintenanceTask.PURGE_SEARCHES: timedelta(days=1),
    MaintenanceTask.ARCHIVE_AUDIT: timedelta(days=30),
    MaintenanceTask.EXPIRE_EXPORTS: timedelta(days=1),
    MaintenanceTask.VACUUM_ANALYZE: timedelta(days=7),
    MaintenanceTask.REINDEX: timedelta(days=30),
}

TASK_TITLES: dict[MaintenanceTask, str] = {
    MaintenanceTask.PURGE_SEARCHES: "Remove old searches",
    MaintenanceTask.ARCHIVE_AUDIT: "Archive old audit rows",
    MaintenanceTask.EXPIRE_EXPORTS: "Expire exports",
    MaintenanceTask.VACUUM_ANALYZE: "VACUUM ANALYZE",
    MaintenanceTask.REINDEX: "REINDEX",
}


def parse_task(text: str) -> MaintenanceTask:
    """The task named by ``text``; ``ValueError`` listing the valid names otherwise."""
    try:
        return MaintenanceTask(text.strip().lower().replace("-", "_"))
    except ValueError:
        valid = ", ".join(t.value for t in MaintenanceTask)
        raise ValueError(f"unknown maintenance task {text!r}; choose from: {valid}") from None


@dataclass(frozen=True, slots=True)
class MaintenanceRunInfo:
    """One ``maintenance_runs`` row."""

    id: uuid.UUID
    task: MaintenanceTask
    trigger: MaintenanceTrigger
    status: MaintenanceStatus
    started_at: datetime
    finished_at: datetime | None
    rows_affected: int | None
    message: str | None
    triggered_by: str | None  # the administrator's e-mail

    @property
    def ok(self) -> bool:
        return self.status in CONCLUDED


@dataclass(frozen=True, slots=True)
class TaskSchedule:
    """Where a task stands: its interval, when it last concluded (and how its last run went), when next due."""

    task: MaintenanceTask
    interval: timedelta
    last_concluded: datetime | None
    last_run: MaintenanceRunInfo | None
    next_due: datetime | None  # None: never concluded, so due now
    due: bool


def schedule_of(
    last_concluded: Mapping[MaintenanceTask, datetime],
    last_runs: Mapping[MaintenanceTask, MaintenanceRunInfo],
    now: datetime,
) -> list[TaskSchedule]:
    """Every task's standing at ``now``, in run order, from when each last concluded (``CONCLUDED``)."""
    out = []
    for task in MaintenanceTask:
        interval = SCHEDULE[task]
        concluded = last_concluded.get(task)
        next_due = None if concluded is None else concluded + interval
        out.append(
            TaskSchedule(
                task=task,
                interval=interval,
                last_concluded=concluded,
                last_run=last_runs.get(task),
                next_due=next_due,
                due=next_due is None or next_due <= now,
            )
        )
    return out
