"""A table of the services' frozen records, for the Administration window's lists (users, API keys).

An installation holds tens of users and keys, not thousands, so the rows are the records themselves; a
subclass says which cells a record shows and whether it is still in force (rows that are not — a disabled
account, a revoked or expired key — are drawn in the placeholder colour).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Generic, TypeVar

from chronotrace_desktop.ui.qt import (
    QAbstractTableModel,
    QGuiApplication,
    QModelIndex,
    QPalette,
    QPersistentModelIndex,
    Qt,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

T = TypeVar("T")
Index = QModelIndex | QPersistentModelIndex
IdRole = Qt.ItemDataRole.UserRole
RecordRole = Qt.ItemDataRole.UserRole + 1


class RecordTableModel(QAbstractTableModel, Generic[T]):
    headers: tuple[str, ...] = ()

    def __init__(self) -> None:
        super().__init__()
        self._items: list[T] = []

    # ------------------------------------------------------------------ what a subclass says
    def cells(self, item: T) -> tuple[str, ...]:
        raise NotImplementedError

    def key(self, item: T) -> object:
        raise NotImplementedError

    def in_force(self, item: T) -> bool:
        return True

    def tooltip(self, item: T) -> str | None:
        return None

    # ------------------------------------------------------------------ the records
    def set_items(self, items: Sequence[T]) -> None:
        self.beginResetModel()
        self._items = list(items)
        self.endResetModel()

    def items(self) -> list[T]:
        return list(self._items)

    def item(self, row: int) -> T | None:
        return self._items[row] if 0 <= row < len(self._items) else None

    def row_of(self, key: object) -> int:
        return next((i for i, item in enumerate(self._items) if self.key(item) == key), -1)

    # ------------------------------------------------------------------ Qt overrides
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._items)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.headers)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(self.headers)
        ):
            return self.headers[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        item = self.item(index.row()) if index.isValid() else None
        if item is None or not 0 <= index.column() < len(self.headers):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.cells(item)[index.column()]
        if role == Qt.ItemDataRole.ToolTipRole:
            return self.tooltip(item)
        if role == Qt.ItemDataRole.ForegroundRole and not self.in_force(item):
            return QGuiApplication.palette().brush(QPalette.ColorRole.PlaceholderText)
        if role == IdRole:
            return self.key(item)
        if role == RecordRole:
            return item
        return None
