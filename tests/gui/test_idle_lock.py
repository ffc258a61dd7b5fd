"""The desktop locks itself after a while without input (issue 13, hardening): panes hidden, menus gone, and
only the signed-in user's password (a real, audited sign-in) brings them back."""

from __future__ import annotations

import sqlalchemy as sa

from chronotrace_desktop.storage.orm import AuditLog
from chronotrace_desktop.ui.qt import QDockWidget, QLabel, QMainWindow, Qt, QToolBar
from chronotrace_desktop.ui.window import MainWindow
from chronotrace_desktop.ui.window.idle_lock import IdleLock


def _window() -> QMainWindow:
    window = QMainWindow()
    dock = QDockWidget("Player", window)
    dock.setObjectName("playerDock")
    dock.setWidget(QLabel("a face"))
    window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
    window.addToolBar(QToolBar("Main", window))
    window.menuBar().addMenu("&File")
    return window


def test_idle_input_locks_and_only_the_password_unlocks(qtbot, services, admin, admin_account, pool) -> None:
    window = _window()
    qtbot.addWidget(window)
    window.show()
    paused: list[bool] = []
    lock = IdleLock(window, services.auth, admin, pool, idle_ms=150, before_lock=lambda: paused.append(True))
    with qtbot.waitSignal(lock.locked, timeout=5_000):
        pass
    dock = window.findChild(QDockWidget, "playerDock")
    assert paused == [True]
    assert not dock.isVisible()
    assert not window.menuBar().isVisible()
    assert lock.dialog is not None
    assert lock.dialog.isVisible()

    lock.dialog.reject()  # Escape: still locked
    assert lock.is_locked

    qtbot.keyClicks(lock.dialog.password_edit, "not the password")
    lock.dialog.unlock_button.click()
    qtbot.waitUntil(lambda: lock.dialog is not None and lock.dialog.error_label.isVisible(), timeout=10_000)
    assert lock.is_locked
    assert not dock.isVisible()

    with qtbot.waitSignal(lock.unlocked, timeout=10_000):
        qtbot.keyClicks(lock.dialog.password_edit, admin_account.password)
        lock.dialog.unlock_button.click()
    assert not lock.is_locked
    assert dock.isVisible()
    assert window.menuBar().isVisible()
    lock.stop()
    qtbot.waitUntil(lambda: pool.active_count == 0, timeout=10_000)
    with services.database.transaction() as session:
        refused = session.scalars(
            sa.select(AuditLog).where(AuditLog.action == "user_login", AuditLog.success.is_(False))
        ).all()
    assert refused, "the wrong password was a refused, audited sign-in"


def test_the_main_window_locks_with_the_installations_setting(qtbot, services, admin, ui_settings) -> None:
    window = MainWindow(services, admin, settings=ui_settings)
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: window.pool.active_count == 0, timeout=10_000)
    assert window.idle_lock.enabled
    assert window.idle_lock._timer.interval() == round(services.settings.idle_lock_minutes * 60_000)
    window.show()
    window.idle_lock.lock()
    assert not window.docks["player"].isVisible()
    assert window.idle_lock.dialog is not None
    window.idle_lock._sign_out()
    assert not window.isVisible()
