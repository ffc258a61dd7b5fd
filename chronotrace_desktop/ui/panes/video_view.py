"""The picture: a ``QGraphicsVideoItem`` in a scene (it renders in ``grab()``, unlike ``QVideoWidget``),
with optional detection boxes drawn over it.

Box picking: a click inside a drawn person or vehicle box selects it (highlighted; the smallest box under the
pointer wins, so a person in front of a car is reachable); a click elsewhere clears the selection. With a box
selected, the "Find this person elsewhere" button (or "...this vehicle...") and the right-click menu emit
``find_elsewhere_requested`` with the selected box; the player adds the segment and the moment.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from chronotrace_desktop.ui.qt import (
    QAction,
    QBrush,
    QColor,
    QFrame,
    QGraphicsRectItem,
    QGraphicsScene,
    QGraphicsSimpleTextItem,
    QGraphicsView,
    QMenu,
    QPainter,
    QPen,
    QRectF,
    QSizeF,
    Qt,
    QToolButton,
    Signal,
)
from chronotrace_desktop.ui.qt_media import QGraphicsVideoItem

if TYPE_CHECKING:
    from chronotrace_desktop.domain.media import Box
    from chronotrace_desktop.ui.qt import QContextMenuEvent, QMouseEvent, QPointF, QResizeEvent, QWidget

BOX_COLOURS = {"face": QColor("#ff5252"), "person": QColor("#40c4ff")}
OTHER_COLOUR = QColor("#ffd740")
EVIDENCE_COLOUR = QColor("#ff4081")  # an anomaly's own boxes (what the rule saw), over the detections
EVIDENCE_PREFIX = "anomaly: "
LABEL_BACKING = QColor(0, 0, 0, 170)  # labels stay readable on bright scenes
SELECTED_COLOUR = QColor("#00e676")
# What "find elsewhere" can look for: people and road vehicles (the appearance index's label groups).
PICKABLE = frozenset({"person", "car", "truck", "bus", "motorbike"})


def find_label(box: Box) -> str:
    noun = "person" if box.label == "person" else "vehicle"
    return f"Find this {noun} elsewhere"


class VideoView(QGraphicsView):
    box_selected = Signal(object)  # the picked Box, or None when the selection is cleared
    find_elsewhere_requested = Signal(object)  # the selected Box

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setBackgroundBrush(QBrush(QColor("#101010")))
        self.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMinimumSize(320, 180)
        self.scene_ = QGraphicsScene(self)
        self.setScene(self.scene_)
        self.video_item = QGraphicsVideoItem()
        self.video_item.setAspectRatioMode(Qt.AspectRatioMode.KeepAspectRatio)
        self.scene_.addItem(self.video_item)
        self.video_item.nativeSizeChanged.connect(lambda _size: self._fit())
        self._overlay: list[QGraphicsRectItem | QGraphicsSimpleTextItem] = []
        self.boxes: tuple[Box, ...] = ()
        self.selected: Box | None = None
        self.find_action = QAction("Find this person elsewhere", self)
        self.find_action.setEnabled(False)
        self.find_action.triggered.connect(self._request_find)
        self.find_button = QToolButton(self)
        self.find_button.setDefaultAction(self.find_action)
        self.find_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.find_button.move(8, 8)
        self.find_button.hide()

    def set_boxes(self, boxes: tuple[Box, ...]) -> None:
        """Draw these boxes (normalised to the frame) over the picture; ``()`` clears them."""
        if boxes == self.boxes:
            return
        self.boxes = boxes
        self._draw()

    def select_box(self, box: Box | None) -> None:
        """Select one of the drawn boxes (None clears); emits ``box_selected`` when it changes."""
        if box is not None and box.label not in PICKABLE:
            box = None
        if box == self.selected:
            return
        self.selected = box
        self.find_action.setEnabled(box is not None)
        if box is not None:
            self.find_action.setText(find_label(box))
            self.find_button.adjustSize()
        self.find_button.setVisible(box is not None)
        self._draw()
        self.box_selected.emit(box)

    def box_at(self, point: QPointF) -> Box | None:
        """The smallest pickable box under a viewport point, or None."""
        frame = self.video_item.boundingRect()
        if frame.isEmpty():
            return None
        scene = self.mapToScene(point.toPoint())
        x = (scene.x() - frame.left()) / frame.width()
        y = (scene.y() - frame.top()) / frame.height()
        under = [b for b in self.boxes if b.label in PICKABLE and b.contains(x, y)]
        return min(under, key=lambda b: b.area, default=None)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            super().mousePressEvent(event)
            return
        self.select_box(self.box_at(event.position()))
        event.accept()  # the scene holds nothing interactive: the click was the picture's

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            super().mouseReleaseEvent(event)
            return
        event.accept()

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        picked = self.box_at(event.pos().toPointF())
        if picked is not None:
            self.select_box(picked)
        if self.selected is None:
            super().contextMenuEvent(event)
            return
        self.context_menu().exec(event.globalPos())

    def context_menu(self) -> QMenu:
        menu = QMenu(self)
        menu.addAction(self.find_action)
        return menu

    def _request_find(self) -> None:
        if self.selected is not None:
            self.find_elsewhere_requested.emit(self.selected)

    def _draw(self) -> None:
        for item in self._overlay:
            self.scene_.removeItem(item)
        self._overlay.clear()
        frame = self.video_item.boundingRect()
        if frame.isEmpty():
            return
        shown = (
            self.boxes
            if self.selected is None or self.selected in self.boxes
            else (*self.boxes, self.selected)
        )
        for box in shown:
            evidence = box.label.startswith(EVIDENCE_PREFIX)
            chosen = box == self.selected
            colour = EVIDENCE_COLOUR if evidence else BOX_COLOURS.get(box.label, OTHER_COLOUR)
            colour = SELECTED_COLOUR if chosen else colour
            rect = QRectF(
                frame.left() + box.x * frame.width(),
                frame.top() + box.y * frame.height(),
                box.w * frame.width(),
                box.h * frame.height(),
            )
            item = QGraphicsRectItem(rect)
            pen = QPen(colour)
            pen.setWidthF(4.0 if chosen else 3.0 if evidence else 2.0)
            item.setPen(pen)
            self.scene_.addItem(item)
            self._overlay.append(item)
            plain = evidence or box.label == "face"
            label = QGraphicsSimpleTextItem(box.label if plain else f"{box.label} {box.score:.2f}")
            label.setBrush(QBrush(colour))
            size = label.boundingRect()
            label.setPos(rect.left() + 2, max(frame.top(), rect.top() - size.height() - 2))
            backing = QGraphicsRectItem(label.pos().x() - 2, label.pos().y(), size.width() + 4, size.height())
            backing.setBrush(QBrush(LABEL_BACKING))
            backing.setPen(QPen(Qt.PenStyle.NoPen))
            for part in (backing, label):
                self.scene_.addItem(part)
                self._overlay.append(part)

    def _fit(self) -> None:
        size = self.viewport().size()
        self.scene_.setSceneRect(QRectF(0, 0, size.width(), size.height()))
        self.video_item.setSize(QSizeF(size.width(), size.height()))
        self._draw()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit()
