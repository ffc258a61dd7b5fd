"""A case's bookmarks as a table: time (UTC; the recorder's own beside it when an offset corrects the video's
clock), camera, the note's first line, author. A small model: a case holds tens of bookmarks, not thousands, so
the rows are the service's frozen records themselves."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from chronotrace_desktop.ui import formatting as fmt
from chronotrace_desktop.ui.qt import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

if TYPE_CHECKING:
    import uuid
    from collections.abc import Mapping, Sequence
    from datetime import datetime

    from chronotrace_desktop.domain.cases import Bookmark

IdRole = Qt.ItemDataRole.UserRole
BookmarkRole = Qt.ItemDataRole.UserRole + 1
Index = QModelIndex | QPersistentModelIndex
HEADERS = ("Time (UTC)", "Camera", "Note", "By")
TIME, CAMERA, NOTE, AUTHOR = range(len(HEADERS))


def when(mark: Bookmark, recorder_start: datetime | None = None) -> str:
    """The wall-clock time (the recorder's beside it, from ``recorder_start``, when they differ), or the offset
    into the video when its start is unknown."""
    wall = mark.wall_time
    if wall is None:
        return f"{fmt.clock(mark.offset_s)} into {mark.filename or 'the video'}"
    recorder = recorder_start + timedelta(seconds=mark.offset_s) if recorder_start is not None else None
    return f"{wall:%Y-%m-%d %H:%M:%S}" + fmt.recorder_note(wall, recorder)


def first_line(note: str) -> str:
    line = note.strip().splitlines()[0] if note.strip() else ""
    return line if line else "(no note)"


class BookmarkModel(QAbstractTableModel):
    def __init__(self) -> None:
        super().__init__()
        self._items: list[Bookmark] = []
        self._recorder: dict[uuid.UUID, datetime] = {}

    def set_items(
        self, items: Sequence[Bookmark], recorder_starts: Mapping[uuid.UUID, datetime] | None = None
    ) -> None:
        """``recorder_starts``: the recorder's own start of the videos whose clock an offset corrects."""
        self.beginResetModel()
        self._items = list(items)
        self._recorder = dict(recorder_starts or {})
        self.endResetModel()

    def when(self, mark: Bookmark) -> str:
        return when(mark, self._recorder.get(mark.video_id))

    def item(self, row: int) -> Bookmark | None:
        return self._items[row] if 0 <= row < len(self._items) else None

    def row_of(self, bookmark_id: object) -> int:
        return next((i for i, b in enumerate(self._items) if b.bookmark_id == bookmark_id), -1)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._items)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(HEADERS)
        ):
            return HEADERS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        mark = self.item(index.row()) if index.isValid() else None
        if mark is None:
            return None
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return (
                self.when(mark),
                mark.camera_id or "",
                first_line(mark.note),
                mark.created_by or "",
            )[column]
        if role == Qt.ItemDataRole.ToolTipRole:
            box = " \u00b7 a box is marked" if mark.box is not None else ""
            return f"{mark.filename or mark.video_id} at {fmt.clock(mark.offset_s)}{box}\n{mark.note or '(no note)'}"
        if role == IdRole:
            return mark.bookmark_id
        if role == BookmarkRole:
            return mark
        return None
