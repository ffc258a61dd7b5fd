"""Before an ingest: which files, and what to record about them (camera id, location, recorded time, the
recorder's clock offset)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from chronotrace_desktop.domain.errors import InvalidInputError
from chronotrace_desktop.domain.ingest import IngestOptions
from chronotrace_desktop.domain.recorder_time import MAX_OFFSET_S
from chronotrace_desktop.ui.qt import (
    QCheckBox,
    QComboBox,
    QDateTime,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QPalette,
    QTimeZone,
    QVBoxLayout,
    QWidget,
)
from chronotrace_desktop.ui.theme import DANGER, accent_text

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path

MAX_LISTED = 200


class IngestDialog(QDialog):
    """Accepted with :attr:`options` set; the paths are :attr:`paths`."""

    def __init__(
        self,
        paths: Sequence[Path],
        *,
        cameras: Sequence[str] = (),
        locations: Sequence[str] = (),
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.paths = list(paths)
        self.options: IngestOptions | None = None
        self.setWindowTitle("Add videos — ChronoTrace")
        self.setMinimumWidth(560)

        folders = sum(1 for p in self.paths if p.is_dir())
        files = len(self.paths) - folders
        parts = [f"{files} file{'s' if files != 1 else ''}"] if files else []
        if folders:
            parts.append(f"{folders} folder{'s' if folders != 1 else ''} (searched for videos)")
        heading = QLabel(f"Ingest {' and '.join(parts)}:")
        self.path_list = QListWidget()
        self.path_list.addItems([str(p) for p in self.paths[:MAX_LISTED]])
        if len(self.paths) > MAX_LISTED:
            self.path_list.addItem(f"… and {len(self.paths) - MAX_LISTED} more")
        self.path_list.setMaximumHeight(120)

        self.camera_edit = _editable_combo(cameras, "e.g. CAM-03 (optional)")
        self.location_edit = _editable_combo(locations, "e.g. Main entrance (optional)")
        self.recorded_check = QCheckBox("Known:")
        self.recorded_check.setToolTip("Without it, the container's creation time is used when it has one.")
        self.recorded_edit = QDateTimeEdit()
        self.recorded_edit.setTimeZone(QTimeZone.utc())
        self.recorded_edit.setDisplayFormat("yyyy-MM-dd HH:mm:ss 'UTC'")
        self.recorded_edit.setCalendarPopup(True)
        self.recorded_edit.setDateTime(QDateTime.currentDateTimeUtc())
        self.recorded_edit.setEnabled(False)
        self.recorded_check.toggled.connect(self.recorded_edit.setEnabled)
        recorded_row = QWidget()
        row_layout = QHBoxLayout(recorded_row)
        row_layout.setContentsMargins(0, 0, 0, 0)
        row_layout.addWidget(self.recorded_check)
        row_layout.addWidget(self.recorded_edit, 1)

        self.offset_check = QCheckBox("Correct by:")
        self.offset_check.setToolTip(
            "Seconds to add to the recorder's clock for the true time (without it: the camera's offset, if set)"
        )
        self.offset_spin = QDoubleSpinBox()
        self.offset_spin.setRange(-MAX_OFFSET_S, MAX_OFFSET_S)
        self.offset_spin.setDecimals(1)
        self.offset_spin.setSuffix(" s")
        self.offset_spin.setEnabled(False)
        self.offset_check.toggled.connect(self.offset_spin.setEnabled)
        offset_row = QWidget()
        offset_layout = QHBoxLayout(offset_row)
        offset_layout.setContentsMargins(0, 0, 0, 0)
        offset_layout.addWidget(self.offset_check)
        offset_layout.addWidget(self.offset_spin, 1)

        form = QFormLayout()
        form.addRow("Camera id:", self.camera_edit)
        form.addRow("Location:", self.location_edit)
        form.addRow("Recording started:", recorded_row)
        form.addRow("Recorder's clock:", offset_row)

        note = QLabel(
            "These values apply to every file in this batch. Files are cut into 15-second segments, "
            "analysed and indexed in the background; you can keep working meanwhile."
        )
        note.setWordWrap(True)
        note.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.error_label = QLabel()
        self.error_label.setWordWrap(True)
        self.error_label.hide()

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.start_button = buttons.addButton("Start ingest", QDialogButtonBox.ButtonRole.AcceptRole)
        self.start_button.setDefault(True)
        buttons.accepted.connect(self.submit)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(self.path_list)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(self.error_label)
        layout.addWidget(buttons)

    def recorded_at(self) -> datetime | None:
        if not self.recorded_check.isChecked():
            return None
        value = self.recorded_edit.dateTime().toSecsSinceEpoch()
        return datetime.fromtimestamp(value, UTC).replace(tzinfo=None)

    def submit(self) -> None:
        camera = self.camera_edit.currentText().strip() or None
        location = self.location_edit.currentText().strip() or None
        try:
            self.options = IngestOptions(
                camera_id=camera,
                location=location,
                recorded_at=self.recorded_at(),
                clock_offset_s=self.offset_spin.value() if self.offset_check.isChecked() else None,
            )
        except InvalidInputError as exc:
            self.error_label.setText(str(exc)[0].upper() + str(exc)[1:])
            palette = self.error_label.palette()
            palette.setColor(QPalette.ColorRole.WindowText, accent_text(DANGER, self.palette()))
            self.error_label.setPalette(palette)
            self.error_label.show()
            return
        self.accept()


def _editable_combo(values: Sequence[str], placeholder: str) -> QComboBox:
    combo = QComboBox()
    combo.setEditable(True)
    combo.addItems(list(values))
    combo.setCurrentIndex(-1)
    combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
    line = combo.lineEdit()
    if line is not None:
        line.setPlaceholderText(placeholder)
        line.clear()
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(24)
    return combo
