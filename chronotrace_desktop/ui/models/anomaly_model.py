"""The anomaly queue as a table: severity colour, type, camera, detected time, confidence, status."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any, Protocol

from chronotrace_desktop.domain.anomalies import Severity
from chronotrace_desktop.ui import formatting as fmt
from chronotrace_desktop.ui.qt import (
    QAbstractTableModel,
    QBrush,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from chronotrace_desktop.ui.theme import SEVERITY_HUES, tint

if TYPE_CHECKING:
    import uuid
    from collections.abc import Sequence
    from datetime import datetime

    from chronotrace_desktop.ui.qt import QPalette

IdRole = Qt.ItemDataRole.UserRole
SortRole = Qt.ItemDataRole.UserRole + 1
ItemRole = Qt.ItemDataRole.UserRole + 2
Index = QModelIndex | QPersistentModelIndex
SEVERITY_ORDER = {Severity.CRITICAL: 0, Severity.HIGH: 1, Severity.MEDIUM: 2, Severity.LOW: 3}
HEADERS = ("Severity", "Type", "Title", "Camera", "Detected (UTC)", "Confidence", "Status")
SEVERITY, TYPE, TITLE, CAMERA, DETECTED, CONFIDENCE, STATUS = range(len(HEADERS))


class AnomalyLike(Protocol):
    """What the queue shows of an anomaly (the service's record has at least these)."""

    @property
    def id(self) -> uuid.UUID: ...
    @property
    def segment_id(self) -> uuid.UUID: ...
    @property
    def video_id(self) -> uuid.UUID: ...
    @property
    def metadata(self) -> dict[str, Any]: ...
    @property
    def type(self) -> str: ...
    @property
    def severity(self) -> Severity: ...
    @property
    def title(self) -> str | None: ...
    @property
    def camera_id(self) -> str | None: ...
    @property
    def detected_at(self) -> datetime: ...
    @property
    def confidence(self) -> float: ...
    @property
    def status(self) -> str: ...


def _recorder(item: AnomalyLike) -> str:
    """`` (recorder 14:28:52)`` when the video's recorder clock was corrected."""
    offset = (item.metadata or {}).get("clock_offset_s")
    if not offset or item.detected_at is None:
        return ""
    return fmt.recorder_note(item.detected_at, item.detected_at - timedelta(seconds=float(offset)))


def words(value: str) -> str:
    return value.replace("_", " ")


class AnomalyTableModel(QAbstractTableModel):
    def __init__(self, palette: QPalette) -> None:
        super().__init__()
        self._palette = palette
        self._items: list[AnomalyLike] = []

    def set_palette(self, palette: QPalette) -> None:
        self._palette = palette
        if self._items:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._items) - 1, len(HEADERS) - 1))

    def set_items(self, items: Sequence[AnomalyLike]) -> None:
        self.beginResetModel()
        self._items = list(items)
        self.endResetModel()

    def replace_item(self, item: AnomalyLike) -> None:
        for row, old in enumerate(self._items):
            if old.id == item.id:
                self._items[row] = item
                self.dataChanged.emit(self.index(row, 0), self.index(row, len(HEADERS) - 1))
                return

    def item(self, row: int) -> AnomalyLike:
        return self._items[row]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._items)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[section] if 0 <= section < len(HEADERS) else None
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._items):
            return None
        item = self._items[index.row()]
        column = index.column()
        if role == IdRole:
            return item.id
        if role == ItemRole:
            return item
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(item, column)
        if role == SortRole:
            return self._sort_key(item, column)
        if role == Qt.ItemDataRole.BackgroundRole and column == SEVERITY:
            hue = SEVERITY_HUES.get(item.severity)
            return QBrush(tint(hue, self._palette, 0.45)) if hue is not None else None
        if role == Qt.ItemDataRole.ToolTipRole:
            return item.title or words(item.type)
        if role == Qt.ItemDataRole.TextAlignmentRole and column == CONFIDENCE:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    @staticmethod
    def _display(item: AnomalyLike, column: int) -> str:
        values = {
            SEVERITY: item.severity,
            TYPE: words(item.type),
            TITLE: item.title or "",
            CAMERA: item.camera_id or "",
            DETECTED: fmt.timestamp(item.detected_at, seconds=True) + _recorder(item),
            CONFIDENCE: f"{float(item.confidence):.0%}",
            STATUS: words(item.status),
        }
        return values[column]

    @staticmethod
    def _sort_key(item: AnomalyLike, column: int) -> Any:
        keys: dict[int, Any] = {
            SEVERITY: SEVERITY_ORDER.get(item.severity, 9),
            TYPE: item.type,
            TITLE: (item.title or "").lower(),
            CAMERA: item.camera_id or "",
            DETECTED: item.detected_at.isoformat() if item.detected_at else "",
            CONFIDENCE: float(item.confidence),
            STATUS: item.status,
        }
        return keys[column]


class AnomalyFilterProxy(QSortFilterProxyModel):
    """Filters on status, severity, type and camera (``None``: any)."""

    def __init__(self) -> None:
        super().__init__()
        self.wanted: dict[str, str | None] = {
            "status": None,
            "severity": None,
            "type": None,
            "camera_id": None,
        }
        self.setSortRole(SortRole)

    def set_filter(self, field: str, value: str | None) -> None:
        self.beginFilterChange()
        self.wanted[field] = value or None
        self.endFilterChange()

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:
        model = self.sourceModel()
        item = model.data(model.index(source_row, 0, source_parent), ItemRole)
        if item is None:
            return False
        return all(value is None or getattr(item, field) == value for field, value in self.wanted.items())

    def lessThan(self, left: Index, right: Index) -> bool:
        a, b = left.data(SortRole), right.data(SortRole)
        try:
            return bool(a < b)
        except TypeError:
            return str(a) < str(b)
