"""The hits view: a thumbnail grid or a list with score, time, camera and why each hit matched."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chronotrace_desktop.ui.models.search_model import HitRole, ShortWhenRole, WhenRole, WhyRole, where_text
from chronotrace_desktop.ui.qt import (
    QAbstractItemView,
    QFont,
    QListView,
    QPalette,
    QPixmap,
    QRect,
    QSize,
    QStyle,
    QStyledItemDelegate,
    Qt,
)
from chronotrace_desktop.ui.theme import tint

if TYPE_CHECKING:
    from chronotrace_desktop.domain.search import SearchHit
    from chronotrace_desktop.ui.qt import (
        QModelIndex,
        QPainter,
        QPersistentModelIndex,
        QStyleOptionViewItem,
        QWidget,
    )

THUMB_GRID = QSize(192, 108)
THUMB_LIST = QSize(128, 72)
PAD = 6


class HitDelegate(QStyledItemDelegate):
    def __init__(self, view: QListView) -> None:
        super().__init__(view)
        self._view = view

    @property
    def grid(self) -> bool:
        return self._view.viewMode() == QListView.ViewMode.IconMode

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> QSize:
        line = self._view.fontMetrics().height()
        if self.grid:
            return QSize(THUMB_GRID.width() + 2 * PAD, THUMB_GRID.height() + 3 * line + 3 * PAD)
        return QSize(400, max(THUMB_LIST.height(), 4 * line + 6) + 2 * PAD)

    def paint(
        self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        hit: SearchHit | None = index.data(HitRole)
        if hit is None:
            return
        rect: QRect = option.rect
        palette: QPalette = option.palette
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        painter.save()
        if selected:
            painter.fillRect(rect, palette.color(QPalette.ColorRole.Highlight))
        elif index.row() % 2 and not self.grid:
            painter.fillRect(rect, palette.color(QPalette.ColorRole.AlternateBase))
        text_colour = palette.color(
            QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        )
        muted = text_colour if selected else palette.color(QPalette.ColorRole.PlaceholderText)
        thumb_size = THUMB_GRID if self.grid else THUMB_LIST
        inner = rect.adjusted(PAD, PAD, -PAD, -PAD)
        thumb_rect = QRect(inner.topLeft(), thumb_size)
        self._paint_thumbnail(painter, thumb_rect, index.data(Qt.ItemDataRole.DecorationRole), palette)
        self._paint_score(painter, thumb_rect, hit.score, palette)
        line = painter.fontMetrics().height()
        if self.grid:
            text_rect = QRect(inner.left(), thumb_rect.bottom() + PAD, inner.width(), line)
        else:
            left = thumb_rect.right() + PAD + 4
            text_rect = QRect(left, inner.top(), inner.right() - left, line)
        bold = QFont(painter.font())
        bold.setBold(True)
        lines: list[tuple[str, QFont | None, object]] = [
            (f"{hit.video_filename} · #{hit.segment_index + 1}", bold, text_colour),
            (index.data(ShortWhenRole if self.grid else WhenRole) or "", None, text_colour),
        ]
        if not self.grid:
            lines.append((where_text(hit), None, muted))
        lines.append(("Why: " + (index.data(WhyRole) or "similar words"), None, muted))
        for text, font, colour in lines:
            painter.setFont(font if font is not None else option.font)
            painter.setPen(colour)
            elided = painter.fontMetrics().elidedText(text, Qt.TextElideMode.ElideRight, text_rect.width())
            painter.drawText(
                text_rect, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), elided
            )
            text_rect.translate(0, line)
        painter.restore()

    @staticmethod
    def _paint_thumbnail(painter: QPainter, rect: QRect, pixmap: object, palette: QPalette) -> None:
        painter.fillRect(rect, palette.color(QPalette.ColorRole.Dark))
        if isinstance(pixmap, QPixmap) and not pixmap.isNull():
            scaled = pixmap.scaled(
                rect.size(), Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
            )
            x = rect.left() + (rect.width() - scaled.width()) // 2
            y = rect.top() + (rect.height() - scaled.height()) // 2
            painter.drawPixmap(x, y, scaled)
        else:
            painter.setPen(palette.color(QPalette.ColorRole.PlaceholderText))
            painter.drawText(rect, int(Qt.AlignmentFlag.AlignCenter), "…")

    @staticmethod
    def _paint_score(painter: QPainter, thumb: QRect, score: float, palette: QPalette) -> None:
        text = f"{score:.2f}"
        metrics = painter.fontMetrics()
        badge = QRect(0, 0, metrics.horizontalAdvance(text) + 10, metrics.height() + 2)
        badge.moveTopRight(thumb.topRight())
        badge.translate(-3, 3)
        painter.fillRect(badge, tint(palette.color(QPalette.ColorRole.Window), palette, 0.85))
        painter.setPen(palette.color(QPalette.ColorRole.WindowText))
        painter.drawText(badge, int(Qt.AlignmentFlag.AlignCenter), text)


class HitsView(QListView):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setItemDelegate(HitDelegate(self))
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setUniformItemSizes(True)
        self.setMouseTracking(True)
        self.set_grid(True)

    def set_grid(self, grid: bool) -> None:
        self.setViewMode(QListView.ViewMode.IconMode if grid else QListView.ViewMode.ListMode)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setMovement(QListView.Movement.Static)
        self.setWrapping(grid)
        self.setSpacing(4 if grid else 0)
        self.setFlow(QListView.Flow.LeftToRight if grid else QListView.Flow.TopToBottom)
        self.doItemsLayout()
