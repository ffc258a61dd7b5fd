"""The camera zones dialog on real services: one ingested clip of camera CAM-TEST, drawn on with the mouse."""

from __future__ import annotations

import contextlib
import os
import tempfile
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa
from pytestqt.qtbot import QtBot

from chronotrace_desktop.config import load_settings, resolve_paths
from chronotrace_desktop.domain.anomalies import RuleSettings, Zone, ZoneKind
from chronotrace_desktop.domain.audit import AuditAction
from chronotrace_desktop.domain.errors import InvalidInputError
from chronotrace_desktop.domain.ingest import IngestOptions, IngestStatus
from chronotrace_desktop.domain.recorder_time import parse_offset
from chronotrace_desktop.domain.roles import Role
from chronotrace_desktop.domain.tasks import Unattended
from chronotrace_desktop.domain.users import Actor
from chronotrace_desktop.services.app import AppServices, open_app
from chronotrace_desktop.services.cameras import CameraChanges, parse_hours
from chronotrace_desktop.storage.orm import AuditLog
from chronotrace_desktop.ui.dialogs.zones import CameraZonesDialog
from chronotrace_desktop.ui.qt import QDialog, QLineEdit, QPoint, Qt
from chronotrace_desktop.workers.base import WorkerPool

CLIP = Path(__file__).resolve().parents[3] / "shared" / "data" / "videos" / "person-bicycle-car-detection.gif"
CAMERA = "CAM-TEST"
PASSWORD = "correct horse battery"


@dataclass(frozen=True)
class CameraInstall:
    services: AppServices
    admin: Actor
    analyst: Actor
    viewer: Actor
    segment_id: uuid.UUID
    video_id: uuid.UUID


@contextlib.contextmanager
def camera_installation(folder: Path) -> Iterator[CameraInstall]:
    """A fresh installation with CLIP ingested as camera CAM-TEST, an administrator, an analyst, a viewer."""
    with pytest.MonkeyPatch.context() as patch:
        for name in list(os.environ):
            if name.startswith("CHRONOTRACE_"):
                patch.delenv(name)
        patch.setenv("CHRONOTRACE_BCRYPT_ROUNDS", "4")
        if "PYTHON_KEYRING_BACKEND" not in os.environ:
            patch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")
        paths = resolve_paths(Path(tempfile.mkdtemp(prefix="cameras-", dir=folder)))
        services = open_app(load_settings(paths), paths)
        try:
            services.installation.create_first_admin("ada@agency.example", PASSWORD, "Ada Admin")
            admin = services.auth.login("ada@agency.example", PASSWORD)
            for email, role in (("alan@agency.example", Role.ANALYST), ("vera@agency.example", Role.VIEWER)):
                services.users.add_user(admin, email, role, PASSWORD)
            (result,) = services.ingest.ingest_paths(
                admin, [CLIP], IngestOptions(camera_id=CAMERA, location="Crossing"), Unattended()
            )
            assert result.status is IngestStatus.COMPLETED, result
            segment_id = services.cameras.sample_segment(admin, CAMERA)
            assert segment_id is not None
            assert result.video_id is not None
            yield CameraInstall(
                services,
                admin,
                services.auth.login("alan@agency.example", PASSWORD),
                services.auth.login("vera@agency.example", PASSWORD),
                segment_id,
                result.video_id,
            )
        finally:
            services.close()


@pytest.fixture(scope="module")
def install(installations_dir: Path) -> Iterator[CameraInstall]:
    with camera_installation(installations_dir) as opened:
        yield opened


@pytest.fixture
def fresh_camera(install: CameraInstall) -> CameraInstall:
    """CAM-TEST as ingested: no zones, default thresholds, no hours, no clock offset or date order."""
    cameras, clock = install.services.cameras, install.services.clock
    for zone in cameras.get(install.admin, CAMERA).zones:
        cameras.remove_zone(install.admin, CAMERA, zone.name)
    cameras.update(install.admin, CAMERA, CameraChanges(reset_thresholds=True, business_hours=()))
    if clock.camera_offset(install.admin, CAMERA) is not None:
        clock.set_camera_offset(install.admin, CAMERA, None)
    if cameras.get(install.admin, CAMERA).clock_date_order is not None:
        clock.set_camera_date_order(install.admin, CAMERA, None)
    return install


OpenDialog = Callable[..., CameraZonesDialog]


@pytest.fixture
def open_dialog(qtbot: QtBot, pool: WorkerPool, fresh_camera: CameraInstall) -> Iterator[OpenDialog]:
    opened: list[CameraZonesDialog] = []

    def make(actor: Actor | None = None, size: tuple[int, int] = (1120, 700)) -> CameraZonesDialog:
        dialog = CameraZonesDialog(fresh_camera.services, actor or fresh_camera.admin, pool, camera_id=CAMERA)
        qtbot.addWidget(dialog)
        opened.append(dialog)
        with qtbot.waitSignal(dialog.camera_loaded, timeout=20_000):
            dialog.resize(*size)
            dialog.show()
        qtbot.waitExposed(dialog)
        return dialog

    yield make
    for dialog in opened:
        dialog.done(QDialog.DialogCode.Rejected)  # no "discard changes?" box at teardown


def _at(dialog: CameraZonesDialog, x: float, y: float) -> QPoint:
    """The widget pixel at (x, y) of the picture, worked out from the drawn image rectangle."""
    rect = dialog.canvas.image_rect()
    return QPoint(round(rect.x() + x * rect.width()), round(rect.y() + y * rect.height()))


def _click(qtbot: QtBot, dialog: CameraZonesDialog, x: float, y: float) -> None:
    qtbot.mouseClick(dialog.canvas, Qt.MouseButton.LeftButton, pos=_at(dialog, x, y))


def _field(dialog: CameraZonesDialog, kind: str, name: str) -> QLineEdit:
    widget = dialog.thresholds_form.fields[(kind, name)]
    assert isinstance(widget, QLineEdit)
    return widget


def _save(qtbot: QtBot, dialog: CameraZonesDialog) -> None:
    with qtbot.waitSignal(dialog.camera_saved, timeout=20_000):
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)


def test_shows_the_cameras_redacted_thumbnail(open_dialog: OpenDialog, install: CameraInstall) -> None:
    dialog = open_dialog()
    assert dialog.camera_id == CAMERA
    assert dialog.camera_combo.count() == 1
    image = dialog.canvas.image
    assert image is not None
    assert not image.isNull()
    thumbnail = install.services.media.redacted_thumbnail(install.admin, install.segment_id)
    assert thumbnail.name.endswith(".redacted.jpg")
    rect = dialog.canvas.image_rect()
    assert rect.width() / rect.height() == pytest.approx(image.width() / image.height(), rel=0.01)


@pytest.mark.parametrize("size", [(900, 620), (1500, 950)])
def test_a_polygon_drawn_with_the_mouse_becomes_a_zone(
    qtbot: QtBot, open_dialog: OpenDialog, install: CameraInstall, size: tuple[int, int]
) -> None:
    dialog = open_dialog(size=size)
    dialog.zone_name_edit.setText("Counter")
    dialog.zone_kind_combo.setCurrentIndex(dialog.zone_kind_combo.findData(ZoneKind.RESTRICTED.value))
    corners = [(0.2, 0.3), (0.6, 0.3), (0.6, 0.8)]
    for x, y in corners[:-1]:
        _click(qtbot, dialog, x, y)
    assert len(dialog.canvas.draft) == 2
    qtbot.mouseDClick(dialog.canvas, Qt.MouseButton.LeftButton, pos=_at(dialog, *corners[-1]))
    assert dialog.canvas.draft == ()
    assert [z.name for z in dialog.zones] == ["Counter"]
    _save(qtbot, dialog)

    zone = install.services.cameras.get(install.admin, CAMERA).zone("Counter")
    assert zone is not None
    assert zone.kind is ZoneKind.RESTRICTED
    assert zone.labels == ("person", "vehicle")
    # One pixel of the picture is the precision a click has; the widget's size does not matter.
    pixel = 1.5 / dialog.canvas.image_rect().width()
    assert [p[0] for p in zone.polygon] == pytest.approx([c[0] for c in corners], abs=pixel)
    assert [p[1] for p in zone.polygon] == pytest.approx([c[1] for c in corners], abs=pixel)
    assert dialog.status_label.text() == "Saved."
    assert dialog.zone_list.count() == 1


def test_keys_undo_close_and_cancel_a_drawing(qtbot: QtBot, open_dialog: OpenDialog) -> None:
    dialog = open_dialog()
    for x, y in ((0.1, 0.1), (0.5, 0.1), (0.5, 0.5), (0.9, 0.9)):
        _click(qtbot, dialog, x, y)
    assert len(dialog.canvas.draft) == 4
    assert dialog.add_zone_button.isEnabled()
    qtbot.keyClick(dialog.canvas, Qt.Key.Key_Backspace)
    assert len(dialog.canvas.draft) == 3
    qtbot.keyClick(dialog.canvas, Qt.Key.Key_Return)
    assert [len(z.polygon) for z in dialog.zones] == [3]
    assert dialog.zone_name_edit.text() == "Zone 2"

    _click(qtbot, dialog, 0.3, 0.3)
    _click(qtbot, dialog, 0.4, 0.3)
    qtbot.keyClick(dialog.canvas, Qt.Key.Key_Escape)
    assert dialog.canvas.draft == ()
    assert dialog.isVisible(), "Esc with a drawing only drops the drawing"
    assert not dialog.add_zone_button.isEnabled()


def test_a_duplicate_zone_name_is_refused_inline(qtbot: QtBot, open_dialog: OpenDialog) -> None:
    dialog = open_dialog()
    for name in ("Door", "door"):
        dialog.zone_name_edit.setText(name)
        for x, y in ((0.1, 0.1), (0.4, 0.1), (0.4, 0.4)):
            _click(qtbot, dialog, x, y)
        qtbot.mouseClick(dialog.add_zone_button, Qt.MouseButton.LeftButton)
    assert [z.name for z in dialog.zones] == ["Door"]
    assert "already has a zone 'door'" in dialog.error_label.text()
    assert dialog.error_label.isVisible()
    assert len(dialog.canvas.draft) == 3, "the drawing stays for another name"


def test_deleting_a_zone_goes_through_the_service(
    qtbot: QtBot, open_dialog: OpenDialog, install: CameraInstall
) -> None:
    cameras = install.services.cameras
    cameras.add_zone(install.admin, CAMERA, Zone("Gate", ((0.0, 0.0), (0.5, 0.0), (0.5, 0.5))))
    dialog = open_dialog()
    assert dialog.zone_list.count() == 1
    dialog.zone_list.setCurrentRow(0)
    qtbot.mouseClick(dialog.delete_zone_button, Qt.MouseButton.LeftButton)
    assert dialog.zones == ()
    _save(qtbot, dialog)
    assert cameras.get(install.admin, CAMERA).zones == ()


def test_rules_form_saves_hours_thresholds_and_recipients(
    qtbot: QtBot, open_dialog: OpenDialog, install: CameraInstall
) -> None:
    dialog = open_dialog()
    dialog.camera_form.hours_edit.setText("mon-fri 08:00-18:00; sat 10:00-14:00")
    dialog.camera_form.timezone_combo.setCurrentText("Europe/London")
    dialog.camera_form.recipients_edit.setText("Duty.Desk@agency.example")
    _field(dialog, "loitering", "min_seconds").setText("20")
    _save(qtbot, dialog)
    config = install.services.cameras.get(install.admin, CAMERA)
    assert config.business_hours == parse_hours("mon-fri 08:00-18:00; sat 10:00-14:00")
    assert config.timezone == "Europe/London"
    assert config.alert_recipients == ("duty.desk@agency.example",)
    assert config.rules.loitering.min_seconds == 20.0
    assert config.rules.overrides() == {"loitering": {"min_seconds": 20.0}}
    assert dialog.camera_form.hours_edit.text() == "mon-fri 08:00-18:00; sat 10:00-14:00"


@pytest.mark.parametrize(
    ("fill", "service_check"),
    [
        (
            lambda d: _field(d, "crowd_formation", "min_people").setText("2.5"),
            lambda: RuleSettings.from_overrides({"crowd_formation": {"min_people": "2.5"}}),
        ),
        (
            lambda d: d.camera_form.hours_edit.setText("weekdays 9-5"),
            lambda: parse_hours("weekdays 9-5"),
        ),
    ],
    ids=["threshold", "hours"],
)
def test_an_invalid_value_shows_the_services_message(
    qtbot: QtBot,
    open_dialog: OpenDialog,
    install: CameraInstall,
    fill: Callable[[CameraZonesDialog], None],
    service_check: Callable[[], object],
) -> None:
    with pytest.raises(InvalidInputError) as expected:
        service_check()
    dialog = open_dialog()
    fill(dialog)
    with qtbot.waitSignal(dialog.save_failed, timeout=20_000) as failed:
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert failed.args == [str(expected.value)]
    assert dialog.error_label.text() == str(expected.value)
    assert dialog.error_label.isVisible()
    config = install.services.cameras.get(install.admin, CAMERA)
    assert (config.rules, config.business_hours) == (RuleSettings(), ()), "nothing was written"
    if "min_people" in str(expected.value):
        assert dialog.tabs.currentWidget() is dialog.thresholds_form
        assert dialog.thresholds_form.rule_combo.currentData() == "crowd_formation"


@pytest.mark.parametrize("role", ["viewer", "analyst"])
def test_roles_without_configure_cameras_see_it_read_only(
    qtbot: QtBot, open_dialog: OpenDialog, install: CameraInstall, role: str
) -> None:
    install.services.cameras.add_zone(
        install.admin, CAMERA, Zone("Gate", ((0.0, 0.0), (0.5, 0.0), (0.5, 0.5)))
    )
    dialog = open_dialog(getattr(install, role))
    assert not dialog.editable
    assert dialog.read_only_label.isVisible()
    assert f"({role})" in dialog.read_only_label.text()
    assert not dialog.save_button.isVisible()
    assert not dialog.new_zone_row.isVisible()
    assert not dialog.delete_zone_button.isVisible()
    assert dialog.camera_form.hours_edit.isReadOnly()
    assert dialog.clock_form.offset_edit.isReadOnly()
    assert not dialog.clock_form.date_order_combo.isEnabled()
    assert not dialog.clock_form.apply_check.isVisible()
    assert dialog.zone_list.count() == 1, "the zones are shown"
    _click(qtbot, dialog, 0.7, 0.7)
    _click(qtbot, dialog, 0.8, 0.7)
    _click(qtbot, dialog, 0.8, 0.8)
    assert dialog.canvas.draft == ()
    dialog.save()  # even if asked, nothing is written
    assert dialog.edits().empty()


def _clock_audit(install: CameraInstall) -> list[dict[str, object]]:
    """The ``camera_clock_changed`` rows of CAM-TEST, oldest first."""
    with install.services.database.transaction() as session:
        rows = session.scalars(
            sa.select(AuditLog)
            .where(AuditLog.action == AuditAction.CAMERA_CLOCK_CHANGED.value)
            .order_by(AuditLog.chain_seq)
        )
        return [dict(r.meta or {}) for r in rows if (r.meta or {}).get("camera_id") == CAMERA]


def test_an_administrator_sets_the_recorder_clock(
    qtbot: QtBot, open_dialog: OpenDialog, install: CameraInstall
) -> None:
    audited = len(_clock_audit(install))
    dialog = open_dialog()
    form = dialog.clock_form
    assert (form.offset_edit.text(), form.date_order_combo.currentData()) == ("", None)
    dialog.tabs.setCurrentWidget(dialog.camera_page)
    qtbot.keyClicks(form.offset_edit, "-73")
    form.apply_check.setChecked(True)
    form.date_order_combo.setCurrentIndex(form.date_order_combo.findData("dmy"))
    _save(qtbot, dialog)

    assert install.services.clock.camera_offset(install.admin, CAMERA) == -73.0
    assert install.services.cameras.get(install.admin, CAMERA).clock_date_order == "dmy"
    offset_row, order_row = _clock_audit(install)[audited:]
    assert offset_row["clock_offset_s_before"] is None
    assert offset_row["clock_offset_s"] == -73.0
    assert offset_row["apply_to_videos"] is True
    assert (order_row["date_order_before"], order_row["date_order"]) == (None, "dmy")
    # The dialog shows what the services now hold, and nothing is left to save.
    assert form.offset_edit.text() == "-73"
    assert not form.apply_check.isChecked()
    assert form.date_order_combo.currentData() == "dmy"
    assert dialog.edits().empty()
    assert dialog.status_label.text() == "Saved."

    # Clearing both goes through the services too.
    form.offset_edit.clear()
    form.date_order_combo.setCurrentIndex(form.date_order_combo.findData(None))
    _save(qtbot, dialog)
    assert install.services.clock.camera_offset(install.admin, CAMERA) is None
    assert install.services.cameras.get(install.admin, CAMERA).clock_date_order is None
    assert [r.get("clock_offset_s", "-") for r in _clock_audit(install)[audited + 2 :]] == [None, "-"]


def test_unchanged_clock_values_make_no_call(
    qtbot: QtBot, open_dialog: OpenDialog, install: CameraInstall
) -> None:
    install.services.clock.set_camera_offset(install.admin, CAMERA, 3600.0)
    install.services.clock.set_camera_date_order(install.admin, CAMERA, "mdy")
    audited = len(_clock_audit(install))
    dialog = open_dialog()
    form = dialog.clock_form
    assert form.offset_edit.text() == "+3600"
    assert form.date_order_combo.currentData() == "mdy"
    form.offset_edit.setText("3600.0")  # the same number written otherwise
    assert dialog.edits().empty()
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.status_label.text() == "Nothing to save."

    dialog.camera_form.hours_edit.setText("mon-fri 08:00-18:00")  # another change saves without the clock
    _save(qtbot, dialog)
    assert len(_clock_audit(install)) == audited
    assert install.services.clock.camera_offset(install.admin, CAMERA) == 3600.0
    assert install.services.cameras.get(install.admin, CAMERA).clock_date_order == "mdy"


@pytest.mark.parametrize("typed", ["soon", "1e12"])
def test_an_invalid_offset_is_refused_with_a_message(
    qtbot: QtBot, open_dialog: OpenDialog, install: CameraInstall, typed: str
) -> None:
    with pytest.raises(InvalidInputError) as expected:
        parse_offset(typed)
    audited = len(_clock_audit(install))
    dialog = open_dialog()
    dialog.clock_form.offset_edit.setText(typed)
    dialog.clock_form.date_order_combo.setCurrentIndex(dialog.clock_form.date_order_combo.findData("ymd"))
    dialog.camera_form.hours_edit.setText("mon-fri 08:00-18:00")
    with qtbot.waitSignal(dialog.save_failed, timeout=5_000) as failed:
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert failed.args == [str(expected.value)]
    assert dialog.error_label.text() == str(expected.value)
    assert dialog.error_label.isVisible()
    assert dialog.tabs.currentWidget() is dialog.camera_page
    assert dialog.clock_form.offset_edit.hasFocus()
    # Nothing was written: neither the clock nor the other changes saved with it.
    assert len(_clock_audit(install)) == audited
    assert install.services.clock.camera_offset(install.admin, CAMERA) is None
    config = install.services.cameras.get(install.admin, CAMERA)
    assert (config.clock_date_order, config.business_hours) == (None, ())
