"""Item delegates: a progress bar inside a table cell (live ingest status)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chronotrace_desktop.ui.qt import QApplication, QStyle, QStyledItemDelegate, QStyleOptionProgressBar, Qt

if TYPE_CHECKING:
    from chronotrace_desktop.ui.qt import QModelIndex, QPainter, QPersistentModelIndex, QStyleOptionViewItem


class ProgressDelegate(QStyledItemDelegate):
    """Draws a progress bar with the cell's text when ``role`` holds a fraction (0..1); otherwise the usual."""

    def __init__(self, role: int, parent: object | None = None) -> None:
        super().__init__(None)
        self._role = role

    def paint(
        self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        fraction = index.data(self._role)
        if not isinstance(fraction, float):
            super().paint(painter, option, index)
            return
        if option.state & QStyle.StateFlag.State_Selected:
            painter.fillRect(option.rect, option.palette.highlight())
        bar = QStyleOptionProgressBar()
        bar.rect = option.rect.adjusted(2, 3, -2, -3)
        bar.minimum = 0
        bar.maximum = 1000
        bar.progress = round(max(0.0, min(1.0, fraction)) * 1000)
        bar.text = str(index.data(Qt.ItemDataRole.DisplayRole) or "")
        bar.textVisible = True
        bar.palette = option.palette
        bar.state = QStyle.StateFlag.State_Enabled | QStyle.StateFlag.State_Horizontal
        style = option.widget.style() if option.widget is not None else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ProgressBar, bar, painter)
