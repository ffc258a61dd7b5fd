"""Desktop alerts: the notifier polls the anomaly service off the UI thread and announces new high ones."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from chronotrace_desktop.domain.errors import AuthenticationError, EnvironmentProblemError
from chronotrace_desktop.services.anomalies.records import AnomalyRecord
from chronotrace_desktop.storage.orm import Anomaly
from chronotrace_desktop.ui.qt import QSystemTrayIcon, Qt
from chronotrace_desktop.ui.window.alert_notifier import AlertBanner, AlertNotifier
from chronotrace_desktop.workers.base import WorkerPool
from tests.gui.test_zone_editor import CAMERA, CameraInstall, camera_installation

INTERVAL_S = 0.05
WAIT_MS = 20_000


@pytest.fixture(scope="module")
def install(installations_dir: Path) -> Iterator[CameraInstall]:
    with camera_installation(installations_dir) as opened:
        yield opened


def add_anomalies(install: CameraInstall, *rows: tuple[str, str] | tuple[str, str, str]) -> list[uuid.UUID]:
    """Anomaly rows (severity, title[, status]) as the rules write them: the ORM, in one transaction."""
    with install.services.database.transaction() as session:
        added = [
            Anomaly(
                segment_id=install.segment_id,
                video_id=install.video_id,
                anomaly_type="loitering",
                confidence=Decimal("0.9000"),
                severity=row[0],
                title=row[1],
                status=row[2] if len(row) > 2 else "new",
                camera_id=CAMERA,
                detected_at=datetime(2024, 2, 9, 14, 30),
                meta={"source": "rules"},
            )
            for row in rows
        ]
        session.add_all(added)
        session.flush()
        return [a.id for a in added]


def add_anomaly(install: CameraInstall, severity: str, title: str, status: str = "new") -> uuid.UUID:
    (anomaly_id,) = add_anomalies(install, (severity, title, status))
    return anomaly_id


NewNotifier = Callable[..., AlertNotifier]


@pytest.fixture
def new_notifier(install: CameraInstall, pool: WorkerPool) -> Iterator[NewNotifier]:
    """``new_notifier(**options)``: a notifier polling every INTERVAL_S as the administrator; stopped after."""
    made: list[AlertNotifier] = []

    def make(anomalies: object = None, **options: Any) -> AlertNotifier:
        options.setdefault("interval_s", INTERVAL_S)
        service = anomalies or install.services.anomalies
        notifier = AlertNotifier(service, install.admin, pool, **options)  # type: ignore[arg-type]
        made.append(notifier)
        return notifier

    yield make
    for notifier in made:
        notifier.stop()


def started(qtbot: QtBot, notifier: AlertNotifier) -> AlertNotifier:
    """``notifier`` started, once its first poll (the baseline) is in."""
    with qtbot.waitSignal(notifier.poll_finished, timeout=WAIT_MS):
        notifier.start()
    return notifier


def next_poll(qtbot: QtBot, notifier: AlertNotifier) -> list[AnomalyRecord]:
    with qtbot.waitSignal(notifier.poll_finished, timeout=WAIT_MS) as polled:
        pass
    return polled.args[0]  # type: ignore[no-any-return]


def test_announces_new_high_anomalies_and_not_low_ones(
    qtbot: QtBot, install: CameraInstall, new_notifier: NewNotifier
) -> None:
    add_anomaly(install, "critical", "Before sign-in")  # the queue shows it; no notification
    notifier = started(qtbot, new_notifier(use_tray=False))
    assert not notifier.uses_tray
    arrived: list[list[AnomalyRecord]] = []
    notifier.alerts_arrived.connect(arrived.append)
    assert next_poll(qtbot, notifier) == []

    add_anomaly(install, "low", "Low one")
    add_anomaly(install, "medium", "Medium one")
    add_anomaly(install, "high", "Acknowledged already", status="acknowledged")
    next_poll(qtbot, notifier)
    assert next_poll(qtbot, notifier) == []
    assert arrived == []

    high = add_anomaly(install, "high", "Person stayed 22 s at the counter")
    with qtbot.waitSignal(notifier.alerts_arrived, timeout=WAIT_MS) as announced:
        pass
    (records,) = announced.args
    assert [(r.id, r.title) for r in records] == [(high, "Person stayed 22 s at the counter")]
    assert notifier.last_announced == high
    assert notifier.since == records[0].created_at

    for _ in range(3):  # the look-back window sees it again: announced once only
        assert next_poll(qtbot, notifier) == []
    assert len(arrived) == 1

    with qtbot.waitSignal(notifier.anomaly_activated, timeout=1000) as activated:
        notifier.activate(high)
    assert activated.args == [high]
    notifier.stop()
    assert not notifier.timer.isActive()


def test_announce_backlog_reports_what_was_waiting(
    qtbot: QtBot, install: CameraInstall, new_notifier: NewNotifier
) -> None:
    waiting = add_anomaly(install, "critical", "Waiting since before sign-in")
    notifier = new_notifier(interval_s=60, use_tray=False, announce_backlog=True)
    with qtbot.waitSignal(notifier.alerts_arrived, timeout=WAIT_MS) as announced:
        notifier.start()
    assert waiting in {r.id for r in announced.args[0]}


def test_tray_message_and_its_click(
    qtbot: QtBot, install: CameraInstall, new_notifier: NewNotifier, monkeypatch: pytest.MonkeyPatch
) -> None:
    tray = QSystemTrayIcon()
    shown: list[tuple[object, ...]] = []
    monkeypatch.setattr(tray, "showMessage", lambda *args: shown.append(args))
    notifier = started(qtbot, new_notifier(tray=tray))
    assert notifier.uses_tray
    arrived: list[object] = []
    notifier.alerts_arrived.connect(arrived.append)
    critical = add_anomaly(install, "critical", "Person fell and stays down")
    qtbot.waitUntil(lambda: bool(shown), timeout=WAIT_MS)
    title, text, icon, _msecs = shown[0]
    assert title == f"Critical anomaly on {CAMERA}"
    assert text == "Person fell and stays down"
    assert icon == QSystemTrayIcon.MessageIcon.Critical
    assert arrived == [], "with a tray there is no banner"
    with qtbot.waitSignal(notifier.anomaly_activated, timeout=1000) as activated:
        tray.messageClicked.emit()
    assert activated.args == [critical]


def test_banner_shows_alerts_and_selects_on_click(
    qtbot: QtBot, install: CameraInstall, new_notifier: NewNotifier
) -> None:
    notifier = started(qtbot, new_notifier(use_tray=False))
    banner = AlertBanner(notifier)
    qtbot.addWidget(banner)
    assert banner.isHidden()
    both = add_anomalies(install, ("high", "Bag left on the bleachers"), ("critical", "Crowd of 14 people"))
    qtbot.waitUntil(lambda: not banner.isHidden(), timeout=WAIT_MS)
    assert banner.text_label.text().startswith("\u26a0 2 new high-priority anomalies: ")
    assert "Crowd of 14 people" in banner.text_label.toolTip()
    newest = notifier.last_announced
    assert newest in both
    with qtbot.waitSignal(notifier.anomaly_activated, timeout=1000) as activated:
        qtbot.mouseClick(banner.show_button, Qt.MouseButton.LeftButton)
    assert activated.args == [newest]
    assert banner.isHidden()


class _FakeAnomalies:
    def __init__(self, error: Exception | None = None) -> None:
        self.error = error
        self.threads: list[threading.Thread] = []

    def new_alerts_since(self, actor: object, since: object, limit: int = 50) -> list[AnomalyRecord]:
        self.threads.append(threading.current_thread())
        if self.error is not None:
            raise self.error
        return []


def test_polls_off_the_ui_thread_and_keeps_trying_after_a_database_error(
    qtbot: QtBot, install: CameraInstall, new_notifier: NewNotifier
) -> None:
    fake = _FakeAnomalies(EnvironmentProblemError("The database is not reachable."))
    notifier = new_notifier(fake, use_tray=False)
    failures: list[object] = []
    notifier.poll_failed.connect(failures.append)
    notifier.start()
    qtbot.waitUntil(lambda: len(failures) >= 2, timeout=WAIT_MS)
    assert notifier.timer.isActive()
    assert threading.main_thread() not in fake.threads
    fake.error = None
    with qtbot.waitSignal(notifier.poll_finished, timeout=WAIT_MS) as recovered:
        pass
    assert recovered.args == [[]]


def test_stops_polling_once_the_account_is_gone(
    qtbot: QtBot, install: CameraInstall, new_notifier: NewNotifier
) -> None:
    fake = _FakeAnomalies(AuthenticationError("Your account is no longer active."))
    notifier = new_notifier(fake, use_tray=False)
    with qtbot.waitSignal(notifier.poll_failed, timeout=WAIT_MS):
        notifier.start()
    assert not notifier.timer.isActive()
