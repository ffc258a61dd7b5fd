"""Desktop notifications for new high/critical anomalies.

:class:`AlertNotifier` asks ``AnomalyService.new_alerts_since`` every ``interval_s`` seconds, in a worker
(never on the UI thread), and keeps the newest ``created_at`` it has seen as the next ``since``. A row's
``created_at`` is the start of the transaction that wrote it, so a long ingest can commit rows older than
ones already seen: each poll looks back ``LOOKBACK`` before that mark and skips the ids it has already
announced. The first poll only sets the mark (the queue already lists what was there before sign-in)
unless ``announce_backlog`` is set.

New alerts are announced with the system tray (``QSystemTrayIcon.showMessage``) when there is one, else
through ``alerts_arrived(list)`` for an in-window banner (:class:`AlertBanner` is one). Clicking the tray
message or the banner's button emits ``anomaly_activated(uuid)``.
"""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta
from typing import TYPE_CHECKING

from chronotrace_desktop.domain.anomalies import ALERT_SEVERITIES, Severity
from chronotrace_desktop.domain.errors import AuthenticationError, PermissionDeniedError
from chronotrace_desktop.ui.qt import (
    QApplication,
    QFrame,
    QHBoxLayout,
    QLabel,
    QObject,
    QPalette,
    QPushButton,
    QStyle,
    QSystemTrayIcon,
    Qt,
    QTimer,
    QWidget,
    Signal,
)
from chronotrace_desktop.ui.theme import SEVERITY_HUES, readable_on, tint

if TYPE_CHECKING:
    from datetime import datetime

    from chronotrace_desktop.domain.users import Actor
    from chronotrace_desktop.services.anomalies import AnomalyRecord, AnomalyService
    from chronotrace_desktop.workers.base import Worker, WorkerPool
    from chronotrace_desktop.workers.task_state import TaskState

logger = logging.getLogger(__name__)

DEFAULT_INTERVAL_S = 15.0
LOOKBACK = timedelta(minutes=2)
MESSAGE_MS = 10_000


def fetch_alerts(
    state: TaskState, anomalies: AnomalyService, actor: Actor, since: datetime | None
) -> list[AnomalyRecord]:
    return anomalies.new_alerts_since(actor, since, limit=200)


def headline(records: list[AnomalyRecord]) -> tuple[str, str]:
    """Title and text of a notification about ``records`` (newest first)."""
    first = records[0]
    what = first.title or first.type.value.replace("_", " ").capitalize()
    where = f" on {first.camera_id}" if first.camera_id else ""
    if len(records) == 1:
        return f"{first.severity.value.capitalize()} anomaly{where}", what
    lines = [r.title or r.type.value.replace("_", " ") for r in records[:3]]
    more = f"\n\u2026 and {len(records) - 3} more" if len(records) > 3 else ""
    return f"{len(records)} new high-priority anomalies", "\n".join(lines) + more


class AlertNotifier(QObject):
    """``alerts_arrived(list[AnomalyRecord])`` (no tray: show a banner), ``anomaly_activated(uuid)``,
    ``poll_finished(list)`` after every poll with what was new (possibly nothing), ``poll_failed(exc)``."""

    alerts_arrived = Signal(list)
    anomaly_activated = Signal(uuid.UUID)
    poll_finished = Signal(list)
    poll_failed = Signal(Exception)

    def __init__(
        self,
        anomalies: AnomalyService,
        actor: Actor,
        pool: WorkerPool,
        *,
        interval_s: float = DEFAULT_INTERVAL_S,
        tray: QSystemTrayIcon | None = None,
        use_tray: bool = True,
        announce_backlog: bool = False,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._anomalies = anomalies
        self._actor = actor
        self._pool = pool
        self._announce = announce_backlog
        self._baseline_done = False
        self.since: datetime | None = None
        self._seen: dict[uuid.UUID, datetime] = {}
        self._worker: Worker | None = None
        self._failing = False
        self.last_announced: uuid.UUID | None = None
        self.timer = QTimer(self)
        self.timer.setInterval(max(1, round(interval_s * 1000)))
        self.timer.timeout.connect(self.poll)
        self.tray = tray if tray is not None or not use_tray else _system_tray(self)
        if self.tray is not None:
            self.tray.messageClicked.connect(self._message_clicked)

    @property
    def uses_tray(self) -> bool:
        return self.tray is not None

    def start(self) -> None:
        """Poll now and then every interval."""
        self.timer.start()
        self.poll()

    def stop(self) -> None:
        self.timer.stop()
        if self._worker is not None:
            self._worker.cancel()
            self._worker = None

    def activate(self, anomaly_id: uuid.UUID) -> None:
        """The user chose an announced anomaly (banner or tray message)."""
        self.anomaly_activated.emit(anomaly_id)

    def poll(self) -> None:
        if self._worker is not None:
            return  # the last poll is still under way (a slow database): no pile-up
        since = self.since - LOOKBACK if self.since is not None else None
        worker = self._pool.submit(fetch_alerts, self._anomalies, self._actor, since, name="alert poll")
        worker.signals.returned.connect(self._polled)
        worker.signals.errored.connect(self._failed)
        worker.signals.finished.connect(lambda: self._finished(worker))
        self._worker = worker

    # ------------------------------------------------------------------ results (UI thread)
    def _finished(self, worker: Worker) -> None:
        if self._worker is worker:
            self._worker = None

    def _polled(self, records: list[AnomalyRecord]) -> None:
        self._failing = False
        fresh = [
            r
            for r in records
            if r.id not in self._seen
            and Severity(r.severity) in ALERT_SEVERITIES
            and r.created_at is not None
        ]
        for record in fresh:
            assert record.created_at is not None
            self._seen[record.id] = record.created_at
            if self.since is None or record.created_at > self.since:
                self.since = record.created_at
        if self.since is not None:
            horizon = self.since - LOOKBACK
            self._seen = {k: v for k, v in self._seen.items() if v >= horizon}
        baseline = not self._baseline_done
        self._baseline_done = True
        if baseline and not self._announce:
            fresh = []
        if fresh:
            self._announce_alerts(fresh)
        self.poll_finished.emit(fresh)

    def _announce_alerts(self, records: list[AnomalyRecord]) -> None:
        records = sorted(records, key=lambda r: (r.created_at, r.detected_at), reverse=True)
        self.last_announced = records[0].id
        logger.info("%d new high/critical anomaly alert(s)", len(records))
        if self.tray is None:
            self.alerts_arrived.emit(records)
            return
        title, text = headline(records)
        critical = any(r.severity is Severity.CRITICAL for r in records)
        icon = QSystemTrayIcon.MessageIcon.Critical if critical else QSystemTrayIcon.MessageIcon.Warning
        self.tray.showMessage(title, text, icon, MESSAGE_MS)

    def _failed(self, exc: BaseException) -> None:
        if isinstance(exc, AuthenticationError | PermissionDeniedError):
            logger.info("Alert polling stopped: %s", exc)  # not going to fix itself; sign in again
            self.timer.stop()
        elif not self._failing:
            logger.warning("Alert polling failed (will keep trying): %s", exc)
        self._failing = True
        self.poll_failed.emit(exc)

    def _message_clicked(self) -> None:
        if self.last_announced is not None:
            self.activate(self.last_announced)


def _system_tray(parent: QObject) -> QSystemTrayIcon | None:
    if not (QSystemTrayIcon.isSystemTrayAvailable() and QSystemTrayIcon.supportsMessages()):
        return None
    icon = QApplication.windowIcon()
    if icon.isNull():
        icon = QApplication.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)
    tray = QSystemTrayIcon(icon, parent)
    tray.setToolTip("ChronoTrace \u2014 anomaly alerts")
    tray.show()  # a hidden tray icon cannot show messages
    return tray


class AlertBanner(QFrame):
    """An in-window strip for ``AlertNotifier.alerts_arrived``: what arrived, Show (selects it), Dismiss."""

    def __init__(self, notifier: AlertNotifier, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._notifier = notifier
        self._anomaly_id: uuid.UUID | None = None
        self.setObjectName("alertBanner")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAutoFillBackground(True)
        self.text_label = QLabel()
        self.text_label.setTextFormat(Qt.TextFormat.PlainText)
        self.show_button = QPushButton("Show")
        self.dismiss_button = QPushButton("Dismiss")
        self.show_button.clicked.connect(self._show_clicked)
        self.dismiss_button.clicked.connect(self.hide)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        layout.addWidget(self.text_label, 1)
        layout.addWidget(self.show_button)
        layout.addWidget(self.dismiss_button)
        notifier.alerts_arrived.connect(self.show_alerts)
        self.hide()

    def show_alerts(self, records: list[AnomalyRecord]) -> None:
        if not records:
            return
        self._anomaly_id = records[0].id
        title, text = headline(records)
        self.text_label.setText(f"\u26a0 {title}: {text.splitlines()[0]}")
        self.text_label.setToolTip(text)
        worst = max(records, key=lambda r: Severity(r.severity).rank).severity
        palette = self.palette()
        background = tint(SEVERITY_HUES[worst], palette)
        palette.setColor(QPalette.ColorRole.Window, background)
        palette.setColor(QPalette.ColorRole.WindowText, readable_on(background))
        self.setPalette(palette)
        self.show()

    def _show_clicked(self) -> None:
        if self._anomaly_id is not None:
            self._notifier.activate(self._anomaly_id)
        self.hide()
