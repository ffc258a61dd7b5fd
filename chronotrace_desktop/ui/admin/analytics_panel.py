"""Search analytics for administrators: searches per day, latency p50/p95 by part, cache hit rate, and tables of
per-user totals, queries that found nothing and the slowest searches, over the last 7, 30 or 90 days.

The figures come from the search analytics service (administrators only; it checks the role) on the worker
pool; a new span cancels a load still under way. With no search in the span the panel says so instead of
drawing empty axes. The charts (``analytics_charts``) are redrawn in the new colours when the palette changes.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from chronotrace_desktop.services.analytics import ANALYTICS_DAYS, SearchAnalytics
from chronotrace_desktop.ui.admin import analytics_tables as tables
from chronotrace_desktop.ui.admin.analytics_charts import (
    LATENCY_PARTS,
    cache_chart,
    chart_view,
    day_label,
    latency_chart,
    searches_chart,
)
from chronotrace_desktop.ui.qt import (
    QAbstractItemView,
    QComboBox,
    QEvent,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPalette,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    Qt,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
    Signal,
)
from chronotrace_desktop.ui.tasks import LatestTask

if TYPE_CHECKING:
    from chronotrace_desktop.domain.users import Actor
    from chronotrace_desktop.services.app import AppServices
    from chronotrace_desktop.ui.admin.analytics_tables import FiguresModel
    from chronotrace_desktop.ui.qt_charts import QChart, QChartView
    from chronotrace_desktop.workers.base import WorkerPool
    from chronotrace_desktop.workers.task_state import TaskState

logger = logging.getLogger(__name__)

DEFAULT_DAYS = 30
TABLE_MIN_HEIGHT = 180


def _load(state: TaskState, services: AppServices, actor: Actor, days: int) -> SearchAnalytics:
    return services.analytics.summary(actor, days)


class AnalyticsPanel(QWidget):
    """``figures_shown(figures)`` once a span's figures are on screen (charts and tables, or the empty note)."""

    figures_shown = Signal(SearchAnalytics)

    def __init__(
        self, services: AppServices, actor: Actor, pool: WorkerPool, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._services = services
        self._actor = actor
        self._task = LatestTask(pool)
        self.figures: SearchAnalytics | None = None

        title = QLabel("Search analytics")
        font = title.font()
        font.setBold(True)
        title.setFont(font)
        self.days_combo = QComboBox()
        for days in ANALYTICS_DAYS:
            self.days_combo.addItem(f"Last {days} days", days)
        self.days_combo.setCurrentIndex(ANALYTICS_DAYS.index(DEFAULT_DAYS))
        self.days_combo.currentIndexChanged.connect(lambda _i: self.refresh())
        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.clicked.connect(self.refresh)
        top = QHBoxLayout()
        top.addWidget(title)
        top.addStretch(1)
        top.addWidget(self.days_combo)
        top.addWidget(self.refresh_button)
        self.summary_label = QLabel()
        self.summary_label.setWordWrap(True)
        self.summary_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.empty_label = QLabel()
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setWordWrap(True)
        self.empty_label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.searches_view = chart_view()
        self.cache_view = chart_view()
        self.latency_views = {part: chart_view() for part in LATENCY_PARTS}
        latency_note = QLabel(
            "Latency per day in milliseconds, each part on its own scale: the line is the median (p50), the "
            "dashed line the 95th percentile (p95). The parts do not add up to the total: parsing and ranking "
            "take time of their own."
        )
        latency_note.setWordWrap(True)
        self.users_model = tables.users_model()
        self.zero_results_model = tables.zero_results_model()
        self.slowest_model = tables.slowest_model()
        self.tabs = QTabWidget()
        self.tabs.addTab(self._table(self.users_model, stretch=0), "Per user")
        self.tabs.addTab(self._table(self.zero_results_model, stretch=0), "Found nothing")
        self.tabs.addTab(self._table(self.slowest_model, stretch=2), "Slowest searches")
        self.tabs.setMinimumHeight(TABLE_MIN_HEIGHT)

        figures_page = QWidget()
        grid = QGridLayout(figures_page)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.addWidget(self.searches_view, 0, 0)
        grid.addWidget(self.cache_view, 0, 1)
        grid.addWidget(latency_note, 1, 0, 1, 2)
        latency_row = QHBoxLayout()
        for view in self.latency_views.values():
            latency_row.addWidget(view)
        grid.addLayout(latency_row, 2, 0, 1, 2)
        grid.addWidget(self.tabs, 3, 0, 1, 2)
        for row, stretch in ((0, 2), (2, 2), (3, 1)):  # the charts grow with the window, the tables less
            grid.setRowStretch(row, stretch)
        scroll = QScrollArea()
        scroll.setWidget(figures_page)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.empty_label)
        self.stack.addWidget(scroll)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(top)
        layout.addWidget(self.summary_label)
        layout.addWidget(self.stack, 1)
        self._show_note("Loading the search log\u2026")
        self.refresh()

    @property
    def days(self) -> int:
        return int(self.days_combo.currentData())

    @property
    def showing_charts(self) -> bool:
        return self.stack.currentIndex() == 1

    def set_days(self, days: int) -> None:
        """Show the last ``days`` days (one of ``ANALYTICS_DAYS``); loads them."""
        self.days_combo.setCurrentIndex(ANALYTICS_DAYS.index(days))

    def refresh(self) -> None:
        self.summary_label.setText(f"Reading the last {self.days} days of searches\u2026")
        self._task.start(
            _load, self._services, self._actor, self.days, on_returned=self._show, error_parent=self
        )

    # ------------------------------------------------------------------ showing the figures
    def _show(self, figures: SearchAnalytics) -> None:
        self.figures = figures
        span = f"{day_label(figures.first_day)} \u2013 {day_label(figures.last_day)} {figures.last_day:%Y}"
        if figures.empty:
            self.summary_label.setText(f"Last {figures.days} days ({span})")
            self._show_note(
                f"No searches in the last {figures.days} days yet. Figures appear here once people search."
            )
        else:
            self.summary_label.setText(_summary(figures, span))
            self._draw_charts()
            self.users_model.set_rows(tables.user_rows(figures))
            self.zero_results_model.set_rows(tables.zero_result_rows(figures))
            self.slowest_model.set_rows(tables.slowest_rows(figures))
            self.stack.setCurrentIndex(1)
        self.figures_shown.emit(figures)

    def _show_note(self, text: str) -> None:
        self.empty_label.setText(text)
        self.stack.setCurrentIndex(0)

    def _draw_charts(self) -> None:
        figures = self.figures
        if figures is None or figures.empty:
            return
        palette = self.palette()
        _swap(self.searches_view, searches_chart(figures, palette))
        _swap(self.cache_view, cache_chart(figures, palette))
        for part, view in self.latency_views.items():
            _swap(view, latency_chart(figures, palette, part))

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self._draw_charts()

    def _table(self, model: FiguresModel, *, stretch: int) -> QTableView:
        view = QTableView()
        view.setModel(model)
        view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        view.setWordWrap(False)
        view.verticalHeader().hide()
        header = view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
        return view


def _swap(view: QChartView, chart: QChart) -> None:
    old = view.chart()
    view.setChart(chart)
    if old is not None:
        old.deleteLater()


def _summary(figures: SearchAnalytics, span: str) -> str:
    latency = figures.latency.total
    return (
        f"{figures.searches:,} searches in the last {figures.days} days ({span}) \u00b7 "
        f"{figures.zero_results:,} found nothing \u00b7 "
        f"cache hits {tables.percent(figures.cache_hit_rate)} \u00b7 "
        f"median {tables.ms(latency.p50_ms)} ms, 95th percentile {tables.ms(latency.p95_ms)} ms"
    )
