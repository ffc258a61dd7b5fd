"""Two to four cameras in a grid, locked to one wall-clock time.

A master clock (``domain.playback.MasterClock``: the wall time as a function of ``time.monotonic()``) drives
every cell: while it runs, a timer ticks every ``TICK_MS`` and hands each cell the clock's time and rate; each
cell keeps its picture within ``SYNC_TOLERANCE_S`` of the clock (120 ms: about one frame of a 10 fps
recorder, three at 25 fps; see ``cell``). Play/pause (Space), J/K/L (each J or L doubles the speed in its
direction up to 8x, as the player does; K pauses), frame steps (``,`` and ``.``: one frame of the fastest
camera shown) and the slider (over the cameras' common span) act on all of them. The clock stops at the
span's ends.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime
from typing import TYPE_CHECKING

from chronotrace_desktop.domain.playback import FootageAt, MasterClock, frame_seconds
from chronotrace_desktop.ui.panes import PANE_MIN_HEIGHT, PANE_MIN_WIDTH
from chronotrace_desktop.ui.panes.player_controls import Shuttle
from chronotrace_desktop.ui.panes.sync_grid.cell import SyncCell
from chronotrace_desktop.ui.panes.sync_grid.transport import SyncTransport
from chronotrace_desktop.ui.qt import QGridLayout, QLabel, QPalette, Qt, QTimer, QVBoxLayout, QWidget, Signal
from chronotrace_desktop.ui.tasks import LatestTask

if TYPE_CHECKING:
    from collections.abc import Sequence

    from chronotrace_desktop.domain.playback import CameraFootage, WallSpan
    from chronotrace_desktop.domain.users import Actor
    from chronotrace_desktop.services.app import AppServices
    from chronotrace_desktop.workers.base import WorkerPool
    from chronotrace_desktop.workers.task_state import TaskState

logger = logging.getLogger(__name__)

MAX_CELLS = 4
TICK_MS = 40


def _cameras(
    state: TaskState,
    services: AppServices,
    actor: Actor,
    camera_ids: list[str],
    case_id: str | None,
) -> tuple[list[CameraFootage], WallSpan | None]:
    cameras = services.playback.cameras(actor, case_id)
    state.check_cancelled()
    return cameras, services.playback.common_span(actor, camera_ids, case_id)


class SyncGrid(QWidget):
    time_changed = Signal(object)  # datetime: the master clock's wall time
    cameras_opened = Signal()  # the span is known and every cell was sent to the first time

    def __init__(
        self, services: AppServices, actor: Actor, pool: WorkerPool, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setMinimumSize(PANE_MIN_WIDTH, PANE_MIN_HEIGHT)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self._services = services
        self._actor = actor
        self._pool = pool
        self._open_task = LatestTask(pool)
        self.clock = MasterClock(datetime(1970, 1, 1), time.monotonic())
        self.shuttle = Shuttle()
        self.span: WallSpan | None = None
        self.cells: list[SyncCell] = []
        self._case_id: str | None = None
        self._start_at: datetime | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self._tick)

        self.hint_label = QLabel("Choose two to four cameras to play them side by side at one time.")
        self.hint_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.hint_label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self._cells_layout = QGridLayout()
        self._cells_layout.setSpacing(4)
        self.transport = SyncTransport(self)
        t = self.transport
        t.play_action.triggered.connect(self.toggle_play)
        t.k_action.triggered.connect(self.pause)
        t.j_action.triggered.connect(self.shuttle_reverse)
        t.l_action.triggered.connect(self.shuttle_forward)
        t.back_action.triggered.connect(lambda: self.step(-1))
        t.forward_action.triggered.connect(lambda: self.step(1))
        t.slider.sliderMoved.connect(self._on_slider)
        t.setEnabled(False)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.hint_label, 1)
        layout.addLayout(self._cells_layout, 1)
        layout.addWidget(t)

    # ------------------------------------------------------------------ public API
    def open_cameras(
        self, camera_ids: Sequence[str], at: datetime | None = None, case_id: str | None = None
    ) -> None:
        """Show these cameras (up to four) from ``at`` (default: the start of their footage), paused."""
        wanted = list(dict.fromkeys(camera_ids))
        if not wanted or len(wanted) > MAX_CELLS:
            raise ValueError(f"a grid shows 1 to {MAX_CELLS} cameras, not {len(wanted)}")
        self.stop()
        self._case_id = case_id
        self._start_at = at
        columns = 1 if len(wanted) == 1 else 2
        rows = (len(wanted) + columns - 1) // columns
        for index in range(2):  # cells of one size, whatever their headers hold; no empty row
            self._cells_layout.setRowStretch(index, 1 if index < rows else 0)
            self._cells_layout.setColumnStretch(index, 1 if index < columns else 0)
        for index, camera_id in enumerate(wanted):
            cell = SyncCell(self._services, self._actor, self._pool, camera_id, case_id, self)
            self._cells_layout.addWidget(cell, index // columns, index % columns)
            self.cells.append(cell)
        self.hint_label.hide()
        self._open_task.start(
            _cameras,
            self._services,
            self._actor,
            wanted,
            case_id,
            on_returned=self._on_opened,
            error_parent=self,
            name="grid cameras",
        )

    def set_time(self, wall_time: datetime) -> None:
        """Move every camera to ``wall_time`` (kept within the span); playing goes on from there. While the
        cameras are still opening, they open there."""
        if self.span is not None:
            wall_time = self.span.clamp(wall_time)
        elif self._open_task.busy:
            self._start_at = wall_time
            return
        self.clock.set_time(wall_time, time.monotonic())
        self._publish(seek=True)

    @property
    def wall_time(self) -> datetime:
        return self.clock.at(time.monotonic())

    def stop(self) -> None:
        """Stop the clock and every player; reveals end; the cells are released."""
        self._timer.stop()
        self._open_task.cancel()
        self.clock.set_rate(0.0, time.monotonic())
        self.shuttle.reset()
        for cell in self.cells:
            cell.stop()
            self._cells_layout.removeWidget(cell)
            cell.deleteLater()
        self.cells = []
        self.span = None
        self.transport.set_span(None)
        self.transport.setEnabled(False)
        self.hint_label.show()

    # ------------------------------------------------------------------ transport
    def play(self, rate: float = 1.0) -> None:
        self._run(rate)

    def pause(self) -> None:
        self.shuttle.reset()
        self._run(0.0)

    def toggle_play(self) -> None:
        self.shuttle.reset()
        self._run(0.0 if self.clock.running else 1.0)

    def shuttle_forward(self) -> None:
        self._run(self.shuttle.forward())

    def shuttle_reverse(self) -> None:
        self._run(self.shuttle.reverse())

    def step(self, frames: int) -> None:
        """Pause every camera and move them ``frames`` frames (negative: back)."""
        self.shuttle.reset()
        self._timer.stop()
        fps = [c.moment.fps for c in self.cells if isinstance(c.moment, FootageAt)]
        self.clock.step(frames * frame_seconds(fps), time.monotonic())
        self.set_time(self.wall_time)

    def _run(self, rate: float) -> None:
        if self.span is None:
            return
        now = time.monotonic()
        wall = self.clock.at(now)
        if rate > 0 and wall >= self.span.end:  # at the end: play from the start again
            self.clock.set_time(self.span.start, now)
        self.clock.set_rate(rate, now)
        if rate:
            self._timer.start()
        else:
            self._timer.stop()
        self._publish(seek=True)

    def _tick(self) -> None:
        span = self.span
        wall = self.wall_time
        if span is not None and not span.start <= wall < span.end:
            self.clock.set_rate(0.0, time.monotonic())
            self.clock.set_time(span.clamp(wall), time.monotonic())
            self.shuttle.reset()
            self._timer.stop()
        self._publish(seek=False)

    def _publish(self, *, seek: bool) -> None:
        wall, rate = self.wall_time, self.clock.rate
        for cell in self.cells:
            cell.follow(wall, rate, seek=seek)
        self.transport.show_time(wall, rate)
        self.time_changed.emit(wall)

    def _on_slider(self, value: int) -> None:
        wall = self.transport.time_at(value)
        if wall is not None:
            self.set_time(wall)

    def _on_opened(self, result: tuple[list[CameraFootage], WallSpan | None]) -> None:
        cameras, span = result
        known = {c.camera_id: c for c in cameras}
        for cell in self.cells:
            camera = known.get(cell.camera_id)
            cell.set_title(camera.label if camera is not None else cell.camera_id)
        self.span = span
        self.transport.set_span(span)
        self.transport.setEnabled(span is not None)
        if span is None:
            for cell in self.cells:
                cell.card.setText(
                    "No dated footage from this camera" + (" in this case" if self._case_id else "")
                )
        else:
            self.set_time(self._start_at or span.start)
        self.cameras_opened.emit()
