"""The ``maintenance_runs`` rows: a run is claimed (``running``) before its task starts and finished after it.

Several workstations of a team may look for due tasks at the same hour. A claim takes a transaction-level
advisory lock per task, so two claims of one task are one after the other; the second finds the first
``running`` (and records itself as not started), or, for a scheduled run, finds the task no longer due and
records nothing. A row left ``running`` for longer than ``STALE_AFTER`` (the app or the database stopped
mid-task) is marked ``failed`` as interrupted by the next claim of its task.
"""

from __future__ import annotations

import zlib
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import distinct_on

from chronotrace_desktop.domain.clock import utcnow
from chronotrace_desktop.domain.maintenance import (
    CONCLUDED,
    SCHEDULE,
    MaintenanceRunInfo,
    MaintenanceStatus,
    MaintenanceTask,
    MaintenanceTrigger,
)
from chronotrace_desktop.storage.orm_maintenance import MaintenanceRun

if TYPE_CHECKING:
    import uuid
    from collections.abc import Mapping
    from datetime import datetime

    from sqlalchemy.orm import Session

    from chronotrace_desktop.domain.users import Actor
    from chronotrace_desktop.storage.database import Database

STALE_AFTER = timedelta(hours=6)
_LOCK_BASE = 0x4354_4D41_0000_0000  # "CTMA": one advisory lock key per task below it
_MESSAGE_LIMIT = 4000


class RunLog:
    def __init__(self, database: Database) -> None:
        self._db = database

    def claim(
        self, task: MaintenanceTask, trigger: MaintenanceTrigger, actor: Actor
    ) -> uuid.UUID | MaintenanceRunInfo | None:
        """A new ``running`` row's id; the row written when the task is running elsewhere (``cancelled``: not
        started, and not counted as done either); or None
        when a scheduled run finds the task concluded meanwhile (nothing recorded)."""
        now = utcnow()
        with self._db.transaction() as session:
            key = _LOCK_BASE + zlib.crc32(task.value.encode())
            session.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": key})
            _close_stale(session, task, now)
            if trigger is MaintenanceTrigger.SCHEDULED:
                concluded = _last_concluded(session).get(task)
                if concluded is not None and concluded + SCHEDULE[task] > now:
                    return None
            running = session.scalars(
                sa.select(MaintenanceRun)
                .where(MaintenanceRun.task == task.value, MaintenanceRun.status == MaintenanceStatus.RUNNING)
                .order_by(MaintenanceRun.started_at.desc())
                .limit(1)
            ).first()
            row = _new_row(task, trigger, actor, now)
            if running is not None:
                who = running.triggered_by_email or "another administrator"
                row.status = MaintenanceStatus.CANCELLED.value
                row.finished_at = now
                row.rows_affected = 0
                row.message = (
                    f"not started: already running since {running.started_at:%Y-%m-%d %H:%M} UTC ({who})"
                )
            session.add(row)
            session.flush()
            return info_of(row) if running is not None else row.id

    def finish(
        self,
        run_id: uuid.UUID,
        status: MaintenanceStatus,
        rows: int | None,
        message: str | None,
        meta: Mapping[str, Any],
    ) -> MaintenanceRunInfo:
        with self._db.transaction() as session:
            row = session.get_one(MaintenanceRun, run_id)
            row.status = status.value
            row.finished_at = utcnow()
            row.rows_affected = rows
            row.message = None if message is None else message[:_MESSAGE_LIMIT]
            row.meta = {**row.meta, **meta}
            session.flush()
            return info_of(row)

    def last_concluded(self) -> dict[MaintenanceTask, datetime]:
        with self._db.transaction() as session:
            return _last_concluded(session)

    def last_runs(self) -> dict[MaintenanceTask, MaintenanceRunInfo]:
        """The newest run of each task, whatever its outcome."""
        query = (
            sa.select(MaintenanceRun)
            .ext(distinct_on(MaintenanceRun.task))
            .order_by(MaintenanceRun.task, MaintenanceRun.started_at.desc(), MaintenanceRun.id)
        )
        with self._db.transaction() as session:
            return {info.task: info for info in map(info_of, session.scalars(query))}

    def history(self, limit: int) -> list[MaintenanceRunInfo]:
        query = (
            sa.select(MaintenanceRun)
            .order_by(MaintenanceRun.started_at.desc(), MaintenanceRun.id.desc())
            .limit(limit)
        )
        with self._db.transaction() as session:
            return [info_of(row) for row in session.scalars(query)]


def _new_row(
    task: MaintenanceTask, trigger: MaintenanceTrigger, actor: Actor, now: datetime
) -> MaintenanceRun:
    return MaintenanceRun(
        task=task.value,
        trigger=trigger.value,
        status=MaintenanceStatus.RUNNING.value,
        started_at=now,
        triggered_by=actor.user_id,
        triggered_by_email=actor.email,
        meta={},
    )


def _close_stale(session: Session, task: MaintenanceTask, now: datetime) -> None:
    session.execute(
        sa.update(MaintenanceRun)
        .where(
            MaintenanceRun.task == task.value,
            MaintenanceRun.status == MaintenanceStatus.RUNNING.value,
            MaintenanceRun.started_at < now - STALE_AFTER,
        )
        .values(
            status=MaintenanceStatus.FAILED.value,
            finished_at=now,
            message="interrupted: the run never finished (the app or the database stopped during it)",
        )
    )


def _last_concluded(session: Session) -> dict[MaintenanceTask, datetime]:
    rows = session.execute(
        sa.select(MaintenanceRun.task, sa.func.max(MaintenanceRun.started_at))
        .where(MaintenanceRun.status.in_([s.value for s in CONCLUDED]))
        .group_by(MaintenanceRun.task)
    )
    return {MaintenanceTask(task): when for task, when in rows}


def info_of(row: MaintenanceRun) -> MaintenanceRunInfo:
    return MaintenanceRunInfo(
        id=row.id,
        task=MaintenanceTask(row.task),
        trigger=MaintenanceTrigger(row.trigger),
        status=MaintenanceStatus(row.status),
        started_at=row.started_at,
        finished_at=row.finished_at,
        rows_affected=row.rows_affected,
        message=row.message,
        triggered_by=row.triggered_by_email,
    )
