"""The audit trail viewer through the real audit service: lazy pages over ids (qtmodeltester), filters, the
PII reveals with their segment, the selected row in full, the CSV export (audited), and an analyst's own trail."""

from __future__ import annotations

import csv
import uuid
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from chronotrace_desktop.domain.audit import AuditAction
from chronotrace_desktop.domain.roles import Role
from chronotrace_desktop.services.access import AuditEvent, AuditQuery
from chronotrace_desktop.ui.admin.audit_filters import AuditFilterBar
from chronotrace_desktop.ui.admin.audit_panel import OWN_ROWS, AuditPanel
from chronotrace_desktop.ui.models.audit_model import LOADING, PAGE, AuditTableModel, EntryRole, TrailMode
from chronotrace_desktop.ui.qt import QDateTime, QModelIndex, Qt
from tests.timeline_library import build_library

PASSWORD = "long enough password"
WHY = "Case 24-311: identify the cyclist at the gate"
SEARCHES = 2 * PAGE + 30


@pytest.fixture
def trail(services, admin) -> tuple[uuid.UUID, str]:
    """An analyst's searches (more than two pages) and one reveal of a real segment row; the segment's id and
    its wall-clock start as the table shows it."""
    analyst = services.users.add_user(admin, "alan.analyst@agency.example", Role.ANALYST, PASSWORD)
    actor = services.auth.login(analyst.email, PASSWORD)
    library = build_library(services, videos=1, cameras=1, segments=2, prefix="GATE")
    segment = services.library.segments_of(admin, library.video_ids[0])[1].id
    with services.audit.recording() as record:
        for n in range(SEARCHES):
            record(AuditEvent(AuditAction.SEARCH_QUERY, actor, resource_type="search", metadata={"n": n}))
        record(
            AuditEvent(
                AuditAction.PII_REVEAL,
                actor,
                resource_type="segment",
                resource_id=segment,
                justification=WHY,
                ip_address="10.9.8.7",
                metadata={"case": "24-311"},
            )
        )
    recorded_at = services.library.rows(admin, library.video_ids)[library.video_ids[0]].recorded_at
    return segment, f"{recorded_at + timedelta(seconds=15):%Y-%m-%d %H:%M:%S}"  # the second segment: 15 s in


def _panel(qtbot, services, actor, pool) -> AuditPanel:
    panel = AuditPanel(services, actor, pool)
    qtbot.addWidget(panel)
    panel.resize(1200, 700)
    panel.show()
    qtbot.waitUntil(
        lambda: panel.trail_model.rowCount() > 0 and not panel.trail_model.loading, timeout=10_000
    )
    return panel


def _load_all(qtbot, model: AuditTableModel) -> None:
    while model.canFetchMore(QModelIndex()) or model.loading:
        if model.canFetchMore(QModelIndex()):
            model.fetchMore(QModelIndex())
        qtbot.waitUntil(lambda: not model.loading, timeout=10_000)


def test_the_trail_pages_lazily_filters_shows_a_reveal_and_exports(
    qtbot, qtmodeltester, services, admin, pool, trail, tmp_path
) -> None:
    segment, segment_start = trail
    panel = _panel(qtbot, services, admin, pool)
    model = panel.trail_model
    assert model.rowCount() == PAGE  # one page of ids, not the whole trail
    assert model.canFetchMore(QModelIndex())
    qtmodeltester.check(model)
    panel.trail_view.scrollToBottom()  # the view asks for the next page itself
    qtbot.waitUntil(lambda: model.rowCount() > PAGE, timeout=10_000)
    _load_all(qtbot, model)
    assert not model.canFetchMore(QModelIndex())
    qtbot.waitUntil(lambda: panel.count_label.text() == f"{model.rowCount()} rows", timeout=10_000)
    assert model.rowCount() >= SEARCHES + 1
    qtbot.waitUntil(lambda: model.index(0, 2).data() not in (None, LOADING), timeout=10_000)
    assert model.index(0, 2).data() == "pii_reveal"

    panel.filters.action_box.setCurrentIndex(panel.filters.action_box.findData(AuditAction.SEARCH_QUERY))
    panel.filters.user_edit.setText("alan.analyst@agency.example")
    with qtbot.waitSignal(panel.loaded, timeout=10_000):
        panel.filters.apply()
    _load_all(qtbot, model)
    assert model.rowCount() == SEARCHES

    panel.tabs.setCurrentIndex(1)
    reveals = panel.reveals_model
    qtbot.waitUntil(lambda: reveals.rowCount() == 1, timeout=10_000)  # the tab's action is always reveals
    qtmodeltester.check(reveals)
    qtbot.waitUntil(lambda: reveals.index(0, 2).data() not in (None, LOADING), timeout=10_000)
    row = [reveals.index(0, c).data() for c in range(reveals.columnCount())]
    titles = [reveals.headerData(c, Qt.Orientation.Horizontal) for c in range(reveals.columnCount())]
    assert titles[5:] == ["Address", "Justification"]
    assert row[1:3] == ["alan.analyst@agency.example", "GATE-01"]
    assert row[3] == segment_start
    assert row[5:] == ["10.9.8.7", WHY]
    assert reveals.index(0, 0).data(EntryRole).segment_id == segment
    qtbot.waitUntil(lambda: panel.tabs.tabText(1) == "PII reveals (1)", timeout=10_000)
    panel.reveals_view.selectRow(0)
    assert ("Justification", WHY) in panel.detail.texts()

    panel.tabs.setCurrentIndex(0)
    panel.trail_view.selectRow(0)
    shown = panel.detail.texts()
    assert ("Action", "search_query") in shown  # the newest of the filtered searches
    assert ("n", str(SEARCHES - 1)) in shown  # its metadata, unfolded

    panel.filters.action_box.setCurrentIndex(0)
    panel.filters.text_edit.setText("cyclist")
    with qtbot.waitSignal(panel.loaded, timeout=10_000):
        panel.filters.apply()
    path = Path(tmp_path) / "reveals.csv"
    with qtbot.waitSignal(panel.exported, timeout=20_000) as done:
        panel.export_to(path)
    assert done.args[0].rows == 1
    with path.open(encoding="utf-8", newline="") as handle:
        assert [r["justification"] for r in csv.DictReader(handle)] == [WHY]
    assert panel.status_label.text() == f"1 rows written to {path}"
    reader = services.audit_reader
    note = reader.entries_by_ids(
        admin, reader.page_ids(admin, AuditQuery(actions=(AuditAction.AUDIT_EXPORTED,))).ids
    )
    expected = {"user_email": "alan.analyst@agency.example", "text": "cyclist"}
    assert [n.metadata["filter"] for n in note] == [expected]


def test_an_analyst_sees_only_their_own_trail(qtbot, qtmodeltester, services, admin, pool, trail) -> None:
    actor = services.auth.login("alan.analyst@agency.example", PASSWORD)
    panel = _panel(qtbot, services, actor, pool)
    assert panel.notice.text() == OWN_ROWS
    assert not panel.filters.user_edit.isEnabled()
    model = panel.trail_model
    _load_all(qtbot, model)
    qtmodeltester.check(model)
    qtbot.waitUntil(
        lambda: all(model.index(r, 0).data(EntryRole) is not None for r in range(model.rowCount())),
        timeout=10_000,
    )
    users = {model.index(r, 0).data(EntryRole).username for r in range(model.rowCount())}
    assert users == {"alan.analyst@agency.example"}
    everyone = services.audit_reader.count(admin, AuditQuery()).rows
    assert model.rowCount() < everyone  # the administrator's own rows exist but are not here
    assert TrailMode.REVEALS is panel.reveals_model.mode


def test_the_filter_bar_reads_days_resources_and_refuses_what_it_cannot_read(qtbot) -> None:
    bar = AuditFilterBar(None)
    qtbot.addWidget(bar)
    bar.from_check.setChecked(True)
    bar.from_edit.setDateTime(QDateTime.fromString("2024-02-09T12:00:00Z", Qt.DateFormat.ISODate))
    bar.to_check.setChecked(True)
    bar.to_edit.setDateTime(QDateTime.fromString("2024-02-10T12:00:00Z", Qt.DateFormat.ISODate))
    target = uuid.uuid4()
    bar.resource_edit.setText(f"segment:{target}")
    bar.outcome_box.setCurrentIndex(2)
    query = bar.query()
    assert (query.since, query.until) == (
        datetime(2024, 2, 9),
        datetime(2024, 2, 11),
    )  # "to" includes its day
    assert (query.resource_type, query.resource_id, query.success) == ("segment", target, False)
    bar.resource_edit.setText("segment:not-a-uuid")
    with qtbot.waitSignal(bar.refused) as refused:
        bar.apply()
    assert refused.args == ["The resource id 'not-a-uuid' is not a UUID (type:id)."]
    own = AuditFilterBar("alan.analyst@agency.example")
    qtbot.addWidget(own)
    assert own.query().user_email is None  # the service holds an analyst to their own rows


def test_a_viewer_is_told_and_the_view_does_not_ask_again(qtbot, services, admin, pool) -> None:
    services.users.add_user(admin, "vera.viewer@agency.example", Role.VIEWER, PASSWORD)
    viewer = services.auth.login("vera.viewer@agency.example", PASSWORD)
    panel = AuditPanel(services, viewer, pool)
    qtbot.addWidget(panel)
    panel.show()
    qtbot.waitUntil(lambda: "may not" in panel.status_label.text(), timeout=10_000)
    assert not panel.trail_model.canFetchMore(QModelIndex())
    qtbot.wait(300)  # the views lay out again; a model that kept failing would ask again and again
    refused = AuditQuery(user_id=viewer.user_id, actions=(AuditAction.PERMISSION_DENIED,))
    assert services.audit_reader.count(admin, refused).rows <= 4  # each model's page and count, once
