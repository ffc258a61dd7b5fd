"""Tools ▸ Administration…: administrators only, one window, sections built on their first visit."""

from __future__ import annotations

import pytest

from chronotrace_desktop.domain.errors import PermissionDeniedError
from chronotrace_desktop.domain.roles import Role
from chronotrace_desktop.services.doctor import CheckStatus, check_running_app
from chronotrace_desktop.ui.admin.analytics_panel import AnalyticsPanel
from chronotrace_desktop.ui.admin.audit_panel import AuditPanel
from chronotrace_desktop.ui.admin.backup_panel import BackupPanel
from chronotrace_desktop.ui.admin.maintenance_panel import MaintenancePanel
from chronotrace_desktop.ui.admin.status_panel import StatusPanel
from chronotrace_desktop.ui.admin.users_panel import UsersPanel
from chronotrace_desktop.ui.admin.window import SECTIONS, AdministrationWindow
from chronotrace_desktop.ui.qt import Qt
from chronotrace_desktop.ui.window import MainWindow

PASSWORD = "long enough password"


def _tools_menu(window: MainWindow) -> list[str]:
    (tools,) = [a for a in window.menuBar().actions() if a.text() == "&Tools"]
    return [action.text() for action in tools.menu().actions()]


def _settled(qtbot, window: MainWindow) -> MainWindow:
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: window.pool.active_count == 0, timeout=10_000)
    return window


def test_the_window_opens_for_an_administrator_with_its_sections_built_lazily(
    qtbot, services, admin, pool
) -> None:
    window = AdministrationWindow(services, admin, pool)
    qtbot.addWidget(window)
    window.show()
    assert window.section_titles() == [s.title for s in SECTIONS]
    assert window.section_titles()[:3] == ["Users", "API keys", "Installation status"]
    assert list(window.panels) == ["Users"]  # the first section only, until another is visited
    assert isinstance(window.panels["Users"], UsersPanel)
    panel = window.show_section(window.section_titles().index("Installation status"))
    assert isinstance(panel, StatusPanel)
    assert window.stack.currentWidget().isAncestorOf(panel)
    assert set(window.panels) == {"Users", "Installation status"}

    qtbot.waitUntil(lambda: panel.report is not None, timeout=30_000)
    report = panel.report
    names = [check.name for check in report.checks]
    assert {"data folder", "free disk", "database", "vector index", "keyring"} <= set(names)
    shown = [panel.check_list.item(row) for row in range(panel.check_list.count())]
    assert [item.text().split(" \u2014 ")[0] for item in shown] == [n.capitalize() for n in names]
    assert all(
        item.data(Qt.ItemDataRole.UserRole) == check.status
        for item, check in zip(shown, report.checks, strict=True)
    )
    assert all(not item.icon().isNull() for item in shown)
    database = report.checks[names.index("database")]
    assert database.status is CheckStatus.OK, database.detail
    assert "schema up to date" in database.detail
    # The checks used the app's own database: it still answers (a second handle left would stop the server).
    assert [u.email for u in services.users.list_users(admin)] == [admin.email]
    with qtbot.waitSignal(panel.checked, timeout=30_000):
        panel.recheck_button.click()
    assert not panel.busy
    assert panel.recheck_button.isEnabled()
    assert services.users.list_users(admin)
    qtbot.waitUntil(lambda: pool.active_count == 0, timeout=30_000)

    expected = {"Audit log": AuditPanel, "Analytics": AnalyticsPanel, "Maintenance": MaintenancePanel}
    expected["Backup"] = BackupPanel
    for title, kind in expected.items():  # every issue-18 panel builds in its section, not an error page
        assert isinstance(window.show_section(window.section_titles().index(title)), kind), title
    qtbot.waitUntil(lambda: pool.active_count == 0, timeout=30_000)


@pytest.mark.parametrize("role", [Role.ANALYST, Role.VIEWER])
def test_others_neither_see_the_menu_entry_nor_open_the_window(
    qtbot, services, admin, pool, ui_settings, role
) -> None:
    email = f"{role.value}@agency.example"
    services.users.add_user(admin, email, role, PASSWORD)
    actor = services.auth.login(email, PASSWORD)
    window = _settled(qtbot, MainWindow(services, actor, settings=ui_settings))
    assert "&Administration\u2026" not in _tools_menu(window)
    assert not window.administration.action.isVisible()
    with pytest.raises(PermissionDeniedError, match="Only administrators"):
        AdministrationWindow(services, actor, pool)
    with pytest.raises(PermissionDeniedError):  # the checks themselves refuse them too
        check_running_app(services, actor)
    # An analyst reads their own audit trail in Tools ▸ My activity…; a viewer has no audit trail to read.
    assert ("My &activity\u2026" in _tools_menu(window)) is (role is Role.ANALYST)
    if role is Role.ANALYST:
        window.own_activity.action.trigger()
        opened = window.own_activity.window
        assert opened is not None
        panel = opened.findChild(AuditPanel)
        assert panel is not None
        assert not panel.sees_everyone
        qtbot.waitUntil(lambda: window.pool.active_count == 0, timeout=10_000)
        opened.close()


def test_the_menu_entry_opens_one_window(qtbot, services, admin, ui_settings) -> None:
    window = _settled(qtbot, MainWindow(services, admin, settings=ui_settings))
    window.show()
    assert "&Administration\u2026" in _tools_menu(window)
    assert "My &activity\u2026" not in _tools_menu(window)  # the Audit log section has everyone's
    window.administration.action.trigger()
    first = window.administration.window
    assert first is not None
    assert first.isVisible()
    window.administration.action.trigger()
    assert window.administration.window is first  # raised again, not a second window
    qtbot.waitUntil(lambda: window.pool.active_count == 0, timeout=10_000)
    first.close()
    qtbot.waitUntil(lambda: window.administration.window is None, timeout=5_000)
    window.administration.action.trigger()
    assert window.administration.window is not None
    assert window.administration.window is not first
    qtbot.waitUntil(lambda: window.pool.active_count == 0, timeout=10_000)
