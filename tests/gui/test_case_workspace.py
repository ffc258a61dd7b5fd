"""The case picker and the case dialog over the shared ingested library (issue 16 item 1, GUI)."""

from __future__ import annotations

from chronotrace_desktop.ui.dialogs.case_dialog import CaseDialog
from chronotrace_desktop.ui.qt import QMainWindow, QSettings
from chronotrace_desktop.ui.window.case_workspace import ALL_FOOTAGE, CASE_KEY, CaseWorkspace
from chronotrace_desktop.workers.base import WorkerPool


def _workspace(
    qtbot, library, actor, settings: QSettings, selected=list
) -> tuple[QMainWindow, CaseWorkspace]:
    window = QMainWindow()
    qtbot.addWidget(window)
    pool = WorkerPool()
    workspace = CaseWorkspace(library.services, actor, pool, settings, window, selected_videos=selected)
    qtbot.waitUntil(lambda: pool.active_count == 0, timeout=10_000)
    return window, workspace


def test_a_case_is_opened_chosen_remembered_and_given_videos(qtbot, library, ui_settings) -> None:
    video_ids = sorted(library.video_ids.values())[:2]
    window, workspace = _workspace(qtbot, library, library.analyst, ui_settings, lambda: video_ids)
    assert workspace.combo.itemText(0) == ALL_FOOTAGE
    assert workspace.current is None
    assert not workspace.add_videos_action.isEnabled()

    dialog = workspace.new_case()
    dialog.title_edit.setText("Depot robbery")
    dialog.notes_edit.setPlainText("Man in a red jacket, 14:30")
    assert not dialog.hold_check.isEnabled()  # a hold is placed on an opened case
    with qtbot.waitSignal(workspace.case_changed, timeout=15_000) as changed:
        dialog.accept()
    case_id = changed.args[0]
    assert case_id is not None
    assert workspace.current == case_id
    assert case_id in workspace.combo.currentText()
    assert window.windowTitle().startswith(f"{case_id} \N{EM DASH} Depot robbery")
    assert ui_settings.value(CASE_KEY) == case_id

    with qtbot.waitSignal(workspace.case_changed, timeout=15_000):
        workspace.add_videos_action.trigger()
    assert set(library.services.cases.video_ids(library.viewer, case_id)) == set(video_ids)

    # A second window opens on the case chosen last.
    _, again = _workspace(qtbot, library, library.viewer, ui_settings)
    qtbot.waitUntil(lambda: again.current == case_id, timeout=10_000)
    assert not again.new_action.isEnabled()  # viewers read cases

    workspace.select(None)
    assert workspace.current is None
    assert window.windowTitle() == "ChronoTrace"


def test_the_dialog_places_a_hold_and_only_an_administrator_releases_it(qtbot, library, ui_settings) -> None:
    case = library.services.cases.create(library.analyst, "Held from the dialog")
    _, workspace = _workspace(qtbot, library, library.analyst, ui_settings)
    dialog = workspace.edit(case)
    assert dialog.hold_check.isEnabled()
    dialog.hold_check.setChecked(True)
    dialog.accept()  # no reason: refused in the dialog
    assert dialog.isVisible()
    assert "Say why the hold is placed" in dialog.problem_label.text()
    dialog.hold_reason_edit.setText("Court order 17/2024")
    dialog.status_combo.setCurrentIndex(1)  # closed
    dialog.accept()
    qtbot.waitUntil(
        lambda: library.services.cases.get(library.viewer, case.case_id).evidence_hold, timeout=15_000
    )
    held = library.services.cases.get(library.viewer, case.case_id)
    assert held.hold_reason == "Court order 17/2024"
    assert held.status.value == "closed"

    analyst_view = CaseDialog(library.analyst, held)
    qtbot.addWidget(analyst_view)
    assert not analyst_view.hold_check.isEnabled()
    assert "administrator" in analyst_view.hold_check.toolTip()
    viewer_view = CaseDialog(library.viewer, held)
    qtbot.addWidget(viewer_view)
    assert not viewer_view.save_button.isEnabled()
    assert not viewer_view.title_edit.isEnabled()
    admin_view = CaseDialog(library.admin, held)
    qtbot.addWidget(admin_view)
    assert admin_view.hold_check.isEnabled()
    assert admin_view.hold_check.text() == "Release the hold"
