"""A camera's redacted thumbnail with its zones on top, and a polygon drawn on it with the mouse.

Points are kept normalised (0..1 of the image, as ``domain.anomalies.Zone`` stores them), so a zone lands on
the same spot of the frame whatever the widget's size: the image is letter-boxed into the widget and every
click is mapped back through that rectangle.

Drawing (when editable): click adds a point, double-click or Enter closes the polygon (``polygon_closed``),
Backspace takes the last point back, Esc drops the drawing (and, with nothing drawn, reaches the dialog).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from chronotrace_desktop.domain.anomalies import ZoneKind
from chronotrace_desktop.ui.qt import (
    QColor,
    QEvent,
    QFont,
    QPainter,
    QPalette,
    QPen,
    QPointF,
    QPolygonF,
    QRectF,
    QSize,
    QSizePolicy,
    Qt,
    QWidget,
    Signal,
)
from chronotrace_desktop.ui.theme import readable_on

if TYPE_CHECKING:
    from collections.abc import Sequence

    from chronotrace_desktop.domain.anomalies import Zone
    from chronotrace_desktop.ui.qt import QImage, QKeyEvent, QMouseEvent, QPaintEvent

Point = tuple[float, float]

ZONE_HUES = {ZoneKind.RESTRICTED: QColor("#e53935"), ZoneKind.WATCH: QColor("#ffb300")}
DEFAULT_ASPECT = 16 / 9  # before a thumbnail is known (or when a camera has none)
SNAP_PX = 12.0  # a click this close outside the image still counts, on its edge
DUPLICATE_PX = 4.0  # a click this close to the last point adds nothing (the first half of a double-click)


class ZoneCanvas(QWidget):
    """``polygon_closed(tuple[Point, ...])`` when a drawing of 3+ points is closed; ``draft_changed()``."""

    polygon_closed = Signal(tuple)  # tuple[Point, ...]
    draft_changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._image: QImage | None = None
        self._note = ""
        self._zones: tuple[Zone, ...] = ()
        self._highlighted: str | None = None
        self._draft: list[Point] = []
        self._cursor: QPointF | None = None
        self._editable = False
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMouseTracking(True)
        self.setAccessibleName("Camera view with zones")

    # ------------------------------------------------------------------ state
    @property
    def draft(self) -> tuple[Point, ...]:
        return tuple(self._draft)

    @property
    def editable(self) -> bool:
        return self._editable

    @property
    def image(self) -> QImage | None:
        return self._image

    def set_image(self, image: QImage | None, note: str = "") -> None:
        """The (redacted) frame to draw on; without one, ``note`` says why in a 16:9 placeholder."""
        self._image = image if image is not None and not image.isNull() else None
        self._note = note
        self.update()

    def set_zones(self, zones: Sequence[Zone]) -> None:
        self._zones = tuple(zones)
        self.update()

    def set_highlighted(self, name: str | None) -> None:
        self._highlighted = name
        self.update()

    def set_editable(self, editable: bool) -> None:
        self._editable = editable
        self.setCursor(Qt.CursorShape.CrossCursor if editable else Qt.CursorShape.ArrowCursor)
        self.update()  # a drawing under way stays (a save in progress), but takes no more points

    def clear_draft(self) -> None:
        if self._draft:
            self._draft.clear()
            self.draft_changed.emit()
        self.update()

    def undo_point(self) -> None:
        if self._draft:
            self._draft.pop()
            self.draft_changed.emit()
            self.update()

    def close_draft(self) -> bool:
        """Hand the drawing over (``polygon_closed``) if it has 3+ points; the owner clears it once kept."""
        if len(self._draft) < 3:
            return False
        self.polygon_closed.emit(tuple(self._draft))
        return True

    # ------------------------------------------------------------------ geometry
    def image_rect(self) -> QRectF:
        """Where the image is drawn: as large as fits, centred, its own aspect ratio."""
        area = QRectF(self.contentsRect()).adjusted(4, 4, -4, -4)
        aspect = self._image.width() / self._image.height() if self._image is not None else DEFAULT_ASPECT
        width = min(area.width(), area.height() * aspect)
        height = width / aspect
        return QRectF(
            area.x() + (area.width() - width) / 2, area.y() + (area.height() - height) / 2, width, height
        )

    def to_normalised(self, pos: QPointF) -> Point | None:
        """The image point under ``pos`` (0..1, 4 decimals), clamped onto the edge just outside; else None."""
        rect = self.image_rect()
        if rect.width() <= 0 or not rect.adjusted(-SNAP_PX, -SNAP_PX, SNAP_PX, SNAP_PX).contains(pos):
            return None
        x = min(1.0, max(0.0, (pos.x() - rect.x()) / rect.width()))
        y = min(1.0, max(0.0, (pos.y() - rect.y()) / rect.height()))
        return round(x, 4), round(y, 4)

    def to_widget(self, point: Point) -> QPointF:
        rect = self.image_rect()
        return QPointF(rect.x() + point[0] * rect.width(), rect.y() + point[1] * rect.height())

    # ------------------------------------------------------------------ Qt overrides
    def sizeHint(self) -> QSize:
        return QSize(640, 360)

    def minimumSizeHint(self) -> QSize:
        return QSize(320, 180)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if self._editable and event.button() == Qt.MouseButton.LeftButton:
            self._add_point(event.position())
        else:
            super().mousePressEvent(event)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        # A real double-click is press, release, double-click: the press has added the point already, so
        # here it is a duplicate and skipped (a synthetic one may come without the press).
        if self._editable and event.button() == Qt.MouseButton.LeftButton:
            self._add_point(event.position())
            self.close_draft()
        else:
            super().mouseDoubleClickEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        self._cursor = event.position()
        if self._draft:
            self.update()
        super().mouseMoveEvent(event)

    def leaveEvent(self, event: QEvent) -> None:
        self._cursor = None
        self.update()
        super().leaveEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if self._editable and key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self._draft:
            self.close_draft()
        elif self._editable and key == Qt.Key.Key_Backspace and self._draft:
            self.undo_point()
        elif key == Qt.Key.Key_Escape and self._draft:
            self.clear_draft()
        else:
            super().keyPressEvent(event)  # ignored: Esc with nothing drawn closes the dialog

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.PaletteChange:
            self.update()
        super().changeEvent(event)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.SmoothPixmapTransform)
        palette = self.palette()
        painter.fillRect(self.rect(), palette.color(QPalette.ColorRole.Dark))
        rect = self.image_rect()
        if self._image is not None:
            painter.drawImage(rect, self._image)
        else:
            backdrop = palette.color(QPalette.ColorRole.Mid)
            painter.fillRect(rect, backdrop)
            painter.setPen(readable_on(backdrop))
            painter.drawText(
                rect.adjusted(16, 16, -16, -16),
                Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                self._note or "No picture of this camera",
            )
        for zone in self._zones:
            self._paint_zone(painter, zone)
        self._paint_draft(painter)
        painter.end()

    def _add_point(self, pos: QPointF) -> None:
        point = self.to_normalised(pos)
        if point is None:
            return
        if self._draft and (self.to_widget(self._draft[-1]) - pos).manhattanLength() <= DUPLICATE_PX:
            return
        self._draft.append(point)
        self.draft_changed.emit()
        self.update()

    # ------------------------------------------------------------------ painting
    def _polygon(self, points: Sequence[Point]) -> QPolygonF:
        return QPolygonF([self.to_widget(p) for p in points])

    def _paint_zone(self, painter: QPainter, zone: Zone) -> None:
        hue = ZONE_HUES.get(zone.kind, ZONE_HUES[ZoneKind.WATCH])
        strong = zone.name == self._highlighted
        fill = QColor(hue)
        fill.setAlpha(110 if strong else 60)
        painter.setBrush(fill)
        painter.setPen(QPen(hue, 3.5 if strong else 2.0))
        polygon = self._polygon(zone.polygon)
        painter.drawPolygon(polygon)
        self._paint_label(painter, zone.name, polygon, hue)

    def _paint_label(self, painter: QPainter, text: str, polygon: QPolygonF, hue: QColor) -> None:
        font = QFont(self.font())
        font.setBold(True)
        painter.setFont(font)
        metrics = painter.fontMetrics()
        label = metrics.elidedText(text, Qt.TextElideMode.ElideRight, 220)
        box = QRectF(metrics.boundingRect(label)).adjusted(-5, -2, 5, 2)
        bounds = polygon.boundingRect()
        box.moveCenter(bounds.center())
        # Keep the label inside the picture, even for a zone along its edge.
        image = self.image_rect()
        box.moveLeft(min(max(box.left(), image.left() + 2), image.right() - box.width() - 2))
        box.moveTop(min(max(box.top(), image.top() + 2), image.bottom() - box.height() - 2))
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(0, 0, 0, 170))
        painter.drawRoundedRect(box, 3, 3)
        painter.setPen(hue.lighter(130))
        painter.drawText(box, Qt.AlignmentFlag.AlignCenter, label)

    def _paint_draft(self, painter: QPainter) -> None:
        if not self._draft:
            return
        points = [self.to_widget(p) for p in self._draft]
        highlight = self.palette().color(QPalette.ColorRole.Highlight)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        for colour, width, style in (
            (QColor("#000000"), 4.0, Qt.PenStyle.SolidLine),
            (QColor("#ffffff"), 2.0, Qt.PenStyle.DashLine),
        ):
            painter.setPen(QPen(colour, width, style))
            painter.drawPolyline(QPolygonF(points))
            if self._cursor is not None and self._editable:
                painter.drawLine(points[-1], self._cursor)
        painter.setPen(QPen(QColor("#000000"), 1.5))
        painter.setBrush(highlight)
        for point in points:
            painter.drawEllipse(point, 4.5, 4.5)
