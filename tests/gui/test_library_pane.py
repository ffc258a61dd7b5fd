"""The library pane over an ingested installation: lazy model, filter, live progress, drop, roles, delete."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from chronotrace_desktop.domain.errors import PermissionDeniedError
from chronotrace_desktop.domain.ingest import (
    IngestOptions,
    IngestProgress,
    IngestResult,
    IngestStage,
    IngestStatus,
)
from chronotrace_desktop.domain.search import SegmentQuery
from chronotrace_desktop.domain.tasks import Unattended
from chronotrace_desktop.storage.orm import AuditLog
from chronotrace_desktop.ui.dialogs.ingest_dialog import IngestDialog
from chronotrace_desktop.ui.models.ingest_model import IngestQueueModel
from chronotrace_desktop.ui.models.library_model import FILE, STATUS, ProgressRole
from chronotrace_desktop.ui.panes.library_pane import LibraryPane
from chronotrace_desktop.ui.qt import QDropEvent, QMimeData, QPointF, Qt, QUrl
from tests.gui.conftest import CLIPS, VIDEOS_DIR


def _pane(qtbot, library, pool, actor) -> LibraryPane:
    pane = LibraryPane(library.services, actor, pool)
    qtbot.addWidget(pane)
    pane.resize(1000, 500)
    pane.show()
    qtbot.waitUntil(lambda: pane.proxy.rowCount() == len(CLIPS) and not pane.model.loading, timeout=10_000)
    qtbot.waitUntil(lambda: all(pane.model.cached(v) for v in library.video_ids.values()), timeout=10_000)
    return pane


def test_lists_videos_with_their_details(qtbot, qtmodeltester, library, pool) -> None:
    pane = _pane(qtbot, library, pool, library.admin)
    qtmodeltester.check(pane.model)
    qtmodeltester.check(pane.proxy)
    names = {pane.proxy.index(r, FILE).data() for r in range(pane.proxy.rowCount())}
    assert names == set(CLIPS)
    row = pane.model.cached(library.video_ids["car-detection.mp4"])
    assert row is not None
    assert row.status == "completed"
    assert row.segment_count == 2
    assert row.camera_id == "CAM-07"
    assert row.resolution == "768x432"
    faces = pane.model.cached(library.video_ids["face-demographics-walking.gif"])
    assert faces is not None
    assert faces.face_segments >= 1
    assert pane.summary_label.text() == f"{len(CLIPS)} videos"


def test_filter_and_sort(qtbot, library, pool) -> None:
    pane = _pane(qtbot, library, pool, library.admin)
    pane.filter_edit.setText("video02")
    assert pane.proxy.rowCount() == 1
    assert pane.proxy.index(0, FILE).data() == "video02.avi"
    pane.filter_edit.clear()
    pane.status_combo.setCurrentIndex(pane.status_combo.findData("failed"))
    assert pane.proxy.rowCount() == 0
    pane.status_combo.setCurrentIndex(0)
    pane.table.sortByColumn(FILE, Qt.SortOrder.AscendingOrder)
    assert [pane.proxy.index(r, FILE).data() for r in range(len(CLIPS))] == sorted(CLIPS)


def test_live_progress_shows_in_the_status_cell(qtbot, library, pool) -> None:
    pane = _pane(qtbot, library, pool, library.admin)
    video_id = library.video_ids["video02.avi"]
    source_row = pane.model.row_of(video_id)
    row = pane.model.cached(video_id)
    # What the ingest panel forwards while that file is processed:
    pane.model._rows[video_id] = dataclasses.replace(row, status="processing")
    pane.model.set_progress(row.original_path, IngestStage.SEGMENTS, 1, 2)
    index = pane.model.index(source_row, STATUS)
    assert index.data() == "processing 1/2"
    assert index.data(ProgressRole) == pytest.approx(0.5)
    pane.model.clear_progress(row.original_path)
    qtbot.waitUntil(lambda: pane.model.index(source_row, STATUS).data() == "completed", timeout=5_000)


def test_ingest_queue_model(qtmodeltester, qapp) -> None:
    model = IngestQueueModel(qapp.palette())
    first, second = Path("/data/a.mp4"), Path("/data/b.mp4")
    model.add_queued([first, second])
    model.apply_progress(IngestProgress(1, 2, first, IngestStage.SEGMENTS, 1, 4))
    model.apply_result(IngestResult(second, IngestStatus.FAILED, error="not a video file"))
    qtmodeltester.check(model)
    assert model.index(0, 1).data() == "1/4 segments"
    assert model.index(1, 2).data() == "failed: not a video file"
    fraction, finished, total = model.overall()
    assert (finished, total) == (1, 2)
    assert fraction == pytest.approx((0.25 + 1.0) / 2)
    assert [r.path for r in model.failures()] == [second]


def test_dropping_files_opens_the_ingest_dialog(qtbot, library, pool) -> None:
    pane = _pane(qtbot, library, pool, library.analyst)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile("/work/shared/data/videos/car-detection.mp4")])
    drop = QDropEvent(
        QPointF(10, 10),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    pane.dropEvent(drop)
    dialogs = pane.findChildren(IngestDialog)
    assert len(dialogs) == 1
    dialog = dialogs[0]
    assert [p.name for p in dialog.paths] == ["car-detection.mp4"]
    dialog.camera_edit.setEditText("bad camera id!")
    dialog.submit()
    assert dialog.isVisible()
    assert "camera id" in dialog.error_label.text()
    dialog.reject()


def test_viewer_cannot_add_or_delete(qtbot, library, pool) -> None:
    pane = _pane(qtbot, library, pool, library.viewer)
    assert not pane.can_ingest
    assert not pane.can_delete
    assert not pane.add_button.isVisibleTo(pane)
    assert not pane.delete_button.isVisibleTo(pane)
    assert not pane.acceptDrops()
    with pytest.raises(PermissionDeniedError):
        library.services.library.delete_video(library.viewer, library.video_ids["video02.avi"])


def test_delete_is_audited_and_the_video_leaves_search(qtbot, library, pool, services, admin) -> None:
    """On a fresh installation (the shared library must keep its videos): ingest one clip, delete it."""
    [result] = services.ingest.ingest_paths(
        admin, [VIDEOS_DIR / "face-demographics-walking.gif"], IngestOptions(), Unattended()
    )
    pane = LibraryPane(services, admin, pool)
    qtbot.addWidget(pane)
    pane.show()
    qtbot.waitUntil(lambda: pane.proxy.rowCount() == 1, timeout=10_000)
    pane.table.selectRow(0)
    assert pane.selected_ids() == [result.video_id]
    box = pane.delete_selected()
    assert box is not None
    assert "Delete 1 video" in box.text()
    box.close()
    with qtbot.waitSignal(pane.video_deleted, timeout=10_000):
        pane.delete_videos([result.video_id])
    qtbot.waitUntil(lambda: pane.proxy.rowCount() == 0, timeout=10_000)
    assert pane.empty_label.isVisible()

    with services.database.transaction() as session:
        rows = session.query(AuditLog).filter_by(action="video_deleted", resource_id=result.video_id).all()
        assert len(rows) == 1
        assert rows[0].user_id == admin.user_id
    hits = services.search.search(admin, SegmentQuery(text="people walking")).hits
    assert all(hit.video_id != result.video_id for hit in hits)
    assert services.vectors.count() == 0
