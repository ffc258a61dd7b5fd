"""The main window: menus and toolbar (with the case picker; built in ``menus``), status bar and the panes as
docks whose layout persists.

Library → player (double-click a video), search → player (activate a hit), anomaly queue → player (select an
anomaly); "Export…" takes the selected search hits, the selected anomaly's segment or the player's segment.
The investigation panes (timeline, bookmarks, multi-camera) and the case are wired in ``investigation``.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from chronotrace_desktop import __version__
from chronotrace_desktop.domain.roles import Action, is_allowed
from chronotrace_desktop.ui.admin.launcher import administration_launcher, own_activity_launcher
from chronotrace_desktop.ui.dialogs.settings_dialog import SettingsDialog
from chronotrace_desktop.ui.panes import PANES
from chronotrace_desktop.ui.panes.anomaly_access import anomaly_evidence
from chronotrace_desktop.ui.panes.anomaly_pane import AnomalyPane
from chronotrace_desktop.ui.panes.bookmarks_pane import BookmarksPane
from chronotrace_desktop.ui.panes.library_pane import LibraryPane
from chronotrace_desktop.ui.panes.multicam_pane import MultiCameraPane
from chronotrace_desktop.ui.panes.player_pane import PlayerPane
from chronotrace_desktop.ui.panes.search_pane import SearchPane
from chronotrace_desktop.ui.panes.timeline import TimelinePane
from chronotrace_desktop.ui.qt import (
    QAction,
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
    QWidget,
    Signal,
    qVersion,
)
from chronotrace_desktop.ui.window.anomaly_alerts import AnomalyAlerts
from chronotrace_desktop.ui.window.case_workspace import CaseWorkspace
from chronotrace_desktop.ui.window.export_command import NO_EXPORT, ExportCommand
from chronotrace_desktop.ui.window.idle_lock import IdleLock
from chronotrace_desktop.ui.window.investigation import Investigation
from chronotrace_desktop.ui.window.layout import WindowLayout
from chronotrace_desktop.ui.window.maintenance_schedule import start_maintenance_schedule
from chronotrace_desktop.ui.window.menus import build_menus, build_toolbar
from chronotrace_desktop.workers.base import WorkerPool

if TYPE_CHECKING:
    import uuid
    from pathlib import Path

    from chronotrace_desktop.domain.export import ExportSelection
    from chronotrace_desktop.domain.users import Actor
    from chronotrace_desktop.services.app import AppServices
    from chronotrace_desktop.ui.dialogs.export_dialog import ExportDialog

logger = logging.getLogger(__name__)

TIMELINE_MIN_HEIGHT = 72  # a strip under the other panes: the window still fits an 800x600 screen
NO_INGEST = "Your role may not add videos; an analyst or administrator does."
__all__ = ["NO_EXPORT", "MainWindow"]


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
        self.layout_store = WindowLayout(settings)
        self.settings = self.layout_store.settings
        self.docks: dict[str, QDockWidget] = {}

        self.setObjectName("mainWindow")
        self.setWindowTitle("ChronoTrace")
        self.setDockNestingEnabled(True)
        self._build_docks()
        self.export_command = ExportCommand(
            services.exports,
            actor,
            self.pool,
            reauth=services.reauth,
            search_pane=self.search_pane,
            anomaly_pane=self.anomaly_pane,
            player_pane=self.player_pane,
            window=self,
        )
        self.export_action = self.export_command.action
        self.alerts = AnomalyAlerts(
            services,
            actor,
            self.pool,
            anomaly_pane=self.anomaly_pane,
            anomaly_dock=self.docks["anomalies"],
            window=self,
        )
        self.alert_notifier = self.alerts.notifier
        self.alerts.start()
        self.maintenance_schedule = start_maintenance_schedule(services.housekeeping, actor, self.pool, self)
        self.idle_lock = IdleLock(
            self,
            services.auth,
            actor,
            self.pool,
            idle_ms=round(services.settings.idle_lock_minutes * 60_000),
            before_lock=self._before_lock,
        )
        self.workspace = CaseWorkspace(
            services, actor, self.pool, self.settings, self, selected_videos=self.library_pane.selected_ids
        )
        self.investigation = Investigation(self)
        self._build_actions()
        self.view_menu, self.playback_menu = build_menus(self)
        self.toolbar = build_toolbar(self)
        self._build_status_bar()
        self.resize(self._default_size())
        self.layout_store.remember_default(self)
        self.restore_layout()

    # ------------------------------------------------------------------ building
    def _build_docks(self) -> None:
        # Qt needs a central widget; an empty hidden one lets the four docks share the whole window.
        central = QWidget()
        central.setObjectName("centralPlaceholder")
        central.hide()
        self.setCentralWidget(central)
        services, actor, pool = self.services, self.actor, self.pool
        self.library_pane = LibraryPane(services, actor, pool)
        self.search_pane = SearchPane(services, actor, pool)
        self.player_pane = PlayerPane(services, actor, pool)
        self.anomaly_pane = AnomalyPane(services, actor, pool)
        self.timeline_pane = TimelinePane(services, actor, pool)
        self.timeline_pane.setMinimumHeight(TIMELINE_MIN_HEIGHT)
        self.bookmarks_pane = BookmarksPane(services, actor, pool)
        self.multicam_pane = MultiCameraPane(services, actor, pool)
        panes: dict[str, QWidget] = {
            "library": self.library_pane,
            "search": self.search_pane,
            "player": self.player_pane,
            "anomalies": self.anomaly_pane,
            "timeline": self.timeline_pane,
            "bookmarks": self.bookmarks_pane,
            "multicam": self.multicam_pane,
        }
        for spec in PANES:
            dock = QDockWidget(spec.title, self)
            dock.setObjectName(f"{spec.key}Dock")
            dock.setWidget(panes[spec.key])
            dock.setToolTip(spec.explanation)
            self.docks[spec.key] = dock
        docks = self.docks
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, docks["library"])
        self.splitDockWidget(docks["library"], docks["search"], Qt.Orientation.Horizontal)
        self.splitDockWidget(docks["library"], docks["bookmarks"], Qt.Orientation.Vertical)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, docks["player"])
        self.splitDockWidget(docks["player"], docks["anomalies"], Qt.Orientation.Vertical)
        self.tabifyDockWidget(docks["player"], docks["multicam"])
        docks["player"].raise_()  # the player in front of its tab
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, docks["timeline"])
        self.resizeDocks(
            [docks["library"], docks["search"], docks["player"]], [420, 520, 620], Qt.Orientation.Horizontal
        )
        self.resizeDocks([docks["player"], docks["anomalies"]], [500, 260], Qt.Orientation.Vertical)
        self.resizeDocks([docks["library"], docks["bookmarks"]], [520, 240], Qt.Orientation.Vertical)
        self.resizeDocks([docks["timeline"]], [190], Qt.Orientation.Vertical)
        self._connect_panes()

    def _connect_panes(self) -> None:
        self.library_pane.video_activated.connect(self._play_video)
        self.library_pane.video_deleted.connect(self._video_deleted)
        self.search_pane.segment_activated.connect(self.play_segment)
        self.anomaly_pane.segment_activated.connect(self._play_anomaly)

    def play_segment(self, segment_id: object) -> None:
        self.player_pane.set_evidence(None, ())
        self._play(segment_id)

    def _play_anomaly(self, segment_id: object) -> None:
        """Play the selected anomaly's segment with the anomaly's own boxes drawn (an object left behind)."""
        item = self.anomaly_pane.selected_anomaly()
        if item is not None:
            self.player_pane.set_evidence(item.video_id, anomaly_evidence(item.metadata))
        self._play(segment_id)

    def _play(self, segment_id: object) -> None:
        self.docks["player"].show()
        self.docks["player"].raise_()
        self.player_pane.show_segment(segment_id)  # type: ignore[arg-type]

    def _play_video(self, video_id: object) -> None:
        self.player_pane.set_evidence(None, ())
        self.docks["player"].show()
        self.player_pane.show_video(video_id)  # type: ignore[arg-type]

    def _video_deleted(self, video_id: object) -> None:
        detail = self.player_pane.detail
        if detail is not None and detail.segment.video_id == video_id:
            self.player_pane.clear()
        self.anomaly_pane.reload()

    def _build_actions(self) -> None:
        style = self.style()
        can_ingest = is_allowed(self.actor.role, Action.INGEST_VIDEO)
        self.add_videos_action = QAction("&Add videos…", self)
        self.add_videos_action.setIcon(style.standardIcon(QStyle.StandardPixmap.SP_DialogOpenButton))
        self.add_videos_action.setShortcut(QKeySequence("Ctrl+O"))
        self.add_videos_action.setEnabled(can_ingest)
        tip = "Ingest video files (or drop them on the library)" if can_ingest else NO_INGEST
        self.add_videos_action.setToolTip(tip)
        self.add_videos_action.setStatusTip(tip)
        self.add_videos_action.triggered.connect(self.library_pane.choose_files)
        self.add_folder_action = QAction("Add &folder…", self)
        self.add_folder_action.setIcon(style.standardIcon(QStyle.StandardPixmap.SP_DirOpenIcon))
        self.add_folder_action.setShortcut(QKeySequence("Ctrl+Shift+O"))
        self.add_folder_action.setEnabled(can_ingest)
        self.add_folder_action.setToolTip(
            tip if not can_ingest else "Ingest every video in a folder and below"
        )
        self.add_folder_action.triggered.connect(self.library_pane.choose_folder)

        self.find_action = QAction("&Search…", self)
        self.find_action.setShortcut(QKeySequence("Ctrl+F"))
        self.find_action.setIcon(style.standardIcon(QStyle.StandardPixmap.SP_FileDialogContentsView))
        self.find_action.setToolTip("Search the library in plain words")
        self.find_action.triggered.connect(self.focus_search)

        self.delete_action = QAction("&Delete videos…", self)
        self.delete_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Delete))
        self.delete_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.delete_action.setEnabled(is_allowed(self.actor.role, Action.DELETE_VIDEO))
        self.delete_action.triggered.connect(self.library_pane.delete_selected)
        self.library_pane.addAction(self.delete_action)

        self.refresh_action = QAction("&Refresh", self)
        self.refresh_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Refresh))
        self.refresh_action.triggered.connect(self.refresh_all)

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
        self.administration = administration_launcher(self.services, self.actor, self.pool, self)
        self.own_activity = own_activity_launcher(self.services, self.actor, self.pool, self)

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
        self.layout_store.restore(self)

    def save_layout(self) -> None:
        self.layout_store.save(self)

    def reset_layout(self) -> None:
        self.layout_store.reset(self, self.docks.values())

    # ------------------------------------------------------------------ commands
    def focus_search(self) -> None:
        self.docks["search"].show()
        self.docks["search"].raise_()
        self.search_pane.query_combo.setFocus()
        if self.search_pane.query_edit is not None:
            self.search_pane.query_edit.selectAll()

    def refresh_all(self) -> None:
        self.library_pane.model.reload()
        self.search_pane.refresh_options()
        self.anomaly_pane.reload()
        self.workspace.refresh()
        self.timeline_pane.refresh()
        self.bookmarks_pane.refresh()
        self.multicam_pane.refresh()

    def export_candidates(self) -> ExportSelection | None:
        """What "Export…" takes: the selected search hits, else the selected anomaly, else the player's segment."""
        return self.export_command.candidates()

    def export_selection(self) -> ExportDialog | None:
        return self.export_command.export_selection()

    def export_segments(self, segment_ids: list[uuid.UUID]) -> ExportDialog | None:
        return self.export_command.export_segments(segment_ids)

    # ------------------------------------------------------------------ dialogs
    def show_settings(self) -> SettingsDialog:
        dialog = SettingsDialog(self.services, self.actor, self.pool, parent=self)
        dialog.saved.connect(
            lambda changed: self.statusBar().showMessage(
                f"Saved {', '.join(changed)}; restart ChronoTrace to apply.", 10_000
            )
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
    def _before_lock(self) -> None:
        """Nothing plays and no original stays on screen behind the lock."""
        self.player_pane.shuttle_stop()
        self.player_pane.back_to_redacted()
        self.multicam_pane.grid.pause()
        for cell in self.multicam_pane.grid.cells:
            cell.back_to_redacted()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.idle_lock.stop()
        self.alerts.stop()
        self.save_layout()
        self.player_pane.stop()
        self.multicam_pane.stop()
        self.library_pane.ingest_panel.abort()  # the ingest stops after its current segment, resumable
        if self._owns_pool:
            self.pool.cancel_all()
            self.pool.wait_for_done(5_000)
        super().closeEvent(event)
        self.closed.emit()
