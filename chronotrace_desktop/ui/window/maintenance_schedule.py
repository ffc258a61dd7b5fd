"""The desktop's maintenance schedule: for an administrator, a minute after start and then every hour, ask
which tasks are due (``HousekeepingService.due``, by the schedule and the last runs of every workstation) and
run them in the background at low priority, never blocking the UI. Others: nothing. A run's outcome is logged
and emitted; failures are recorded with their cause in the maintenance history, so nothing pops up unasked.

The main window starts it with one line (:func:`start_maintenance_schedule`); it stops itself when the window
closes (an event filter on it), cancelling a run under way between two steps.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from chronotrace_desktop.domain.maintenance import MaintenanceTrigger
from chronotrace_desktop.domain.roles import Action, is_allowed
from chronotrace_desktop.ui.qt import QEvent, QObject, QTimer, Signal
from chronotrace_desktop.workers.maintenance_job import submit_maintenance

if TYPE_CHECKING:
    from chronotrace_desktop.domain.maintenance import MaintenanceRunInfo
    from chronotrace_desktop.domain.users import Actor
    from chronotrace_desktop.services.housekeeping import HousekeepingService
    from chronotrace_desktop.workers.base import Worker, WorkerPool

logger = logging.getLogger(__name__)

HOUR_MS = 60 * 60 * 1000
# The first look waits a minute: the window's own start-up queries go first, and a window open for moments
# (a test, a sign-in mistake) starts no maintenance.
FIRST_LOOK_MS = 60 * 1000


class MaintenanceSchedule(QObject):
    """``run_finished(list[MaintenanceRunInfo])`` after each look (empty: nothing was due), ``run_failed(exc)``."""

    run_finished = Signal(list)
    run_failed = Signal(Exception)

    def __init__(
        self,
        housekeeping: HousekeepingService,
        actor: Actor,
        pool: WorkerPool,
        *,
        interval_ms: int = HOUR_MS,
        first_look_ms: int = FIRST_LOOK_MS,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._housekeeping = housekeeping
        self._actor = actor
        self._pool = pool
        self._worker: Worker[list[MaintenanceRunInfo]] | None = None
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.check)
        self.first_look = QTimer(self)
        self.first_look.setSingleShot(True)
        self.first_look.setInterval(first_look_ms)
        self.first_look.timeout.connect(self.check)
        if parent is not None:
            parent.installEventFilter(self)

    @property
    def running(self) -> bool:
        return self._worker is not None

    def start(self) -> None:
        """Look after ``first_look_ms``, then every interval."""
        self.timer.start()
        self.first_look.start()

    def stop(self) -> None:
        self.timer.stop()
        self.first_look.stop()
        if self._worker is not None:
            self._worker.cancel()
            self._worker = None

    def check(self) -> None:
        """Run what is due, in the background; a look while a run is under way is skipped."""
        if self._worker is not None:
            return
        worker = submit_maintenance(
            self._pool, self._housekeeping, self._actor, None, MaintenanceTrigger.SCHEDULED
        )
        worker.connect(returned=self._finished, errored=self._failed, finished=self._done)
        self._worker = worker

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if watched is self.parent() and event.type() == QEvent.Type.Close:
            self.stop()
        return False

    def _finished(self, runs: list[MaintenanceRunInfo]) -> None:
        self._worker = None  # before the signal: a look asked for by its receiver must not be skipped
        for run in runs:
            logger.info("Scheduled maintenance: %s %s: %s", run.task.value, run.status.value, run.message)
        self.run_finished.emit(list(runs))

    def _failed(self, exc: Exception) -> None:
        self._worker = None
        logger.warning("Scheduled maintenance could not run: %s", exc)
        self.run_failed.emit(exc)

    def _done(self) -> None:
        self._worker = None


def start_maintenance_schedule(
    housekeeping: HousekeepingService,
    actor: Actor,
    pool: WorkerPool,
    window: QObject,
    *,
    first_look_ms: int = FIRST_LOOK_MS,
) -> MaintenanceSchedule | None:
    """Started for an administrator (``Action.MANAGE_DATABASE``), None for anyone else."""
    if not is_allowed(actor.role, Action.MANAGE_DATABASE):
        return None
    schedule = MaintenanceSchedule(housekeeping, actor, pool, first_look_ms=first_look_ms, parent=window)
    schedule.start()
    return schedule
