"""Tools ▸ Administration…: one window, for administrators only, with a list of sections on the left and the
chosen section's panel on the right (as system settings apps are laid out). A panel is built the first time
its section is shown. The services check the role on every call anyway; the window refuses to open for
anyone else and the menu does not offer it to them.

Sections are :data:`SECTIONS`: a title, an icon and a factory taking ``(services, actor, pool, parent)``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from chronotrace_desktop.domain.errors import PermissionDeniedError
from chronotrace_desktop.domain.roles import Action, is_allowed
from chronotrace_desktop.ui.admin.analytics_panel import AnalyticsPanel
from chronotrace_desktop.ui.admin.api_keys_panel import ApiKeysPanel
from chronotrace_desktop.ui.admin.audit_panel import AuditPanel
from chronotrace_desktop.ui.admin.backup_panel import BackupPanel
from chronotrace_desktop.ui.admin.maintenance_panel import MaintenancePanel
from chronotrace_desktop.ui.admin.status_panel import StatusPanel
from chronotrace_desktop.ui.admin.users_panel import UsersPanel
from chronotrace_desktop.ui.errors import is_bug
from chronotrace_desktop.ui.qt import (
    QFont,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QSize,
    QStackedWidget,
    QStyle,
    Qt,
    QVBoxLayout,
    QWidget,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from chronotrace_desktop.domain.users import Actor
    from chronotrace_desktop.services.app import AppServices
    from chronotrace_desktop.workers.base import WorkerPool

    PanelFactory = Callable[[AppServices, Actor, WorkerPool, QWidget | None], QWidget]

logger = logging.getLogger(__name__)

ADMINISTRATORS_ONLY = "Only administrators open the Administration window."
SIDEBAR_WIDTH = 200


@dataclass(frozen=True, slots=True)
class AdminSection:
    title: str
    icon: QStyle.StandardPixmap
    factory: PanelFactory


SECTIONS: tuple[AdminSection, ...] = (
    AdminSection("Users", QStyle.StandardPixmap.SP_DirHomeIcon, UsersPanel),
    AdminSection("API keys", QStyle.StandardPixmap.SP_DriveNetIcon, ApiKeysPanel),
    AdminSection("Installation status", QStyle.StandardPixmap.SP_ComputerIcon, StatusPanel),
    AdminSection("Audit log", QStyle.StandardPixmap.SP_FileDialogDetailedView, AuditPanel),
    AdminSection("Analytics", QStyle.StandardPixmap.SP_FileDialogInfoView, AnalyticsPanel),
    AdminSection("Maintenance", QStyle.StandardPixmap.SP_BrowserReload, MaintenancePanel),
    AdminSection("Backup", QStyle.StandardPixmap.SP_DialogSaveButton, BackupPanel),
)


def may_administer(actor: Actor) -> bool:
    return is_allowed(actor.role, Action.MANAGE_USERS)


class AdministrationWindow(QWidget):
    def __init__(
        self,
        services: AppServices,
        actor: Actor,
        pool: WorkerPool,
        parent: QWidget | None = None,
        *,
        sections: tuple[AdminSection, ...] = SECTIONS,
    ) -> None:
        if not may_administer(actor):
            raise PermissionDeniedError(ADMINISTRATORS_ONLY)
        super().__init__(parent, Qt.WindowType.Window)
        self.setObjectName("administrationWindow")
        self.setWindowTitle("Administration \u2014 ChronoTrace")
        self._services = services
        self._actor = actor
        self._pool = pool
        self.sections = sections
        self.panels: dict[str, QWidget] = {}
        self.sidebar = QListWidget()
        self.sidebar.setFixedWidth(SIDEBAR_WIDTH)
        self.sidebar.setIconSize(QSize(20, 20))
        self.stack = QStackedWidget()
        self._holders: list[QVBoxLayout] = []
        for section in sections:
            item = QListWidgetItem(self.style().standardIcon(section.icon), section.title)
            item.setSizeHint(QSize(SIDEBAR_WIDTH - 8, 34))
            self.sidebar.addItem(item)
            page = QWidget()
            holder = QVBoxLayout(page)
            title = QLabel(section.title)
            font = QFont(title.font())
            font.setPointSizeF(font.pointSizeF() * 1.4)
            font.setBold(True)
            title.setFont(font)
            holder.addWidget(title)
            self._holders.append(holder)
            self.stack.addWidget(page)
        self.sidebar.currentRowChanged.connect(self.show_section)
        layout = QHBoxLayout(self)
        layout.addWidget(self.sidebar)
        layout.addWidget(self.stack, 1)
        available = self.screen().availableGeometry()  # 1320x740, or 90 % of a smaller screen
        self.resize(min(1320, available.width() * 9 // 10), min(740, available.height() * 9 // 10))
        self.sidebar.setCurrentRow(0)

    def show_section(self, row: int) -> QWidget | None:
        """Show section ``row`` (building its panel on the first visit); its panel, or ``None``."""
        if not 0 <= row < len(self.sections):
            return None
        if self.sidebar.currentRow() != row:
            self.sidebar.setCurrentRow(row)  # comes back here through currentRowChanged
            return self.panels.get(self.sections[row].title)
        self.stack.setCurrentIndex(row)
        section = self.sections[row]
        if section.title not in self.panels:
            self.panels[section.title] = self._build(section, self._holders[row])
        return self.panels[section.title]

    def section_titles(self) -> list[str]:
        return [section.title for section in self.sections]

    def _build(self, section: AdminSection, holder: QVBoxLayout) -> QWidget:
        try:
            panel = section.factory(self._services, self._actor, self._pool, None)
        except Exception as exc:  # one broken panel leaves the others usable
            if is_bug(exc):
                logger.exception("The %s panel could not be built", section.title)
            panel = QLabel(f"This section could not be opened: {exc}")
            panel.setWordWrap(True)
            panel.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        holder.addWidget(panel, 1)
        return panel
