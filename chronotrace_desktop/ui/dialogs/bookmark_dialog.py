"""A bookmark's note, and optionally a box dragged on the REDACTED still of the moment (never the original).

The same dialog edits a bookmark's note later (from the bookmarks list); there it shows no still. What the
dialog returns is checked again by the services (note length, box within the frame).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from chronotrace_desktop.domain.cases import MAX_NOTE
from chronotrace_desktop.domain.media import Box
from chronotrace_desktop.ui.qt import (
    QBrush,
    QCheckBox,
    QColor,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPainter,
    QPalette,
    QPen,
    QPlainTextEdit,
    QPointF,
    QRectF,
    QSize,
    Qt,
    QVBoxLayout,
    QWidget,
    Signal,
)

if TYPE_CHECKING:
    from chronotrace_desktop.ui.qt import QImage, QMouseEvent, QPaintEvent

BOX_COLOUR = QColor("#ff4081")  # as the report draws it on the still
MIN_BOX = 0.01  # a drag smaller than 1 % of the frame is a click, not a box


class BoxCanvas(QWidget):
    """The still, scaled to fit; a mouse drag draws one box (normalised to the frame)."""

    box_changed = Signal()

    def __init__(self, image: QImage, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.image = image
        self.box: Box | None = None
        self._anchor: QPointF | None = None
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setMinimumSize(320, 180)
        self.setToolTip("Drag on the frame to mark a box")

    def sizeHint(self) -> QSize:
        return QSize(560, max(180, round(560 * self.image.height() / max(1, self.image.width()))))

    def frame_rect(self) -> QRectF:
        """Where the still is drawn: centred, its aspect kept."""
        w, h = self.width(), self.height()
        iw, ih = max(1, self.image.width()), max(1, self.image.height())
        scale = min(w / iw, h / ih)
        return QRectF((w - iw * scale) / 2, (h - ih * scale) / 2, iw * scale, ih * scale)

    def set_box(self, box: Box | None) -> None:
        self.box = box
        self.update()
        self.box_changed.emit()

    def _normalised(self, point: QPointF) -> QPointF:
        frame = self.frame_rect()
        x = min(1.0, max(0.0, (point.x() - frame.left()) / frame.width()))
        y = min(1.0, max(0.0, (point.y() - frame.top()) / frame.height()))
        return QPointF(x, y)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._anchor = self._normalised(event.position())

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._anchor is not None:
            self.box = _between(self._anchor, self._normalised(event.position()))
            self.update()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._anchor is None:
            return
        box = _between(self._anchor, self._normalised(event.position()))
        self._anchor = None
        self.set_box(box if box.w >= MIN_BOX and box.h >= MIN_BOX else None)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor("#101010"))
        frame = self.frame_rect()
        painter.drawImage(frame, self.image)
        if self.box is not None:
            b = self.box
            rect = QRectF(
                frame.left() + b.x * frame.width(),
                frame.top() + b.y * frame.height(),
                b.w * frame.width(),
                b.h * frame.height(),
            )
            painter.setPen(QPen(BOX_COLOUR, 2.5))
            painter.setBrush(QBrush(QColor(255, 64, 129, 40)))
            painter.drawRect(rect)
        painter.end()


def _between(a: QPointF, b: QPointF) -> Box:
    x, y = min(a.x(), b.x()), min(a.y(), b.y())
    return Box(round(x, 5), round(y, 5), round(abs(a.x() - b.x()), 5), round(abs(a.y() - b.y()), 5))


class BookmarkDialog(QDialog):
    """``when``: the moment in words; ``still``: the redacted frame (None: no box can be drawn)."""

    def __init__(
        self,
        when: str,
        camera: str,
        where: str,
        still: QImage | None,
        *,
        note: str = "",
        editing: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(("Edit bookmark" if editing else "Bookmark this moment") + " \u2014 ChronoTrace")
        self.setMinimumWidth(480)
        form = QFormLayout()
        self.when_label = QLabel(when)
        self.when_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        form.addRow("Time:", self.when_label)
        form.addRow("Camera:", QLabel(camera or "no camera id"))
        self.where_label = QLabel(where)
        self.where_label.setWordWrap(True)
        form.addRow("In:", self.where_label)
        self.canvas = BoxCanvas(still) if still is not None else None
        self.box_check = QCheckBox("Mark a box on the frame (drag on the picture)")
        self.box_check.setEnabled(False)
        self.box_check.toggled.connect(self._box_toggled)
        self.note_edit = QPlainTextEdit(note)
        self.note_edit.setPlaceholderText("What happens here, and why it matters to the case")
        self.note_edit.setMinimumHeight(80)
        self.note_edit.textChanged.connect(self._update)
        self.count_label = QLabel()
        self.count_label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = buttons.addButton(
            "Save" if editing else "Bookmark", QDialogButtonBox.ButtonRole.AcceptRole
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        if self.canvas is not None:
            hint = QLabel("The redacted frame of this moment (faces blurred):")
            hint.setForegroundRole(QPalette.ColorRole.PlaceholderText)
            layout.addWidget(hint)
            layout.addWidget(self.canvas, 1)
            layout.addWidget(self.box_check)
            self.canvas.box_changed.connect(self._box_drawn)
        layout.addWidget(QLabel("Note:"))
        layout.addWidget(self.note_edit)
        layout.addWidget(self.count_label)
        layout.addWidget(buttons)
        self.note_edit.setFocus()
        self._update()

    @property
    def note(self) -> str:
        return self.note_edit.toPlainText().strip()

    @property
    def box(self) -> Box | None:
        if self.canvas is None or not self.box_check.isChecked():
            return None
        return self.canvas.box

    def _box_drawn(self) -> None:
        drawn = self.canvas is not None and self.canvas.box is not None
        self.box_check.setEnabled(drawn)
        self.box_check.setChecked(drawn)

    def _box_toggled(self, on: bool) -> None:
        if not on and self.canvas is not None and self.canvas.box is not None:
            self.canvas.set_box(None)

    def _update(self) -> None:
        length = len(self.note)
        self.count_label.setText(f"{length} / {MAX_NOTE} characters")
        self.ok_button.setEnabled(length <= MAX_NOTE)
