"""The timeline's painted area: lanes under a wall-clock axis, and what the mouse and keyboard do to it.

Mouse: the wheel zooms around the pointer (the timeline's main move; Shift+wheel or a sideways wheel pans in
time, Ctrl+wheel scrolls the lanes); dragging pans; Shift+drag selects a range over one or more lanes (its
context menu exports it); a click plays the segment, anomaly or bookmark under the pointer (a click on an
aggregated bucket zooms in there). Keys: Left/Right pan, +/- zoom, Up/Down and PageUp/PageDown scroll the
lanes, F or Home fits all footage, Escape clears the selection.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

from chronotrace_desktop.domain.timeline import Viewport, from_seconds, recorder_time, tile_level, tiles_for
from chronotrace_desktop.ui.formatting import timestamp
from chronotrace_desktop.ui.panes.timeline.paint import (
    AXIS_H,
    LABEL_W,
    LANE_H,
    MARKER,
    Frame,
    activity_colours,
    paint_axis,
    paint_grid,
    paint_hits,
    paint_labels,
    paint_lanes_background,
    paint_markers,
    paint_message,
    paint_selection,
    paint_tile,
    row_box,
)
from chronotrace_desktop.ui.qt import QPainter, QRectF, Qt, QWidget, Signal

if TYPE_CHECKING:
    from datetime import datetime

    from chronotrace_desktop.domain.timeline import Lane
    from chronotrace_desktop.ui.panes.timeline.tiles import LaneData, Marker, Tile, TileCache
    from chronotrace_desktop.ui.qt import QContextMenuEvent, QKeyEvent, QMouseEvent, QPaintEvent, QResizeEvent
    from chronotrace_desktop.workers.qt import QEvent

WHEEL_ZOOM = 1.25  # per notch
DRAG_PX = 4


@dataclass(frozen=True, slots=True)
class Hit:
    """What is under the pointer: a marker, a span (``data.starts[index]`` ...) of a lane, or only a time."""

    lane: int
    t: float
    data: LaneData | None = None
    index: int = -1
    aggregated: bool = False
    marker: Marker | None = None

    @property
    def segment_id(self) -> uuid.UUID | None:
        if self.data is None or self.index < 0 or self.aggregated:
            return None
        return uuid.UUID(int=self.data.ids[self.index])

    @property
    def start(self) -> float:
        return self.data.starts[self.index] if self.data is not None and self.index >= 0 else self.t


def _when(t: datetime, offset: float | None) -> str:
    recorder = recorder_time(t, offset)
    text = timestamp(t, seconds=True) + " UTC"
    return text + (f" (recorder {timestamp(recorder, seconds=True)})" if recorder else "")


class TimelineCanvas(QWidget):
    view_changed = Signal()
    clicked = Signal(object)  # Hit
    context_requested = Signal(object)  # QPoint (global)

    def __init__(self, cache: TileCache, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMouseTracking(True)
        self.setMinimumHeight(AXIS_H + LANE_H)
        self.setAccessibleName("Timeline")
        self.setAccessibleDescription(
            "Cameras as lanes on one time axis. Wheel zooms, drag pans, Shift+drag selects a range, "
            "click plays; keys: arrows, plus, minus, F fits."
        )
        self.cache = cache
        self.case_id: str | None = None
        self.lanes: tuple[Lane, ...] = ()
        self.view = Viewport(0.0, 86400.0, 800.0)
        self.extent: tuple[float, float] | None = None
        self.offset_y = 0
        self.message = "Loading the timeline…"
        self.hits: dict[str | None, list[tuple[float, float, object]]] = {}
        self.selection: tuple[float, float, int, int] | None = None
        self._press: tuple[float, float, bool] | None = None  # x, y, selecting
        self._dragged = False

    # ------------------------------------------------------------------ state
    @property
    def level(self) -> int:
        return tile_level(self.view.span_s)

    def set_view(self, view: Viewport) -> None:
        self.view = view
        self.view_changed.emit()
        self.update()

    def fit(self) -> None:
        if self.extent is not None:
            self.set_view(Viewport.fit(*self.extent, self._data_width()))

    def zoom(self, factor: float, anchor_x: float | None = None) -> None:
        anchor = self._data_width() / 2 if anchor_x is None else anchor_x - LABEL_W
        self.set_view(self.view.zoomed(factor, anchor))

    def pan(self, dx_px: float) -> None:
        self.set_view(self.view.panned(dx_px))

    def lanes_height(self) -> int:
        return len(self.lanes) * LANE_H

    def set_offset(self, offset: int) -> None:
        self.offset_y = max(0, min(offset, max(0, self.lanes_height() - (self.height() - AXIS_H))))
        self.update()

    def _data_width(self) -> float:
        return max(1.0, float(self.width() - LABEL_W))

    def _frame(self) -> Frame:
        return Frame(self.view, self.lanes, self.offset_y, self.width(), self.height())

    def painted_tiles(self) -> list[tuple[Tile, float, float]]:
        """The tiles that paint the view, each with the time range it paints (coarser ones stand in for any
        tile of this zoom not fetched yet)."""
        out: list[tuple[Tile, float, float]] = []
        size = 2.0**self.level
        for index in tiles_for(self.view.start_s, self.view.end_s, self.level):
            t0, t1 = max(index * size, self.view.start_s), min((index + 1) * size, self.view.end_s)
            tile = self.cache.get(self.case_id, self.level, index) or self.cache.covering(
                self.case_id, self.level, (t0 + t1) / 2
            )
            if tile is not None:
                out.append((tile, max(t0, tile.t0), min(t1, tile.t1)))
        return out

    # ------------------------------------------------------------------ painting
    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        palette = self.palette()
        frame = self._frame()
        p.fillRect(self.rect(), palette.color(palette.ColorRole.Base))
        if not self.lanes:  # no dated footage: no axis of an arbitrary day, only what to do
            paint_message(p, frame, palette, self.message)
            p.end()
            return
        paint_lanes_background(p, frame, palette)
        paint_grid(p, frame, palette)
        top = float(AXIS_H)
        shades = activity_colours(palette)
        for tile, t0, t1 in self.painted_tiles():
            p.save()
            p.setClipRect(QRectF(frame.x(t0), top, frame.x(t1) - frame.x(t0) + 1, self.height() - top))
            paint_tile(p, frame, tile, palette, shades, t0, t1)
            paint_hits(p, frame, self.hits, palette)
            paint_markers(p, frame, [m for m in tile.markers if t0 <= m.t <= t1], palette)
            p.restore()
        if self.selection is not None:
            p.save()
            p.setClipRect(QRectF(LABEL_W, top, self.width() - LABEL_W, self.height() - top))
            paint_selection(p, frame, self.selection, palette)
            p.restore()
        paint_axis(p, frame, palette)
        paint_labels(p, frame, palette)
        p.end()

    # ------------------------------------------------------------------ hit testing
    def lane_at(self, y: float) -> int | None:
        if y < AXIS_H:
            return None
        index = int((y - AXIS_H + self.offset_y) // LANE_H)
        return index if 0 <= index < len(self.lanes) else None

    def hit_at(self, x: float, y: float) -> Hit | None:
        lane = self.lane_at(y)
        if lane is None or x < LABEL_W:
            return None
        t = self.view.time_at(x - LABEL_W)
        tile = self.cache.get(self.case_id, self.level, int(t // 2.0**self.level)) or self.cache.covering(
            self.case_id, self.level, t
        )
        if tile is None:
            return Hit(lane, t)
        camera = self.lanes[lane].camera_id
        slack = (MARKER + 1) * self.view.seconds_per_px
        top = AXIS_H + lane * LANE_H - self.offset_y
        near = [m for m in tile.markers if m.lane == camera and abs(m.t - t) <= slack]
        wants_anomaly = y < top + LANE_H / 3
        for marker in sorted(near, key=lambda m: abs(m.t - t)):
            if (marker.anomaly is not None) == wants_anomaly or len(near) == 1:
                return Hit(lane, t, marker=marker)
        data = tile.lanes.get(camera)
        if data is None:
            return Hit(lane, t)
        pad = 2 * self.view.seconds_per_px
        for i in data.visible(t - pad, t + pad):
            if data.ends[i] < t - pad:
                continue
            y0, h = row_box(top, data.row[i], data.rows)
            if y0 - 1 <= y <= y0 + h + 1 or data.rows == 1:
                return Hit(lane, t, data, i, tile.aggregated)
        return Hit(lane, t)

    def describe(self, hit: Hit) -> str:
        lane = self.lanes[hit.lane]
        lines = [lane.label + (f" ({lane.location})" if lane.location else "")]
        if hit.marker is not None and hit.marker.anomaly is not None:
            a = hit.marker.anomaly
            lines += [
                f"Anomaly: {a.title or a.anomaly_type} ({a.severity.value})",
                _when(a.time, a.clock_offset_s),
            ]
        elif hit.marker is not None and hit.marker.bookmark is not None:
            mark = hit.marker.bookmark
            lines += [f"Bookmark: {mark.note or '(no note)'}", _when(mark.time, mark.clock_offset_s)]
        elif hit.data is not None and not hit.aggregated:
            d, i = hit.data, hit.index
            lines += [
                _when(from_seconds(hit.t), d.clock_offset[i]),
                f"Activity {d.activity[i]:.2f}: {d.people[i]} people, {d.vehicles[i]} vehicles"
                + (", motion" if d.motion[i] else ""),
                "Click to play",
            ]
        elif hit.data is not None:
            d, i = hit.data, hit.index
            lines += [
                f"{timestamp(from_seconds(d.starts[i]), seconds=True)} \N{EN DASH} "
                f"{timestamp(from_seconds(d.ends[i]), seconds=True)} UTC",
                f"{d.people[i]} segments of {d.vehicles[i]} videos; activity up to {d.activity[i]:.2f}",
                "Click to zoom in",
            ]
        else:
            lines.append(timestamp(from_seconds(hit.t), seconds=True) + " UTC")
        return "\n".join(lines)

    # ------------------------------------------------------------------ events
    def event(self, event: QEvent) -> bool:
        if event.type() == event.Type.ToolTip:
            pos = event.pos()  # type: ignore[attr-defined]
            hit = self.hit_at(pos.x(), pos.y())
            self.setToolTip(self.describe(hit) if hit is not None else "")
        return super().event(event)

    def resizeEvent(self, event: QResizeEvent) -> None:
        self.view = self.view.resized(self._data_width())
        self.set_offset(self.offset_y)
        self.view_changed.emit()
        super().resizeEvent(event)

    def wheelEvent(self, event: object) -> None:
        delta = event.angleDelta()  # type: ignore[attr-defined]
        modifiers = event.modifiers()  # type: ignore[attr-defined]
        x = event.position().x()  # type: ignore[attr-defined]
        if modifiers & Qt.KeyboardModifier.ControlModifier:
            self.set_offset(self.offset_y - delta.y() // 3)
            self.view_changed.emit()
        elif delta.x() or modifiers & Qt.KeyboardModifier.ShiftModifier:
            step = delta.x() or delta.y()
            self.pan(step / 120 * self._data_width() / 10)
        elif delta.y():
            self.zoom(WHEEL_ZOOM ** (delta.y() / 120), x)
        event.accept()  # type: ignore[attr-defined]

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            pos = event.position()
            selecting = bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
            self._press, self._dragged = (pos.x(), pos.y(), selecting), False
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._press is None:
            return
        pos = event.position()
        x0, y0, selecting = self._press
        if not self._dragged and abs(pos.x() - x0) < DRAG_PX and abs(pos.y() - y0) < DRAG_PX:
            return
        self._dragged = True
        if selecting:
            start_lane = self.lane_at(y0)
            first = start_lane if start_lane is not None else 0
            end_lane = self.lane_at(pos.y())
            last = end_lane if end_lane is not None else first
            t0 = self.view.time_at(max(0.0, x0 - LABEL_W))
            t1 = self.view.time_at(max(0.0, pos.x() - LABEL_W))
            self.selection = (min(t0, t1), max(t0, t1), min(first, last), max(first, last))
            self.update()
        else:
            self.pan(pos.x() - x0)
            self._press = (pos.x(), pos.y(), False)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self._press is not None:
            if not self._dragged:
                pos = event.position()
                hit = self.hit_at(pos.x(), pos.y())
                if hit is not None:
                    self.clicked.emit(hit)
            self._press = None
        super().mouseReleaseEvent(event)

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        self.context_requested.emit(event.globalPos())

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key, width = event.key(), self._data_width()
        actions = {
            Qt.Key.Key_Left: lambda: self.pan(width / 8),
            Qt.Key.Key_Right: lambda: self.pan(-width / 8),
            Qt.Key.Key_Plus: lambda: self.zoom(2.0),
            Qt.Key.Key_Equal: lambda: self.zoom(2.0),
            Qt.Key.Key_Minus: lambda: self.zoom(0.5),
            Qt.Key.Key_F: self.fit,
            Qt.Key.Key_Home: self.fit,
            Qt.Key.Key_Up: lambda: self._scroll(-LANE_H),
            Qt.Key.Key_Down: lambda: self._scroll(LANE_H),
            Qt.Key.Key_PageUp: lambda: self._scroll(-(self.height() - AXIS_H)),
            Qt.Key.Key_PageDown: lambda: self._scroll(self.height() - AXIS_H),
            Qt.Key.Key_Escape: self.clear_selection,
        }
        action = actions.get(Qt.Key(key))
        if action is None:
            super().keyPressEvent(event)
            return
        action()
        event.accept()

    def _scroll(self, dy: int) -> None:
        self.set_offset(self.offset_y + dy)
        self.view_changed.emit()

    def clear_selection(self) -> None:
        self.selection = None
        self.update()
