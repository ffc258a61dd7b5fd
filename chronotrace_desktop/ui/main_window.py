"""The main window: menus, toolbar, status bar and four dockable panes whose layout persists."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from chronotrace_desktop import __version__
from chronotrace_desktop.ui.installation_dialog import InstallationDialog
from chronotrace_desktop.ui.panes.placeholder import PlaceholderPane
from chronotrace_desktop.ui.qt import (
    QAction,
    QByteArray,
    QCloseEvent,
    QDockWidget,
    QKeySequence,
    QLabel,
    QMainWindow,
    QMessageBox,
    QSettings,
    QSize,
    QStyle,
    Qt,
    QToolBar,
    QWidget,
    Signal,
    qVersion,
)
from chronotrace_desktop.workers.base import WorkerPool

if TYPE_CHECKING:
    from pathlib import Path

    from chronotrace_desktop.domain.users import Actor
    from chronotrace_desktop.services.app import AppServices

logger = logging.getLogger(__name__)

GEOMETRY_KEY = "main_window/geometry"
STATE_KEY = "main_window/state"
STATE_VERSION = 1  # bump when the docks change so an old saved layout is ignored, not half-applied
NOT_YET_INGEST = "Not available yet: adding videos arrives with video ingestion."
NOT_YET_EXPORT = "Not available yet: exports arrive with the review features."


@dataclass(frozen=True, slots=True)
class PaneSpec:
    key: str
    title: str
    explanation: str


PANES = (
    PaneSpec(
        "library", "Library", "Videos you ingest appear here, with their camera, place, time span and status."
    ),
    PaneSpec(
        "search",
        "Search",
        "Describe what you are looking for in plain words; the matching 15-second segments are listed "
        "here with the reasons they matched.",
    ),
    PaneSpec("player", "Player", "The segment you pick plays here, with faces blurred."),
    PaneSpec(
        "anomalies",
        "Anomaly queue",
        "Events the analysis flags as unusual wait here for an analyst to confirm or dismiss.",
    ),
)


def _as_qsettings(settings: QSettings | str | Path | None) -> QSettings:
    if settings is None:
        return QSettings()  # the application's organisation and name scope it
    if isinstance(settings, QSettings):
        return settings
    return QSettings(str(settings), QSettings.Format.IniFormat)


class MainWindow(QMainWindow):
    closed = Signal()

    def __init__(
        self,
        services: AppServices,
        actor: Actor,
        *,
        pool: WorkerPool | None = None,
        settings: QSettings | str | Path | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.services = services
        self.actor = actor
        self._owns_pool = pool is None
        self.pool = pool if pool is not None else WorkerPool()
        self.settings = _as_qsettings(settings)
        self.docks: dict[str, QDockWidget] = {}

        self.setObjectName("mainWindow")
        self.setWindowTitle("ChronoTrace")
        self.setDockNestingEnabled(True)
        self._build_docks()
        self._build_actions()
        self._build_menus()
        self._build_toolbar()
        self._build_status_bar()
        self.resize(self._default_size())
        self._default_state = self.saveState(STATE_VERSION)
        self.restore_layout()

    # ------------------------------------------------------------------ building
    def _build_docks(self) -> None:
        # Qt needs a central widget; an empty hidden one lets the four docks share the whole window.
        central = QWidget()
        central.setObjectName("centralPlaceholder")
        central.hide()
        self.setCentralWidget(central)
        for spec in PANES:
            dock = QDockWidget(spec.title, self)
            dock.setObjectName(f"{spec.key}Dock")
            dock.setWidget(PlaceholderPane(spec.title, spec.explanation))
            self.docks[spec.key] = dock
        docks = self.docks
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, docks["library"])
        self.splitDockWidget(docks["library"], docks["search"], Qt.Orientation.Horizontal)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, docks["player"])
        self.splitDockWidget(docks["player"], docks["anomalies"], Qt.Orientation.Vertical)
        self.resizeDocks(
            [docks["library"], docks["search"], docks["player"]], [260, 420, 600], Qt.Orientation.Horizontal
        )
        self.resizeDocks([docks["player"], docks["anomalies"]], [520, 240], Qt.Orientation.Vertical)

    def _build_actions(self) -> None:
        style = self.style()
        self.add_videos_action = QAction("&Add videos…", self)
        self.add_videos_action.setIcon(style.standardIcon(QStyle.StandardPixmap.SP_DialogOpenButton))
        self.add_videos_action.setShortcut(QKeySequence("Ctrl+O"))
        self.add_videos_action.setEnabled(False)
        self.add_videos_action.setToolTip(NOT_YET_INGEST)
        self.add_videos_action.setStatusTip(NOT_YET_INGEST)

        self.export_action = QAction("&Export…", self)
        self.export_action.setIcon(style.standardIcon(QStyle.StandardPixmap.SP_DialogSaveButton))
        self.export_action.setEnabled(False)
        self.export_action.setToolTip(NOT_YET_EXPORT)
        self.export_action.setStatusTip(NOT_YET_EXPORT)

        self.quit_action = QAction("&Quit", self)
        self.quit_action.setShortcut(QKeySequence("Ctrl+Q"))
        self.quit_action.setMenuRole(QAction.MenuRole.QuitRole)
        self.quit_action.triggered.connect(self.close)

        self.reset_layout_action = QAction("&Reset layout", self)
        self.reset_layout_action.setStatusTip("Show every pane again in its original place.")
        self.reset_layout_action.triggered.connect(self.reset_layout)

        self.settings_action = QAction("&Settings…", self)
        self.settings_action.setMenuRole(QAction.MenuRole.PreferencesRole)
        self.settings_action.triggered.connect(self.show_settings)

        self.about_action = QAction("&About ChronoTrace", self)
        self.about_action.setMenuRole(QAction.MenuRole.AboutRole)
        self.about_action.triggered.connect(self.show_about)

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        file_menu.setToolTipsVisible(True)  # says why the disabled actions are disabled
        file_menu.addAction(self.add_videos_action)
        file_menu.addAction(self.export_action)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)

        self.view_menu = bar.addMenu("&View")
        for dock in self.docks.values():
            self.view_menu.addAction(dock.toggleViewAction())
        self.view_menu.addSeparator()
        self.view_menu.addAction(self.reset_layout_action)

        tools_menu = bar.addMenu("&Tools")
        tools_menu.addAction(self.settings_action)
        help_menu = bar.addMenu("&Help")
        help_menu.addAction(self.about_action)

    def _build_toolbar(self) -> None:
        toolbar = QToolBar("Main toolbar", self)
        toolbar.setObjectName("mainToolBar")
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        toolbar.setMovable(False)
        toolbar.addAction(self.add_videos_action)
        toolbar.addAction(self.export_action)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, toolbar)
        self.toolbar = toolbar

    def _build_status_bar(self) -> None:
        info = self.services.installation.describe()
        self.profile_label = QLabel(f"{info.profile.capitalize()} profile")
        self.profile_label.setToolTip(f"Data folder: {info.data_dir}")
        database = info.database
        self.database_label = QLabel()
        metrics = self.database_label.fontMetrics()
        self.database_label.setText(
            metrics.elidedText(f"Database: {database}", Qt.TextElideMode.ElideMiddle, 420)
        )
        self.database_label.setToolTip(f"Database: {database}\nVectors: {info.vector_store}")
        self.user_label = QLabel(f"Signed in as {self.actor.email} ({self.actor.role.value})")
        if self.actor.full_name:
            self.user_label.setToolTip(self.actor.full_name)
        status = self.statusBar()
        for label in (self.profile_label, self.database_label, self.user_label):
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            label.setContentsMargins(8, 0, 8, 0)
            status.addPermanentWidget(label)

    def _default_size(self) -> QSize:
        """1280x800, or 90 % of a smaller screen."""
        available = self.screen().availableGeometry()
        return QSize(min(1280, available.width() * 9 // 10), min(800, available.height() * 9 // 10))

    # ------------------------------------------------------------------ layout persistence
    def restore_layout(self) -> None:
        geometry = self.settings.value(GEOMETRY_KEY)
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
        state = self.settings.value(STATE_KEY)
        if (
            isinstance(state, QByteArray)
            and not state.isEmpty()
            and not self.restoreState(state, STATE_VERSION)
        ):
            logger.info("Ignoring a saved window layout from another version")

    def save_layout(self) -> None:
        self.settings.setValue(GEOMETRY_KEY, self.saveGeometry())
        self.settings.setValue(STATE_KEY, self.saveState(STATE_VERSION))
        self.settings.sync()

    def reset_layout(self) -> None:
        for dock in self.docks.values():
            dock.setFloating(False)
            dock.show()
        self.restoreState(self._default_state, STATE_VERSION)

    # ------------------------------------------------------------------ dialogs
    def show_settings(self) -> InstallationDialog:
        dialog = InstallationDialog(
            self.services.installation.describe(), self.services.paths.settings_file, parent=self
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def show_about(self) -> QMessageBox:
        box = QMessageBox(
            QMessageBox.Icon.NoIcon, "About ChronoTrace", f"ChronoTrace Desktop {__version__}", parent=self
        )
        box.setIconPixmap(self.windowIcon().pixmap(64, 64))
        box.setInformativeText(
            "An investigation workstation for CCTV evidence: ingest, search in plain language, "
            f"privacy-redacted review, anomalies and court-ready exports.\n\nQt {qVersion()}"
        )
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()
        return box

    # ------------------------------------------------------------------ Qt overrides
    def closeEvent(self, event: QCloseEvent) -> None:
        self.save_layout()
        if self._owns_pool:
            self.pool.cancel_all()
            self.pool.wait_for_done(5_000)
        super().closeEvent(event)
        self.closed.emit()
