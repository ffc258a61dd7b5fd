"""The Administration window's maintenance panel: each task's schedule (last run, next due), the history of
runs, and "Run due now" / "Run all now" in the background with progress and a cancel.

Everything that touches the database runs in a worker (the pool's thread), never on the UI thread: loading
the schedule and history as well as the runs themselves.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from chronotrace_desktop.domain.maintenance import (
    MaintenanceRunInfo,
    MaintenanceStatus,
    MaintenanceTask,
    MaintenanceTrigger,
)
from chronotrace_desktop.ui.errors import show_error
from chronotrace_desktop.ui.models.maintenance_model import HistoryModel, ScheduleModel
from chronotrace_desktop.ui.qt import (
    QAbstractItemView,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
    Signal,
)
from chronotrace_desktop.workers.maintenance_job import submit_maintenance

if TYPE_CHECKING:
    from chronotrace_desktop.domain.maintenance import TaskSchedule
    from chronotrace_desktop.domain.users import Actor
    from chronotrace_desktop.services.app import AppServices
    from chronotrace_desktop.services.housekeeping import HousekeepingService
    from chronotrace_desktop.workers.base import Worker, WorkerPool
    from chronotrace_desktop.workers.task_state import TaskState

logger = logging.getLogger(__name__)

HISTORY_ROWS = 200


def load_state(
    state: TaskState, housekeeping: HousekeepingService, actor: Actor
) -> tuple[list[TaskSchedule], list[MaintenanceRunInfo]]:
    return housekeeping.schedule(actor), housekeeping.history(actor, HISTORY_ROWS)


def summary(runs: list[MaintenanceRunInfo]) -> str:
    if not runs:
        return "Nothing was due."
    failed = [r for r in runs if r.status is MaintenanceStatus.FAILED]
    text = f"{len(runs)} task{'s' if len(runs) != 1 else ''} run"
    if failed:
        return f"{text}; failed: " + "; ".join(f"{r.task.value}: {r.message}" for r in failed)
    return f"{text}, none failed."


class MaintenancePanel(QWidget):
    """``loaded()`` after the schedule and history arrive; ``run_finished(list)`` after a run."""

    loaded = Signal()
    run_finished = Signal(list)  # list[MaintenanceRunInfo]

    def __init__(
        self, services: AppServices, actor: Actor, pool: WorkerPool, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("maintenancePanel")
        self._housekeeping = services.housekeeping
        self._actor = actor
        self._pool = pool
        self._loader: Worker | None = None
        self._run: Worker | None = None
        self.schedule_model = ScheduleModel(self.palette())
        self.history_model = HistoryModel(self.palette())
        settings = services.settings
        self.retention_label = QLabel(
            f"Searches are kept {settings.search_retention_days} days; audit rows move to the archive after "
            f"{settings.audit_archive_days} days (settings search_retention_days, audit_archive_days)."
        )
        self.retention_label.setWordWrap(True)
        self.schedule_view = _table(self.schedule_model)
        self.history_view = _table(self.history_model)
        self.run_due_button = QPushButton("Run &due now")
        self.run_all_button = QPushButton("Run &all now")
        self.cancel_button = QPushButton("Cancel")
        self.progress_bar = QProgressBar()
        self.status_label = QLabel("")
        self.status_label.setWordWrap(True)
        self.run_due_button.clicked.connect(lambda: self.run_tasks(due_only=True))
        self.run_all_button.clicked.connect(lambda: self.run_tasks(due_only=False))
        self.cancel_button.clicked.connect(self.cancel)
        self._layout()
        self._set_running(False)
        self.refresh()

    def _layout(self) -> None:
        schedule = QGroupBox("Schedule")
        box = QVBoxLayout(schedule)
        box.addWidget(self.retention_label)
        box.addWidget(self.schedule_view)
        buttons = QHBoxLayout()
        for button in (self.run_due_button, self.run_all_button, self.cancel_button):
            buttons.addWidget(button)
        buttons.addWidget(self.progress_bar, 1)
        box.addLayout(buttons)
        box.addWidget(self.status_label)
        history = QGroupBox("History")
        QVBoxLayout(history).addWidget(self.history_view)
        layout = QVBoxLayout(self)
        layout.addWidget(schedule)  # as tall as its five rows
        layout.addWidget(history, 1)

    # ------------------------------------------------------------------ loading
    def refresh(self) -> None:
        if self._loader is not None:
            return
        worker = self._pool.submit(load_state, self._housekeeping, self._actor, name="maintenance state")
        worker.connect(returned=self._loaded, errored=self._failed, finished=self._loader_done)
        self._loader = worker

    def _loaded(self, state: tuple[list[TaskSchedule], list[MaintenanceRunInfo]]) -> None:
        schedule, history = state
        self.schedule_model.set_rows(schedule)
        self.history_model.set_rows(history)
        self.schedule_view.resizeColumnsToContents()
        self.history_view.resizeColumnsToContents()
        self.loaded.emit()

    def _loader_done(self) -> None:
        self._loader = None

    # ------------------------------------------------------------------ running
    def run_tasks(self, *, due_only: bool) -> None:
        if self._run is not None:
            return
        tasks = None if due_only else list(MaintenanceTask)
        worker = submit_maintenance(
            self._pool, self._housekeeping, self._actor, tasks, MaintenanceTrigger.MANUAL
        )
        worker.connect(
            progress=self._progressed, returned=self._finished, errored=self._failed, finished=self._run_done
        )
        self._run = worker
        self.status_label.setText("Running…")
        self._set_running(True)

    def cancel(self) -> None:
        if self._run is None:
            return
        self._run.cancel()  # the task under way is recorded cancelled; nothing more arrives from this worker
        self._run = None
        self.status_label.setText("Cancelled: the task under way stops at its next step.")
        self._set_running(False)
        self.refresh()

    def _progressed(self, done: int, total: int, message: str) -> None:
        self.progress_bar.setRange(0, max(total, 1))
        self.progress_bar.setValue(done)
        self.progress_bar.setFormat(f"{message} %v/%m")

    def _finished(self, runs: list[MaintenanceRunInfo]) -> None:
        self.status_label.setText(summary(runs))
        self.run_finished.emit(list(runs))

    def _failed(self, exc: Exception) -> None:
        self.status_label.setText(f"Failed: {exc}")
        show_error(self, exc, title="Maintenance")

    def _run_done(self) -> None:
        self._run = None
        self._set_running(False)
        self.refresh()

    def _set_running(self, running: bool) -> None:
        self.run_due_button.setEnabled(not running)
        self.run_all_button.setEnabled(not running)
        self.cancel_button.setEnabled(running)
        self.progress_bar.setVisible(running)


def _table(model: ScheduleModel | HistoryModel) -> QTableView:
    view = QTableView()
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.verticalHeader().hide()
    view.horizontalHeader().setStretchLastSection(True)
    view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    view.setWordWrap(False)
    view.setSizeAdjustPolicy(QAbstractItemView.SizeAdjustPolicy.AdjustToContents)
    return view
