"""The audit trail table: a lazy model over row ids (millions of rows without a stall).

The model holds the ids fetched so far, a page at a time: the view asks ``canFetchMore``/``fetchMore`` as it
scrolls near the end, and the next page of ids (a keyset page, ``AuditReader.page_ids``) is read in a worker.
A row's cells are built the first time a view shows it: its id and its neighbours' (``BLOCK``) are read in a
worker while the row shows an ellipsis, and kept in a small cache (``CACHE_ROWS``, least recently used out).
One model shows either every action (``TrailMode.ALL``) or the PII reveals with their segments
(``TrailMode.REVEALS``). A new filter (:meth:`AuditTableModel.set_query`) starts over; answers to an older
filter are dropped.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from dataclasses import replace
from enum import Enum
from typing import TYPE_CHECKING, Any

from chronotrace_desktop.domain.audit import AuditAction
from chronotrace_desktop.services.access import AuditCount, AuditEntry, AuditQuery, RevealEntry
from chronotrace_desktop.ui import formatting as fmt
from chronotrace_desktop.ui.qt import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
    isValid,
)

if TYPE_CHECKING:
    import uuid

    from chronotrace_desktop.domain.users import Actor
    from chronotrace_desktop.services.access import AuditCursor, AuditPage, AuditReader
    from chronotrace_desktop.workers.base import WorkerPool
    from chronotrace_desktop.workers.task_state import TaskState

logger = logging.getLogger(__name__)

IdRole = Qt.ItemDataRole.UserRole
EntryRole = Qt.ItemDataRole.UserRole + 1  # the AuditEntry or RevealEntry, or None while not fetched
PAGE = 200
BLOCK = 100
CACHE_ROWS = 2000
LOADING = "\u2026"
GONE = "(no longer in audit_log)"  # a row moved to the archive since its id was paged
Index = QModelIndex | QPersistentModelIndex
Row = AuditEntry | RevealEntry


class TrailMode(Enum):
    ALL = "all"
    REVEALS = "reveals"


# Starting widths in pixels; the last column stretches.
WIDTHS = {TrailMode.ALL: (140, 190, 140, 130, 110), TrailMode.REVEALS: (140, 190, 80, 140, 140, 90)}
COLUMNS = {
    TrailMode.ALL: ("Time (UTC)", "User", "Action", "Resource", "Outcome", "Justification or error"),
    TrailMode.REVEALS: (
        "Time (UTC)",
        "User",
        "Camera",
        "Segment start (UTC)",
        "Video",
        "Address",
        "Justification",
    ),
}


def cells(row: Row) -> tuple[str, ...]:
    """What a row shows, column by column."""
    when = fmt.timestamp(row.created_at, seconds=True)
    if isinstance(row, RevealEntry):
        return (
            when,
            row.username or "",
            row.camera_id or "",
            fmt.timestamp(row.segment_start, seconds=True) if row.segment_start else "(segment removed)",
            row.video_filename or "",
            row.ip_address or "",
            row.justification or "",
        )
    resource = row.resource_type or ""
    if row.resource_id is not None:
        resource = f"{resource} {str(row.resource_id)[:8]}"
    return (
        when,
        row.username or "(nobody signed in)",
        row.action,
        resource,
        "ok" if row.success else "refused or failed",
        row.error_message or row.justification or "",
    )


def _page(
    state: TaskState, reader: AuditReader, actor: Actor, query: AuditQuery, after: AuditCursor | None
) -> AuditPage:
    return reader.page_ids(actor, query, after_row=after, limit=PAGE)


def _rows(
    state: TaskState, reader: AuditReader, actor: Actor, mode: TrailMode, ids: list[uuid.UUID]
) -> list[Row]:
    if mode is TrailMode.REVEALS:
        return list(reader.reveals_by_ids(actor, ids))
    return list(reader.entries_by_ids(actor, ids))


def _count(state: TaskState, reader: AuditReader, actor: Actor, query: AuditQuery) -> AuditCount:
    return reader.count(actor, query)


class AuditTableModel(QAbstractTableModel):
    """``set_query`` starts over; ``page_loaded`` after each page of ids, ``counted`` with the match count."""

    page_loaded = Signal()
    counted = Signal(AuditCount)
    errored = Signal(Exception)

    def __init__(
        self,
        reader: AuditReader,
        actor: Actor,
        pool: WorkerPool,
        mode: TrailMode,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._reader = reader
        self._actor = actor
        self._pool = pool
        self.mode = mode
        self._query = self._scoped(AuditQuery())
        self._generation = 0
        self._ids: list[uuid.UUID] = []
        self._position: dict[uuid.UUID, int] = {}
        self._cursor: AuditCursor | None = None
        self._more = False
        self._paging = False
        self._cache: OrderedDict[uuid.UUID, Row] = OrderedDict()
        self._requested: set[uuid.UUID] = set()
        self._gone: set[uuid.UUID] = set()
        self._wanted: set[uuid.UUID] = set()
        self._fetch_timer = QTimer(self)
        self._fetch_timer.setSingleShot(True)
        self._fetch_timer.timeout.connect(self._fetch_wanted)

    # ------------------------------------------------------------------ public
    @property
    def query(self) -> AuditQuery:
        return self._query

    @property
    def loading(self) -> bool:
        return self._paging or bool(self._requested)

    def set_query(self, query: AuditQuery) -> None:
        """Show the rows ``query`` matches (the reveals among them in ``REVEALS`` mode), from the newest."""
        self.beginResetModel()
        self._generation += 1
        self._query = self._scoped(query)
        self._ids, self._position, self._cursor = [], {}, None
        self._cache.clear()
        self._gone.clear()
        self._requested.clear()
        self._wanted.clear()
        self._more, self._paging = True, False
        self.endResetModel()
        self._next_page()
        generation = self._generation
        worker = self._pool.submit(_count, self._reader, self._actor, self._query, name="audit count")
        worker.connect(returned=lambda count: self._on_count(generation, count), errored=self._on_error)

    def entry(self, row: int) -> Row | None:
        return self._cache.get(self._ids[row]) if 0 <= row < len(self._ids) else None

    def row_id(self, row: int) -> uuid.UUID:
        return self._ids[row]

    # ------------------------------------------------------------------ Qt model API
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._ids)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS[self.mode])

    def canFetchMore(self, parent: Index) -> bool:  # noqa: N802 - Qt override
        return not parent.isValid() and self._more and not self._paging

    def fetchMore(self, parent: Index) -> None:  # noqa: N802 - Qt override
        if self.canFetchMore(parent):
            self._next_page()

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        titles = COLUMNS[self.mode]
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(titles)
        ):
            return titles[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._ids):
            return None
        row_id = self._ids[index.row()]
        if role == IdRole:
            return row_id
        row = self._cache.get(row_id)
        if row is None and row_id in self._gone:
            return GONE if role == Qt.ItemDataRole.DisplayRole and index.column() == 0 else None
        if row is None:
            self._want(row_id)
            return LOADING if role == Qt.ItemDataRole.DisplayRole and index.column() == 0 else None
        self._cache.move_to_end(row_id)
        if role == EntryRole:
            return row
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            text = cells(row)[index.column()]
            return text if role == Qt.ItemDataRole.DisplayRole or len(text) > 40 else None
        return None

    # ------------------------------------------------------------------ fetching
    def _scoped(self, query: AuditQuery) -> AuditQuery:
        return replace(query, actions=(AuditAction.PII_REVEAL,)) if self.mode is TrailMode.REVEALS else query

    def _next_page(self) -> None:
        self._paging = True
        generation = self._generation
        worker = self._pool.submit(
            _page, self._reader, self._actor, self._query, self._cursor, name="audit page"
        )
        worker.connect(returned=lambda page: self._on_page(generation, page), errored=self._on_error)

    def _on_page(self, generation: int, page: AuditPage) -> None:
        if not isValid(self) or generation != self._generation:
            return
        self._paging = False
        self._cursor, self._more = page.next, page.next is not None
        fresh = [i for i in page.ids if i not in self._position]
        if fresh:
            first = len(self._ids)
            self.beginInsertRows(QModelIndex(), first, first + len(fresh) - 1)
            for offset, row_id in enumerate(fresh):
                self._position[row_id] = first + offset
            self._ids.extend(fresh)
            self.endInsertRows()
        self.page_loaded.emit()

    def _on_count(self, generation: int, count: AuditCount) -> None:
        if isValid(self) and generation == self._generation:
            self.counted.emit(count)

    def _on_error(self, exc: Exception) -> None:
        if isValid(self):
            self._paging = self._more = False  # no retry by the view's fetchMore: a new query tries again
            self.errored.emit(exc)

    def _want(self, row_id: uuid.UUID) -> None:
        if row_id in self._requested:
            return
        self._wanted.add(row_id)
        if not self._fetch_timer.isActive():
            self._fetch_timer.start(0)  # after the view's paint: one fetch for all the rows it asked for

    def _fetch_wanted(self) -> None:
        wanted = sorted(self._position[i] for i in self._wanted if i in self._position)
        self._wanted.clear()
        if not wanted:
            return
        block = [
            i
            for i in self._ids[wanted[0] : wanted[0] + BLOCK]
            if i not in self._cache and i not in self._requested and i not in self._gone
        ]
        batch = list(dict.fromkeys([self._ids[p] for p in wanted[:BLOCK]] + block))[:BLOCK]
        self._requested.update(batch)
        generation = self._generation
        worker = self._pool.submit(_rows, self._reader, self._actor, self.mode, batch, name="audit rows")
        worker.connect(
            returned=lambda rows: self._on_rows(generation, batch, rows),
            errored=lambda exc: self._on_rows_failed(generation, batch, exc),
        )

    def _on_rows(self, generation: int, batch: list[uuid.UUID], rows: list[Row]) -> None:
        if not isValid(self) or generation != self._generation:
            return
        self._requested.difference_update(batch)
        for row in rows:
            self._cache[row.id] = row
        self._gone.update(set(batch) - {row.id for row in rows})
        while len(self._cache) > CACHE_ROWS:
            self._cache.popitem(last=False)
        positions = [self._position[i] for i in batch if i in self._position]
        if positions:
            last = self.columnCount() - 1
            self.dataChanged.emit(self.index(min(positions), 0), self.index(max(positions), last))

    def _on_rows_failed(self, generation: int, batch: list[uuid.UUID], exc: Exception) -> None:
        if not isValid(self) or generation != self._generation:
            return
        self._requested.difference_update(batch)
        self.errored.emit(exc)
