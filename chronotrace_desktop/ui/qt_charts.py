"""The QtCharts names the Administration window's analytics use, kept apart from :mod:`chronotrace_desktop.ui.qt`.

QtCharts ships in PySide6-Addons; only the panels that draw charts load it.
"""

from __future__ import annotations

from PySide6.QtCharts import (
    QBarSeries,
    QBarSet,
    QCategoryAxis,
    QChart,
    QChartView,
    QLineSeries,
    QValueAxis,
)

__all__ = [
    "QBarSeries",
    "QBarSet",
    "QCategoryAxis",
    "QChart",
    "QChartView",
    "QLineSeries",
    "QValueAxis",
]
