"""The team's ingest queue as a table: each queued file, its status (running on which worker), its progress.

Rows are frozen :class:`IngestJob` values replaced by each poll; when the same jobs come back (the usual case
between two polls) the rows change in place (``dataChanged``), so a selection and the scroll position stay.
"""

from __future__ import annotations

from pathlib import PurePath
from typing import TYPE_CHECKING, Any

from chronotrace_desktop.domain.jobs import IngestJob, JobStatus
from chronotrace_desktop.ui.qt import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from chronotrace_desktop.ui.theme import DANGER, accent_text

if TYPE_CHECKING:
    from collections.abc import Sequence

    from chronotrace_desktop.ui.qt import QPalette

Index = QModelIndex | QPersistentModelIndex
FILE, STATUS, WORKER, PROGRESS, MESSAGE = range(5)
HEADERS = ("File", "Status", "Worker", "Progress", "Message")
JobIdRole = Qt.ItemDataRole.UserRole + 1
FractionRole = Qt.ItemDataRole.UserRole + 2  # float 0..1 while running, else None


def status_text(job: IngestJob) -> str:
    if job.status is JobStatus.RUNNING and job.worker_host:
        return "running"
    if job.status is JobStatus.QUEUED and job.attempts:
        return f"queued (attempt {job.attempts + 1})"
    return job.status.label


class IngestJobsModel(QAbstractTableModel):
    def __init__(self, palette: QPalette) -> None:
        super().__init__()
        self._palette = palette
        self._rows: list[IngestJob] = []

    @property
    def rows(self) -> list[IngestJob]:
        return list(self._rows)

    def set_jobs(self, jobs: Sequence[IngestJob]) -> None:
        if [j.id for j in jobs] == [j.id for j in self._rows]:
            self._rows = list(jobs)
            if self._rows:
                last = self.index(len(self._rows) - 1, len(HEADERS) - 1)
                self.dataChanged.emit(self.index(0, 0), last)
            return
        self.beginResetModel()
        self._rows = list(jobs)
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        job = self._rows[index.row()]
        column = index.column()
        if role == JobIdRole:
            return job.id
        if role == FractionRole:
            running = job.status is JobStatus.RUNNING and job.total > 0
            return job.done / job.total if column == PROGRESS and running else None
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(job, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            return job.path if column == FILE else (job.message if column == MESSAGE else None)
        if role == Qt.ItemDataRole.ForegroundRole and column == STATUS and job.status is JobStatus.FAILED:
            return accent_text(DANGER, self._palette)
        return None

    @staticmethod
    def _display(job: IngestJob, column: int) -> str:
        if column == FILE:
            return PurePath(job.path).name
        if column == STATUS:
            return status_text(job)
        if column == WORKER:
            return f"{job.worker_host}:{job.worker_pid}" if job.worker_host else ""
        if column == PROGRESS:
            if job.status is JobStatus.DONE:
                return f"{job.total} segments"
            return f"{job.done}/{job.total} segments" if job.total else ""
        return job.message or ""
