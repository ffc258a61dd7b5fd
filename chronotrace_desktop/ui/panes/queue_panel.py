"""The team's ingest queue under the library (team profile): every queued file, by anyone, live.

Polls the queue every ``POLL_MS`` on the worker pool (never on the GUI thread; one poll at a time), shows each
file's status, the worker running it and its progress, and cancels or retries the selected job. Files added in
the library are queued here instead of being ingested on this machine; ``jobs_finished`` tells the library to
reload when a job has ended since the last poll.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from chronotrace_desktop.domain.jobs import IngestJob, JobStatus
from chronotrace_desktop.domain.roles import Action, is_allowed
from chronotrace_desktop.ui.delegates import ProgressDelegate
from chronotrace_desktop.ui.models.queue_model import FILE, MESSAGE, PROGRESS, FractionRole, IngestJobsModel
from chronotrace_desktop.ui.qt import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QTimer,
    QVBoxLayout,
    QWidget,
    Signal,
)
from chronotrace_desktop.ui.tasks import LatestTask, start_task

if TYPE_CHECKING:
    from pathlib import Path

    from chronotrace_desktop.domain.ingest import IngestOptions
    from chronotrace_desktop.domain.jobs import EnqueueOutcome
    from chronotrace_desktop.domain.users import Actor
    from chronotrace_desktop.services.jobs import IngestQueue
    from chronotrace_desktop.workers.base import WorkerPool
    from chronotrace_desktop.workers.task_state import TaskState

logger = logging.getLogger(__name__)
POLL_MS = 3000


class QueuePanel(QWidget):
    jobs_finished = Signal()  # a job ended since the last poll: the library has new or changed videos
    refreshed = Signal()

    def __init__(
        self, queue: IngestQueue, actor: Actor, pool: WorkerPool, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._queue = queue
        self._actor = actor
        self._pool = pool
        self._poll = LatestTask(pool)
        self._active: set[int] = set()
        self.can_change = is_allowed(actor.role, Action.INGEST_VIDEO)
        self.model = IngestJobsModel(self.palette())
        self.title = QLabel("Team ingest queue")
        self.summary = QLabel()
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setItemDelegateForColumn(PROGRESS, ProgressDelegate(FractionRole))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        header.resizeSection(FILE, 200)
        header.resizeSection(PROGRESS, 140)
        self.cancel_button = QPushButton("Cancel job")
        self.retry_button = QPushButton("Retry")
        self.cancel_button.clicked.connect(self.cancel_selected)
        self.retry_button.clicked.connect(self.retry_selected)
        for button in (self.cancel_button, self.retry_button):
            button.setVisible(self.can_change)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())
        bar = QHBoxLayout()
        bar.addWidget(self.title)
        bar.addWidget(self.summary, 1)
        bar.addWidget(self.cancel_button)
        bar.addWidget(self.retry_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.table, 1)
        self._timer = QTimer(self)
        self._timer.setInterval(POLL_MS)
        self._timer.timeout.connect(self.refresh)
        self._timer.start()
        self._update_buttons()
        self.refresh()

    def selected(self) -> IngestJob | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.rows[rows[0].row()] if rows else None

    def refresh(self) -> None:
        if self._poll.busy:
            return
        self._poll.start(
            _list_jobs,
            self._queue,
            self._actor,
            on_returned=self._show,
            on_errored=lambda exc: logger.info("The ingest queue could not be read: %s", exc),
            name="ingest queue",
        )

    def enqueue(self, paths: list[Path], options: IngestOptions) -> None:
        start_task(self._pool, _enqueue, self._queue, self._actor, paths, options,
                   on_returned=self._enqueued, error_parent=self, name="enqueue")  # fmt: skip

    def cancel_selected(self) -> None:
        job = self.selected()
        if job is not None:
            start_task(self._pool, _cancel, self._queue, self._actor, job.id,
                       on_returned=lambda _job: self.refresh(), error_parent=self, name="cancel job")  # fmt: skip

    def retry_selected(self) -> None:
        job = self.selected()
        if job is not None:
            start_task(self._pool, _retry, self._queue, self._actor, job.id,
                       on_returned=lambda _job: self.refresh(), error_parent=self, name="retry job")  # fmt: skip

    def _enqueued(self, outcome: EnqueueOutcome) -> None:
        parts = [f"{len(outcome.job_ids)} file(s) queued"]
        if outcome.already_queued:
            parts.append(f"{len(outcome.already_queued)} already queued")
        self.summary.setText("; ".join(parts))
        self.refresh()

    def _show(self, jobs: list[IngestJob]) -> None:
        active = {j.id for j in jobs if not j.status.finished}
        if self._active - active:
            self.jobs_finished.emit()
        self._active = active
        self.model.set_jobs(jobs)
        counts = {status: sum(1 for j in jobs if j.status is status) for status in JobStatus}
        self.summary.setText(
            f"{counts[JobStatus.QUEUED]} queued, {counts[JobStatus.RUNNING]} running, {counts[JobStatus.DONE]} done"
            + (f", {counts[JobStatus.FAILED]} failed" if counts[JobStatus.FAILED] else "")
            + (
                f", {stopped} cancelled"
                if (stopped := counts[JobStatus.CANCELLED] + counts[JobStatus.ABORTED])
                else ""
            )
        )
        self._update_buttons()
        self.table.resizeColumnToContents(MESSAGE)
        self.refreshed.emit()

    def _update_buttons(self) -> None:
        job = self.selected()
        self.cancel_button.setEnabled(job is not None and not job.status.finished)
        self.retry_button.setEnabled(
            job is not None and job.status.finished and job.status is not JobStatus.DONE
        )

    def hideEvent(self, event: Any) -> None:
        self._timer.stop()
        super().hideEvent(event)

    def showEvent(self, event: Any) -> None:
        self._timer.start()
        super().showEvent(event)


def _list_jobs(state: TaskState, queue: IngestQueue, actor: Actor) -> list[IngestJob]:
    return queue.jobs(actor, limit=200)


def _enqueue(
    state: TaskState, queue: IngestQueue, actor: Actor, paths: list[Path], options: IngestOptions
) -> EnqueueOutcome:
    return queue.enqueue(actor, paths, options)


def _cancel(state: TaskState, queue: IngestQueue, actor: Actor, job_id: int) -> IngestJob:
    return queue.cancel(actor, job_id)


def _retry(state: TaskState, queue: IngestQueue, actor: Actor, job_id: int) -> IngestJob:
    return queue.retry(actor, job_id)
