"""Bookmarks from the player (issue 16): M pauses, the dialog shows the redacted frame of the moment, a dragged
box and the note are saved in the current case through the services (audited); viewers cannot bookmark; a
bookmark's moment opens in the player again (show_at)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import sqlalchemy as sa
from pytestqt.qtbot import QtBot

from chronotrace_desktop.domain.cases import Bookmark
from chronotrace_desktop.domain.export import ExportSelection, ExportType
from chronotrace_desktop.reports import QtPdfReportRenderer
from chronotrace_desktop.storage.orm import AuditLog
from chronotrace_desktop.ui.dialogs.export_dialog import ExportDialog
from chronotrace_desktop.ui.panes.player_bookmarks import VIEWER_TIP
from chronotrace_desktop.ui.qt import QPoint, Qt
from chronotrace_desktop.ui.qt_media import QMediaPlayer
from chronotrace_desktop.workers.base import WorkerPool
from tests.gui.conftest import Library, segments_of
from tests.gui.test_player_pane import _pane, _show

NOTE = "Grey hatchback stops at the barrier"


def test_m_bookmarks_the_moment_in_the_case_with_a_box(
    qtbot: QtBot, library: Library, pool: WorkerPool
) -> None:
    services, analyst = library.services, library.analyst
    case = services.cases.create(analyst, "Barrier incident")
    pane = _pane(qtbot, library, pool, analyst)
    pane.set_case(case.case_id)
    first, second = segments_of(library, "car-detection.mp4")
    _show(qtbot, pane, second)
    start = pane.detail.segment.start_time
    pane.player.setPosition(2000)
    qtbot.waitUntil(lambda: pane.player.position() >= 2000, timeout=5_000)
    assert pane.controls.bookmark_action.isEnabled()

    pane.setFocus()
    qtbot.keyClick(pane, Qt.Key.Key_M)
    qtbot.waitUntil(lambda: pane.bookmarks.dialog is not None, timeout=30_000)
    dialog = pane.bookmarks.dialog
    assert pane.player.playbackState() != QMediaPlayer.PlaybackState.PlayingState
    assert dialog.canvas is not None, "the redacted frame is shown to draw on"
    assert "2024-02-09 14:30" in dialog.when_label.text()
    dialog.resize(640, 560)
    dialog.show()
    qtbot.waitExposed(dialog)
    frame = dialog.canvas.frame_rect()
    a = QPoint(round(frame.left() + frame.width() * 0.2), round(frame.top() + frame.height() * 0.3))
    b = QPoint(round(frame.left() + frame.width() * 0.6), round(frame.top() + frame.height() * 0.8))
    qtbot.mousePress(dialog.canvas, Qt.MouseButton.LeftButton, pos=a)
    qtbot.mouseMove(dialog.canvas, b)
    qtbot.mouseRelease(dialog.canvas, Qt.MouseButton.LeftButton, pos=b)
    assert dialog.box_check.isChecked()
    qtbot.keyClicks(dialog.note_edit, NOTE)

    with qtbot.waitSignal(pane.bookmark_created, timeout=10_000) as made:
        dialog.ok_button.click()
    mark: Bookmark = made.args[0]
    stored = services.bookmarks.get(analyst, mark.bookmark_id)
    assert stored.case_id == case.case_id
    assert stored.video_id == library.video_ids["car-detection.mp4"]
    assert stored.segment_id == second
    assert abs(stored.offset_s - (start + 2.0)) < 0.2
    assert stored.note == NOTE
    assert stored.box is not None
    assert abs(stored.box.x - 0.2) < 0.02
    assert abs(stored.box.y - 0.3) < 0.02
    assert abs(stored.box.w - 0.4) < 0.02
    assert abs(stored.box.h - 0.5) < 0.02
    with services.database.transaction() as session:
        audited = session.scalars(
            sa.select(AuditLog).where(
                AuditLog.action == "bookmark_created", AuditLog.resource_id == mark.bookmark_id
            )
        ).all()
        assert len(audited) == 1
        assert audited[0].user_id == analyst.user_id

    # Jumping back to it later opens the segment holding the moment, at that moment.
    _show(qtbot, pane, first)
    with qtbot.waitSignal(pane.segment_loaded, timeout=30_000):
        pane.show_at(stored.video_id, stored.offset_s)
    assert pane.detail.segment.id == second
    qtbot.waitUntil(lambda: abs(pane.player.position() - 2000) < 300, timeout=10_000)


def test_a_bookmark_without_a_case_or_a_box_goes_in_all_footage(
    qtbot: QtBot, library: Library, pool: WorkerPool
) -> None:
    pane = _pane(qtbot, library, pool, library.admin)
    _show(qtbot, pane, segments_of(library, "video02.avi")[0])
    pane.controls.bookmark_action.trigger()
    qtbot.waitUntil(lambda: pane.bookmarks.dialog is not None, timeout=30_000)
    dialog = pane.bookmarks.dialog
    assert dialog.where_label.text().startswith("all footage")
    qtbot.keyClicks(dialog.note_edit, "Lights go off")
    with qtbot.waitSignal(pane.bookmark_created, timeout=10_000) as made:
        dialog.ok_button.click()
    stored = library.services.bookmarks.get(library.admin, made.args[0].bookmark_id)
    assert stored.case_id is None
    assert stored.box is None
    assert stored.note == "Lights go off"


def test_viewers_cannot_bookmark(qtbot: QtBot, library: Library, pool: WorkerPool) -> None:
    pane = _pane(qtbot, library, pool, library.viewer)
    _show(qtbot, pane, segments_of(library, "car-detection.mp4")[0])
    action = pane.controls.bookmark_action
    assert not action.isEnabled()
    assert action.toolTip() == VIEWER_TIP
    before = len(library.services.bookmarks.list_bookmarks(library.viewer))
    pane.setFocus()
    qtbot.keyClick(pane, Qt.Key.Key_M)
    pane.bookmarks.start()  # even called directly: nothing is asked, nothing is made
    assert pane.bookmarks.dialog is None
    assert len(library.services.bookmarks.list_bookmarks(library.viewer)) == before


def test_a_bookmark_made_in_the_player_is_in_the_exported_report(
    qtbot: QtBot, library: Library, pool: WorkerPool, tmp_path: Path
) -> None:
    """Issue 16's 'done when': a bookmark made in the player shows in the report of the case's export."""
    services, analyst = library.services, library.analyst
    case = services.cases.create(analyst, "Report from the player")
    pane = _pane(qtbot, library, pool, analyst)
    pane.set_case(case.case_id)
    first = segments_of(library, "one-by-one-person-detection.mp4")[0]
    _show(qtbot, pane, first)
    pane.player.setPosition(3000)
    qtbot.waitUntil(lambda: pane.player.position() >= 3000, timeout=5_000)
    pane.controls.bookmark_action.trigger()
    qtbot.waitUntil(lambda: pane.bookmarks.dialog is not None, timeout=30_000)
    qtbot.keyClicks(pane.bookmarks.dialog.note_edit, "Man in a grey top crosses the hall")
    with qtbot.waitSignal(pane.bookmark_created, timeout=10_000) as made:
        pane.bookmarks.dialog.ok_button.click()

    dialog = ExportDialog(
        services.exports,
        analyst,
        ExportSelection.of_segments([first]),
        pool,
        reauth=services.reauth,
        renderer=QtPdfReportRenderer(),
        destination=tmp_path,
        cases=services.cases.list_cases(analyst),
        current_case=case.case_id,
    )
    qtbot.addWidget(dialog)
    for kind, check in dialog.type_checks.items():
        check.setChecked(kind in {ExportType.PDF_REPORT, ExportType.JSON_DATA})
    with qtbot.waitSignal(dialog.export_finished, timeout=120_000) as finished:
        dialog.submit()
    package = Path(finished.args[0].path)
    data = json.loads((package / "segments.json").read_text(encoding="utf-8"))
    assert [b["bookmark_id"] for b in data["bookmarks"]] == [str(made.args[0].bookmark_id)]
    tool = shutil.which("pdftotext")
    assert tool is not None
    text = subprocess.run(
        [tool, str(package / "report.pdf"), "-"], check=True, capture_output=True, text=True
    )
    assert "Man in a grey top crosses the hall" in text.stdout
    assert f"Bookmarks of case {case.case_id} (1)" in text.stdout
