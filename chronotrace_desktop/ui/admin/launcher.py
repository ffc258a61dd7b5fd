"""Menu entries that open one top-level window each: Tools ▸ Administration… (administrators) and
Tools ▸ My activity… (an analyst's own audit trail). The entry is shown only to the roles it serves; a second
trigger raises the open window instead of making another, and a closed window is made anew next time.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from chronotrace_desktop.domain.roles import Action, is_allowed
from chronotrace_desktop.ui.admin.audit_panel import AuditPanel
from chronotrace_desktop.ui.admin.window import AdministrationWindow, may_administer
from chronotrace_desktop.ui.qt import QAction, QObject, Qt, QVBoxLayout, QWidget, isValid

if TYPE_CHECKING:
    from collections.abc import Callable

    from chronotrace_desktop.domain.users import Actor
    from chronotrace_desktop.services.app import AppServices
    from chronotrace_desktop.workers.base import WorkerPool


class WindowLauncher(QObject):
    """:attr:`action` (visible only when :attr:`available`) opens the one window ``build`` makes."""

    def __init__(
        self, text: str, tip: str, available: bool, build: Callable[[], QWidget], parent: QWidget
    ) -> None:
        super().__init__(parent)
        self._build = build
        self.available = available
        self.window: QWidget | None = None
        self.action = QAction(text, parent)
        self.action.setStatusTip(tip)
        self.action.setVisible(available)
        self.action.setEnabled(available)
        self.action.triggered.connect(self.open)

    def open(self) -> QWidget:
        if self.window is None or not isValid(self.window):
            window = self._build()
            window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            window.destroyed.connect(lambda _obj: setattr(self, "window", None))
            self.window = window
        self.window.show()
        self.window.raise_()
        self.window.activateWindow()
        return self.window


def administration_launcher(
    services: AppServices, actor: Actor, pool: WorkerPool, parent: QWidget
) -> WindowLauncher:
    return WindowLauncher(
        "&Administration\u2026",
        "Users, API keys, the audit log, analytics, maintenance, backups and the installation's health",
        may_administer(actor),
        lambda: AdministrationWindow(services, actor, pool, parent),
        parent,
    )


def own_activity_launcher(
    services: AppServices, actor: Actor, pool: WorkerPool, parent: QWidget
) -> WindowLauncher:
    """For those who read their own audit rows but not everyone's (administrators have the Audit log section)."""
    available = is_allowed(actor.role, Action.VIEW_OWN_AUDIT) and not is_allowed(
        actor.role, Action.VIEW_AUDIT_LOG
    )

    def build() -> QWidget:
        window = QWidget(parent, Qt.WindowType.Window)
        window.setObjectName("ownActivityWindow")
        window.setWindowTitle("My activity \u2014 ChronoTrace")
        layout = QVBoxLayout(window)
        layout.addWidget(AuditPanel(services, actor, pool, window))
        window.resize(1100, 640)
        return window

    return WindowLauncher(
        "My &activity\u2026",
        "Your own audit trail: what you searched, revealed and exported",
        available,
        build,
        parent,
    )
