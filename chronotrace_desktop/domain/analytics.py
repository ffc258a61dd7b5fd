"""Search analytics (issue 18): what the ``searches`` log says about volumes, latency and the cache.

Times are milliseconds as the log records them: ``execution_time_ms`` (total), ``nova_time_ms`` (embedding,
whatever the engine), ``qdrant_time_ms`` (vector search), ``db_time_ms`` (PostgreSQL). Percentiles are
continuous (interpolated, PostgreSQL's ``percentile_cont``); a rate is a share between 0 and 1. Days are the
database's calendar days, the newest being today.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import uuid
    from datetime import date, datetime

ANALYTICS_DAYS = (7, 30, 90)  # the spans the desktop offers
MAX_ANALYTICS_DAYS = 366


@dataclass(frozen=True, slots=True)
class Percentiles:
    """The median and the 95th percentile of one time; None without a timed search."""

    p50_ms: float | None
    p95_ms: float | None


@dataclass(frozen=True, slots=True)
class LatencySplit:
    """Percentiles of the total time and of its three measured parts."""

    total: Percentiles
    embedding: Percentiles
    vector: Percentiles
    database: Percentiles


@dataclass(frozen=True, slots=True)
class SearchDay:
    """One calendar day; a day without searches is there too, with zero counts and no percentiles."""

    day: date
    searches: int
    zero_results: int
    cache_hits: int
    cache_hit_rate: float | None  # None on a day without searches
    latency: LatencySplit


@dataclass(frozen=True, slots=True)
class UserSearches:
    """One account's searches (the schema document's "user search analytics")."""

    user_id: uuid.UUID | None  # None: searches whose account was deleted since
    email: str | None
    searches: int
    avg_response_ms: float | None
    cache_hits: int
    cache_hit_rate: float


@dataclass(frozen=True, slots=True)
class ZeroResultQuery:
    """Words that found nothing, counted regardless of case and spacing; shown as last typed."""

    query_text: str
    searches: int
    last_seen: datetime


@dataclass(frozen=True, slots=True)
class SlowSearch:
    """One of the slowest searches, with where its time went."""

    search_id: uuid.UUID
    query_text: str
    query_type: str
    email: str | None
    created_at: datetime
    total_ms: int
    embedding_ms: int | None
    vector_ms: int | None
    database_ms: int | None
    result_count: int | None
    cache_hit: bool


@dataclass(frozen=True, slots=True)
class SearchAnalytics:
    """The figures of ``days`` days (``first_day`` to ``last_day``), of one case's searches or of all."""

    days: int
    first_day: date
    last_day: date
    case_id: str | None
    searches: int
    zero_results: int
    cache_hits: int
    cache_hit_rate: float | None  # None without searches
    latency: LatencySplit
    per_day: tuple[SearchDay, ...]
    per_user: tuple[UserSearches, ...]
    zero_result_queries: tuple[ZeroResultQuery, ...]
    slowest: tuple[SlowSearch, ...]

    @property
    def empty(self) -> bool:
        return self.searches == 0
