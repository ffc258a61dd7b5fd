"""The search analytics charts, drawn from a :class:`SearchAnalytics` in the palette's colours.

Every chart puts the days on the same axis (day ``i`` at ``x = i``, labelled every few days so that 90 days
still read), so charts stacked above each other line up. A day without searches has no point: its bar is
empty and lines break there rather than join its neighbours.

Latency is one small chart per part (total, embedding, vector search, database), the median solid and the 95th
percentile dashed, each on its own scale. Not stacked bars: percentiles do not add up (the median total is not
the sum of the parts' medians, and parsing and ranking take time of their own), so a stack would show a total
never measured. Not one shared scale either: the parts differ by an order of magnitude (a few milliseconds to
embed, tens to search, hundreds when the model loads), and on one scale the medians of the small parts lie
flat on the floor, hiding the trends worth seeing (vector search slowing as the library grows, a slow database
day).

Charts are rebuilt, not restyled: each function makes a new ``QChart`` for the figures and palette given; the
panel swaps them in on new figures and on a palette change.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Literal

from chronotrace_desktop.ui.qt import QColor, QFont, QPainter, QPalette, QPen, Qt
from chronotrace_desktop.ui.qt_charts import (
    QBarSeries,
    QBarSet,
    QCategoryAxis,
    QChart,
    QChartView,
    QLineSeries,
    QValueAxis,
)
from chronotrace_desktop.ui.theme import accent_text, blend, is_dark

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import date

    from chronotrace_desktop.services.analytics import Percentiles, SearchAnalytics, SearchDay
    from chronotrace_desktop.ui.qt import QWidget

DAY_LABELS = 8  # at most this many day labels on an axis; half as many on the small latency charts
TICKS = 4  # steps on a value axis
CHART_MIN_HEIGHT = 220
LatencyPart = Literal["total", "embedding", "vector", "database"]
LATENCY_PARTS: tuple[LatencyPart, ...] = ("total", "embedding", "vector", "database")
LATENCY_TITLES: dict[LatencyPart, str] = {
    "total": "Total",
    "embedding": "Embedding",
    "vector": "Vector search",
    "database": "Database",
}
# One hue per part of a search's time; the total in the palette's text colour.
PART_HUES: dict[LatencyPart, QColor] = {
    "embedding": QColor("#8e24aa"),
    "vector": QColor("#1e88e5"),
    "database": QColor("#43a047"),
}
CACHE_HUE = QColor("#f57c00")


def chart_view(parent: QWidget | None = None) -> QChartView:
    view = QChartView(parent)
    view.setRenderHint(QPainter.RenderHint.Antialiasing)
    view.setMinimumHeight(CHART_MIN_HEIGHT)
    return view


def day_label(day: date) -> str:
    return f"{day:%b} {day.day}"


def searches_chart(figures: SearchAnalytics, palette: QPalette) -> QChart:
    """Searches per day as bars, in the palette's highlight colour."""
    chart = _chart("Searches per day", palette)
    bars = QBarSet("Searches")
    bars.setColor(palette.color(QPalette.ColorRole.Highlight))
    bars.setBorderColor(palette.color(QPalette.ColorRole.Highlight))
    for day in figures.per_day:
        bars.append(day.searches)
    series = QBarSeries()
    series.append(bars)
    series.setBarWidth(0.7)
    chart.addSeries(series)
    chart.legend().hide()
    top = max((day.searches for day in figures.per_day), default=0)
    _axes(chart, figures.per_day, palette, _value_axis(top, whole=True))
    return chart


def latency_chart(figures: SearchAnalytics, palette: QPalette, part: LatencyPart) -> QChart:
    """p50 (solid) and p95 (dashed) per day of one part of the time, on a scale of its own."""
    chart = _chart(LATENCY_TITLES[part], palette)
    hue = PART_HUES.get(part)
    colour = palette.color(QPalette.ColorRole.Text) if hue is None else accent_text(hue, palette)
    medians: list[tuple[int, float]] = []
    tails: list[tuple[int, float]] = []
    for i, day in enumerate(figures.per_day):
        percentiles: Percentiles = getattr(day.latency, part)
        if percentiles.p50_ms is not None and percentiles.p95_ms is not None:
            medians.append((i, percentiles.p50_ms))
            tails.append((i, percentiles.p95_ms))
    _add_lines(chart, medians, _pen(colour, 2.0, Qt.PenStyle.SolidLine))
    _add_lines(chart, tails, _pen(colour, 1.4, Qt.PenStyle.DashLine))
    chart.legend().hide()
    highest = max((v for _, v in tails), default=0.0)
    _axes(chart, figures.per_day, palette, _value_axis(highest), labels=DAY_LABELS // 2)
    return chart


def cache_chart(figures: SearchAnalytics, palette: QPalette) -> QChart:
    """The share of each day's searches whose words were embedded before (the query embedding cache)."""
    chart = _chart("Cache hit rate per day (%)", palette)
    rates = [
        (i, 100.0 * d.cache_hit_rate) for i, d in enumerate(figures.per_day) if d.cache_hit_rate is not None
    ]
    _add_lines(chart, rates, _pen(accent_text(CACHE_HUE, palette), 2.0, Qt.PenStyle.SolidLine))
    chart.legend().hide()
    axis = QValueAxis()
    axis.setRange(0, 100)
    axis.setTickCount(5)
    axis.setLabelFormat("%d")
    _axes(chart, figures.per_day, palette, axis)
    return chart


# ---------------------------------------------------------------------------------------------- pieces


def _chart(title: str, palette: QPalette) -> QChart:
    chart = QChart()
    chart.setTheme(
        QChart.ChartTheme.ChartThemeDark if is_dark(palette) else QChart.ChartTheme.ChartThemeLight
    )
    chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
    chart.setBackgroundBrush(palette.brush(QPalette.ColorRole.Base))
    chart.setBackgroundRoundness(0)
    chart.layout().setContentsMargins(0, 0, 0, 0)  # no frame around the chart's own background
    chart.setTitle(title)
    chart.setTitleBrush(palette.brush(QPalette.ColorRole.Text))
    font = QFont(chart.titleFont())
    font.setBold(True)
    chart.setTitleFont(font)
    chart.legend().setLabelColor(palette.color(QPalette.ColorRole.Text))
    return chart


def _pen(colour: QColor, width: float, style: Qt.PenStyle) -> QPen:
    pen = QPen(colour)
    pen.setWidthF(width)
    pen.setStyle(style)
    return pen


def _add_lines(chart: QChart, points: Sequence[tuple[int, float]], pen: QPen) -> None:
    """``points`` (day index, value) as lines broken where a day has no value: a gap stays a gap."""
    runs: list[list[tuple[int, float]]] = []
    for point in points:
        if runs and point[0] == runs[-1][-1][0] + 1:
            runs[-1].append(point)
        else:
            runs.append([point])
    for run in runs:
        series = QLineSeries()
        series.setPen(pen)
        series.setPointsVisible(len(run) == 1)  # a lone day is a dot; a run reads as a line
        for x, y in run:
            series.append(x, y)
        chart.addSeries(series)


def _axes(
    chart: QChart, days: Sequence[SearchDay], palette: QPalette, values: QValueAxis, labels: int = DAY_LABELS
) -> None:
    """The day axis below, ``values`` on the left, both in the palette's colours, attached to every series."""
    x = QCategoryAxis()
    x.setRange(-0.5, len(days) - 0.5)
    x.setLabelsPosition(QCategoryAxis.AxisLabelsPosition.AxisLabelsPositionOnValue)
    step = max(1, math.ceil(len(days) / labels))
    for i, day in enumerate(days):
        if (len(days) - 1 - i) % step == 0:  # today always labelled
            x.append(day_label(day.day), i)
    x.setGridLineVisible(False)
    x.setTruncateLabels(False)
    text = palette.color(QPalette.ColorRole.Text)
    grid = blend(text, palette.color(QPalette.ColorRole.Base), 0.15)
    for axis, side in ((x, Qt.AlignmentFlag.AlignBottom), (values, Qt.AlignmentFlag.AlignLeft)):
        axis.setLabelsColor(text)
        axis.setLinePenColor(grid)
        axis.setGridLineColor(grid)
        chart.addAxis(axis, side)
        for series in chart.series():
            series.attachAxis(axis)


def _value_axis(top: float, *, whole: bool = False) -> QValueAxis:
    """From 0 to a round number at or above ``top``, in four or five round steps (whole ones for counts)."""
    raw = max(top, 1.0) / TICKS
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw and (not whole or m != 2.5))
    if whole:
        step = max(1.0, round(step))
    axis = QValueAxis()
    axis.setRange(0, step * math.ceil(max(top, step) / step))
    axis.setTickCount(round(axis.max() / step) + 1)
    axis.setLabelFormat("%d" if float(step).is_integer() else "%.1f")
    return axis
