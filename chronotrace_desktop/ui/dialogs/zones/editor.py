"""Camera rules in the GUI: zones drawn on the camera's redacted thumbnail, hours, time zone, thresholds.

Everything is read and written through ``services.cameras`` in workers (``ui.camera_access``); the picture
is the redacted thumbnail of a segment of the camera's latest video, never an original frame. Edits are
staged here and written on Save; a value the service rejects shows its message under the forms, and nothing
is written. Roles without ``CONFIGURE_CAMERAS`` see the dialog read-only; the service enforces that anyway.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from chronotrace_desktop.domain.anomalies import CameraConfig
from chronotrace_desktop.domain.errors import UserFacingError
from chronotrace_desktop.domain.roles import Action, is_allowed
from chronotrace_desktop.ui.dialogs.zones.camera_access import (
    CameraEdits,
    CameraView,
    SaveOutcome,
    camera_label,
    list_cameras,
    load_camera,
    save_camera,
)
from chronotrace_desktop.ui.dialogs.zones.canvas import ZoneCanvas
from chronotrace_desktop.ui.dialogs.zones.clock_form import ClockForm
from chronotrace_desktop.ui.dialogs.zones.rules_form import CameraForm, NewZoneBar, ThresholdsForm
from chronotrace_desktop.ui.errors import show_error
from chronotrace_desktop.ui.qt import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPalette,
    QPushButton,
    Qt,
    QTabWidget,
    QVBoxLayout,
    QWidget,
    Signal,
)
from chronotrace_desktop.ui.tasks import LatestTask
from chronotrace_desktop.ui.theme import DANGER, accent_text

if TYPE_CHECKING:
    from collections.abc import Callable

    from chronotrace_desktop.domain.anomalies import Zone
    from chronotrace_desktop.domain.users import Actor
    from chronotrace_desktop.services.app import AppServices
    from chronotrace_desktop.workers.base import WorkerPool

logger = logging.getLogger(__name__)

HINT = (
    "Click on the picture to add corners; double-click or Enter closes the zone, "
    "Backspace removes the last corner, Esc starts over."
)


class CameraZonesDialog(QDialog):
    """``camera_loaded(CameraConfig)`` when a camera is shown; ``camera_saved(CameraConfig)`` after Save."""

    cameras_loaded = Signal()
    camera_loaded = Signal(CameraConfig)
    camera_saved = Signal(CameraConfig)
    save_failed = Signal(str)

    def __init__(
        self,
        services: AppServices,
        actor: Actor,
        pool: WorkerPool,
        *,
        camera_id: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._services = services
        self._actor = actor
        self._wanted = camera_id
        self._config: CameraConfig | None = None
        self._current_id: str | None = None  # shown or being loaded
        self._zones: list[Zone] = []
        self._load_task = LatestTask(pool)
        self._save_task = LatestTask(pool)
        self.editable = is_allowed(actor.role, Action.CONFIGURE_CAMERAS)
        self.setWindowTitle("Camera zones and rules \u2014 ChronoTrace")
        self._build()
        self.resize(1120, 700)
        self._set_enabled(False)
        self._load_task.start(
            list_cameras, services, actor, on_returned=self._show_cameras, on_errored=self._load_failed
        )

    # ------------------------------------------------------------------ layout
    def _build(self) -> None:
        self.camera_combo = QComboBox()
        self.camera_combo.setMinimumWidth(280)
        self.camera_combo.currentIndexChanged.connect(self._camera_chosen)
        self.read_only_label = QLabel(
            f"Read only: your role ({self._actor.role.value}) may not change camera rules."
        )
        self.read_only_label.setVisible(not self.editable)
        top = QHBoxLayout()
        top.addWidget(QLabel("Camera:"))
        top.addWidget(self.camera_combo)
        top.addSpacing(12)
        top.addWidget(self.read_only_label)
        top.addStretch(1)

        self.canvas = ZoneCanvas()
        self.canvas.polygon_closed.connect(self._add_zone)
        self.canvas.draft_changed.connect(self._update_buttons)
        self.hint_label = QLabel(HINT)
        self.hint_label.setWordWrap(True)
        self.new_zone_row = NewZoneBar()
        self.new_zone_row.add_button.clicked.connect(self._close_drawing)
        # The bar's fields, by the names the tests and the screenshots use.
        self.zone_name_edit = self.new_zone_row.name_edit
        self.zone_kind_combo = self.new_zone_row.kind_combo
        self.add_zone_button = self.new_zone_row.add_button
        left = QVBoxLayout()
        left.addWidget(self.canvas, 1)
        left.addWidget(self.hint_label)
        left.addWidget(self.new_zone_row)
        self.hint_label.setVisible(self.editable)
        self.new_zone_row.setVisible(self.editable)

        self.zone_list = QListWidget()
        self.zone_list.currentRowChanged.connect(self._zone_selected)
        self.delete_zone_button = QPushButton("Delete zone")
        self.delete_zone_button.clicked.connect(self.delete_selected_zone)
        self.delete_zone_button.setVisible(self.editable)
        zones_page = QWidget()
        zones_layout = QVBoxLayout(zones_page)
        zones_layout.addWidget(self.zone_list, 1)
        zones_layout.addWidget(self.delete_zone_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.camera_form = CameraForm()
        self.clock_form = ClockForm()
        self.thresholds_form = ThresholdsForm()
        for form in (self.camera_form, self.clock_form, self.thresholds_form):
            form.set_read_only(not self.editable)
        self.camera_page = QWidget()
        camera_layout = QVBoxLayout(self.camera_page)
        camera_layout.addWidget(self.camera_form)
        camera_layout.addWidget(self.clock_form)
        camera_layout.addStretch(1)
        self.tabs = QTabWidget()
        self.tabs.addTab(zones_page, "Zones")
        self.tabs.addTab(self.camera_page, "Camera")
        self.tabs.addTab(self.thresholds_form, "Thresholds")
        self.tabs.setMinimumWidth(380)
        body = QHBoxLayout()
        body.addLayout(left, 1)
        body.addWidget(self.tabs)

        self.error_label = QLabel()
        self.error_label.setWordWrap(True)
        self.error_label.setTextFormat(Qt.TextFormat.PlainText)
        palette = self.error_label.palette()
        palette.setColor(QPalette.ColorRole.WindowText, accent_text(DANGER, self.palette()))
        self.error_label.setPalette(palette)
        self.error_label.hide()
        self.status_label = QLabel()
        self.buttons = QDialogButtonBox()
        self.save_button = self.buttons.addButton("Save", QDialogButtonBox.ButtonRole.AcceptRole)
        self.close_button = self.buttons.addButton("Close", QDialogButtonBox.ButtonRole.RejectRole)
        for button in (self.save_button, self.close_button, self.add_zone_button, self.delete_zone_button):
            button.setAutoDefault(False)  # Enter in a field must not save (or close) the dialog
        self.save_button.setVisible(self.editable)
        self.save_button.clicked.connect(self.save)
        self.close_button.clicked.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(body, 1)
        layout.addWidget(self.error_label)
        bottom = QHBoxLayout()
        bottom.addWidget(self.status_label, 1)
        bottom.addWidget(self.buttons)
        layout.addLayout(bottom)

    # ------------------------------------------------------------------ loading
    @property
    def camera_id(self) -> str | None:
        data = self.camera_combo.currentData()
        return str(data) if data is not None else None

    def _show_cameras(self, cameras: list[CameraConfig]) -> None:
        self.camera_combo.blockSignals(True)
        self.camera_combo.clear()
        for config in cameras:
            self.camera_combo.addItem(camera_label(config), config.camera_id)
        wanted = self.camera_combo.findData(self._wanted) if self._wanted else 0
        self.camera_combo.setCurrentIndex(max(0, wanted))
        self.camera_combo.blockSignals(False)
        self.cameras_loaded.emit()
        if not cameras:
            self.canvas.set_image(
                None, "No cameras yet: ingest videos with a camera id, or add one with 'chronotrace cameras'."
            )
            return
        self._load(self.camera_combo.currentData())

    def _camera_chosen(self, index: int) -> None:
        wanted = self.camera_combo.itemData(index)
        if wanted is None or wanted == self._current_id:
            return
        back = self.camera_combo.findData(self._current_id)

        def restore() -> None:
            self.camera_combo.blockSignals(True)
            self.camera_combo.setCurrentIndex(back)
            self.camera_combo.blockSignals(False)

        self._unless_unsaved(lambda: self._load(wanted), restore)

    def _load(self, camera_id: str) -> None:
        self._current_id = camera_id
        self._set_enabled(False)
        self.canvas.set_image(None, "Loading\u2026")
        self._load_task.start(
            load_camera,
            self._services,
            self._actor,
            camera_id,
            on_returned=self._show_camera,
            on_errored=self._load_failed,
            name="camera view",
        )

    def _load_failed(self, exc: BaseException) -> None:
        self.canvas.set_image(None, "This camera could not be loaded.")
        if isinstance(exc, UserFacingError):
            self.show_error(str(exc))
        else:
            show_error(self, exc)

    def _show_camera(self, view: CameraView) -> None:
        self.canvas.set_image(view.image, view.note)
        self._apply(view.config, view.clock_offset_s)
        self.show_error(None)
        self.status_label.clear()
        self._set_enabled(True)
        self.camera_loaded.emit(view.config)

    def _apply(self, config: CameraConfig, clock_offset_s: float | None) -> None:
        self._config = config
        self._zones = list(config.zones)
        self.camera_form.load(config)
        self.clock_form.load(clock_offset_s, config.clock_date_order)
        self.thresholds_form.load(config.rules)
        self.canvas.clear_draft()
        self._refresh_zones()
        self.zone_name_edit.setText(self._next_zone_name())
        index = self.camera_combo.findData(config.camera_id)
        if index >= 0:
            self.camera_combo.setItemText(index, camera_label(config))

    # ------------------------------------------------------------------ zones
    @property
    def zones(self) -> tuple[Zone, ...]:
        """The zones as staged (saved ones plus added, minus deleted)."""
        return tuple(self._zones)

    def _refresh_zones(self) -> None:
        self.zone_list.clear()
        for zone in self._zones:
            item = QListWidgetItem(f"{zone.name} \u2014 {zone.kind.value} ({', '.join(zone.labels)})")
            item.setData(Qt.ItemDataRole.UserRole, zone.name)
            self.zone_list.addItem(item)
        self.canvas.set_zones(self._zones)
        self._update_buttons()

    def _next_zone_name(self) -> str:
        taken = {z.name.lower() for z in self._zones}
        return next(f"Zone {n}" for n in range(1, len(taken) + 2) if f"zone {n}" not in taken)

    def _close_drawing(self) -> None:
        if not self.canvas.close_draft():
            self.show_error("Draw the zone first: at least 3 corners on the picture.")

    def _add_zone(self, points: tuple[tuple[float, float], ...]) -> None:
        try:
            zone = self.new_zone_row.zone(points)
        except UserFacingError as exc:
            self.show_error(str(exc))
            return
        name = zone.name
        if any(z.name.lower() == name.lower() for z in self._zones):
            self.show_error(f"This camera already has a zone {name!r}: give the new one another name.")
            return
        self._zones.append(zone)
        self.canvas.clear_draft()
        self._refresh_zones()
        self.zone_list.setCurrentRow(len(self._zones) - 1)
        self.zone_name_edit.setText(self._next_zone_name())
        self.show_error(None)
        self.status_label.setText(f"Zone {name!r} added; Save to keep it.")

    def delete_selected_zone(self) -> None:
        row = self.zone_list.currentRow()
        if not self.editable or not 0 <= row < len(self._zones):
            return
        removed = self._zones.pop(row)
        self._refresh_zones()
        self.status_label.setText(f"Zone {removed.name!r} deleted; Save to keep the change.")

    def _zone_selected(self, row: int) -> None:
        self.canvas.set_highlighted(self._zones[row].name if 0 <= row < len(self._zones) else None)
        self._update_buttons()

    # ------------------------------------------------------------------ saving
    def edits(self) -> CameraEdits:
        saved = self._config.zones if self._config is not None else ()
        kept = {z.name.lower() for z in self._zones if z in saved}
        return CameraEdits(
            fields=self.camera_form.changes(),
            thresholds=self.thresholds_form.changes(),
            removed=tuple(z.name for z in saved if z.name.lower() not in kept),
            added=tuple(z for z in self._zones if z not in saved),
            clock=self.clock_form.changes(),
        )

    def save(self) -> None:
        # Not while saving or loading (the button is off then); the save task is still "busy" for a moment
        # after its answer arrived, and a Save clicked then must not be lost.
        if self._config is None or not self.editable or not self.save_button.isEnabled():
            return
        edits = self.edits()
        if edits.empty():
            self.status_label.setText("Nothing to save.")
            return
        problem = self.clock_form.problem()
        if problem is not None:  # refused here: nothing is written
            self.tabs.setCurrentWidget(self.camera_page)
            self.clock_form.focus_offset()
            self.show_error(problem)
            self.save_failed.emit(problem)
            return
        self._set_enabled(False)
        self.status_label.setText("Saving\u2026")
        self._save_task.start(
            save_camera,
            self._services,
            self._actor,
            self._config.camera_id,
            edits,
            on_returned=self._saved,
            on_errored=self._save_errored,
            name="save camera",
        )

    def _saved(self, outcome: SaveOutcome) -> None:
        self._set_enabled(True)
        self._apply(outcome.config, outcome.clock_offset_s)
        if outcome.error is not None:
            self._save_errored(outcome.error)
            return
        self.show_error(None)
        self.status_label.setText("Saved.")
        self.camera_saved.emit(outcome.config)

    def _save_errored(self, exc: Exception) -> None:
        self._set_enabled(True)
        self.status_label.clear()
        if not isinstance(exc, UserFacingError):
            show_error(self, exc)
            return
        message = str(exc)
        self.show_error(message)
        if self.thresholds_form.show_field(message):
            self.tabs.setCurrentWidget(self.thresholds_form)
        self.save_failed.emit(message)

    # ------------------------------------------------------------------ state
    def show_error(self, message: str | None) -> None:
        self.error_label.setText(message or "")
        self.error_label.setVisible(bool(message))

    def _set_enabled(self, enabled: bool) -> None:
        self.canvas.set_editable(enabled and self.editable)
        for widget in (self.new_zone_row, self.tabs, self.save_button):
            widget.setEnabled(enabled)
        self._update_buttons()

    def _update_buttons(self) -> None:
        ready = self.canvas.editable
        self.add_zone_button.setEnabled(ready and len(self.canvas.draft) >= 3)
        self.delete_zone_button.setEnabled(ready and self.zone_list.currentRow() >= 0)

    def _unless_unsaved(self, proceed: Callable[[], None], cancel: Callable[[], None] | None = None) -> None:
        """Run ``proceed`` now, or once the user agrees to drop unsaved edits."""
        if not self.editable or self._config is None or self.edits().empty():
            proceed()
            return
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Unsaved changes",
            f"Camera {self._config.camera_id} has changes that are not saved. Discard them?",
            QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
            self,
        )
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

        def answered(button: QPushButton) -> None:
            if box.standardButton(button) == QMessageBox.StandardButton.Discard:
                proceed()
            elif cancel is not None:
                cancel()

        box.buttonClicked.connect(answered)
        box.open()

    def reject(self) -> None:
        self._unless_unsaved(self._close_now)

    def _close_now(self) -> None:
        super().reject()

    def done(self, result: int) -> None:
        self._load_task.cancel()  # nothing more arrives for a closed dialog
        self._save_task.cancel()
        super().done(result)
