"""The SQL behind search analytics: every figure computed by PostgreSQL over the ``searches`` log.

:func:`search_analytics` runs its statements in the caller's transaction, made REPEATABLE READ first so that
the totals, the days, the users and the lists are one snapshot of the log (a search logged meanwhile shows in
all of them or in none). The window is whole calendar days of the database's clock (``created_at`` is the
database's local time, ``localtimestamp`` is its now): from ``days - 1`` days before today to the end of today.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from chronotrace_desktop.domain.analytics import (
    LatencySplit,
    Percentiles,
    SearchAnalytics,
    SearchDay,
    SlowSearch,
    UserSearches,
    ZeroResultQuery,
)

if TYPE_CHECKING:
    from sqlalchemy import Connection
    from sqlalchemy.orm import Session

TOP_USERS = 25
TOP_ZERO_RESULT_QUERIES = 20
TOP_SLOWEST = 10

# (name in the result, column of ``searches``)
_TIMES = (
    ("total", "execution_time_ms"),
    ("embedding", "nova_time_ms"),
    ("vector", "qdrant_time_ms"),
    ("database", "db_time_ms"),
)
_PERCENTILES = ", ".join(
    f"percentile_cont({q}) WITHIN GROUP (ORDER BY s.{column}) AS {name}_p{label}"
    for name, column in _TIMES
    for q, label in ((0.5, 50), (0.95, 95))
)
_COUNTS = (
    "count(s.id) AS searches, "
    "count(s.id) FILTER (WHERE s.result_count = 0) AS zero_results, "
    "count(s.id) FILTER (WHERE s.cache_hit) AS cache_hits, "
    "CAST(count(s.id) FILTER (WHERE s.cache_hit) AS float8) / NULLIF(count(s.id), 0) AS cache_hit_rate"
)
_IN_WINDOW = "s.created_at >= :first_day AND s.created_at < :after_day"
_IN_CASE = " AND s.case_id = :case_id"

_TODAY = sa.text("SELECT CAST(localtimestamp AS date)")


def _statements(scope: str) -> dict[str, sa.TextClause]:
    """The statements over the searches in ``scope`` (a condition on ``s``)."""
    return {
        "overall": sa.text(f"SELECT {_COUNTS}, {_PERCENTILES} FROM searches AS s WHERE {scope}"),
        "per_day": sa.text(
            f"SELECT CAST(d.day AS date) AS day, {_COUNTS}, {_PERCENTILES} "
            "FROM generate_series(CAST(:first_day AS timestamp), CAST(:last_day AS timestamp), "
            "interval '1 day') AS d(day) "
            f"LEFT JOIN searches AS s ON {scope} "
            "AND s.created_at >= d.day AND s.created_at < d.day + interval '1 day' "
            "GROUP BY d.day ORDER BY d.day"
        ),
        "per_user": sa.text(
            "SELECT s.user_id, u.email, count(s.id) AS searches, "
            "CAST(avg(s.execution_time_ms) AS float8) AS avg_response_ms, "
            "count(s.id) FILTER (WHERE s.cache_hit) AS cache_hits, "
            "CAST(count(s.id) FILTER (WHERE s.cache_hit) AS float8) / count(s.id) AS cache_hit_rate "
            f"FROM searches AS s LEFT JOIN users AS u ON u.id = s.user_id WHERE {scope} "
            "GROUP BY s.user_id, u.email ORDER BY searches DESC, u.email NULLS LAST LIMIT :top_users"
        ),
        "zero_results": sa.text(
            "SELECT (array_agg(s.query_text ORDER BY s.created_at DESC, s.id))[1] AS query_text, "
            "count(s.id) AS searches, max(s.created_at) AS last_seen "
            f"FROM searches AS s WHERE {scope} AND s.result_count = 0 "
            r"GROUP BY lower(regexp_replace(btrim(s.query_text), '\s+', ' ', 'g')) "
            "ORDER BY searches DESC, last_seen DESC LIMIT :top_zero"
        ),
        "slowest": sa.text(
            "SELECT s.id, s.query_text, s.query_type, u.email, s.created_at, s.execution_time_ms, "
            "s.nova_time_ms, s.qdrant_time_ms, s.db_time_ms, s.result_count, "
            "coalesce(s.cache_hit, false) AS cache_hit "
            f"FROM searches AS s LEFT JOIN users AS u ON u.id = s.user_id "
            f"WHERE {scope} AND s.execution_time_ms IS NOT NULL "
            "ORDER BY s.execution_time_ms DESC, s.created_at DESC, s.id LIMIT :top_slowest"
        ),
    }


_ALL = _statements(_IN_WINDOW)
_ONE_CASE = _statements(_IN_WINDOW + _IN_CASE)


def search_analytics(session: Session, days: int, case_id: str | None) -> SearchAnalytics:
    """The figures of the last ``days`` days (today included), of ``case_id``'s searches or of all; in
    ``session``'s transaction, which must not have run a statement yet."""
    connection = session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
    today = connection.execute(_TODAY).scalar_one()
    assert isinstance(today, date)
    first_day = today - timedelta(days=days - 1)
    params: dict[str, Any] = {
        "first_day": first_day,
        "last_day": today,
        "after_day": today + timedelta(days=1),
        "case_id": case_id,
        "top_users": TOP_USERS,
        "top_zero": TOP_ZERO_RESULT_QUERIES,
        "top_slowest": TOP_SLOWEST,
    }
    statements = _ALL if case_id is None else _ONE_CASE
    overall = _run(connection, statements["overall"], params)[0]
    return SearchAnalytics(
        days=days,
        first_day=first_day,
        last_day=today,
        case_id=case_id,
        searches=int(overall.searches),
        zero_results=int(overall.zero_results),
        cache_hits=int(overall.cache_hits),
        cache_hit_rate=overall.cache_hit_rate,
        latency=_latency(overall),
        per_day=tuple(_day(row) for row in _run(connection, statements["per_day"], params)),
        per_user=tuple(_user(row) for row in _run(connection, statements["per_user"], params)),
        zero_result_queries=tuple(
            ZeroResultQuery(row.query_text, int(row.searches), row.last_seen)
            for row in _run(connection, statements["zero_results"], params)
        ),
        slowest=tuple(_slow(row) for row in _run(connection, statements["slowest"], params)),
    )


def _run(connection: Connection, statement: sa.TextClause, params: dict[str, Any]) -> list[Any]:
    return list(connection.execute(statement, params))


def _latency(row: Any) -> LatencySplit:
    def part(name: str) -> Percentiles:
        return Percentiles(getattr(row, f"{name}_p50"), getattr(row, f"{name}_p95"))

    return LatencySplit(part("total"), part("embedding"), part("vector"), part("database"))


def _day(row: Any) -> SearchDay:
    return SearchDay(
        day=row.day,
        searches=int(row.searches),
        zero_results=int(row.zero_results),
        cache_hits=int(row.cache_hits),
        cache_hit_rate=row.cache_hit_rate,
        latency=_latency(row),
    )


def _user(row: Any) -> UserSearches:
    return UserSearches(
        user_id=row.user_id,
        email=row.email,
        searches=int(row.searches),
        avg_response_ms=row.avg_response_ms,
        cache_hits=int(row.cache_hits),
        cache_hit_rate=float(row.cache_hit_rate),
    )


def _slow(row: Any) -> SlowSearch:
    return SlowSearch(
        search_id=uuid.UUID(str(row.id)),
        query_text=row.query_text,
        query_type=row.query_type or "text",
        email=row.email,
        created_at=row.created_at,
        total_ms=int(row.execution_time_ms),
        embedding_ms=row.nova_time_ms,
        vector_ms=row.qdrant_time_ms,
        database_ms=row.db_time_ms,
        result_count=row.result_count,
        cache_hit=bool(row.cache_hit),
    )
