"""A corrected recorder clock shown side by side (issue 15 item 3): the library, the player, the anomaly queue and
search hits show the corrected time with the recorder's beside it; the library's dialog sets a video's time."""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from chronotrace_desktop.domain.ingest import IngestOptions, IngestStatus
from chronotrace_desktop.domain.search import SearchHit
from chronotrace_desktop.domain.tasks import Unattended
from chronotrace_desktop.storage.orm import AuditLog
from chronotrace_desktop.ui.dialogs.ingest_dialog import IngestDialog
from chronotrace_desktop.ui.dialogs.video_time_dialog import VideoTimeDialog
from chronotrace_desktop.ui.models.anomaly_model import DETECTED, AnomalyTableModel
from chronotrace_desktop.ui.models.library_model import RECORDED
from chronotrace_desktop.ui.models.search_model import when_text
from chronotrace_desktop.ui.panes.library_pane import LibraryPane
from chronotrace_desktop.ui.panes.player_pane import PlayerPane
from chronotrace_desktop.ui.qt import QPalette
from tests.gui.conftest import VIDEOS_DIR

RECORDER = datetime(2024, 2, 9, 14, 0, 0)
SHOTS = Path(os.environ.get("CHRONOTRACE_SHOTS_DIR", "/tmp/chronotrace-shots"))


@pytest.fixture
def clip(services: Any, admin: Any) -> uuid.UUID:
    """video02.avi whose recorder ran 73 s fast (offset -73 s given at ingest)."""
    options = IngestOptions(camera_id="CAM-CLOCK", recorded_at=RECORDER, clock_offset_s=-73.0)
    (result,) = services.ingest.ingest_paths(admin, [VIDEOS_DIR / "video02.avi"], options, Unattended())
    assert result.status is IngestStatus.COMPLETED, result
    assert result.video_id is not None
    return result.video_id


def _library(qtbot: Any, services: Any, admin: Any, pool: Any, video_id: uuid.UUID) -> LibraryPane:
    pane = LibraryPane(services, admin, pool)
    qtbot.addWidget(pane)
    pane.resize(1100, 300)
    pane.show()
    qtbot.waitUntil(
        lambda: pane.model.cached(video_id) is not None and not pane.model.loading, timeout=10_000
    )
    return pane


def _save(widget: Any, name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / name
    assert widget.grab().save(str(path))
    return path


def test_the_library_shows_both_times_and_its_dialog_sets_the_offset(
    qtbot, qtmodeltester, services, admin, pool, clip
) -> None:
    pane = _library(qtbot, services, admin, pool, clip)
    qtmodeltester.check(pane.model)
    cell = pane.proxy.index(0, RECORDED)
    assert cell.data() == "2024-02-09 13:58:47 (recorder 14:00:00)"
    assert "The recorder's clock said 2024-02-09 14:00:00; corrected by -1 min 13 s (flag)" in cell.data(
        3  # ToolTipRole
    )
    pane.table.resizeColumnsToContents()
    _save(pane, "library-clock-offset.png")

    pane.table.selectRow(0)
    dialog = pane.ask_video_time()
    assert isinstance(dialog, VideoTimeDialog)
    qtbot.addWidget(dialog)
    assert dialog.offset_spin.value() == -73.0
    assert dialog.true_edit.dateTime().toString("yyyy-MM-dd HH:mm:ss") == "2024-02-09 13:58:47"
    dialog.offset_spin.setValue(3600.0)
    assert dialog.true_edit.dateTime().toString("yyyy-MM-dd HH:mm:ss") == "2024-02-09 15:00:00"
    dialog.note_edit.setText("recorder on winter time")
    _save(dialog, "video-time-dialog.png")
    dialog.submit()
    qtbot.waitUntil(
        lambda: pane.proxy.index(0, RECORDED).data() == "2024-02-09 15:00:00 (recorder 14:00:00)",
        timeout=20_000,
    )
    with services.database.transaction() as session:
        rows = session.query(AuditLog).filter(AuditLog.action == "video_time_changed").all()
        assert [r.meta["note"] for r in rows] == ["recorder on winter time"]


def test_the_player_shows_the_recorders_time_beside_the_corrected_one(
    qtbot, services, admin, pool, clip
) -> None:
    pane = PlayerPane(services, admin, pool)
    qtbot.addWidget(pane)
    pane.autoplay = False
    pane.resize(800, 600)
    pane.show()
    first = services.library.segments_of(admin, clip)[0].id
    with qtbot.waitSignal(pane.segment_loaded, timeout=30_000):
        pane.show_segment(first)
    pane.controls.set_time(5.0, pane.detail.recorded_at, pane.detail.recorder_recorded_at)
    assert pane.controls.wall_label.text() == "Recorded 2024-02-09 13:58:52.000 UTC (recorder 14:00:05)"
    _save(pane, "player-clock-offset.png")


@dataclass(frozen=True)
class _Anomaly:
    id: uuid.UUID
    segment_id: uuid.UUID
    video_id: uuid.UUID
    metadata: dict[str, Any]
    type: str
    severity: str
    title: str | None
    camera_id: str | None
    detected_at: datetime
    confidence: float
    status: str


def test_the_anomaly_queue_and_search_hits_show_both(qapp) -> None:
    model = AnomalyTableModel(QPalette())
    ids = (uuid.uuid4(), uuid.uuid4(), uuid.uuid4())
    corrected = _Anomaly(
        *ids, {"clock_offset_s": -73.0}, "after_hours_access", "high", "t", "CAM", datetime(2024, 2, 9, 23, 0, 0),
        0.9, "new",
    )  # fmt: skip
    plain = _Anomaly(*ids, {}, "loitering", "low", "t", "CAM", datetime(2024, 2, 9, 14, 0, 0), 0.5, "new")
    model.set_items([corrected, plain])
    assert model.index(0, DETECTED).data() == "2024-02-09 23:00:00 (recorder 23:01:13)"
    assert model.index(1, DETECTED).data() == "2024-02-09 14:00:00"
    hit = SearchHit(
        segment_id=ids[0], video_id=ids[1], video_filename="v.avi", segment_index=0, start_time=0.0,
        end_time=15.0, recorded_start=datetime(2024, 2, 9, 13, 58, 47), camera_id=None, location=None, score=1.0,
        vector_score=1.0, attribute_score=None, thumbnail_key=None, has_faces=False, privacy_applied=False,
        caption=None, why=(), clock_offset_s=-73.0,
    )  # fmt: skip
    assert when_text(hit) == "2024-02-09 13:58:47 UTC (recorder 14:00:00) (0:00\u20130:15)"
    assert hit.as_json()["recorder_start"] == "2024-02-09T14:00:00Z"


def test_the_ingest_dialog_takes_a_clock_offset(qtbot) -> None:
    dialog = IngestDialog([VIDEOS_DIR / "video02.avi"])
    qtbot.addWidget(dialog)
    dialog.show()
    assert not dialog.offset_spin.isEnabled()
    dialog.recorded_check.setChecked(True)
    dialog.offset_check.setChecked(True)
    dialog.offset_spin.setValue(-73.0)
    _save(dialog, "ingest-dialog-offset.png")
    dialog.submit()
    assert dialog.options is not None
    assert dialog.options.clock_offset_s == -73.0
