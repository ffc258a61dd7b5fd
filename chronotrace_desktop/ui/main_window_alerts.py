"""The main window's anomaly extras: camera zones dialog and desktop alerts for new high/critical anomalies."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chronotrace_desktop.ui.alert_notifier import AlertBanner, AlertNotifier
from chronotrace_desktop.ui.dialogs.zones.editor import CameraZonesDialog
from chronotrace_desktop.ui.qt import QAction, Qt

if TYPE_CHECKING:
    from chronotrace_desktop.ui.main_window import MainWindow


def camera_zones_action(window: MainWindow) -> QAction:
    action = QAction("Camera &zones and rules…", window)
    action.setStatusTip(
        "Draw zones on a camera's picture; set its hours, time zone, thresholds and alert recipients"
    )
    action.triggered.connect(lambda: show_camera_zones(window))
    return action


def show_camera_zones(window: MainWindow, camera_id: str | None = None) -> CameraZonesDialog:
    dialog = CameraZonesDialog(window.services, window.actor, window.pool, camera_id=camera_id, parent=window)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)  # done() cancels its workers
    dialog.open()
    return dialog


def install_alerts(window: MainWindow) -> AlertNotifier:
    """Poll for new high/critical anomalies off the UI thread; a tray message, else a banner in the status bar."""
    notifier = AlertNotifier(window.services.anomalies, window.actor, window.pool, parent=window)
    banner = AlertBanner(notifier)  # hidden until alerts arrive and no tray is there to show them
    window.statusBar().insertWidget(0, banner, 1)

    def polled(new: list[object]) -> None:
        if new:
            window.anomaly_pane.reload()

    def activated(anomaly_id: object) -> None:
        dock = window.docks["anomalies"]
        dock.show()
        dock.raise_()
        window.anomaly_pane.select(anomaly_id)  # type: ignore[arg-type]

    notifier.poll_finished.connect(polled)
    notifier.anomaly_activated.connect(activated)
    notifier.start()
    return notifier
