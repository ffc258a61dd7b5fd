"""The maintenance panel's tables: each task's schedule, and the history of runs (newest first)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Generic, TypeVar

from chronotrace_desktop.domain.maintenance import (
    TASK_TITLES,
    MaintenanceRunInfo,
    MaintenanceStatus,
    TaskSchedule,
)
from chronotrace_desktop.ui import formatting as fmt
from chronotrace_desktop.ui.qt import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from chronotrace_desktop.ui.theme import DANGER, accent_text

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import timedelta

    from chronotrace_desktop.ui.qt import QPalette

Index = QModelIndex | QPersistentModelIndex
RowT = TypeVar("RowT")
_DISPLAY = Qt.ItemDataRole.DisplayRole
_STATUS_WORDS = {
    MaintenanceStatus.RUNNING: "running",
    MaintenanceStatus.SUCCEEDED: "done",
    MaintenanceStatus.FAILED: "failed",
    MaintenanceStatus.SKIPPED: "skipped",
    MaintenanceStatus.CANCELLED: "cancelled",
}


def every(interval: timedelta) -> str:
    days = interval.days
    return {1: "daily", 7: "weekly", 30: "monthly"}.get(days, f"every {days} days")


def outcome(run: MaintenanceRunInfo) -> str:
    return _STATUS_WORDS[run.status]


class _RowsModel(QAbstractTableModel, Generic[RowT]):
    """A table over a list of frozen rows, replaced whole (a handful to a few hundred rows)."""

    headers: tuple[str, ...] = ()

    def __init__(self, palette: QPalette) -> None:
        super().__init__()
        self._palette = palette
        self._rows: list[RowT] = []

    def set_rows(self, rows: Sequence[RowT]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    @property
    def rows(self) -> list[RowT]:
        return list(self._rows)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.headers)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = _DISPLAY) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == _DISPLAY and 0 <= section < len(self.headers):
            return self.headers[section]
        return None

    def data(self, index: Index, role: int = _DISPLAY) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        if role == _DISPLAY:
            return self.text(row, index.column())
        if role == Qt.ItemDataRole.ToolTipRole:
            return self.tooltip(row)
        if role == Qt.ItemDataRole.ForegroundRole and self.failed(row):
            return accent_text(DANGER, self._palette)
        return None

    def text(self, row: RowT, column: int) -> str:
        raise NotImplementedError

    def tooltip(self, row: RowT) -> str | None:
        return None

    def failed(self, row: RowT) -> bool:
        return False


class ScheduleModel(_RowsModel[TaskSchedule]):
    headers = ("Task", "Runs", "Last run (UTC)", "Outcome", "Next due (UTC)")

    def text(self, row: TaskSchedule, column: int) -> str:
        last = row.last_run
        if column == 0:
            return TASK_TITLES[row.task]
        if column == 1:
            return every(row.interval)
        if column == 2:
            return "never" if last is None else fmt.timestamp(last.started_at)
        if column == 3:
            return "" if last is None else outcome(last)
        return "due now" if row.due else fmt.timestamp(row.next_due)

    def tooltip(self, row: TaskSchedule) -> str | None:
        return None if row.last_run is None else row.last_run.message

    def failed(self, row: TaskSchedule) -> bool:
        return row.last_run is not None and row.last_run.status is MaintenanceStatus.FAILED


class HistoryModel(_RowsModel[MaintenanceRunInfo]):
    headers = ("Started (UTC)", "Task", "Trigger", "Outcome", "Rows", "By", "Message")

    def text(self, row: MaintenanceRunInfo, column: int) -> str:
        values = (
            fmt.timestamp(row.started_at, seconds=True),
            TASK_TITLES[row.task],
            row.trigger.value,
            outcome(row),
            "" if row.rows_affected is None else str(row.rows_affected),
            row.triggered_by or "",
            row.message or "",
        )
        return values[column]

    def tooltip(self, row: MaintenanceRunInfo) -> str | None:
        return row.message

    def failed(self, row: MaintenanceRunInfo) -> bool:
        return row.status is MaintenanceStatus.FAILED
