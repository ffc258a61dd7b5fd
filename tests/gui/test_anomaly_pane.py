"""The anomaly queue over the ingested library (the one-by-one clip's loitering): list, filter, play, workflow."""

from __future__ import annotations

from chronotrace_desktop.storage.orm import AuditLog
from chronotrace_desktop.ui.models.anomaly_model import SEVERITY, STATUS, TYPE, ItemRole
from chronotrace_desktop.ui.panes.anomaly_pane import AnomalyPane
from chronotrace_desktop.ui.qt import QBrush, QItemSelectionModel


def _pane(qtbot, library, pool, actor) -> AnomalyPane:
    pane = AnomalyPane(library.services, actor, pool)
    qtbot.addWidget(pane)
    pane.resize(900, 500)
    pane.show()
    qtbot.waitUntil(lambda: pane.model.rowCount() > 0, timeout=10_000)
    return pane


def test_lists_anomalies_with_severity_colours(qtbot, qtmodeltester, library, pool) -> None:
    pane = _pane(qtbot, library, pool, library.viewer)
    qtmodeltester.check(pane.model)
    qtmodeltester.check(pane.proxy)
    types = {pane.model.index(r, TYPE).data() for r in range(pane.model.rowCount())}
    assert "loitering" in types
    assert isinstance(pane.model.index(0, SEVERITY).data(0x8), QBrush)  # BackgroundRole
    # Viewers see the queue but cannot work it.
    assert not any(button.isVisibleTo(pane) for button in pane.move_buttons.values())

    combo = pane.filter_combos["type"]
    combo.setCurrentIndex(combo.findData("loitering"))
    assert pane.proxy.rowCount() > 0
    assert all(pane.proxy.index(r, TYPE).data() == "loitering" for r in range(pane.proxy.rowCount()))


def test_selecting_plays_and_the_workflow_is_audited(qtbot, library, pool) -> None:
    pane = _pane(qtbot, library, pool, library.analyst)
    combo = pane.filter_combos["status"]
    combo.setCurrentIndex(combo.findData("new"))
    with qtbot.waitSignal(pane.segment_activated, timeout=2_000) as played:
        pane.table.selectionModel().select(
            pane.proxy.index(0, 0),
            QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
        )
    item = pane.selected_anomaly()
    assert played.args == [item.segment_id]
    combo.setCurrentIndex(0)
    pane.select(item.id)
    assert pane.move_buttons["acknowledged"].isEnabled()
    assert not pane.move_buttons["resolved"].isEnabled()

    with qtbot.waitSignal(pane.transitioned, timeout=10_000) as moved:
        pane.move_selected("acknowledged")
    assert moved.args[0].status == "acknowledged"
    assert pane.selected_anomaly().status == "acknowledged"

    pane.move_selected("resolved")  # a resolution needs a note: refused by the service, explained here
    qtbot.waitUntil(lambda: "Not changed" in pane.detail_label.text(), timeout=10_000)
    assert pane.selected_anomaly().status == "acknowledged"

    pane.note_edit.setPlainText("Staff member waiting for a delivery; checked with the duty officer.")
    with qtbot.waitSignal(pane.transitioned, timeout=10_000):
        pane.move_selected("resolved")
    row = pane.proxy.mapToSource(pane.table.selectionModel().selectedRows()[0]).row()
    assert pane.model.index(row, STATUS).data() == "resolved"
    assert pane.move_buttons["investigating"].text() == "Reopen"
    with library.services.database.transaction() as session:
        actions = [a.action for a in session.query(AuditLog).filter_by(resource_id=item.id)]
    assert "anomaly_acknowledged" in actions
    assert "anomaly_resolved" in actions
    assert pane.table.selectionModel().selectedRows()[0].data(ItemRole).id == item.id


def test_an_alert_selects_its_anomaly_even_when_filtered_out_or_not_loaded_yet(qtbot, library, pool) -> None:
    pane = _pane(qtbot, library, pool, library.analyst)
    target = pane.model.index(0, 0).data(ItemRole).id
    combo = pane.filter_combos["type"]
    combo.addItem("fall detection", "fall_detection")  # a filter that hides every row
    combo.setCurrentIndex(combo.findData("fall_detection"))
    assert pane.proxy.rowCount() == 0
    pane.select(target)
    assert combo.currentIndex() == 0  # the hiding filter is cleared, visibly
    assert pane.selected_anomaly().id == target

    pane.table.clearSelection()
    pane.model.set_items([])  # as before the first load: the alert arrives first
    pane.select(target)
    qtbot.waitUntil(lambda: pane.selected_anomaly() is not None, timeout=10_000)
    assert pane.selected_anomaly().id == target
