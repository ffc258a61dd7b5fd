"""The ingest strip under the library: overall and per-file progress, cancel, and each file's outcome."""

from __future__ import annotations

import functools
import logging
from typing import TYPE_CHECKING

from chronotrace_desktop.domain.ingest import IngestProgress, IngestResult, IngestStatus
from chronotrace_desktop.ui.delegates import ProgressDelegate
from chronotrace_desktop.ui.errors import show_error
from chronotrace_desktop.ui.models.ingest_model import FILE, PROGRESS, FractionRole, IngestQueueModel
from chronotrace_desktop.ui.qt import (
    QAbstractItemView,
    QFrame,
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
from chronotrace_desktop.workers.ingest_job import IngestJob

if TYPE_CHECKING:
    from pathlib import Path

    from chronotrace_desktop.domain.ingest import IngestOptions
    from chronotrace_desktop.domain.users import Actor
    from chronotrace_desktop.services.ingest import IngestService
    from chronotrace_desktop.workers.base import WorkerPool

logger = logging.getLogger(__name__)


class IngestPanel(QFrame):
    """Runs one ingest at a time. Signals carry the service's events on to the library table."""

    file_progressed = Signal(IngestProgress)
    file_finished = Signal(IngestResult)
    ingest_finished = Signal(list)  # list[IngestResult]

    def __init__(
        self, ingest: IngestService, actor: Actor, pool: WorkerPool, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._ingest = ingest
        self._actor = actor
        self._pool = pool
        self.job: IngestJob | None = None
        self.setFrameShape(QFrame.Shape.StyledPanel)

        self.title_label = QLabel("Ingest")
        self.overall_bar = QProgressBar()
        self.overall_bar.setRange(0, 1000)
        self.overall_bar.setFormat("%p%")
        self.cancel_button = QPushButton("Cancel ingest")
        self.cancel_button.setToolTip(
            "Stop after the current segment; ingesting the files again resumes them."
        )
        self.cancel_button.clicked.connect(self.cancel)
        self.close_button = QPushButton("Hide")
        self.close_button.clicked.connect(self.hide)
        self.model = IngestQueueModel(self.palette())
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setItemDelegateForColumn(PROGRESS, ProgressDelegate(FractionRole))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.setShowGrid(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(FILE, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(FILE, 220)
        header.resizeSection(PROGRESS, 140)
        header.setStretchLastSection(True)
        self.table.setMinimumHeight(90)

        top = QHBoxLayout()
        top.addWidget(self.title_label)
        top.addWidget(self.overall_bar, 1)
        top.addWidget(self.cancel_button)
        top.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(top)
        layout.addWidget(self.table)

    @property
    def running(self) -> bool:
        return self.job is not None and self.job.running

    def start(self, paths: list[Path], options: IngestOptions) -> IngestJob:
        if self.running:
            raise RuntimeError("an ingest is already running")
        self.model.clear()
        self.model.add_queued(paths)
        call = functools.partial(self._ingest.ingest_paths, self._actor, paths, options)
        job = IngestJob(self._pool, call, paths)
        job.file_progressed.connect(self._on_progress)
        job.file_finished.connect(self._on_result)
        job.finished.connect(self._on_finished)
        job.errored.connect(self._on_errored)
        self.job = job
        self.cancel_button.setEnabled(True)
        self.cancel_button.setText("Cancel ingest")
        self.close_button.setEnabled(False)
        self._update_overall()
        self.show()
        job.start()
        return job

    def cancel(self) -> None:
        if self.job is not None and self.job.running:
            self.job.cancel()
            self.cancel_button.setEnabled(False)
            self.cancel_button.setText("Cancelling…")
            self.title_label.setText("Stopping after the current segment…")

    def abort(self) -> None:
        if self.job is not None:
            self.job.abort()

    # ------------------------------------------------------------------ events
    def _on_progress(self, event: IngestProgress) -> None:
        if self.model.file_count == 0:
            self.model.drop_folders()
        self.model.apply_progress(event)
        self._update_overall()
        self.file_progressed.emit(event)

    def _on_result(self, result: IngestResult) -> None:
        self.model.apply_result(result)
        self._update_overall()
        self.file_finished.emit(result)

    def _on_finished(self, results: list[IngestResult]) -> None:
        self.model.drop_folders()
        for result in results:
            self.model.apply_result(result)
        self._finish()
        failed = [r for r in results if r.status is IngestStatus.FAILED]
        cancelled = sum(1 for r in results if r.status is IngestStatus.CANCELLED)
        done = sum(1 for r in results if r.status is IngestStatus.COMPLETED)
        words = [f"{done} ingested"]
        if failed:
            words.append(f"{len(failed)} failed (see why below)")
        if cancelled:
            words.append(f"{cancelled} cancelled")
        self.title_label.setText("Ingest finished: " + ", ".join(words))
        self.ingest_finished.emit(list(results))

    def _on_errored(self, exc: BaseException) -> None:
        self._finish()
        self.title_label.setText("Ingest could not start")
        show_error(self, exc, title="Ingest")

    def _finish(self) -> None:
        self.cancel_button.setEnabled(False)
        self.cancel_button.setText("Cancel ingest")
        self.close_button.setEnabled(True)
        self._update_overall()

    def _update_overall(self) -> None:
        fraction, finished, total = self.model.overall()
        if self.running:
            self.title_label.setText(f"Ingesting: {finished} of {total} file{'s' if total != 1 else ''} done")
        self.overall_bar.setValue(round(fraction * 1000))
