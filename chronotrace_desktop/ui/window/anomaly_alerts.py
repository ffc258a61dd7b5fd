"""The window's anomaly extras: desktop alerts for new high/critical anomalies and the camera zones dialog."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chronotrace_desktop.ui.dialogs.zones import CameraZonesDialog
from chronotrace_desktop.ui.qt import QAction, QDockWidget, QMainWindow, QObject, Qt
from chronotrace_desktop.ui.window.alert_notifier import AlertBanner, AlertNotifier

if TYPE_CHECKING:
    import uuid

    from chronotrace_desktop.domain.users import Actor
    from chronotrace_desktop.services.anomalies import AnomalyRecord
    from chronotrace_desktop.services.app import AppServices
    from chronotrace_desktop.ui.panes.anomaly_pane import AnomalyPane
    from chronotrace_desktop.workers.base import WorkerPool


class AnomalyAlerts(QObject):
    """Polls for new high/critical anomalies off the UI thread and announces them (a tray message, else a banner
    in the status bar); activating one shows it in the anomaly queue. Owns the "Camera zones and rules…" action."""

    def __init__(
        self,
        services: AppServices,
        actor: Actor,
        pool: WorkerPool,
        *,
        anomaly_pane: AnomalyPane,
        anomaly_dock: QDockWidget,
        window: QMainWindow,
    ) -> None:
        super().__init__(window)
        self._services = services
        self._actor = actor
        self._pool = pool
        self._pane = anomaly_pane
        self._dock = anomaly_dock
        self._window = window
        self.zones_action = QAction("Camera &zones and rules…", window)
        self.zones_action.setStatusTip(
            "Draw zones on a camera's picture; set its hours, time zone, thresholds and alert recipients"
        )
        self.zones_action.triggered.connect(lambda: self.show_camera_zones())
        self.notifier = AlertNotifier(services.anomalies, actor, pool, parent=window)
        self.banner = AlertBanner(
            self.notifier
        )  # hidden until alerts arrive and no tray is there to show them
        window.statusBar().insertWidget(0, self.banner, 1)
        self.notifier.poll_finished.connect(self._polled)
        self.notifier.anomaly_activated.connect(self._activated)

    def start(self) -> None:
        self.notifier.start()

    def stop(self) -> None:
        self.notifier.stop()

    def show_camera_zones(self, camera_id: str | None = None) -> CameraZonesDialog:
        dialog = CameraZonesDialog(
            self._services, self._actor, self._pool, camera_id=camera_id, parent=self._window
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)  # done() cancels its workers
        dialog.open()
        return dialog

    def _polled(self, new: list[AnomalyRecord]) -> None:
        if new:
            self._pane.reload()

    def _activated(self, anomaly_id: uuid.UUID) -> None:
        self._dock.show()
        self._dock.raise_()
        self._pane.select(anomaly_id)
