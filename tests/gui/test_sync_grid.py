"""Issue 16 item 4: four cameras in a grid, locked to one wall-clock time (SyncGrid).

One installation (module-scoped) with four cameras of overlapping dated footage (T0 = 14:32:00):
CAM-1 bottle-detection.mp4 from T0 (40 s, three segments); CAM-2 car-detection.mp4 from T0+5; CAM-3
video02.avi whose recorder said T0+63, corrected by -60 s to T0+3; CAM-4 classroom.gif T0+20 to T0+23 only.
"""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from chronotrace_desktop.config import load_settings, resolve_paths
from chronotrace_desktop.domain.ingest import IngestOptions, IngestStatus
from chronotrace_desktop.domain.playback import SYNC_TOLERANCE_S, FootageAt, NoFootage, frame_seconds
from chronotrace_desktop.domain.roles import Role
from chronotrace_desktop.domain.tasks import Unattended
from chronotrace_desktop.domain.users import Actor
from chronotrace_desktop.services.app import AppServices, open_app
from chronotrace_desktop.storage.orm import AuditLog
from chronotrace_desktop.ui.panes.sync_grid import SyncCell, SyncGrid
from chronotrace_desktop.ui.qt import Qt
from chronotrace_desktop.ui.qt_media import QMediaPlayer
from tests.gui.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, VIDEOS_DIR, _ingest_like_the_app

T0 = datetime(2024, 3, 1, 14, 32, 0)
CAMERAS = ("CAM-1", "CAM-2", "CAM-3", "CAM-4")
FOOTAGE = (  # clip, camera, the recorder's start, its clock offset
    ("bottle-detection.mp4", "CAM-1", T0, None),
    ("car-detection.mp4", "CAM-2", T0 + timedelta(seconds=5), None),
    ("video02.avi", "CAM-3", T0 + timedelta(seconds=63), -60.0),
    ("classroom.gif", "CAM-4", T0 + timedelta(seconds=20), None),
)
ANALYST_EMAIL = "grid.analyst@agency.example"
VIEWER_EMAIL = "grid.viewer@agency.example"
JUSTIFICATION = "CASE-2024-0201: identify the driver leaving the car park at 14:32"


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


@dataclass(frozen=True)
class Cameras:
    services: AppServices
    analyst: Actor
    viewer: Actor


@pytest.fixture(scope="module")
def cameras(installations_dir: Path) -> Iterator[Cameras]:
    """The four cameras' footage ingested (tests/conftest.py set the test environment), rendered redacted."""
    paths = resolve_paths(Path(tempfile.mkdtemp(prefix="grid-", dir=installations_dir)))
    opened = open_app(load_settings(paths), paths)
    try:
        opened.installation.create_first_admin(ADMIN_EMAIL, ADMIN_PASSWORD, "Ada Admin")
        admin = opened.auth.login(ADMIN_EMAIL, ADMIN_PASSWORD)
        opened.users.add_user(admin, ANALYST_EMAIL, Role.ANALYST, ADMIN_PASSWORD)
        opened.users.add_user(admin, VIEWER_EMAIL, Role.VIEWER, ADMIN_PASSWORD)
        for clip, camera, start, offset in FOOTAGE:
            options = IngestOptions(camera_id=camera, recorded_at=start, clock_offset_s=offset)
            (result,) = _ingest_like_the_app(opened, admin, [VIDEOS_DIR / clip], options)
            assert result.status is IngestStatus.COMPLETED, result
        opened.media.prerender(admin, Unattended())  # as an analyst's workstation does after an ingest
        analyst = opened.auth.login(ANALYST_EMAIL, ADMIN_PASSWORD)
        yield Cameras(opened, analyst, opened.auth.login(VIEWER_EMAIL, ADMIN_PASSWORD))
    finally:
        opened.close()


def _grid(qtbot, cameras: Cameras, pool, actor: Actor, start: datetime) -> SyncGrid:
    grid = SyncGrid(cameras.services, actor, pool)
    qtbot.addWidget(grid)
    grid.resize(1100, 760)
    grid.show()
    with qtbot.waitSignal(grid.cameras_opened, timeout=30_000):
        grid.open_cameras(CAMERAS, at=start)
    return grid


def _cell(grid: SyncGrid, camera_id: str) -> SyncCell:
    (cell,) = [c for c in grid.cells if c.camera_id == camera_id]
    return cell


def _footage_cells(grid: SyncGrid) -> list[SyncCell]:
    return [c for c in grid.cells if isinstance(c.moment, FootageAt)]


def _all_ready(grid: SyncGrid) -> bool:
    return bool(grid.cells) and all(c.ready for c in grid.cells)


def _in_sync(grid: SyncGrid, tolerance_s: float = SYNC_TOLERANCE_S) -> bool:
    master = grid.wall_time
    shown = [c.wall_time() for c in _footage_cells(grid)]
    return all(s is not None and abs((s - master).total_seconds()) <= tolerance_s for s in shown)


def _redacted(cameras: Cameras, actor: Actor, cell: SyncCell) -> Path:
    assert isinstance(cell.moment, FootageAt)
    return cameras.services.media.redacted_clip(actor, cell.moment.segment_id)


def test_four_cameras_play_in_sync_and_the_transport_acts_on_all(qtbot, cameras, pool) -> None:
    grid = _grid(qtbot, cameras, pool, cameras.viewer, at(6))
    with_footage = ("CAM-1", "CAM-2", "CAM-3")
    qtbot.waitUntil(lambda: _all_ready(grid), timeout=60_000)
    assert grid.span is not None
    assert grid.span.start == T0
    assert grid.wall_time == at(6)
    for camera_id in with_footage:  # every cell plays its redacted rendition
        cell = _cell(grid, camera_id)
        assert cell.source() == _redacted(cameras, cameras.viewer, cell)
        assert cell.badge_label.text() == "REDACTED"
        assert not cell.reveal_action.isVisible()  # a viewer may not reveal
    cam3 = _cell(grid, "CAM-3")
    assert "(recorder 14:33:06)" in cam3.time_label.text()  # the recorder's own clock beside the true time
    assert _cell(grid, "CAM-2").time_label.text().startswith("14:32:06.000")
    empty = _cell(grid, "CAM-4")
    assert isinstance(empty.moment, NoFootage)
    assert empty.stack.currentWidget() is empty.card
    assert empty.card.text() == "No footage at 14:32:06 — next at 14:32:20"
    assert empty.source() is None

    times: list[datetime] = []
    grid.time_changed.connect(times.append)
    grid.play()
    qtbot.waitUntil(lambda: grid.wall_time >= at(8), timeout=10_000)
    qtbot.waitUntil(lambda: _in_sync(grid), timeout=10_000)
    playing = QMediaPlayer.PlaybackState.PlayingState
    assert all(c.player.playbackState() == playing for c in _footage_cells(grid))
    assert times
    assert times[-1] > at(6)

    grid.pause()
    assert grid.clock.rate == 0
    assert all(c.player.playbackState() != playing for c in _footage_cells(grid))
    paused_at = grid.wall_time
    qtbot.waitUntil(lambda: _in_sync(grid, 0.002), timeout=5_000)
    grid.step(1)
    frame = frame_seconds([c.moment.fps for c in _footage_cells(grid)])  # type: ignore[union-attr]
    assert grid.wall_time == paused_at + timedelta(seconds=frame)
    qtbot.waitUntil(lambda: _in_sync(grid, 0.002), timeout=5_000)
    grid.step(-3)
    assert grid.wall_time == paused_at - timedelta(seconds=2 * frame)
    qtbot.waitUntil(lambda: _in_sync(grid, 0.002), timeout=5_000)

    # The slider moves every camera: at T0+21 the fourth camera has footage, the others play on.
    slider = grid.transport.slider
    slider.sliderMoved.emit(round(21 / 0.1))
    assert grid.wall_time == at(21)
    qtbot.waitUntil(lambda: _all_ready(grid), timeout=60_000)
    qtbot.waitUntil(lambda: _in_sync(grid, 0.002), timeout=5_000)
    assert empty.stack.currentWidget() is empty.view
    assert empty.source() == _redacted(cameras, cameras.viewer, empty)
    assert slider.value() == 210

    # Keys act on the grid: Space plays and pauses, L doubles, K pauses, J plays backwards, ',' steps.
    grid.setFocus()
    qtbot.keyClick(grid, Qt.Key.Key_Space)
    assert grid.clock.rate == 1.0
    qtbot.keyClick(grid, Qt.Key.Key_L)
    qtbot.keyClick(grid, Qt.Key.Key_L)
    assert grid.clock.rate == 2.0
    qtbot.keyClick(grid, Qt.Key.Key_K)
    assert grid.clock.rate == 0.0
    before = grid.wall_time
    qtbot.keyClick(grid, Qt.Key.Key_J)
    assert grid.clock.rate == -1.0
    qtbot.waitUntil(lambda: grid.wall_time < before - timedelta(seconds=0.3), timeout=5_000)
    qtbot.keyClick(grid, Qt.Key.Key_Space)
    assert grid.clock.rate == 0.0
    paused_at = grid.wall_time
    qtbot.keyClick(grid, Qt.Key.Key_Comma)
    assert grid.wall_time < paused_at
    grid.stop()
    assert grid.cells == []


def test_a_cell_moves_to_the_next_segment_at_its_end(qtbot, cameras, pool) -> None:
    grid = SyncGrid(cameras.services, cameras.viewer, pool)
    qtbot.addWidget(grid)
    with qtbot.waitSignal(grid.cameras_opened, timeout=30_000):
        grid.open_cameras(["CAM-1", "CAM-2"])
        grid.set_time(at(13.5))  # while opening: they open there
    assert len(grid.cells) == 2
    assert grid.wall_time == at(13.5)
    cam1 = _cell(grid, "CAM-1")
    qtbot.waitUntil(lambda: cam1.wall_time() is not None, timeout=60_000)
    assert isinstance(cam1.moment, FootageAt)
    first = cam1.moment.segment_id
    assert cam1.moment.segment_index == 0
    grid.play()
    qtbot.waitUntil(lambda: grid.wall_time >= at(16.5), timeout=10_000)
    qtbot.waitUntil(lambda: _in_sync(grid), timeout=20_000)
    assert isinstance(cam1.moment, FootageAt)
    assert cam1.moment.segment_index == 1
    assert cam1.moment.segment_id != first
    assert cam1.source() == _redacted(cameras, cameras.viewer, cam1)
    grid.stop()


def test_a_reveal_shows_one_cells_original_only_and_stop_ends_it(qtbot, cameras, pool, monkeypatch) -> None:
    evicted: list[str] = []  # the workstation store keeps originals; a shared one evicts what this asks
    monkeypatch.setattr(cameras.services.blobs, "evict", evicted.append)
    grid = _grid(qtbot, cameras, pool, cameras.analyst, at(7))
    qtbot.waitUntil(lambda: _all_ready(grid), timeout=60_000)
    car = _cell(grid, "CAM-2")
    assert car.reveal_action.isVisible()
    assert not _cell(grid, "CAM-4").reveal_action.isVisible()  # nothing to reveal without footage
    dialog = car.ask_reveal()
    assert dialog is not None
    dialog.justification_edit.setPlainText(JUSTIFICATION)
    qtbot.keyClicks(dialog.password_edit, ADMIN_PASSWORD)
    with qtbot.waitSignal(car.revealed, timeout=20_000):
        dialog.reveal_button.click()
    assert car.showing_original
    assert car.badge_label.text() == "ORIGINAL — faces visible"
    assert car.redacted_action.isVisible()
    original = car.source()
    assert original is not None
    assert original != _redacted(cameras, cameras.analyst, car)
    assert "/segments/" in original.as_posix()
    for other in ("CAM-1", "CAM-3"):  # the other cells stay redacted
        cell = _cell(grid, other)
        assert not cell.showing_original
        assert cell.source() == _redacted(cameras, cameras.analyst, cell)
        assert cell.badge_label.text() == "REDACTED"
    qtbot.waitUntil(lambda: car.wall_time() is not None, timeout=10_000)
    qtbot.waitUntil(lambda: _in_sync(grid, 0.002), timeout=5_000)  # the original's pre-roll is skipped
    assert isinstance(car.moment, FootageAt)
    segment: uuid.UUID = car.moment.segment_id
    with cameras.services.database.transaction() as session:
        rows = session.query(AuditLog).filter_by(action="pii_reveal", resource_id=segment).all()
    assert [(r.user_id, r.justification, r.success) for r in rows] == [
        (cameras.analyst.user_id, JUSTIFICATION, True)
    ]

    # The reveal lasts while the original is shown: back to redacted on request, ...
    assert evicted == []
    key = cameras.services.blobs.key_of(original)
    car.redacted_action.trigger()
    assert evicted == [key]
    assert not car.showing_original
    assert car.source() == _redacted(cameras, cameras.analyst, car)
    assert car.badge_label.text() == "REDACTED"
    # ... when the cell moves on to another segment (the clock reaches CAM-2's second one at T0+20), ...
    with qtbot.waitSignal(car.revealed, timeout=20_000):
        car.reveal(JUSTIFICATION, ADMIN_PASSWORD)
    grid.set_time(at(21))
    qtbot.waitUntil(lambda: _all_ready(grid), timeout=60_000)
    assert evicted == [key, key]
    assert not car.showing_original
    assert car.source() == _redacted(cameras, cameras.analyst, car)
    # ... and when the grid stops.
    with qtbot.waitSignal(car.revealed, timeout=20_000):
        car.reveal(JUSTIFICATION, ADMIN_PASSWORD)
    second = car.source()
    assert second is not None
    assert second != original
    grid.stop()
    assert evicted == [key, key, cameras.services.blobs.key_of(second)]
    assert car.source() is None
    with cameras.services.database.transaction() as session:
        count = (
            session.query(AuditLog).filter_by(action="pii_reveal", user_id=cameras.analyst.user_id).count()
        )
    assert count == 3  # each reveal is on the record


def test_in_a_case_only_its_videos_play(qtbot, cameras, pool) -> None:
    services = cameras.services
    case = services.cases.create(cameras.analyst, "Car park, 1 March")
    (car_video,) = services.playback.footage_at(cameras.analyst, ["CAM-2"], at(6))
    assert isinstance(car_video, FootageAt)
    services.cases.add_videos(cameras.analyst, case.case_id, [car_video.video_id])
    grid = SyncGrid(services, cameras.viewer, pool)
    qtbot.addWidget(grid)
    with qtbot.waitSignal(grid.cameras_opened, timeout=30_000):
        grid.open_cameras(["CAM-1", "CAM-2"], case_id=case.case_id)
    qtbot.waitUntil(lambda: _all_ready(grid), timeout=60_000)
    assert grid.span is not None
    assert grid.span.start == at(5)  # the case's footage only
    outside = _cell(grid, "CAM-1")
    assert outside.card.text() == "No footage at 14:32:05 — this camera has none in this case"
    assert outside.source() is None
    assert _cell(grid, "CAM-2").source() == _redacted(cameras, cameras.viewer, _cell(grid, "CAM-2"))
    grid.stop()
