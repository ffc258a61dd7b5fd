"""Search analytics: volumes, latency split, cache hits, per-user totals, zero-result and slowest queries.

``store`` holds the SQL (every figure computed by PostgreSQL, one snapshot per call), ``service`` the
:class:`SearchAnalyticsService` facade (administrators only). The records are the domain's
(``domain.analytics``), re-exported here for the front ends.
"""

from chronotrace_desktop.domain.analytics import (
    ANALYTICS_DAYS,
    MAX_ANALYTICS_DAYS,
    LatencySplit,
    Percentiles,
    SearchAnalytics,
    SearchDay,
    SlowSearch,
    UserSearches,
    ZeroResultQuery,
)
from chronotrace_desktop.services.analytics.service import SearchAnalyticsService

__all__ = [
    "ANALYTICS_DAYS",
    "MAX_ANALYTICS_DAYS",
    "LatencySplit",
    "Percentiles",
    "SearchAnalytics",
    "SearchAnalyticsService",
    "SearchDay",
    "SlowSearch",
    "UserSearches",
    "ZeroResultQuery",
]
