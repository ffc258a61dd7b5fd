"""The main window over a real installation: status bar, panes, menus, layout that survives a restart."""

from __future__ import annotations

from chronotrace_desktop.ui.panes.anomaly_pane import AnomalyPane
from chronotrace_desktop.ui.panes.bookmarks_pane import BookmarksPane
from chronotrace_desktop.ui.panes.library_pane import LibraryPane
from chronotrace_desktop.ui.panes.multicam_pane import MultiCameraPane
from chronotrace_desktop.ui.panes.player_pane import PlayerPane
from chronotrace_desktop.ui.panes.search_pane import SearchPane
from chronotrace_desktop.ui.panes.timeline import TimelinePane
from chronotrace_desktop.ui.qt import QDockWidget, QKeySequence, QSettings, QSize, Qt
from chronotrace_desktop.ui.qt_media import QMediaPlayer
from chronotrace_desktop.ui.window import MainWindow

DOCKS = {
    "libraryDock": "Library",
    "searchDock": "Search",
    "playerDock": "Player",
    "anomaliesDock": "Anomaly queue",
    "timelineDock": "Timeline",
    "bookmarksDock": "Bookmarks",
    "multicamDock": "Multi-camera",
}


PANE_TYPES = {
    "libraryDock": LibraryPane,
    "searchDock": SearchPane,
    "playerDock": PlayerPane,
    "anomaliesDock": AnomalyPane,
    "timelineDock": TimelinePane,
    "bookmarksDock": BookmarksPane,
    "multicamDock": MultiCameraPane,
}
TABBED = {"multicamDock"}  # a tab behind the player


def _window(qtbot, services, actor, settings: QSettings) -> MainWindow:
    window = MainWindow(services, actor, settings=settings)
    qtbot.addWidget(window)
    # The panes load in workers; let them finish before the test's services can be closed.
    qtbot.waitUntil(lambda: window.pool.active_count == 0, timeout=10_000)
    return window


def test_status_bar_shows_profile_database_and_user(qtbot, services, admin, ui_settings) -> None:
    window = _window(qtbot, services, admin, ui_settings)
    window.show()
    info = services.installation.describe()

    assert window.profile_label.text() == "Workstation profile"
    assert window.user_label.text() == f"Signed in as {admin.email} (admin)"
    assert window.database_label.toolTip().startswith(f"Database: {info.database}")
    assert window.database_label.text().startswith("Database: local database")
    assert "password" not in window.database_label.toolTip().lower()
    for label in (window.profile_label, window.database_label, window.user_label):
        assert label.isVisible()


def test_four_panes_and_toggle(qtbot, services, admin, ui_settings) -> None:
    window = _window(qtbot, services, admin, ui_settings)
    window.show()
    docks = {dock.objectName(): dock for dock in window.findChildren(QDockWidget)}
    assert {name: dock.windowTitle() for name, dock in docks.items()} == DOCKS

    for name, dock in docks.items():
        assert isinstance(dock.widget(), PANE_TYPES[name])
        assert dock.toolTip()
        assert dock.toggleViewAction().isChecked(), name
        if name not in TABBED:
            assert dock.isVisible(), name
    qtbot.waitUntil(lambda: window.library_pane.empty_label.isVisible(), timeout=10_000)

    view_actions = {action.text(): action for action in window.view_menu.actions()}
    search_toggle = view_actions["Search"]
    search_toggle.trigger()
    assert not docks["searchDock"].isVisible()
    search_toggle.trigger()
    assert docks["searchDock"].isVisible()

    docks["playerDock"].close()
    window.reset_layout_action.trigger()
    assert all(dock.toggleViewAction().isChecked() for dock in docks.values())
    assert all(dock.isVisible() for name, dock in docks.items() if name not in TABBED)


def test_actions_and_shortcuts(qtbot, services, admin, ui_settings) -> None:
    window = _window(qtbot, services, admin, ui_settings)
    window.show()
    assert window.add_videos_action.shortcut() == QKeySequence("Ctrl+O")
    assert window.add_videos_action.isEnabled()
    assert window.add_folder_action.shortcut() == QKeySequence("Ctrl+Shift+O")
    assert window.find_action.shortcut() == QKeySequence("Ctrl+F")
    assert window.export_action.shortcut() == QKeySequence("Ctrl+E")
    assert not window.export_action.isEnabled()  # nothing selected yet
    assert "Select search hits" in window.export_action.toolTip()
    assert window.quit_action.shortcut() == QKeySequence("Ctrl+Q")
    menus = [action.text() for action in window.menuBar().actions()]
    assert menus == ["&File", "&Edit", "&View", "&Playback", "&Case", "&Tools", "&Help"]
    assert window.workspace.new_action.shortcut() == QKeySequence("Ctrl+Shift+N")
    assert window.toolbar.widgetForAction(window.toolbar.actions()[1]) is window.workspace.combo
    playback = {a.text(): a.shortcut().toString() for a in window.playback_menu.actions() if a.text()}
    assert playback["Play / pause"] == "Space"
    assert playback["Frame back"] == "Left"
    assert playback["Frame forward"] == "Right"
    assert (playback["Shuttle reverse"], playback["Shuttle stop"], playback["Shuttle forward"]) == (
        "J",
        "K",
        "L",
    )
    with qtbot.waitActive(window):
        window.activateWindow()
    window.find_action.trigger()
    qtbot.waitUntil(lambda: window.search_pane.query_edit.hasFocus(), timeout=2_000)

    settings_dialog = window.show_settings()
    assert settings_dialog.isVisible()
    assert settings_dialog.view.data_dir == services.paths.data_dir
    assert settings_dialog.view.values["profile"] == "workstation"
    assert settings_dialog.editable, "the signed-in administrator may change settings"
    settings_dialog.close()
    about_box = window.show_about()
    assert "ChronoTrace Desktop" in about_box.text()
    about_box.close()

    with qtbot.waitSignal(window.closed, timeout=1_000):
        window.quit_action.trigger()
    assert not window.isVisible()


def test_geometry_and_docks_persist_across_windows(qtbot, services, admin, ui_settings) -> None:
    first = _window(qtbot, services, admin, ui_settings)
    first.resize(760, 560)  # within the offscreen screen (800x600)
    first.show()
    first.docks["search"].hide()
    first.docks["anomalies"].setFloating(True)
    first.close()

    reopened = QSettings(ui_settings.fileName(), QSettings.Format.IniFormat)  # as a new run would
    second = _window(qtbot, services, admin, reopened)
    second.show()
    assert second.size() == QSize(760, 560)
    assert not second.docks["search"].isVisible()
    assert second.docks["anomalies"].isFloating()
    assert second.docks["library"].isVisible()

    second.reset_layout()
    assert second.docks["search"].isVisible()
    assert not second.docks["anomalies"].isFloating()
    assert second.dockWidgetArea(second.docks["library"]) == Qt.DockWidgetArea.LeftDockWidgetArea


def test_saved_layout_of_another_version_is_ignored(qtbot, services, admin, ui_settings) -> None:
    ui_settings.setValue("main_window/state", b"not a layout")
    window = _window(qtbot, services, admin, ui_settings)
    window.show()
    assert all(dock.isVisible() for dock in window.docks.values())


def test_panes_work_together(qtbot, library, ui_settings) -> None:
    """A hit plays in the player, Export… takes the selected hits, an anomaly plays its segment."""
    from chronotrace_desktop.ui.dialogs.export_dialog import ExportDialog

    window = MainWindow(library.services, library.analyst, settings=ui_settings)
    qtbot.addWidget(window)
    window.resize(1400, 900)
    window.show()
    window.player_pane.autoplay = False
    qtbot.waitUntil(lambda: window.pool.active_count == 0, timeout=10_000)
    search = window.search_pane
    with qtbot.waitSignal(search.search_finished, timeout=30_000):
        search.query_combo.setEditText("car")
        search.run_text_search()
    assert window.export_action.isEnabled()  # the first hit is selected
    assert window.export_action.toolTip() == "Export 1 segment as evidence"
    with qtbot.waitSignal(window.player_pane.segment_loaded, timeout=30_000) as loaded:
        search._activated(search.results_model.index(0))
    assert loaded.args[0].segment.id == search.results_model.hits[0].segment_id

    dialog = window.export_selection()
    assert isinstance(dialog, ExportDialog)
    dialog.reject()

    anomalies = window.anomaly_pane
    qtbot.waitUntil(lambda: anomalies.proxy.rowCount() > 0, timeout=10_000)
    search.results_view.clearSelection()
    with qtbot.waitSignal(window.player_pane.segment_loaded, timeout=30_000) as loaded:
        anomalies.table.selectRow(0)
    selected = anomalies.selected_anomaly()
    assert loaded.args[0].segment.id == selected.segment_id
    # The anomaly's own boxes (here the person who waited) are drawn at their times, over the detections.
    first_t, first_box = window.player_pane._evidence[0]
    assert first_box.label.startswith("anomaly: ")
    player = window.player_pane
    player.controls.boxes_action.setChecked(True)
    qtbot.waitUntil(
        lambda: player.player.mediaStatus() == QMediaPlayer.MediaStatus.LoadedMedia, timeout=10_000
    )
    player.player.setPosition(max(0, round((first_t - loaded.args[0].segment.clip_start) * 1000) + 100))
    qtbot.waitUntil(lambda: any(b.label.startswith("anomaly: ") for b in player.view.boxes), timeout=5_000)
    with qtbot.waitSignal(player.segment_loaded, timeout=30_000):
        search._activated(search.results_model.index(0))
    assert player._evidence == ()  # a search hit is not the anomaly's
    window.player_pane.stop()
    qtbot.waitUntil(lambda: window.pool.active_count == 0, timeout=10_000)
