"""The maintenance schedule (domain.maintenance) against a clock: what is due when, from the last concluded runs."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import pytest

from chronotrace_desktop.domain.maintenance import (
    MaintenanceRunInfo,
    MaintenanceStatus,
    MaintenanceTask,
    MaintenanceTrigger,
    parse_task,
    schedule_of,
)

T0 = datetime(2026, 3, 1, 3, 0)
ALL = list(MaintenanceTask)


def _due(concluded: dict[MaintenanceTask, datetime], now: datetime) -> list[MaintenanceTask]:
    return [entry.task for entry in schedule_of(concluded, {}, now) if entry.due]


def test_a_task_that_never_concluded_is_due_at_once() -> None:
    assert _due({}, T0) == ALL
    entries = schedule_of({}, {}, T0)
    assert all(entry.next_due is None and entry.last_concluded is None for entry in entries)


@pytest.mark.parametrize(
    ("after", "due"),
    [
        (timedelta(hours=1), []),
        (timedelta(days=1) - timedelta(seconds=1), []),
        (timedelta(days=1), [MaintenanceTask.PURGE_SEARCHES, MaintenanceTask.EXPIRE_EXPORTS]),
        (timedelta(days=6), [MaintenanceTask.PURGE_SEARCHES, MaintenanceTask.EXPIRE_EXPORTS]),
        (
            timedelta(days=7),
            [MaintenanceTask.PURGE_SEARCHES, MaintenanceTask.EXPIRE_EXPORTS, MaintenanceTask.VACUUM_ANALYZE],
        ),
        (timedelta(days=30), ALL),
    ],
)
def test_daily_weekly_and_monthly_tasks_fall_due_in_turn(
    after: timedelta, due: list[MaintenanceTask]
) -> None:
    concluded = dict.fromkeys(MaintenanceTask, T0)
    assert _due(concluded, T0 + after) == due


def test_next_due_is_the_last_conclusion_plus_the_interval_and_the_last_run_is_shown() -> None:
    failed = MaintenanceRunInfo(
        id=uuid.uuid4(),
        task=MaintenanceTask.REINDEX,
        trigger=MaintenanceTrigger.SCHEDULED,
        status=MaintenanceStatus.FAILED,
        started_at=T0 + timedelta(days=31),
        finished_at=T0 + timedelta(days=31),
        rows_affected=0,
        message="database error: deadlock detected",
        triggered_by="ada@pd.example",
    )
    [entry] = [
        e
        for e in schedule_of(
            {MaintenanceTask.REINDEX: T0}, {MaintenanceTask.REINDEX: failed}, T0 + timedelta(days=31)
        )
        if e.task is MaintenanceTask.REINDEX
    ]
    assert entry.next_due == T0 + timedelta(days=30)
    assert entry.due  # the failed run after it does not count as done
    assert entry.last_run == failed
    assert not failed.ok


def test_task_names_are_read_as_typed_and_unknown_ones_refused() -> None:
    assert parse_task(" Vacuum-Analyze ") is MaintenanceTask.VACUUM_ANALYZE
    with pytest.raises(ValueError, match="unknown maintenance task 'defrag'; choose from: purge_searches"):
        parse_task("defrag")
