"""The zones dialog's "Recorder clock" group: the camera's clock offset and on-screen date order (issue 15).

Both are written through ``services.clock`` (``set_camera_offset``, ``set_camera_date_order``: administrators,
audited) when the dialog saves, and only when they differ from what was loaded. The offset is typed as text
(empty: not set) and checked with the domain's own parser before anything is written.
"""

from __future__ import annotations

from dataclasses import dataclass

from chronotrace_desktop.domain.errors import InvalidInputError
from chronotrace_desktop.domain.recorder_time import parse_offset
from chronotrace_desktop.ui.qt import QCheckBox, QComboBox, QFormLayout, QGroupBox, QLabel, QLineEdit, QWidget

# (shown, stored); the stored values are those ``ClockService.set_camera_date_order`` accepts.
DATE_ORDERS = (
    ("Not set", None),
    ("dd/mm/yy (dmy)", "dmy"),
    ("mm/dd/yy (mdy)", "mdy"),
    ("yy/mm/dd (ymd)", "ymd"),
)
EXPLANATION = (
    "The offset moves every shown time of this camera's new videos (the recorder's own time is kept); "
    "the date order decides a clock whose digits cannot tell 05/03 from 03/05."
)


def format_offset(offset_s: float | None) -> str:
    """``-73``, ``+3600``, ``+1234567.5``; empty when not set."""
    return "" if offset_s is None else f"{offset_s:+.15g}"


@dataclass(frozen=True, slots=True)
class ClockEdits:
    """The recorder clock fields that changed."""

    offset: str | None = None  # as typed, if not the loaded number ("": clear it); None: unchanged
    apply_to_videos: bool = False  # also correct the camera's videos that have no offset of their own
    date_order: str | None = None  # "dmy", "mdy", "ymd", or "" to clear it; None: unchanged

    def any(self) -> bool:
        return self.offset is not None or self.apply_to_videos or self.date_order is not None

    def offset_s(self) -> float | None:
        """The offset to write (``None``: clear it); the domain's ``InvalidInputError`` if it is not one."""
        text = (self.offset or "").strip()
        return parse_offset(text) if text else None

    def writes_offset(self) -> bool:
        # Ticking "also correct ..." alone applies the offset as it stands to the videos already in.
        return self.offset is not None or self.apply_to_videos


class ClockForm(QGroupBox):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Recorder clock", parent)
        self._offset: float | None = None
        self._order: str | None = None
        self.offset_edit = QLineEdit()
        self.offset_edit.setPlaceholderText("not set (e.g. -73 or +3600)")
        self.offset_edit.setToolTip(
            "Seconds to add to what the recorder's clock says: -73 when it runs 73 s fast, "
            "+3600 when it is an hour behind. Empty: not set."
        )
        self.offset_edit.setAccessibleName("Clock offset in seconds")
        self.apply_check = QCheckBox(
            "Also correct this camera's videos already in\nthat have no offset of their own"
        )
        self.date_order_combo = QComboBox()
        for text, value in DATE_ORDERS:
            self.date_order_combo.addItem(text, value)
        self.date_order_combo.setToolTip("How the recorder writes dates on screen")
        explanation = QLabel(EXPLANATION)
        explanation.setWordWrap(True)
        form = QFormLayout(self)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapAllRows)
        form.addRow("Clock offset (seconds to add to the recorder's clock):", self.offset_edit)
        form.addRow(self.apply_check)
        form.addRow("On-screen date order:", self.date_order_combo)
        form.addRow(explanation)

    def load(self, offset_s: float | None, date_order: str | None) -> None:
        self._offset, self._order = offset_s, date_order
        self.offset_edit.setText(format_offset(offset_s))
        self.apply_check.setChecked(False)
        index = self.date_order_combo.findData(date_order)
        if index < 0:  # an order this form does not name: shown as stored, never silently changed
            self.date_order_combo.addItem(str(date_order), date_order)
            index = self.date_order_combo.count() - 1
        self.date_order_combo.setCurrentIndex(index)

    def changes(self) -> ClockEdits:
        text = self.offset_edit.text().strip()
        try:
            same = (float(text) if text else None) == self._offset
        except ValueError:
            same = False  # not a number: sent on, and refused with the parser's message
        order = self.date_order_combo.currentData()
        return ClockEdits(
            offset=None if same else text,
            apply_to_videos=self.apply_check.isChecked(),
            date_order=None if order == self._order else (order or ""),
        )

    def problem(self) -> str | None:
        """Why the offset as typed cannot be saved, or ``None``."""
        try:
            self.changes().offset_s()
        except InvalidInputError as exc:
            return str(exc)
        return None

    def focus_offset(self) -> None:
        self.offset_edit.setFocus()
        self.offset_edit.selectAll()

    def set_read_only(self, read_only: bool) -> None:
        self.offset_edit.setReadOnly(read_only)
        if read_only:
            self.offset_edit.setPlaceholderText("not set")
        self.apply_check.setVisible(not read_only)
        self.date_order_combo.setEnabled(not read_only)
