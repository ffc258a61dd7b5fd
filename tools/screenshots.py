"""Render the GUI offscreen to PNGs for review: ``.venv/bin/python tools/screenshots.py [--out DIR]``.

Uses the real services on a throwaway installation (embedded PostgreSQL in a temp folder, removed afterwards),
so what is shown is what a detective sees on a first run and after signing in. The shared clips are then
ingested through the library pane (a shot is taken mid-ingest) and every pane is rendered with that real
data: library, search (grid, list, filters), player (redacted, boxes, revealed original), anomaly queue and
the whole window. Light and dark schemes both.
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

os.environ["QT_QPA_PLATFORM"] = "offscreen"  # before any QApplication; never pops windows up
os.environ["CT_TESTS_ALLOW_WEAK_BCRYPT"] = "1"  # config.WEAK_BCRYPT_ENV: throw-away demo accounts only
os.environ["CHRONOTRACE_BCRYPT_ROUNDS"] = "4"
os.environ.setdefault("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from chronotrace_desktop.config import load_settings, resolve_paths
from chronotrace_desktop.domain.errors import EnvironmentProblemError
from chronotrace_desktop.domain.ingest import IngestOptions
from chronotrace_desktop.services.app import AppServices, open_app
from chronotrace_desktop.ui.app import StartupSplash, create_application
from chronotrace_desktop.ui.dialogs.login_dialog import LoginDialog
from chronotrace_desktop.ui.errors import error_box
from chronotrace_desktop.ui.models.search_model import IdRole
from chronotrace_desktop.ui.panes.library_pane import LibraryPane
from chronotrace_desktop.ui.qt import QApplication, QColor, QPalette, QSettings, Qt, QWidget
from chronotrace_desktop.ui.qt_media import QMediaPlayer
from chronotrace_desktop.ui.qtlog import install_qt_message_handler
from chronotrace_desktop.ui.window import MainWindow
from chronotrace_desktop.workers.base import WorkerPool

if TYPE_CHECKING:
    from collections.abc import Callable

    from chronotrace_desktop.ui.panes.anomaly_pane import AnomalyPane
    from chronotrace_desktop.ui.panes.player_pane import PlayerPane

logger = logging.getLogger("screenshots")
DECORATION = Qt.ItemDataRole.DecorationRole

ADMIN_EMAIL = "ada.lovelace@police.example"
ADMIN_PASSWORD = "correct horse battery staple"


def _dark_palette() -> QPalette:
    """What a dark desktop hands Fusion (the offscreen platform has no colour scheme of its own)."""
    role = QPalette.ColorRole
    palette = QPalette()
    colours = {
        role.Window: "#353535",
        role.WindowText: "#eeeeee",
        role.Base: "#262626",
        role.AlternateBase: "#2e2e2e",
        role.Text: "#eeeeee",
        role.PlaceholderText: "#9a9a9a",
        role.Button: "#3a3a3a",
        role.ButtonText: "#eeeeee",
        role.BrightText: "#ff6b6b",
        role.Highlight: "#2f7bd6",
        role.HighlightedText: "#ffffff",
        role.ToolTipBase: "#3a3a3a",
        role.ToolTipText: "#eeeeee",
        role.Link: "#6aa8f0",
        role.Light: "#505050",
        role.Midlight: "#444444",
        role.Mid: "#2b2b2b",
        role.Dark: "#1f1f1f",
        role.Shadow: "#141414",
    }
    for colour_role, name in colours.items():
        palette.setColor(colour_role, QColor(name))
    for colour_role in (role.WindowText, role.Text, role.ButtonText):
        palette.setColor(QPalette.ColorGroup.Disabled, colour_role, QColor("#7a7a7a"))
    return palette


def _settle(app: QApplication, until: Callable[[], bool] = lambda: True, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        app.processEvents()
        if until():
            break
        if time.monotonic() > deadline:
            raise TimeoutError("the GUI did not reach the expected state")
        time.sleep(0.01)
    for _ in range(5):  # let layouts and repaints finish
        app.processEvents()


def _save(app: QApplication, widget: QWidget, out: Path, name: str) -> None:
    _settle(app)
    path = out / f"{name}.png"
    if not widget.grab().save(str(path)):
        raise OSError(f"could not write {path}")
    logger.info("wrote %s (%dx%d)", path, widget.width(), widget.height())


def _render_scheme(app: QApplication, services: AppServices, out: Path, suffix: str) -> None:
    pool = WorkerPool()
    inst = services.installation

    splash = StartupSplash()
    splash.show()
    _save(app, splash, out, f"splash{suffix}")
    splash.finish()

    first = inst.needs_first_admin()
    dialog = LoginDialog(services.auth, inst, pool, first_run=first)
    dialog.show()
    if first:
        _save(app, dialog, out, f"login-first-run{suffix}")
        dialog.email_edit.setText(ADMIN_EMAIL)
        dialog.full_name_edit.setText("Ada Lovelace")
        dialog.password_edit.setText("short")
        dialog.confirm_edit.setText("short")
        dialog.submit()
        _save(app, dialog, out, f"login-first-run-error{suffix}")
        dialog.password_edit.setText(ADMIN_PASSWORD)
        dialog.confirm_edit.setText(ADMIN_PASSWORD)
        dialog.submit()
        _settle(app, lambda: dialog.actor is not None)
        dialog.set_first_run(False)
        dialog.show()
    else:  # the installation has its administrator by now: show the set-up mode all the same
        dialog.set_first_run(True)
        _save(app, dialog, out, f"login-first-run{suffix}")
        dialog.set_first_run(False)

    dialog.show_error(None)
    dialog.email_edit.setText(ADMIN_EMAIL)
    dialog.password_edit.clear()
    _save(app, dialog, out, f"login-sign-in{suffix}")
    dialog.password_edit.setText("not my password")
    dialog.submit()
    _settle(app, lambda: not dialog.busy)
    _save(app, dialog, out, f"login-sign-in-error{suffix}")
    dialog.close()

    actor = services.auth.login(ADMIN_EMAIL, ADMIN_PASSWORD)
    settings = QSettings(str(out / f".screenshots{suffix}.ini"), QSettings.Format.IniFormat)
    settings.clear()
    window = MainWindow(services, actor, pool=pool, settings=settings)
    window.resize(1280, 800)
    window.show()
    _save(app, window, out, f"main-window{suffix}")
    window.docks["search"].hide()
    window.docks["anomalies"].hide()
    _save(app, window, out, f"main-window-two-panes{suffix}")
    window.reset_layout()
    box = window.show_settings()
    _save(app, box, out, f"settings{suffix}")
    box.close()
    window.close()
    settings.clear()
    Path(settings.fileName()).unlink(missing_ok=True)

    failed = error_box(
        None,
        EnvironmentProblemError(
            "The local database in /home/ada/.local/share/ChronoTrace/postgres could not be started "
            "(No space left on device). Its log is /home/ada/.local/share/ChronoTrace/postgres/log."
        ),
        title="ChronoTrace cannot start",
        heading="ChronoTrace cannot start.",
        hint="Run 'chronotrace doctor' in a terminal for a full check.",
    )
    failed.show()
    _save(app, failed, out, f"startup-error{suffix}")
    failed.close()
    pool.wait_for_done(10_000)


SHARED_VIDEOS = Path(__file__).resolve().parents[2] / "shared" / "data" / "videos"
CLIPS = (
    "car-detection.mp4",
    "video02.avi",
    "face-demographics-walking.gif",
    "one-by-one-person-detection.mp4",
    "2018-03-11.16-20-00.16-25-00.school.G330.annotated.mp4",  # the bag left on the bleachers
)


def _ingest_through_the_pane(app: QApplication, services: AppServices, out: Path) -> None:
    """Ingest the shared clips with the library pane, as a user would; one shot while it runs."""
    pool = WorkerPool()
    actor = services.auth.login(ADMIN_EMAIL, ADMIN_PASSWORD)
    pane = LibraryPane(services, actor, pool)
    pane.resize(1100, 620)
    pane.show()
    _settle(app, lambda: not pane.model.loading)
    options = IngestOptions(
        camera_id="CAM-07", location="North car park", recorded_at=datetime(2024, 2, 9, 14, 30)
    )
    pane.start_ingest([SHARED_VIDEOS / name for name in CLIPS], options)
    panel = pane.ingest_panel
    _settle(app, lambda: any(f.stage == "segments" and f.done > 0 for f in panel.model.files), timeout=120)
    _save(app, pane, out, "library-ingesting")
    _settle(app, lambda: not panel.running, timeout=300)
    pane.close()
    pool.wait_for_done(30_000)


def _render_panes(app: QApplication, services: AppServices, out: Path, suffix: str) -> None:
    pool = WorkerPool()
    actor = services.auth.login(ADMIN_EMAIL, ADMIN_PASSWORD)
    settings = QSettings(str(out / f".panes{suffix}.ini"), QSettings.Format.IniFormat)
    settings.clear()
    window = MainWindow(services, actor, pool=pool, settings=settings)
    window.resize(1600, 1000)
    window.show()
    library, search, player, anomalies = (
        window.library_pane,
        window.search_pane,
        window.player_pane,
        window.anomaly_pane,
    )
    _settle(app, lambda: library.model.rowCount() >= len(CLIPS) and anomalies.model.rowCount() > 0)
    _settle(app, lambda: all(library.model.cached(library.model.video_id(r)) for r in range(len(CLIPS))))
    search.query_combo.setEditText("white car")
    search.run_text_search()
    _settle(app, lambda: not search.busy and search.results_model.rowCount() > 0, timeout=60)
    _settle(app, lambda: search.results_model.index(0).data(DECORATION) is not None)
    search.results_view.setCurrentIndex(search.results_model.index(0))
    player.autoplay = False
    player.controls.boxes_action.setChecked(True)
    search.segment_activated.emit(search.results_model.index(0).data(IdRole))
    _settle(app, lambda: player.detail is not None, timeout=60)
    _settle(app, lambda: player.player.mediaStatus() == QMediaPlayer.MediaStatus.LoadedMedia)
    player.step(12)
    _settle(app, lambda: player.player.position() > 0)
    time.sleep(0.3)
    _save(app, window, out, f"main-window-working{suffix}")

    for dock in window.docks.values():
        dock.setFloating(True)
    shots = (
        (library, (1100, 520), "pane-library"),
        (anomalies, (1000, 560), "pane-anomalies"),
        (player, (900, 680), "pane-player"),
    )
    for widget, (width, height), name in shots:
        widget.parentWidget().resize(width, height)
        _save(app, widget, out, f"{name}{suffix}")
    window.docks["search"].resize(1100, 720)
    search.filters_button.setChecked(True)
    _save(app, search, out, f"pane-search-grid{suffix}")
    search.grid_button.setChecked(False)
    _save(app, search, out, f"pane-search-list{suffix}")

    anomalies.table.selectRow(0)
    _settle(
        app,
        lambda: player.detail is not None and player.detail.segment.id == anomalies.selected_segment_ids()[0],
    )
    _settle(app, lambda: player.player.mediaStatus() == QMediaPlayer.MediaStatus.LoadedMedia)
    player.step(40)
    time.sleep(0.3)
    _save(app, anomalies, out, f"pane-anomalies-selected{suffix}")
    _save(app, player, out, f"pane-player-anomaly{suffix}")
    dialog = player.ask_reveal()
    assert dialog is not None
    dialog.justification_edit.setPlainText("CASE-2024-0113: identify the person waiting at the counter")
    dialog.password_edit.setText(ADMIN_PASSWORD)  # the reveal asks for the signed-in user's password again
    _save(app, dialog, out, f"reveal-dialog{suffix}")
    dialog.accept()
    _settle(app, lambda: player.showing_original, timeout=30)
    _settle(app, lambda: player.player.mediaStatus() == QMediaPlayer.MediaStatus.LoadedMedia)
    player.step(40)
    time.sleep(0.3)
    _save(app, player, out, f"pane-player-revealed{suffix}")
    _render_abandonment(app, anomalies, player, out, suffix)
    player.stop()
    window.close()
    settings.clear()
    Path(settings.fileName()).unlink(missing_ok=True)
    pool.wait_for_done(30_000)


def _render_abandonment(
    app: QApplication, anomalies: AnomalyPane, player: PlayerPane, out: Path, suffix: str
) -> None:
    """The object left on the gym bleachers: the queue row and the player with the anomaly's own box."""
    proxy = anomalies.proxy
    rows = [r for r in range(proxy.rowCount()) if proxy.index(r, 1).data() == "object abandonment"]
    if not rows:
        logger.warning("No object abandonment in the queue: shot skipped")
        return
    anomalies.table.selectRow(rows[0])
    item = anomalies.selected_anomaly()
    _settle(
        app, lambda: player.detail is not None and player.detail.segment.id == item.segment_id, timeout=60
    )
    _settle(app, lambda: player.player.mediaStatus() == QMediaPlayer.MediaStatus.LoadedMedia)
    detail = player.detail
    assert detail is not None
    at = min(float(item.metadata["video_offset_start"]) + 10.0, detail.segment.end_time - 1.0)
    player.player.setPosition(max(0, round((at - detail.segment.clip_start) * 1000)))
    _settle(app, lambda: any(b.label.startswith("anomaly: ") for b in player.view.boxes))
    player.step(1)
    time.sleep(0.3)
    _save(app, anomalies, out, f"pane-anomalies-abandonment{suffix}")
    _save(app, player, out, f"pane-player-abandonment{suffix}")


ZONES_CLIP = (
    Path(__file__).resolve().parents[2] / "shared" / "data" / "videos" / "person-bicycle-car-detection.gif"
)
ZONES_CAMERA = "CAM-12"
VIEWER_EMAIL = "vera.viewer@police.example"


def _render_camera_zones(app: QApplication, services: AppServices, out: Path, suffix: str) -> None:
    """The camera zones dialog on a clip of its own (saved zones, one being drawn, a refused threshold, the
    read-only view of a viewer) and the in-window alert banner. Imports are local: this block stands apart."""
    import contextlib
    import uuid

    from chronotrace_desktop.domain.anomalies import (
        AlertState,
        AnomalyStatus,
        AnomalyType,
        Severity,
        Zone,
        ZoneKind,
    )
    from chronotrace_desktop.domain.clock import utcnow
    from chronotrace_desktop.domain.errors import ConflictError
    from chronotrace_desktop.domain.ingest import IngestOptions
    from chronotrace_desktop.domain.roles import Role
    from chronotrace_desktop.domain.tasks import Unattended
    from chronotrace_desktop.services.anomalies import AnomalyRecord
    from chronotrace_desktop.services.cameras import CameraChanges, parse_hours
    from chronotrace_desktop.ui.dialogs.zones import CameraZonesDialog
    from chronotrace_desktop.ui.qt import QEvent, QLineEdit, QMouseEvent, QVBoxLayout
    from chronotrace_desktop.ui.window.alert_notifier import AlertBanner, AlertNotifier

    pool = WorkerPool()
    admin = services.auth.login(ADMIN_EMAIL, ADMIN_PASSWORD)
    cameras = services.cameras
    if cameras.sample_segment(admin, ZONES_CAMERA) is None:
        options = IngestOptions(camera_id=ZONES_CAMERA, location="Station Road crossing")
        services.ingest.ingest_paths(admin, [ZONES_CLIP], options, Unattended())
        changes = CameraChanges(
            name="Crossing",
            timezone="Europe/London",
            business_hours=parse_hours("mon-fri 07:00-19:00; sat 09:00-13:00"),
            alert_recipients=("duty.desk@police.example",),
        )
        cameras.update(admin, ZONES_CAMERA, changes)
        pavement = ((0.02, 0.62), (0.42, 0.55), (0.47, 0.98), (0.02, 0.98))
        cameras.add_zone(admin, ZONES_CAMERA, Zone("Pavement", pavement, ZoneKind.WATCH, ("person",)))
        yard = ((0.62, 0.18), (0.97, 0.2), (0.97, 0.52), (0.66, 0.48))
        cameras.add_zone(admin, ZONES_CAMERA, Zone("Rail yard", yard, ZoneKind.RESTRICTED))
    with contextlib.suppress(ConflictError):
        services.users.add_user(admin, VIEWER_EMAIL, Role.VIEWER, ADMIN_PASSWORD)

    def open_dialog(email: str) -> CameraZonesDialog:
        actor = services.auth.login(email, ADMIN_PASSWORD)
        dialog = CameraZonesDialog(services, actor, pool, camera_id=ZONES_CAMERA)
        dialog.resize(1120, 700)
        dialog.show()
        _settle(app, lambda: dialog.camera_id == ZONES_CAMERA and dialog.canvas.image is not None)
        return dialog

    def mouse(kind: QEvent.Type, x: float, y: float) -> None:
        pos = canvas.to_widget((x, y))
        button = (
            Qt.MouseButton.LeftButton if kind == QEvent.Type.MouseButtonPress else Qt.MouseButton.NoButton
        )
        event = QMouseEvent(
            kind, pos, canvas.mapToGlobal(pos), button, button, Qt.KeyboardModifier.NoModifier
        )
        QApplication.sendEvent(canvas, event)

    dialog = open_dialog(ADMIN_EMAIL)
    canvas = dialog.canvas
    dialog.zone_name_edit.setText("Bus stop")
    for x, y in ((0.2, 0.2), (0.45, 0.22), (0.44, 0.42)):
        mouse(QEvent.Type.MouseButtonPress, x, y)
    mouse(QEvent.Type.MouseMove, 0.24, 0.4)
    dialog.zone_list.setCurrentRow(1)
    _save(app, dialog, out, f"camera-zones{suffix}")

    dialog.tabs.setCurrentWidget(dialog.thresholds_form)
    field = dialog.thresholds_form.fields[("crowd_formation", "min_people")]
    assert isinstance(field, QLineEdit)
    field.setText("2.5")
    failed: list[str] = []
    dialog.save_failed.connect(failed.append)
    dialog.save()
    _settle(app, lambda: bool(failed))
    _save(app, dialog, out, f"camera-zones-error{suffix}")
    dialog.done(0)

    read_only = open_dialog(VIEWER_EMAIL)
    read_only.tabs.setCurrentWidget(read_only.camera_form)
    _save(app, read_only, out, f"camera-zones-read-only{suffix}")
    read_only.done(0)

    host = QWidget()
    host.resize(900, 60)
    banner = AlertBanner(AlertNotifier(services.anomalies, admin, pool, use_tray=False))
    QVBoxLayout(host).addWidget(banner)
    now = utcnow()
    record = AnomalyRecord(
        id=uuid.uuid4(),
        video_id=uuid.uuid4(),
        segment_id=uuid.uuid4(),
        type=AnomalyType.PERIMETER_BREACH,
        confidence=0.93,
        severity=Severity.CRITICAL,
        status=AnomalyStatus.NEW,
        title="Person entered the restricted zone 'Rail yard'",
        description=None,
        camera_id=ZONES_CAMERA,
        location=None,
        detected_at=now,
        created_at=now,
        resolved_at=None,
        resolved_by=None,
        resolution_notes=None,
        alert_sent=False,
        alert_sent_at=None,
        alert_recipients=(),
        alert_state=AlertState.NOT_REQUIRED,
        video_offset=None,
        metadata={},
    )
    host.show()
    banner.show_alerts([record])
    _save(app, host, out, f"alert-banner{suffix}")
    host.close()
    pool.wait_for_done(10_000)


def on_a_throwaway_installation(
    description: str, shoot: Callable[[QApplication, AppServices, Path], None]
) -> int:
    """Parse ``--out``, then ``shoot(app, services, out)`` on a new installation in a temp folder, removed
    afterwards (the offscreen application and the logging every screenshot tool shares)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parents[1] / "screenshots")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(name)s: %(message)s")
    logger.setLevel(logging.INFO)
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)

    install_qt_message_handler()
    app = create_application(["screenshots"])
    data_dir = Path(tempfile.mkdtemp(prefix="chronotrace-screenshots-"))
    paths = resolve_paths(data_dir)
    services = open_app(load_settings(paths), paths)
    try:
        shoot(app, services, out)
    finally:
        services.close()
        shutil.rmtree(data_dir, ignore_errors=True)
    return 0


def _shoot(app: QApplication, services: AppServices, out: Path) -> None:
    _render_scheme(app, services, out, "")
    _ingest_through_the_pane(app, services, out)
    _render_panes(app, services, out, "")
    _render_camera_zones(app, services, out, "")
    app.setPalette(_dark_palette())
    _render_scheme(app, services, out, "-dark")
    _render_panes(app, services, out, "-dark")
    _render_camera_zones(app, services, out, "-dark")


def main() -> int:
    return on_a_throwaway_installation(__doc__ or "", _shoot)


if __name__ == "__main__":
    raise SystemExit(main())
