"""The files of the running (or last) ingest: stage, per-file progress, outcome and error."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from chronotrace_desktop.domain.ingest import IngestStage, IngestStatus, VideoStatus
from chronotrace_desktop.ui import formatting as fmt
from chronotrace_desktop.ui.qt import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from chronotrace_desktop.ui.theme import DANGER, STATUS_HUES, accent_text

if TYPE_CHECKING:
    from pathlib import Path

    from chronotrace_desktop.domain.ingest import IngestProgress, IngestResult
    from chronotrace_desktop.ui.qt import QPalette

FractionRole = Qt.ItemDataRole.UserRole + 10
PathRole = Qt.ItemDataRole.UserRole + 11
HEADERS = ("File", "Progress", "Result")
FILE, PROGRESS, RESULT = range(3)
Index = QModelIndex | QPersistentModelIndex

_RESULT_WORDS = {
    IngestStatus.COMPLETED: "ingested",
    IngestStatus.ALREADY_INGESTED: "already in the library",
    IngestStatus.DUPLICATE: "duplicate",
    IngestStatus.FAILED: "failed",
    IngestStatus.CANCELLED: "cancelled",
    IngestStatus.SKIPPED: "skipped (not a video)",
}


@dataclass(frozen=True, slots=True)
class FileState:
    path: Path
    stage: IngestStage = IngestStage.QUEUED
    done: int = 0
    total: int = 0
    result: IngestResult | None = None

    @property
    def fraction(self) -> float:
        if self.result is not None:
            return 1.0
        if self.stage == IngestStage.SEGMENTS and self.total > 0:
            return self.done / self.total
        return 0.0

    @property
    def progress_text(self) -> str:
        if self.result is not None:
            segments = self.result.segments
            return f"{segments} segment{'s' if segments != 1 else ''}" if segments else "—"
        if self.stage == IngestStage.SEGMENTS and self.total > 0:
            return f"{self.done}/{self.total} segments"
        return fmt.ingest_stage(self.stage, "…")


class IngestQueueModel(QAbstractTableModel):
    def __init__(self, palette: QPalette) -> None:
        super().__init__()
        self._palette = palette
        self._files: list[FileState] = []
        self._row: dict[Path, int] = {}
        self.file_count = 0  # as the service counted them (folders expanded)

    # ------------------------------------------------------------------ feeding
    def clear(self) -> None:
        self.beginResetModel()
        self._files.clear()
        self._row.clear()
        self.file_count = 0
        self.endResetModel()

    def add_queued(self, paths: list[Path]) -> None:
        for path in paths:
            self._ensure(path)

    def apply_progress(self, event: IngestProgress) -> None:
        self.file_count = max(self.file_count, event.file_count)
        row = self._ensure(event.path)
        state = self._files[row]
        if state.result is None:
            self._files[row] = replace(state, stage=event.stage, done=event.done, total=event.total)
            self._changed(row)

    def apply_result(self, result: IngestResult) -> None:
        row = self._ensure(result.path)
        self._files[row] = replace(self._files[row], result=result)
        self._changed(row)

    def drop_folders(self) -> None:
        """Remove the rows of folders once the service has listed their files."""
        for row in reversed(range(len(self._files))):
            state = self._files[row]
            if state.result is None and state.stage == IngestStage.QUEUED and state.path.is_dir():
                self.beginRemoveRows(QModelIndex(), row, row)
                self._files.pop(row)
                self.endRemoveRows()
        self._row = {state.path: i for i, state in enumerate(self._files)}

    # ------------------------------------------------------------------ summary
    @property
    def files(self) -> list[FileState]:
        return list(self._files)

    def overall(self) -> tuple[float, int, int]:
        """(fraction of the whole run, files finished, files in all)."""
        total = max(self.file_count, len([f for f in self._files if not f.path.is_dir()]), 1)
        finished = sum(1 for f in self._files if f.result is not None)
        share = sum(f.fraction for f in self._files)
        return min(1.0, share / total), finished, total

    def failures(self) -> list[IngestResult]:
        return [f.result for f in self._files if f.result is not None and not f.result.ok]

    # ------------------------------------------------------------------ Qt model API
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._files)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < 3
        ):
            return HEADERS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._files):
            return None
        state = self._files[index.row()]
        column = index.column()
        result = state.result
        if role == PathRole:
            return str(state.path)
        if role == FractionRole and column == PROGRESS:
            return state.fraction if result is None and state.stage == IngestStage.SEGMENTS else None
        if role == Qt.ItemDataRole.DisplayRole:
            if column == FILE:
                return state.path.name or str(state.path)
            if column == PROGRESS:
                return state.progress_text
            if result is None:
                return "waiting" if state.stage == IngestStage.QUEUED else "running"
            words = _RESULT_WORDS[result.status]
            return f"{words}: {result.error}" if result.error else words
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == RESULT and result is not None and (result.error or result.warnings):
                return "\n".join(x for x in (result.error, *result.warnings) if x)
            return str(state.path) if column == FILE else None
        if role == Qt.ItemDataRole.ForegroundRole and column == RESULT and result is not None:
            if result.status is IngestStatus.FAILED or result.status is IngestStatus.DUPLICATE:
                return accent_text(DANGER, self._palette)
            if result.status is IngestStatus.COMPLETED:
                return accent_text(STATUS_HUES[VideoStatus.COMPLETED], self._palette)
        return None

    # ------------------------------------------------------------------ helpers
    def _ensure(self, path: Path) -> int:
        row = self._row.get(path)
        if row is not None:
            return row
        row = len(self._files)
        self.beginInsertRows(QModelIndex(), row, row)
        self._files.append(FileState(path))
        self._row[path] = row
        self.endInsertRows()
        return row

    def _changed(self, row: int) -> None:
        self.dataChanged.emit(self.index(row, 0), self.index(row, len(HEADERS) - 1))
