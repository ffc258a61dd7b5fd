"""The search analytics panel (issue 18 item 3) on a fresh installation: the empty note, then charts and tables
over searches of known timings, spans of 7 and 30 days, and charts redrawn in a new palette."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING

import pytest

from chronotrace_desktop.ui.admin.analytics_charts import LATENCY_PARTS
from chronotrace_desktop.ui.admin.analytics_panel import AnalyticsPanel
from chronotrace_desktop.ui.qt import QColor, QPalette
from chronotrace_desktop.ui.qt_charts import QBarSeries, QLineSeries
from tests.integration.test_search_analytics import Logged, database_today, log

if TYPE_CHECKING:
    from pytestqt.qtbot import QtBot

    from chronotrace_desktop.domain.users import Actor
    from chronotrace_desktop.services.app import AppServices
    from chronotrace_desktop.workers.base import WorkerPool

LOADED = 20_000  # ms to wait for the figures


def test_empty_log_says_so_then_figures_draw(
    qtbot: QtBot, qtmodeltester: object, services: AppServices, admin: Actor, pool: WorkerPool
) -> None:
    panel = AnalyticsPanel(services, admin, pool)
    qtbot.addWidget(panel)
    with qtbot.waitSignal(panel.figures_shown, timeout=LOADED) as first:
        panel.resize(1000, 800)
        panel.show()
    assert first.args is not None
    assert first.args[0].empty
    assert not panel.showing_charts
    assert panel.empty_label.text().startswith("No searches in the last 30 days yet.")
    assert panel.searches_view.chart().series() == []  # no empty axes drawn

    today = database_today(services.database)
    yesterday = datetime.combine(today - timedelta(days=1), time(10))
    log(
        services.database,
        [
            Logged(admin.user_id, yesterday, 120, 30, 20, 10, True, 4, "man in a red jacket"),
            Logged(
                admin.user_id, yesterday + timedelta(minutes=1), 480, 90, 60, 40, False, 0, "purple elephant"
            ),
            Logged(
                admin.user_id, datetime.combine(today - timedelta(days=9), time(10)), 50, 5, 5, 5, False, 2
            ),
        ],
    )
    with qtbot.waitSignal(panel.figures_shown, timeout=LOADED):
        panel.refresh_button.click()
    assert panel.showing_charts
    assert panel.summary_label.text().startswith("3 searches in the last 30 days")
    (bars,) = panel.searches_view.chart().series()
    assert isinstance(bars, QBarSeries)
    counts = [bars.barSets()[0].at(i) for i in range(bars.barSets()[0].count())]
    assert len(counts) == 30
    assert (counts[-2], counts[-10], sum(counts)) == (2, 1, 3)
    for part in LATENCY_PARTS:  # two lone days: a median and a 95th percentile dot each
        lines = panel.latency_views[part].chart().series()
        assert len(lines) == 4
        assert all(isinstance(line, QLineSeries) and line.count() == 1 for line in lines)
    total = sorted(line.at(0).y() for line in panel.latency_views["total"].chart().series())
    assert total == [50.0, 50.0, 300.0, pytest.approx(462.0)]  # p50 = p95 on the day of one search
    for model in (panel.users_model, panel.zero_results_model, panel.slowest_model):
        qtmodeltester.check(model)  # type: ignore[attr-defined]
    assert panel.users_model.data(panel.users_model.index(0, 0)) == admin.email
    assert panel.zero_results_model.data(panel.zero_results_model.index(0, 0)) == "purple elephant"
    assert panel.slowest_model.rowCount() == 3
    assert panel.slowest_model.data(panel.slowest_model.index(0, 3)) == "480"

    with qtbot.waitSignal(panel.figures_shown, timeout=LOADED) as week:
        panel.set_days(7)
    assert week.args is not None
    assert len(week.args[0].per_day) == 7
    assert week.args[0].searches == 2
    assert panel.slowest_model.rowCount() == 2

    before = panel.cache_view.chart()
    dark = QPalette(panel.palette())
    dark.setColor(QPalette.ColorRole.Window, QColor("#353535"))
    dark.setColor(QPalette.ColorRole.Base, QColor("#262626"))
    dark.setColor(QPalette.ColorRole.Text, QColor("#eeeeee"))
    panel.setPalette(dark)
    after = panel.cache_view.chart()
    assert after is not before
    assert after.backgroundBrush().color() == QColor("#262626")
    assert after.axes()[0].labelsColor() == QColor("#eeeeee")
