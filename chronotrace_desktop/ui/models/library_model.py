"""The library table: a lazy model over video ids with a row cache (the Anki habit), plus live ingest progress.

The model holds the ordered ids. A row's data is fetched with its neighbours (``BLOCK`` rows) the first time a
view asks for it, in a worker; until then the row shows an ellipsis. Ingest progress arrives by file path and
is shown on the row of the video with that path (``ProgressRole``), without a database round trip.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from chronotrace_desktop.domain.ingest import IngestStage, VideoStatus
from chronotrace_desktop.domain.recorder_time import format_offset
from chronotrace_desktop.ui import formatting as fmt
from chronotrace_desktop.ui.qt import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    QTimer,
    Signal,
    isValid,
)
from chronotrace_desktop.ui.theme import STATUS_HUES, accent_text

if TYPE_CHECKING:
    import uuid

    from chronotrace_desktop.domain.users import Actor
    from chronotrace_desktop.services.library import LibraryService, VideoRow
    from chronotrace_desktop.ui.qt import QPalette
    from chronotrace_desktop.workers.base import WorkerPool
    from chronotrace_desktop.workers.task_state import TaskState

logger = logging.getLogger(__name__)

IdRole = Qt.ItemDataRole.UserRole
SortRole = Qt.ItemDataRole.UserRole + 1
ProgressRole = Qt.ItemDataRole.UserRole + 2  # float 0..1 while a file ingests, else None
RowRole = Qt.ItemDataRole.UserRole + 3  # the VideoRow, or None while not fetched
BLOCK = 200
LOADING = "…"
Index = QModelIndex | QPersistentModelIndex


def recorded_tooltip(row: VideoRow) -> str:
    lines = [f"Recorded {fmt.timestamp(row.recorded_at, seconds=True)} UTC"]
    if row.recorder_recorded_at is not None and row.clock_offset_s:
        lines.append(
            f"The recorder's clock said {fmt.timestamp(row.recorder_recorded_at, seconds=True)}; corrected by "
            f"{format_offset(row.clock_offset_s)} ({row.clock_source or 'set by hand'})"
        )
    elif row.clock_source:
        lines.append(f"Start from: {row.clock_source}; no clock offset")
    return "\n".join(lines)


@dataclass(frozen=True, slots=True)
class Column:
    title: str
    tooltip: str
    align_right: bool = False


COLUMNS = (
    Column("File", "The file name as ingested"),
    Column("Status", "Ingest status; failed files show their error as a tooltip"),
    Column("Segments", "15-second segments stored", align_right=True),
    Column("Faces", "Segments in which faces were seen (shown blurred)", align_right=True),
    Column("Camera", "Camera id given at ingest"),
    Column("Location", "Location given at ingest"),
    Column(
        "Recorded (UTC)",
        "When the recording started, when known: corrected for the recorder's clock, with the recorder's own "
        "time beside it when an offset applies",
    ),
    Column("Uploaded (UTC)", "When the file was ingested"),
    Column("Duration", "Length of the video", align_right=True),
    Column("Resolution", "Frame size in pixels", align_right=True),
)
FILE, STATUS, SEGMENTS, FACES, CAMERA, LOCATION, RECORDED, UPLOADED, DURATION, RESOLUTION = range(
    len(COLUMNS)
)


@dataclass(frozen=True, slots=True)
class LiveProgress:
    stage: IngestStage
    done: int
    total: int

    @property
    def fraction(self) -> float | None:
        return self.done / self.total if self.total > 0 else None

    @property
    def text(self) -> str:
        if self.stage == IngestStage.SEGMENTS and self.total > 0:
            return f"processing {self.done}/{self.total}"
        return fmt.ingest_stage(self.stage)


def _fetch_rows(
    state: TaskState, library: LibraryService, actor: Actor, ids: list[uuid.UUID]
) -> dict[uuid.UUID, VideoRow]:
    return library.rows(actor, ids)


def _fetch_ids(
    state: TaskState, library: LibraryService, actor: Actor
) -> tuple[list[uuid.UUID], dict[uuid.UUID, VideoRow]]:
    ids = library.video_ids(actor)
    return ids, library.rows(actor, ids[:BLOCK])


class VideoTableModel(QAbstractTableModel):
    """``reload()`` fetches the ids; rows arrive lazily. ``loaded`` is emitted after each id refresh."""

    loaded = Signal()
    errored = Signal(Exception)

    def __init__(
        self,
        library: LibraryService,
        actor: Actor,
        pool: WorkerPool,
        palette: QPalette,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._library = library
        self._actor = actor
        self._pool = pool
        self._palette = palette
        self._ids: list[uuid.UUID] = []
        self._rows: dict[uuid.UUID, VideoRow] = {}
        self._requested: set[uuid.UUID] = set()
        self._wanted: set[uuid.UUID] = set()
        self._progress: dict[str, LiveProgress] = {}  # by original path
        self._reload_timer = QTimer(self)
        self._reload_timer.setSingleShot(True)
        self._reload_timer.setInterval(300)
        self._reload_timer.timeout.connect(self.reload)
        self._fetch_timer = QTimer(self)
        self._fetch_timer.setSingleShot(True)
        self._fetch_timer.timeout.connect(self._fetch_wanted)
        self.loading = False

    # ------------------------------------------------------------------ public
    def set_palette(self, palette: QPalette) -> None:
        self._palette = palette
        if self._ids:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._ids) - 1, len(COLUMNS) - 1))

    def reload(self) -> None:
        self.loading = True
        worker = self._pool.submit(_fetch_ids, self._library, self._actor, name="library ids")
        worker.connect(returned=self._on_ids, errored=self._on_error)

    def schedule_reload(self) -> None:
        self._reload_timer.start()

    def refresh(self, video_ids: list[uuid.UUID]) -> None:
        """Fetch these rows again (their status or counts changed)."""
        known = [v for v in video_ids if v in self._rows or v in self._ids]
        for video_id in known:
            self._rows.pop(video_id, None)
            self._requested.discard(video_id)
        self._wanted.update(known)
        self._fetch_timer.start(0)

    def video_id(self, row: int) -> uuid.UUID:
        return self._ids[row]

    def row_of(self, video_id: uuid.UUID) -> int:
        return self._ids.index(video_id) if video_id in self._ids else -1

    def cached(self, video_id: uuid.UUID) -> VideoRow | None:
        return self._rows.get(video_id)

    def set_progress(self, path: str, stage: IngestStage, done: int, total: int) -> None:
        self._progress[path] = LiveProgress(stage, done, total)
        row = self._row_of_path(path)
        if row < 0:
            self.schedule_reload()  # a new video row was created by the ingest
            return
        self.dataChanged.emit(self.index(row, STATUS), self.index(row, STATUS))

    def clear_progress(self, path: str) -> None:
        self._progress.pop(path, None)
        row = self._row_of_path(path)
        if row >= 0:
            self.refresh([self._ids[row]])

    # ------------------------------------------------------------------ Qt model API
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._ids)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(COLUMNS):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section].title
        if role == Qt.ItemDataRole.ToolTipRole:
            return COLUMNS[section].tooltip
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._ids):
            return None
        video_id = self._ids[index.row()]
        if role == IdRole:
            return video_id
        row = self._rows.get(video_id)
        if row is None:
            self._want(video_id)
            return LOADING if role == Qt.ItemDataRole.DisplayRole and index.column() == FILE else None
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(row, column)
        if role == SortRole:
            return self._sort_key(row, column)
        if role == RowRole:
            return row
        if role == ProgressRole and column == STATUS:
            live = self._progress.get(row.original_path)
            return live.fraction if live is not None and row.status == VideoStatus.PROCESSING else None
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(row, column)
        if role == Qt.ItemDataRole.ForegroundRole and column == STATUS:
            hue = STATUS_HUES.get(row.status)
            done = row.status == VideoStatus.COMPLETED
            return accent_text(hue, self._palette) if hue is not None and not done else None
        if role == Qt.ItemDataRole.TextAlignmentRole and COLUMNS[column].align_right:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    # ------------------------------------------------------------------ cells
    def _display(self, row: VideoRow, column: int) -> str:
        if column == STATUS:
            live = self._progress.get(row.original_path)
            if row.status == VideoStatus.PROCESSING and live is not None:
                return live.text
            return str(row.status)
        values = {
            FILE: row.filename,
            CAMERA: row.camera_id or "",
            LOCATION: row.location or "",
            RECORDED: fmt.timestamp(row.recorded_at, seconds=row.clock_offset_s is not None)
            + fmt.recorder_note(row.recorded_at, row.recorder_recorded_at),
            UPLOADED: fmt.timestamp(row.uploaded_at),
            DURATION: fmt.duration(row.duration_s),
            RESOLUTION: row.resolution or "",
            SEGMENTS: str(row.segment_count),
            FACES: str(row.face_segments) if row.face_segments else "",
        }
        return values[column]

    @staticmethod
    def _sort_key(row: VideoRow, column: int) -> Any:
        keys: dict[int, Any] = {
            FILE: row.filename.lower(),
            CAMERA: (row.camera_id or "").lower(),
            LOCATION: (row.location or "").lower(),
            RECORDED: row.recorded_at.isoformat() if row.recorded_at else "",
            UPLOADED: row.uploaded_at.isoformat() if row.uploaded_at else "",
            DURATION: row.duration_s or 0.0,
            RESOLUTION: _pixels(row.resolution),
            STATUS: str(row.status),
            SEGMENTS: row.segment_count,
            FACES: row.face_segments,
        }
        return keys[column]

    @staticmethod
    def _tooltip(row: VideoRow, column: int) -> str | None:
        if column == STATUS and row.error_message:
            return f"{row.status}: {row.error_message}"
        if column == STATUS and row.warnings:
            return "Warnings:\n" + "\n".join(row.warnings)
        if column == FILE:
            return f"{row.original_path}\n{fmt.size(row.size_bytes)}"
        if column == RECORDED and row.recorded_at is not None:
            return recorded_tooltip(row)
        return None

    # ------------------------------------------------------------------ fetching
    def _row_of_path(self, path: str) -> int:
        for i, video_id in enumerate(self._ids):
            row = self._rows.get(video_id)
            if row is not None and row.original_path == path:
                return i
        return -1

    def _want(self, video_id: uuid.UUID) -> None:
        if video_id in self._requested:
            return
        self._wanted.add(video_id)
        if not self._fetch_timer.isActive():
            self._fetch_timer.start(0)  # after the view's paint: one fetch for all the rows it asked for

    def _fetch_wanted(self) -> None:
        wanted = [v for v in self._ids if v in self._wanted and v not in self._requested]
        self._wanted.clear()
        if not wanted:
            return
        first = self._ids.index(wanted[0])
        block = [
            v for v in self._ids[first : first + BLOCK] if v not in self._rows and v not in self._requested
        ]
        batch = list(dict.fromkeys(wanted[:BLOCK] + block))[:BLOCK]
        self._requested.update(batch)
        worker = self._pool.submit(_fetch_rows, self._library, self._actor, batch, name="library rows")
        worker.connect(
            returned=lambda rows: self._on_rows(batch, rows),
            errored=lambda exc: self._on_rows_failed(batch, exc),
        )

    def _on_rows(self, batch: list[uuid.UUID], rows: dict[uuid.UUID, VideoRow]) -> None:
        if not isValid(self):  # the pane closed while the rows were on their way
            return
        self._requested.difference_update(batch)
        self._rows.update(rows)
        positions = sorted(self._ids.index(v) for v in rows if v in self._ids)
        if positions:
            self.dataChanged.emit(self.index(positions[0], 0), self.index(positions[-1], len(COLUMNS) - 1))
        gone = [v for v in batch if v not in rows and v in self._ids]
        if gone:  # deleted meanwhile
            self.schedule_reload()

    def _on_rows_failed(self, batch: list[uuid.UUID], exc: BaseException) -> None:
        if not isValid(self):
            return
        self._requested.difference_update(batch)
        self._on_error(exc)

    def _on_error(self, exc: BaseException) -> None:
        self.loading = False
        self.errored.emit(exc)

    def _on_ids(self, result: tuple[list[uuid.UUID], dict[uuid.UUID, VideoRow]]) -> None:
        ids, rows = result
        self.loading = False
        self._rows.update(rows)
        self._apply_ids(ids)
        for video_id in rows:
            self._requested.discard(video_id)
        if self._ids:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._ids) - 1, len(COLUMNS) - 1))
        self.loaded.emit()

    def _apply_ids(self, ids: list[uuid.UUID]) -> None:
        """Move to the new id list with row removals and insertions (views keep their selection)."""
        new = set(ids)
        for row in reversed(range(len(self._ids))):
            if self._ids[row] not in new:
                self.beginRemoveRows(QModelIndex(), row, row)
                self._rows.pop(self._ids.pop(row), None)
                self.endRemoveRows()
        kept = set(self._ids)
        if [v for v in ids if v in kept] != self._ids:  # order changed: start over
            self.beginResetModel()
            self._ids = list(ids)
            self.endResetModel()
            return
        for position, video_id in enumerate(ids):
            if video_id not in kept:
                self.beginInsertRows(QModelIndex(), position, position)
                self._ids.insert(position, video_id)
                self.endInsertRows()


def _pixels(resolution: str | None) -> int:
    try:
        width, height = (resolution or "").split("x")
        return int(width) * int(height)
    except ValueError:
        return 0


class LibraryFilterProxy(QSortFilterProxyModel):
    """Filters on words in the file name, camera or location, and on the status; sorts on ``SortRole``."""

    def __init__(self) -> None:
        super().__init__()
        self._words: list[str] = []
        self._status: VideoStatus | None = None
        self.setSortRole(SortRole)
        self.setDynamicSortFilter(True)

    def set_text(self, text: str) -> None:
        self.beginFilterChange()
        self._words = text.lower().split()
        self.endFilterChange()

    def set_status(self, status: str | None) -> None:
        self.beginFilterChange()
        self._status = VideoStatus(status) if status else None
        self.endFilterChange()

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:
        if not self._words and self._status is None:
            return True
        model = self.sourceModel()
        row = model.data(model.index(source_row, 0, source_parent), RowRole)
        if row is None:
            return True  # not fetched yet: shown until its data says otherwise
        if self._status is not None and row.status != self._status:
            return False
        haystack = " ".join(x for x in (row.filename, row.camera_id, row.location) if x).lower()
        return all(word in haystack for word in self._words)

    def lessThan(self, left: Index, right: Index) -> bool:
        a, b = left.data(SortRole), right.data(SortRole)
        if a is None or b is None:
            return a is None and b is not None
        try:
            return bool(a < b)
        except TypeError:
            return str(a) < str(b)
