"""The bookmarks list (issue 16): the case's bookmarks in time order, jump to one, edit its note and delete it
through the services (audited); viewers read only."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import datetime

import sqlalchemy as sa
from pytestqt.qtbot import QtBot

from chronotrace_desktop.domain.cases import Bookmark
from chronotrace_desktop.services.cases import NewBookmark
from chronotrace_desktop.storage.orm import AuditLog
from chronotrace_desktop.ui.models.bookmark_model import (
    AUTHOR,
    CAMERA,
    NOTE,
    TIME,
    BookmarkModel,
    BookmarkRole,
    IdRole,
)
from chronotrace_desktop.ui.panes.bookmarks_pane import VIEWER_TIP, BookmarksPane
from chronotrace_desktop.ui.qt import Qt
from chronotrace_desktop.workers.base import WorkerPool
from tests.gui.conftest import Library


def _pane(qtbot: QtBot, library: Library, pool: WorkerPool, actor, case_id: str | None) -> BookmarksPane:
    pane = BookmarksPane(library.services, actor, pool)
    qtbot.addWidget(pane)
    pane.resize(700, 360)
    pane.show()
    with qtbot.waitSignal(pane.refreshed, timeout=10_000):
        pane.set_case(case_id)
    return pane


def _audited(library: Library, action: str, bookmark_id) -> int:
    with library.services.database.transaction() as session:
        return len(
            session.scalars(
                sa.select(AuditLog.id).where(AuditLog.action == action, AuditLog.resource_id == bookmark_id)
            ).all()
        )


def test_lists_jumps_edits_and_deletes(
    qtbot: QtBot, qtmodeltester, library: Library, pool: WorkerPool
) -> None:
    services, analyst = library.services, library.analyst
    case = services.cases.create(analyst, "Bookmarks pane")
    video = library.video_ids["car-detection.mp4"]
    later = services.bookmarks.create(
        analyst, NewBookmark(video, 9.5, "Second\nmore detail", case_id=case.case_id)
    )
    first = services.bookmarks.create(analyst, NewBookmark(video, 1.25, "First", case_id=case.case_id))
    services.bookmarks.create(analyst, NewBookmark(video, 3.0, "Not in this case"))

    pane = _pane(qtbot, library, pool, analyst, case.case_id)
    model = pane.model
    qtmodeltester.check(model)
    assert pane.title_label.text() == f"Bookmarks of case {case.case_id}"
    assert model.rowCount() == 2
    assert [model.index(r, 0).data(IdRole) for r in range(2)] == [first.bookmark_id, later.bookmark_id]
    assert model.index(0, TIME).data() == "2024-02-09 14:30:01"
    assert model.index(0, CAMERA).data() == "CAM-07"
    assert model.index(1, NOTE).data() == "Second"  # the first line
    assert model.index(1, AUTHOR).data() == analyst.email
    assert model.index(1, NOTE).data(BookmarkRole).note == "Second\nmore detail"

    pane.table.selectRow(1)
    with qtbot.waitSignal(pane.jump_requested, timeout=2_000) as jumped:
        qtbot.keyClick(pane.table, Qt.Key.Key_Return)
    assert jumped.args == [video, 9.5]
    with qtbot.waitSignal(pane.jump_requested, timeout=2_000) as jumped:
        rect = pane.table.visualRect(model.index(0, NOTE))
        qtbot.mouseClick(pane.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        qtbot.mouseDClick(pane.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert jumped.args == [video, 1.25]

    pane.table.selectRow(0)
    dialog = pane.edit_selected()
    assert dialog is not None
    assert dialog.canvas is None
    assert dialog.note_edit.toPlainText() == "First"
    dialog.note_edit.setPlainText("First, corrected")
    with qtbot.waitSignal(pane.refreshed, timeout=10_000):
        dialog.ok_button.click()
    assert services.bookmarks.get(analyst, first.bookmark_id).note == "First, corrected"
    assert model.index(0, NOTE).data() == "First, corrected"
    assert _audited(library, "bookmark_updated", first.bookmark_id) == 1

    asked: list[str] = []
    pane.confirm = lambda _parent, text: asked.append(text) is None and False  # the user says no
    pane.table.selectRow(0)
    pane.delete_selected()
    assert len(asked) == 1
    assert "First, corrected" in asked[0]
    assert model.rowCount() == 2
    pane.confirm = lambda _parent, _text: True
    with qtbot.waitSignal(pane.refreshed, timeout=10_000):
        pane.delete_button.click()
    assert [model.index(r, 0).data(IdRole) for r in range(model.rowCount())] == [later.bookmark_id]
    assert _audited(library, "bookmark_deleted", first.bookmark_id) == 1
    qtmodeltester.check(model)


def test_viewers_read_only(qtbot: QtBot, library: Library, pool: WorkerPool) -> None:
    video = library.video_ids["video02.avi"]
    mark = library.services.bookmarks.create(library.admin, NewBookmark(video, 2.0, "Viewer sees this"))
    pane = _pane(qtbot, library, pool, library.viewer, None)
    assert pane.title_label.text() == "Bookmarks \u2014 all footage"
    row = pane.model.row_of(mark.bookmark_id)
    assert row >= 0
    pane.table.selectRow(row)
    assert pane.jump_button.isEnabled()
    assert not pane.edit_button.isEnabled()
    assert not pane.delete_button.isEnabled()
    assert pane.delete_button.toolTip() == VIEWER_TIP
    assert pane.edit_selected() is None


def test_the_recorders_time_shows_beside_a_corrected_one(qtmodeltester) -> None:
    video = uuid.uuid4()
    mark = Bookmark(
        bookmark_id=uuid.uuid4(), case_id=None, video_id=video, segment_id=None, offset_s=5.0, note="",
        box=None, created_by=None, created_at=None, updated_at=None, camera_id="CAM-1", filename="cam.mp4",
        video_start=datetime(2024, 2, 9, 14, 30),
    )  # fmt: skip
    unknown = replace(mark, bookmark_id=uuid.uuid4(), video_id=uuid.uuid4(), video_start=None, offset_s=75.0)
    model = BookmarkModel()
    model.set_items([mark, unknown], {video: datetime(2024, 2, 9, 14, 28, 47)})
    qtmodeltester.check(model)
    assert model.index(0, TIME).data() == "2024-02-09 14:30:05 (recorder 14:28:52)"
    assert model.index(1, TIME).data() == "1:15.000 into cam.mp4"
    assert model.index(1, NOTE).data() == "(no note)"
