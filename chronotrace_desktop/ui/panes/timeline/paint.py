"""How the timeline paints: lanes, activity, videos, markers, hits, the selection and the time axis.

Everything here reads what the canvas holds (tiles already fetched, the viewport, the palette): no queries.
Colours come from the palette (``ui.theme``), so the light and the dark scheme both read.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from chronotrace_desktop.domain.timeline import from_seconds, ticks
from chronotrace_desktop.ui.qt import QColor, QPalette, QPen, QPointF, QPolygonF, QRectF, Qt
from chronotrace_desktop.ui.theme import SEVERITY_HUES, accent_text, blend, is_dark

if TYPE_CHECKING:
    from chronotrace_desktop.domain.timeline import Lane, Viewport
    from chronotrace_desktop.ui.panes.timeline.tiles import LaneData, Marker, Tile
    from chronotrace_desktop.ui.qt import QPainter

AXIS_H = 34
LABEL_W = 150
LANE_H = 38
LANE_PAD = 5
MAX_ROWS = 4
MARKER = 6.0
SHADES = 32
ACTIVITY_HUE = QColor("#1b9e77")
BOOKMARK_HUE = QColor("#8e24aa")


@dataclass(frozen=True, slots=True)
class Frame:
    """Where things go this paint: the viewport over the data area, lanes and their scroll offset."""

    view: Viewport
    lanes: tuple[Lane, ...]
    offset_y: int
    width: int
    height: int

    def x(self, t: float) -> float:
        return LABEL_W + self.view.x_of(t)

    def lane_top(self, index: int) -> float:
        return AXIS_H + index * LANE_H - self.offset_y

    def visible_lanes(self) -> range:
        first = max(0, self.offset_y // LANE_H)
        last = min(len(self.lanes), (self.offset_y + self.height - AXIS_H) // LANE_H + 1)
        return range(first, last)


def activity_colour(activity: float, palette: QPalette) -> QColor:
    base = palette.color(QPalette.ColorRole.Base)
    return blend(ACTIVITY_HUE, base, 0.3 + 0.7 * max(0.0, min(1.0, activity)))


def row_box(top: float, row: int, rows: int) -> tuple[float, float]:
    rows = max(1, min(MAX_ROWS, rows))
    inner = LANE_H - 2 * LANE_PAD
    height = inner / rows
    return top + LANE_PAD + min(row, rows - 1) * height, max(2.0, height - 1)


def paint_lanes_background(p: QPainter, frame: Frame, palette: QPalette) -> None:
    for i in frame.visible_lanes():
        top = frame.lane_top(i)
        role = QPalette.ColorRole.AlternateBase if i % 2 else QPalette.ColorRole.Base
        p.fillRect(QRectF(LABEL_W, top, frame.width - LABEL_W, LANE_H), palette.color(role))


def activity_colours(palette: QPalette) -> list[QColor]:
    """:func:`activity_colour` for activity 0, 1/32 ... 1: painting picks from these, never builds a colour."""
    return [activity_colour(step / SHADES, palette) for step in range(SHADES + 1)]


def paint_tile(
    p: QPainter, frame: Frame, tile: Tile, palette: QPalette, shades: list[QColor], t0: float, t1: float
) -> None:
    """The tile's spans over ``t0 .. t1`` (the caller clips to it), shaded from :func:`activity_colours`."""
    video_fill = blend(palette.color(QPalette.ColorRole.Mid), palette.color(QPalette.ColorRole.Base), 0.35)
    p.setPen(Qt.PenStyle.NoPen)
    for i in frame.visible_lanes():
        data = tile.lanes.get(frame.lanes[i].camera_id)
        if data is None:
            continue
        top = frame.lane_top(i)
        for start, end, row in zip(data.video_starts, data.video_ends, data.video_rows, strict=True):
            if end >= t0 and start <= t1:
                y, h = row_box(top, row, data.rows)
                p.fillRect(_span(frame, start, end, y, h), video_fill)
        _paint_items(p, frame, data, top, shades, t0, t1)


def _paint_items(
    p: QPainter, frame: Frame, data: LaneData, top: float, shades: list[QColor], t0: float, t1: float
) -> None:
    """Items a few pixels wide or more one by one; narrower ones merged per row into runs of touching pixels
    shaded by their highest activity, so a paint costs about one rectangle per pixel column at most."""
    runs: dict[int, list[float]] = {}  # row: [x0, x1, activity]

    def flush(row: int) -> None:
        x0, x1, activity = runs.pop(row)
        y, h = row_box(top, row, data.rows)
        p.fillRect(QRectF(x0, y, max(1.5, x1 - x0), h), shades[round(activity * SHADES)])

    starts, ends, activities, rows = data.starts, data.ends, data.activity, data.row
    for i in data.visible(t0, t1):
        if ends[i] < t0:
            continue
        x0, x1, activity, row = frame.x(starts[i]), frame.x(ends[i]), activities[i], rows[i]
        if x1 - x0 >= 3:
            y, h = row_box(top, row, data.rows)
            rect = QRectF(x0, y, x1 - x0, h)
            if x1 - x0 > 6:
                rect.adjust(0.5, 0, -0.5, 0)  # a hairline between neighbouring spans
            p.fillRect(rect, shades[round(activity * SHADES)])
            continue
        run = runs.get(row)
        if run is not None and x0 <= run[1] + 1:
            run[1], run[2] = max(run[1], x1), max(run[2], activity)
            continue
        if run is not None:
            flush(row)
        runs[row] = [x0, x1, activity]
    for row in list(runs):
        flush(row)


def _span(frame: Frame, t0: float, t1: float, y: float, h: float) -> QRectF:
    x0, x1 = frame.x(t0), frame.x(t1)
    return QRectF(x0, y, max(1.5, x1 - x0), h)


def paint_markers(p: QPainter, frame: Frame, markers: list[Marker], palette: QPalette) -> None:
    index = {lane.camera_id: i for i, lane in enumerate(frame.lanes)}
    outline = QPen(palette.color(QPalette.ColorRole.Base), 1.0)
    pin = accent_text(BOOKMARK_HUE, palette)  # lighter on a dark scheme
    for marker in sorted(markers, key=_stacking):  # the most severe on top, bookmarks above all
        lane = index.get(marker.lane)
        if lane is None or lane not in frame.visible_lanes():
            continue
        x, top = frame.x(marker.t), frame.lane_top(lane)
        p.setPen(outline)
        if marker.anomaly is not None:
            p.setBrush(SEVERITY_HUES[marker.anomaly.severity])
            p.drawPolygon(
                QPolygonF(
                    [
                        QPointF(x - MARKER, top + 1),
                        QPointF(x + MARKER, top + 1),
                        QPointF(x, top + 1 + MARKER * 1.6),
                    ]
                )
            )
        else:
            bottom = top + LANE_H - 2
            p.setPen(QPen(pin, 1.5))
            p.drawLine(QPointF(x, bottom), QPointF(x, top + LANE_H / 2))
            p.setPen(outline)
            p.setBrush(pin)
            p.drawEllipse(QPointF(x, top + LANE_H / 2), MARKER * 0.75, MARKER * 0.75)
    p.setBrush(Qt.BrushStyle.NoBrush)


def _stacking(marker: Marker) -> int:
    return marker.anomaly.severity.rank if marker.anomaly is not None else 99


def paint_hits(
    p: QPainter, frame: Frame, hits: dict[str | None, list[tuple[float, float, object]]], palette: QPalette
) -> None:
    colour = palette.color(QPalette.ColorRole.Highlight)
    pen = QPen(colour, 2.0)
    fill = QColor(colour)
    fill.setAlphaF(0.25)
    for i in frame.visible_lanes():
        spans = hits.get(frame.lanes[i].camera_id, ())
        top = frame.lane_top(i)
        for t0, t1, _segment in spans:
            if t1 < frame.view.start_s or t0 > frame.view.end_s:
                continue
            rect = _span(frame, t0, t1, top + 2, LANE_H - 4)
            if rect.width() < 4:
                rect.adjust(-2, 0, 2, 0)
            p.setPen(pen)
            p.setBrush(fill)
            p.drawRect(rect)
    p.setBrush(Qt.BrushStyle.NoBrush)


def paint_selection(
    p: QPainter, frame: Frame, selection: tuple[float, float, int, int], palette: QPalette
) -> None:
    t0, t1, first, last = selection
    colour = palette.color(QPalette.ColorRole.Highlight)
    fill = QColor(colour)
    fill.setAlphaF(0.22)
    rect = QRectF(
        frame.x(min(t0, t1)),
        frame.lane_top(first),
        abs(frame.x(t1) - frame.x(t0)),
        (last - first + 1) * LANE_H,
    )
    p.fillRect(rect, fill)
    p.setPen(QPen(colour, 1.0, Qt.PenStyle.DashLine))
    p.drawRect(rect)


def paint_grid(p: QPainter, frame: Frame, palette: QPalette) -> None:
    """The ticks' lines down the lanes, under what the lanes hold."""
    p.setPen(QPen(_grid_colour(palette), 1.0))
    for tick in ticks(frame.view.start_s, frame.view.end_s, frame.view.width_px):
        x = frame.x(tick.seconds)
        p.drawLine(QPointF(x, AXIS_H), QPointF(x, frame.height))


def _grid_colour(palette: QPalette) -> QColor:
    text = palette.color(QPalette.ColorRole.WindowText)
    return blend(text, palette.color(QPalette.ColorRole.Base), 0.12 if is_dark(palette) else 0.1)


def paint_axis(p: QPainter, frame: Frame, palette: QPalette) -> None:
    window = palette.color(QPalette.ColorRole.Window)
    text = palette.color(QPalette.ColorRole.WindowText)
    grid = _grid_colour(palette)
    p.fillRect(QRectF(LABEL_W, 0, frame.width - LABEL_W, AXIS_H), window)
    for tick in ticks(frame.view.start_s, frame.view.end_s, frame.view.width_px):
        x = frame.x(tick.seconds)
        p.setPen(QPen(text, 1.0))
        p.drawLine(QPointF(x, AXIS_H - (10 if tick.major else 6)), QPointF(x, AXIS_H))
        font = p.font()
        font.setBold(tick.major)
        p.setFont(font)
        if x + 3 + p.fontMetrics().horizontalAdvance(tick.label) <= frame.width:  # none cut at the edge
            align = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
            p.drawText(QRectF(x + 3, 2, 140, AXIS_H - 8), align, tick.label)
    font = p.font()
    font.setBold(False)
    p.setFont(font)
    p.setPen(QPen(grid, 1.0))
    p.drawLine(QPointF(LABEL_W, AXIS_H - 0.5), QPointF(frame.width, AXIS_H - 0.5))


def paint_labels(p: QPainter, frame: Frame, palette: QPalette) -> None:
    window = palette.color(QPalette.ColorRole.Window)
    text = palette.color(QPalette.ColorRole.WindowText)
    p.fillRect(QRectF(0, 0, LABEL_W, frame.height), window)
    p.setPen(QPen(text, 1.0))
    day = from_seconds(frame.view.start_s).strftime("%d %b %Y")
    p.drawText(QRectF(8, 0, LABEL_W - 12, AXIS_H), Qt.AlignmentFlag.AlignVCenter, f"{day} (UTC)")
    metrics = p.fontMetrics()
    for i in frame.visible_lanes():
        lane = frame.lanes[i]
        top = frame.lane_top(i)
        if top + LANE_H <= AXIS_H:
            continue
        label = metrics.elidedText(lane.label, Qt.TextElideMode.ElideRight, LABEL_W - 16)
        p.drawText(QRectF(8, top, LABEL_W - 12, LANE_H), Qt.AlignmentFlag.AlignVCenter, label)
    p.setPen(QPen(blend(text, window, 0.25), 1.0))
    p.drawLine(QPointF(LABEL_W - 0.5, 0), QPointF(LABEL_W - 0.5, frame.height))


def paint_message(p: QPainter, frame: Frame, palette: QPalette, message: str) -> None:
    p.setPen(QPen(palette.color(QPalette.ColorRole.PlaceholderText), 1.0))
    area = QRectF(LABEL_W, AXIS_H, frame.width - LABEL_W, max(LANE_H, frame.height - AXIS_H))
    p.drawText(area, Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, message)
