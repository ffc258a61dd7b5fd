"""Correct a video's recording start: the recorder's clock offset, or the true start (they move together).

The recorder's own start is shown and kept; what the dialog sets is the offset the service adds to it
(``ClockService.set_video_time``, audited with the times before and after). A video whose recorder time was
never known takes the true start as given.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from chronotrace_desktop.domain.recorder_time import MAX_OFFSET_S, format_offset
from chronotrace_desktop.ui import formatting as fmt
from chronotrace_desktop.ui.qt import (
    QDateTime,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPalette,
    QTimeZone,
    QVBoxLayout,
)
from chronotrace_desktop.ui.tasks import start_task

if TYPE_CHECKING:
    import uuid
    from collections.abc import Callable

    from chronotrace_desktop.domain.users import Actor
    from chronotrace_desktop.services.app import AppServices
    from chronotrace_desktop.services.clock import TimeChange
    from chronotrace_desktop.services.library import VideoRow
    from chronotrace_desktop.ui.qt import QWidget
    from chronotrace_desktop.workers.base import WorkerPool
    from chronotrace_desktop.workers.task_state import TaskState


def _qt(value: datetime) -> QDateTime:
    return QDateTime.fromSecsSinceEpoch(round(value.replace(tzinfo=UTC).timestamp()), QTimeZone.utc())


def _py(value: QDateTime) -> datetime:
    return datetime.fromtimestamp(value.toSecsSinceEpoch(), UTC).replace(tzinfo=None)


class VideoTimeDialog(QDialog):
    def __init__(self, row: VideoRow, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Recording time — ChronoTrace")
        self.setMinimumWidth(480)
        self.recorder = row.recorder_recorded_at
        self.offset_s: float | None = None
        self.recorded_at: datetime | None = None
        self._syncing = False

        heading = QLabel(f"<b>{row.filename}</b>")
        recorder_text = fmt.timestamp(self.recorder, seconds=True) + " UTC" if self.recorder else "not known"
        self.recorder_label = QLabel(recorder_text)
        self.offset_spin = QDoubleSpinBox()
        self.offset_spin.setRange(-MAX_OFFSET_S, MAX_OFFSET_S)
        self.offset_spin.setDecimals(1)
        self.offset_spin.setSuffix(" s")
        self.offset_spin.setValue(float(row.clock_offset_s or 0.0))
        self.offset_spin.setToolTip(
            "Seconds added to the recorder's clock for the true time (negative: it ran fast)"
        )
        self.offset_spin.setEnabled(self.recorder is not None)
        self.offset_words = QLabel()
        self.true_edit = QDateTimeEdit()
        self.true_edit.setTimeZone(QTimeZone.utc())
        self.true_edit.setDisplayFormat("yyyy-MM-dd HH:mm:ss 'UTC'")
        self.true_edit.setCalendarPopup(True)
        start = row.recorded_at or self.recorder
        self.true_edit.setDateTime(_qt(start) if start else QDateTime.currentDateTimeUtc())
        self.note_edit = QLineEdit()
        self.note_edit.setPlaceholderText("Why, e.g. 'NTP log of the recorder' (kept in the audit log)")

        form = QFormLayout()
        form.addRow("Recorder's clock said:", self.recorder_label)
        form.addRow("Clock offset:", self.offset_spin)
        form.addRow("", self.offset_words)
        form.addRow("True start:", self.true_edit)
        form.addRow("Note:", self.note_edit)
        hint = QLabel(
            "The recorder's own time is kept and shown beside the corrected one; search, anomalies and reports "
            "use the corrected time. The change is recorded in the audit log."
        )
        hint.setWordWrap(True)
        hint.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.apply_button = buttons.addButton("Set time", QDialogButtonBox.ButtonRole.AcceptRole)
        self.apply_button.setDefault(True)
        buttons.accepted.connect(self.submit)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addLayout(form)
        layout.addWidget(hint)
        layout.addWidget(buttons)
        self.offset_spin.valueChanged.connect(self._offset_changed)
        self.true_edit.dateTimeChanged.connect(self._true_changed)
        self._offset_changed(self.offset_spin.value())

    def _offset_changed(self, value: float) -> None:
        self.offset_words.setText(format_offset(value) if value else "none")
        if self._syncing or self.recorder is None:
            return
        self._syncing = True
        self.true_edit.setDateTime(_qt(self.recorder + timedelta(seconds=value)))
        self._syncing = False

    def _true_changed(self, value: QDateTime) -> None:
        if self._syncing or self.recorder is None:
            return
        self._syncing = True
        self.offset_spin.setValue((_py(value) - self.recorder).total_seconds())
        self._syncing = False

    @property
    def note(self) -> str | None:
        return self.note_edit.text().strip() or None

    def submit(self) -> None:
        if self.recorder is not None:
            self.offset_s = self.offset_spin.value()
        else:
            self.recorded_at = _py(self.true_edit.dateTime())
        self.accept()


def start_set_time(
    pool: WorkerPool,
    services: AppServices,
    actor: Actor,
    video_id: uuid.UUID,
    dialog: VideoTimeDialog,
    on_done: Callable[[], object],
) -> None:
    """Run the accepted dialog's change in the background (``on_done`` after it; errors in an error box)."""
    start_task(
        pool,
        _set_time,
        services,
        actor,
        video_id,
        (dialog.offset_s, dialog.recorded_at, dialog.note),
        on_returned=lambda _change: on_done(),
        error_parent=dialog.parentWidget(),
        name="set recording time",
    )


def _set_time(
    state: TaskState,
    services: AppServices,
    actor: Actor,
    video_id: uuid.UUID,
    change: tuple[float | None, datetime | None, str | None],
) -> TimeChange:
    offset_s, recorded_at, note = change
    return services.clock.set_video_time(
        actor, video_id, offset_s=offset_s, recorded_at=recorded_at, note=note
    )
