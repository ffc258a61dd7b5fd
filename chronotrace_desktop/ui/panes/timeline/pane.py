"""The timeline pane: a toolbar (zoom, fit, what is shown, videos that cannot be placed), the lanes, their
scroll bar, and the background fetching that keeps the visible tiles in the cache.

Lazy: after the view settles (:data:`DEBOUNCE_MS`), the tiles of the current zoom level covering the view
plus one view's width each side are fetched one at a time on the worker pool (visible ones first), and kept
per zoom level (``tiles.TileCache``); painting only reads the cache, showing a coarser level's tile where this
level's has not arrived yet.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import TYPE_CHECKING

from chronotrace_desktop.domain.timeline import from_seconds, tiles_for, to_seconds
from chronotrace_desktop.ui.panes import PANE_MIN_HEIGHT, PANE_MIN_WIDTH
from chronotrace_desktop.ui.panes.timeline.canvas import Hit, TimelineCanvas
from chronotrace_desktop.ui.panes.timeline.paint import AXIS_H
from chronotrace_desktop.ui.panes.timeline.tiles import Tile, TileCache, fetch_tile
from chronotrace_desktop.ui.qt import (
    QHBoxLayout,
    QLabel,
    QMenu,
    QScrollBar,
    Qt,
    QTimer,
    QToolButton,
    QVBoxLayout,
    QWidget,
    Signal,
    isValid,
)
from chronotrace_desktop.ui.tasks import LatestTask

if TYPE_CHECKING:
    import uuid
    from collections.abc import Sequence

    from chronotrace_desktop.domain.search import SearchHit
    from chronotrace_desktop.domain.timeline import TimelineExtent
    from chronotrace_desktop.domain.users import Actor
    from chronotrace_desktop.services.app import AppServices
    from chronotrace_desktop.ui.qt import QPoint
    from chronotrace_desktop.workers.base import WorkerPool
    from chronotrace_desktop.workers.task_state import TaskState

logger = logging.getLogger(__name__)

DEBOUNCE_MS = 60
ZOOM_STEP = 2.0


def _extent(state: TaskState, services: AppServices, actor: Actor, case_id: str | None) -> TimelineExtent:
    return services.timeline.extent(actor, case_id)


def _range_segments(
    state: TaskState,
    services: AppServices,
    actor: Actor,
    case_id: str | None,
    cameras: list[str | None],
    t0: float,
    t1: float,
) -> list[uuid.UUID]:
    out: list[uuid.UUID] = []
    for camera in cameras:
        state.check_cancelled()
        out += services.timeline.segments_between(actor, camera, from_seconds(t0), from_seconds(t1), case_id)
    return out


def _cancel(tasks: Sequence[LatestTask]) -> None:
    """When the pane goes: nothing more arrives from its tasks."""
    for task in tasks:
        task.cancel()


def _span_words(seconds: float) -> str:
    for unit, size in (("days", 86400), ("hours", 3600), ("minutes", 60)):
        if seconds >= 2 * size:
            return f"{seconds / size:.0f} {unit}"
    return f"{seconds:.0f} seconds"


def _button(text: str, tip: str) -> QToolButton:
    button = QToolButton()
    button.setText(text)
    button.setToolTip(tip)
    button.setAutoRaise(True)
    return button


class TimelinePane(QWidget):
    play_requested = Signal(object, float)  # segment id, seconds into the segment
    export_requested = Signal(list)  # segment ids of a selected range
    bookmark_activated = Signal(object)  # bookmark id
    extent_loaded = Signal()
    tile_loaded = Signal()

    def __init__(
        self, services: AppServices, actor: Actor, pool: WorkerPool, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setMinimumSize(PANE_MIN_WIDTH, PANE_MIN_HEIGHT)
        self._services = services
        self._actor = actor
        self._extent_task = LatestTask(pool)
        self._tile_task = LatestTask(pool)
        self._export_task = LatestTask(pool)
        self._loading: tuple[str | None, int, int] | None = None
        self._fitted = False
        self.extent: TimelineExtent | None = None
        self.cache = TileCache()
        self._video_rows: dict[int, int] = {}  # a video's row in its lane, by its uuid as an int
        self._lane_rows: dict[str | None, int] = {}
        self.canvas = TimelineCanvas(self.cache)

        self.zoom_out_button = _button("\N{MINUS SIGN}", "Zoom out (minus key, or the wheel)")
        self.zoom_in_button = _button("+", "Zoom in (plus key, or the wheel over a moment)")
        self.fit_button = _button("Fit", "Show all footage (F)")
        self.span_label = QLabel()
        self.status_label = QLabel()
        self.status_label.setWordWrap(True)
        self.zoom_out_button.clicked.connect(lambda: self.canvas.zoom(1 / ZOOM_STEP))
        self.zoom_in_button.clicked.connect(lambda: self.canvas.zoom(ZOOM_STEP))
        self.fit_button.clicked.connect(self.canvas.fit)
        self.scroll_bar = QScrollBar(Qt.Orientation.Vertical)
        self.scroll_bar.valueChanged.connect(self.canvas.set_offset)

        bar = QHBoxLayout()
        for widget in (self.zoom_out_button, self.zoom_in_button, self.fit_button, self.span_label):
            bar.addWidget(widget)
        bar.addWidget(self.status_label, 1, Qt.AlignmentFlag.AlignRight)
        body = QHBoxLayout()
        body.setSpacing(0)
        body.addWidget(self.canvas, 1)
        body.addWidget(self.scroll_bar)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(bar)
        layout.addLayout(body, 1)

        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(DEBOUNCE_MS)
        self._debounce.timeout.connect(self._load_tiles)
        self.canvas.view_changed.connect(self._view_changed)
        self.canvas.clicked.connect(self._clicked)
        self.canvas.context_requested.connect(self._context_menu)
        tasks = (self._extent_task, self._tile_task, self._export_task)
        self.destroyed.connect(lambda: _cancel(tasks))
        self.refresh()

    # ------------------------------------------------------------------ public
    @property
    def case_id(self) -> str | None:
        return self.canvas.case_id

    @property
    def loading(self) -> bool:
        return self._extent_task.busy or self._tile_task.busy

    def set_case(self, case_id: str | None) -> None:
        self.canvas.case_id = case_id
        self._fitted = False
        self.refresh()

    def set_highlight(self, hits: Sequence[SearchHit]) -> None:
        spans: dict[str | None, list[tuple[float, float, object]]] = {}
        for hit in hits:
            if hit.recorded_start is None:
                continue
            t0 = to_seconds(hit.recorded_start)
            spans.setdefault(hit.camera_id, []).append(
                (t0, t0 + hit.end_time - hit.start_time, hit.segment_id)
            )
        self.canvas.hits = spans
        self.canvas.update()

    def refresh(self) -> None:
        self.cache.clear()
        self._video_rows.clear()
        self._lane_rows.clear()
        self._loading = None
        self._tile_task.cancel()
        self._extent_task.start(
            _extent,
            self._services,
            self._actor,
            self.case_id,
            on_returned=self._extent_arrived,
            error_parent=self,
            name="timeline-extent",
        )

    # ------------------------------------------------------------------ loading
    def _extent_arrived(self, extent: TimelineExtent) -> None:
        if not isValid(self.canvas):  # the pane closed while the extent was on its way
            return
        self.extent = extent
        canvas = self.canvas
        canvas.lanes = extent.lanes
        if extent.start is not None and extent.end is not None:
            canvas.extent = (to_seconds(extent.start), to_seconds(extent.end))
        else:
            canvas.extent = None
            canvas.message = "No footage with a known recording time" + (
                " in this case." if self.case_id else "."
            )
        undated = extent.undated_videos
        self.status_label.setText(
            f"{undated} video{'s' if undated != 1 else ''} without a recording time cannot be placed on the "
            "timeline (set their time in the library)."
            if undated
            else ""
        )
        self._sync_scroll_bar()
        if not self._fitted and canvas.extent is not None:
            self._fitted = True
            canvas.fit()
        else:
            self._view_changed()
        canvas.update()
        self.extent_loaded.emit()

    def _view_changed(self) -> None:
        placed = self.canvas.extent is not None
        self.span_label.setText(_span_words(self.canvas.view.span_s) + " shown" if placed else "")
        for button in (self.zoom_out_button, self.zoom_in_button, self.fit_button):
            button.setEnabled(placed)
        self._sync_scroll_bar()
        self._debounce.start()

    def _sync_scroll_bar(self) -> None:
        canvas = self.canvas
        page = max(1, canvas.height() - AXIS_H)
        self.scroll_bar.blockSignals(True)
        self.scroll_bar.setRange(0, max(0, canvas.lanes_height() - page))
        self.scroll_bar.setPageStep(page)
        self.scroll_bar.setSingleStep(24)
        self.scroll_bar.setValue(canvas.offset_y)
        self.scroll_bar.blockSignals(False)
        self.scroll_bar.setVisible(self.scroll_bar.maximum() > 0)

    def wanted_tiles(self) -> list[int]:
        """This level's tiles to have: those in view first (from the middle out), then one view each side."""
        view = self.canvas.view
        level = self.canvas.level
        visible = tiles_for(view.start_s, view.end_s, level)
        around = tiles_for(view.start_s - view.span_s, view.end_s + view.span_s, level)
        middle = (view.start_s + view.end_s) / 2 / 2.0**level
        return sorted(visible, key=lambda i: abs(i + 0.5 - middle)) + [i for i in around if i not in visible]

    def missing_tiles(self) -> list[int]:
        """This level's wanted tiles (within the footage) not in the cache yet, the first to fetch first."""
        if self.canvas.extent is None:
            return []
        level, case_id = self.canvas.level, self.case_id
        first, last = self.canvas.extent
        size = 2.0**level
        return [
            i
            for i in self.wanted_tiles()
            if self.cache.get(case_id, level, i) is None and (i + 1) * size >= first and i * size <= last
        ]

    def _load_tiles(self) -> None:
        if not isValid(self.canvas) or self.extent is None:
            return
        level, case_id = self.canvas.level, self.case_id
        missing = self.missing_tiles()
        if not missing:
            return
        key = (case_id, level, missing[0])
        if self._tile_task.busy and self._loading is not None and self._loading[1] == level:
            return  # the tile in flight is of this level: the next is asked for when it arrives
        self._loading = key
        self._tile_task.start(
            fetch_tile,
            self._services,
            self._actor,
            case_id,
            level,
            missing[0],
            dict(self._video_rows),
            on_returned=lambda tile: self._tile_arrived(case_id, tile),
            error_parent=self,
            name="timeline-tile",
        )

    def _tile_arrived(self, case_id: str | None, tile: Tile) -> None:
        if not isValid(self.canvas):
            return
        self._loading = None
        if case_id == self.case_id:
            self._keep_rows(tile)
            self.cache.put(case_id, tile)
            self.canvas.update()
        self.tile_loaded.emit()
        QTimer.singleShot(0, self, self._load_tiles)

    def _keep_rows(self, tile: Tile) -> None:
        """Videos keep their rows from tile to tile; every tile of a lane divides it into as many rows."""
        self._video_rows.update(tile.video_rows)
        grown = False
        for camera, data in tile.lanes.items():
            if data.rows > self._lane_rows.get(camera, 1):
                self._lane_rows[camera], grown = data.rows, True
        for cached in [*self.cache, tile] if grown else [tile]:
            for camera, data in cached.lanes.items():
                data.rows = self._lane_rows.get(camera, data.rows)

    # ------------------------------------------------------------------ clicks and the range
    def _clicked(self, hit: Hit) -> None:
        if hit.marker is not None and hit.marker.bookmark is not None:
            self.bookmark_activated.emit(hit.marker.bookmark.bookmark_id)
        elif hit.marker is not None and hit.marker.anomaly is not None:
            anomaly = hit.marker.anomaly
            self.play_requested.emit(anomaly.segment_id, anomaly.segment_offset_s)
        elif hit.segment_id is not None:
            self.play_requested.emit(hit.segment_id, max(0.0, hit.t - hit.start))
        elif hit.data is not None:
            x = self.canvas.view.x_of(hit.t) + self.canvas.width() - self.canvas.view.width_px
            self.canvas.zoom(4.0, x)

    def _context_menu(self, where: QPoint) -> None:
        menu = QMenu(self)
        export = menu.addAction("Export this range…", self.export_selection)
        export.setEnabled(self.canvas.selection is not None)
        menu.addAction("Clear the selection", self.canvas.clear_selection).setEnabled(
            self.canvas.selection is not None
        )
        menu.addSeparator()
        menu.addAction("Fit all footage", self.canvas.fit)
        menu.popup(where)

    def export_selection(self) -> None:
        """Ask for the selected range's segments (in the background); ``export_requested`` carries them."""
        selection = self.canvas.selection
        if selection is None:
            return
        t0, t1, first, last = selection
        if t1 - t0 < 0.001:
            t1 = t0 + 0.001
        cameras = [lane.camera_id for lane in self.canvas.lanes[first : last + 1]]
        self._export_task.start(
            _range_segments,
            self._services,
            self._actor,
            self.case_id,
            cameras,
            t0,
            t1,
            on_returned=self._range_arrived,
            error_parent=self,
            name="timeline-range",
        )

    def _range_arrived(self, ids: list[uuid.UUID]) -> None:
        if not isValid(self.canvas):
            return
        if not ids:
            self.status_label.setText("No segments in the selected range.")
            return
        span = self.canvas.selection
        if span is not None:
            logger.info(
                "Timeline range of %s (%d segments) for export",
                timedelta(seconds=span[1] - span[0]),
                len(ids),
            )
        self.export_requested.emit(ids)
