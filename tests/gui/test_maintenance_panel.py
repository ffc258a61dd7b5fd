"""The maintenance panel and the desktop's maintenance schedule, offscreen on a fresh workstation installation."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chronotrace_desktop.domain.maintenance import MaintenanceStatus, MaintenanceTask, MaintenanceTrigger
from chronotrace_desktop.domain.roles import Role
from chronotrace_desktop.ui.admin.maintenance_panel import MaintenancePanel
from chronotrace_desktop.ui.qt import QWidget
from chronotrace_desktop.ui.window.maintenance_schedule import MaintenanceSchedule, start_maintenance_schedule

if TYPE_CHECKING:
    from pytestqt.modeltest import ModelTester
    from pytestqt.qtbot import QtBot

    from chronotrace_desktop.domain.users import Actor
    from chronotrace_desktop.services.app import AppServices
    from chronotrace_desktop.workers.base import WorkerPool

RUN_MS = 60_000


def test_the_panel_shows_the_schedule_runs_everything_and_lists_the_history(
    qtbot: QtBot, qtmodeltester: ModelTester, services: AppServices, admin: Actor, pool: WorkerPool
) -> None:
    panel = MaintenancePanel(services, admin, pool)
    qtbot.addWidget(panel)
    qtbot.waitUntil(lambda: panel.schedule_model.rowCount() == len(MaintenanceTask), timeout=RUN_MS)
    qtmodeltester.check(panel.schedule_model)
    qtmodeltester.check(panel.history_model)
    assert [panel.schedule_model.index(r, 4).data() for r in range(5)] == ["due now"] * 5
    assert panel.history_model.rowCount() == 0
    assert not panel.cancel_button.isEnabled()

    with qtbot.waitSignal(panel.run_finished, timeout=RUN_MS) as finished:
        panel.run_all_button.click()
        assert panel.cancel_button.isEnabled()
        assert not panel.run_all_button.isEnabled()
    runs = finished.args[0]
    assert [r.task for r in runs] == list(MaintenanceTask)
    assert all(r.status is MaintenanceStatus.SUCCEEDED for r in runs), runs
    assert panel.status_label.text() == "5 tasks run, none failed."
    qtbot.waitUntil(lambda: panel.history_model.rowCount() == 5, timeout=RUN_MS)
    qtmodeltester.check(panel.history_model)
    assert panel.run_all_button.isEnabled()
    assert "due now" not in [panel.schedule_model.index(r, 4).data() for r in range(5)]
    assert panel.history_model.index(0, 1).data() == "REINDEX"  # newest first

    with qtbot.waitSignal(panel.run_finished, timeout=RUN_MS) as due_run:
        panel.run_due_button.click()
    assert due_run.args[0] == []
    assert panel.status_label.text() == "Nothing was due."


def test_the_schedule_runs_what_is_due_in_the_background_for_administrators_only(
    qtbot: QtBot, services: AppServices, admin: Actor, pool: WorkerPool
) -> None:
    window = QWidget()
    qtbot.addWidget(window)
    schedule = start_maintenance_schedule(services.housekeeping, admin, pool, window, first_look_ms=0)
    assert isinstance(schedule, MaintenanceSchedule)
    with qtbot.waitSignal(schedule.run_finished, timeout=RUN_MS) as first:
        pass  # the first look: everything is due on a new installation
    assert [r.task for r in first.args[0]] == list(MaintenanceTask)
    assert {r.trigger for r in first.args[0]} == {MaintenanceTrigger.SCHEDULED}
    assert schedule.timer.isActive()
    with qtbot.waitSignal(schedule.run_finished, timeout=RUN_MS) as second:
        schedule.check()  # the next hourly look: nothing due
    assert second.args[0] == []
    window.close()  # the window closing stops it
    assert not schedule.timer.isActive()
    services.users.add_user(admin, "vic.viewer@agency.example", Role.VIEWER, "correct horse battery")
    viewer = services.auth.login("vic.viewer@agency.example", "correct horse battery")
    assert start_maintenance_schedule(services.housekeeping, viewer, pool, window) is None
    another = QWidget()
    qtbot.addWidget(another)
    late = start_maintenance_schedule(services.housekeeping, admin, pool, another)
    assert late is not None
    assert late.first_look.isActive()  # a minute after start, not during the window's own start-up
    assert not late.running
    late.stop()
