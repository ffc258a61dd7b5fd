"""The picture: a ``QGraphicsVideoItem`` in a scene (it renders in ``grab()``, unlike ``QVideoWidget``),
with optional detection boxes drawn over it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chronotrace_desktop.ui.qt import (
    QBrush,
    QColor,
    QFrame,
    QGraphicsRectItem,
    QGraphicsScene,
    QGraphicsSimpleTextItem,
    QGraphicsView,
    QPainter,
    QPen,
    QRectF,
    QSizeF,
    Qt,
)
from chronotrace_desktop.ui.qt_media import QGraphicsVideoItem

if TYPE_CHECKING:
    from chronotrace_desktop.domain.media import Box
    from chronotrace_desktop.ui.qt import QResizeEvent, QWidget

BOX_COLOURS = {"face": QColor("#ff5252"), "person": QColor("#40c4ff")}
OTHER_COLOUR = QColor("#ffd740")
EVIDENCE_COLOUR = QColor("#ff4081")  # an anomaly's own boxes (what the rule saw), over the detections
EVIDENCE_PREFIX = "anomaly: "
LABEL_BACKING = QColor(0, 0, 0, 170)  # labels stay readable on bright scenes


class VideoView(QGraphicsView):
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

    def set_boxes(self, boxes: tuple[Box, ...]) -> None:
        """Draw these boxes (normalised to the frame) over the picture; ``()`` clears them."""
        if boxes == self.boxes:
            return
        self.boxes = boxes
        self._draw()

    def _draw(self) -> None:
        for item in self._overlay:
            self.scene_.removeItem(item)
        self._overlay.clear()
        frame = self.video_item.boundingRect()
        if frame.isEmpty():
            return
        for box in self.boxes:
            evidence = box.label.startswith(EVIDENCE_PREFIX)
            colour = EVIDENCE_COLOUR if evidence else BOX_COLOURS.get(box.label, OTHER_COLOUR)
            rect = QRectF(
                frame.left() + box.x * frame.width(),
                frame.top() + box.y * frame.height(),
                box.w * frame.width(),
                box.h * frame.height(),
            )
            item = QGraphicsRectItem(rect)
            pen = QPen(colour)
            pen.setWidthF(3.0 if evidence else 2.0)
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
