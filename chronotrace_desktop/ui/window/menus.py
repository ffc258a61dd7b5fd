"""The main window's menu bar and toolbar (with the case picker), built from the actions the window, its case
workspace, its export command, its anomaly alerts and the player's controls hold."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chronotrace_desktop.ui.qt import QLabel, Qt, QToolBar

if TYPE_CHECKING:
    from chronotrace_desktop.ui.qt import QMenu
    from chronotrace_desktop.ui.window.main_window import MainWindow


def build_menus(window: MainWindow) -> tuple[QMenu, QMenu]:
    """File, Edit, View, Playback, Case, Tools and Help; returns the View and the Playback menus."""
    bar = window.menuBar()
    file_menu = bar.addMenu("&File")
    file_menu.setToolTipsVisible(True)  # says why the disabled actions are disabled
    file_menu.addAction(window.add_videos_action)
    file_menu.addAction(window.add_folder_action)
    file_menu.addAction(window.export_action)
    file_menu.addSeparator()
    file_menu.addAction(window.quit_action)

    edit_menu = bar.addMenu("&Edit")
    edit_menu.addAction(window.find_action)
    edit_menu.addAction(window.delete_action)

    view_menu = bar.addMenu("&View")
    for dock in window.docks.values():
        view_menu.addAction(dock.toggleViewAction())
    view_menu.addSeparator()
    view_menu.addAction(window.refresh_action)
    view_menu.addAction(window.reset_layout_action)

    playback_menu = bar.addMenu("&Playback")
    controls = window.player_pane.controls
    for action in controls.actions_list():
        playback_menu.addAction(action)
        if action in (controls.l_action, controls.next_action, controls.boxes_action):
            playback_menu.addSeparator()

    case_menu = bar.addMenu("&Case")
    case_menu.setToolTipsVisible(True)
    for action in (
        window.workspace.new_action,
        window.workspace.details_action,
        window.workspace.add_videos_action,
    ):
        case_menu.addAction(action)

    tools_menu = bar.addMenu("&Tools")
    tools_menu.addAction(window.alerts.zones_action)
    tools_menu.addAction(window.settings_action)
    for launcher in (window.administration, window.own_activity):  # each only for the roles it serves
        if launcher.available:
            tools_menu.addAction(launcher.action)
    help_menu = bar.addMenu("&Help")
    help_menu.addAction(window.about_action)
    return view_menu, playback_menu


def build_toolbar(window: MainWindow) -> QToolBar:
    """The main toolbar, added at the top of ``window``."""
    toolbar = QToolBar("Main toolbar", window)
    toolbar.setObjectName("mainToolBar")
    toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
    toolbar.setMovable(False)
    toolbar.addWidget(QLabel(" Case: "))
    toolbar.addWidget(window.workspace.combo)
    toolbar.addAction(window.workspace.new_action)
    toolbar.addSeparator()
    toolbar.addAction(window.add_videos_action)
    toolbar.addAction(window.add_folder_action)
    toolbar.addSeparator()
    toolbar.addAction(window.find_action)
    toolbar.addAction(window.export_action)
    window.addToolBar(Qt.ToolBarArea.TopToolBarArea, toolbar)
    return toolbar
