"""Search analytics (issue 18 item 3) on both backends: figures over ``searches`` rows of known timings.

The session's installation is shared, and other tests search in it too: the exact figures are those of a case
of this module's own (``summary(case_id=...)``) and of users made here.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import pytest
import sqlalchemy as sa

from chronotrace_desktop.domain.errors import InvalidInputError, PermissionDeniedError
from chronotrace_desktop.domain.roles import Role
from chronotrace_desktop.domain.search import SearchFilters, SegmentQuery
from chronotrace_desktop.services.analytics import LatencySplit, Percentiles
from chronotrace_desktop.storage.database import Database
from chronotrace_desktop.storage.orm import AuditLog, Search
from tests.integration.conftest import Installation


@dataclass(frozen=True)
class Logged:
    """One search as the log would hold it."""

    user_id: uuid.UUID | None
    at: datetime
    total: int
    embedding: int
    vector: int
    database: int
    cache_hit: bool
    results: int
    text: str = "red car"
    case_id: str | None = None


def log(database: Database, rows: list[Logged]) -> list[uuid.UUID]:
    """Write ``rows`` into the search log (as the administrator's login may: it searches too)."""
    ids = [uuid.uuid4() for _ in rows]
    with database.transaction() as session:
        for search_id, row in zip(ids, rows, strict=True):
            session.add(
                Search(
                    id=search_id,
                    user_id=row.user_id,
                    query_text=row.text,
                    query_type="text",
                    case_id=row.case_id,
                    result_count=row.results,
                    execution_time_ms=row.total,
                    nova_time_ms=row.embedding,
                    qdrant_time_ms=row.vector,
                    db_time_ms=row.database,
                    cache_hit=row.cache_hit,
                    created_at=row.at,
                )
            )
    return ids


def database_today(database: Database) -> date:
    with database.transaction() as session:
        today = session.execute(sa.text("SELECT CAST(localtimestamp AS date)")).scalar_one()
    assert isinstance(today, date)
    return today


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute))


@dataclass(frozen=True)
class CaseLog:
    case_id: str
    today: date
    analyst: uuid.UUID
    analyst_email: str
    viewer: uuid.UUID
    ids: list[uuid.UUID]


@pytest.fixture(scope="module")
def case_log(installation: Installation) -> CaseLog:
    """A case's searches: four by an analyst two days ago, none yesterday, one by a viewer today; around
    them, one the day before the window and one outside the case."""
    inst = installation
    case_id = inst.services.cases.create(inst.admin, "Analytics figures").case_id
    analyst_email, analyst_actor = inst.add_user(Role.ANALYST)
    analyst = analyst_actor.user_id
    viewer = inst.add_user(Role.VIEWER)[1].user_id
    today = database_today(inst.services.database)
    two_days_ago = today - timedelta(days=2)
    ids = log(
        inst.services.database,
        [
            Logged(analyst, at(two_days_ago, 9), 100, 10, 5, 1, True, 3, "bus", case_id),
            Logged(analyst, at(two_days_ago, 10), 200, 20, 6, 2, True, 0, "Red Car", case_id),
            Logged(analyst, at(two_days_ago, 11), 300, 30, 7, 3, False, 5, "bus", case_id),
            Logged(analyst, at(two_days_ago, 12), 400, 40, 8, 4, False, 0, " red  car ", case_id),
            Logged(viewer, at(today, 0, 1), 50, 5, 5, 5, True, 2, "bus", case_id),
            Logged(viewer, at(today - timedelta(days=3), 23, 59), 9000, 1, 1, 1, True, 0, "bus", case_id),
            Logged(viewer, at(today, 0, 2), 8000, 1, 1, 1, True, 0, "bus", None),
        ],
    )
    return CaseLog(case_id, today, analyst, analyst_email, viewer, ids)


def test_a_case_figures_over_three_days(installation: Installation, case_log: CaseLog) -> None:
    figures = installation.services.analytics.summary(installation.admin, 3, case_id=case_log.case_id)
    assert (figures.days, figures.case_id) == (3, case_log.case_id)
    assert (figures.first_day, figures.last_day) == (case_log.today - timedelta(days=2), case_log.today)
    assert (figures.searches, figures.zero_results, figures.cache_hits) == (5, 2, 3)
    assert figures.cache_hit_rate == pytest.approx(0.6)
    # totals 50, 100, 200, 300, 400: the median is the third, the 95th percentile 300 + 0.8 * 100
    assert figures.latency.total == Percentiles(pytest.approx(200.0), pytest.approx(380.0))

    first, middle, last = figures.per_day
    assert [d.day for d in figures.per_day] == [case_log.today - timedelta(days=n) for n in (2, 1, 0)]
    assert (first.searches, first.zero_results, first.cache_hits) == (4, 2, 2)
    assert first.cache_hit_rate == pytest.approx(0.5)
    # four values a, b, c, d: p50 = (b + c) / 2, p95 = c + 0.85 * (d - c)
    assert first.latency == LatencySplit(
        total=Percentiles(pytest.approx(250.0), pytest.approx(385.0)),
        embedding=Percentiles(pytest.approx(25.0), pytest.approx(38.5)),
        vector=Percentiles(pytest.approx(6.5), pytest.approx(7.85)),
        database=Percentiles(pytest.approx(2.5), pytest.approx(3.85)),
    )
    assert (middle.searches, middle.zero_results, middle.cache_hits, middle.cache_hit_rate) == (0, 0, 0, None)
    assert middle.latency.total == Percentiles(None, None)
    assert (last.searches, last.cache_hit_rate) == (1, pytest.approx(1.0))
    assert last.latency.vector == Percentiles(pytest.approx(5.0), pytest.approx(5.0))

    analyst, viewer = figures.per_user
    assert (analyst.user_id, analyst.searches, analyst.cache_hits) == (case_log.analyst, 4, 2)
    assert (analyst.avg_response_ms, analyst.cache_hit_rate) == (pytest.approx(250.0), pytest.approx(0.5))
    assert analyst.email == case_log.analyst_email
    assert (viewer.user_id, viewer.searches, viewer.avg_response_ms) == (case_log.viewer, 1, 50.0)
    assert viewer.cache_hit_rate == pytest.approx(1.0)

    # "Red Car" and " red  car " are one query; shown as last typed
    (zero,) = figures.zero_result_queries
    assert (zero.query_text, zero.searches) == (" red  car ", 2)
    assert zero.last_seen == at(case_log.today - timedelta(days=2), 12)

    assert [s.total_ms for s in figures.slowest] == [400, 300, 200, 100, 50]
    slowest = figures.slowest[0]
    assert (slowest.search_id, slowest.embedding_ms, slowest.vector_ms, slowest.database_ms) == (
        case_log.ids[3], 40, 8, 4,
    )  # fmt: skip
    assert (slowest.result_count, slowest.cache_hit, slowest.query_type) == (0, False, "text")


def test_one_day_is_today_only(installation: Installation, case_log: CaseLog) -> None:
    figures = installation.services.analytics.summary(installation.admin, 1, case_id=case_log.case_id)
    assert [d.day for d in figures.per_day] == [case_log.today]
    assert (figures.searches, figures.zero_results) == (1, 0)
    assert [u.user_id for u in figures.per_user] == [case_log.viewer]
    assert figures.zero_result_queries == ()


def test_all_searches_count_every_case_and_none(installation: Installation, case_log: CaseLog) -> None:
    figures = installation.services.analytics.summary(installation.admin, 7)
    assert len(figures.per_day) == 7
    assert figures.per_day[-1].day == case_log.today
    assert sum(d.searches for d in figures.per_day) == figures.searches
    users = {u.user_id: u for u in figures.per_user}
    # the viewer's searches today (in the case and outside it) and the day before the three-day window
    assert users[case_log.viewer].searches == 3
    assert users[case_log.viewer].avg_response_ms == pytest.approx((50 + 9000 + 8000) / 3)
    assert figures.slowest[0].total_ms >= 9000


def test_only_administrators_see_search_analytics(installation: Installation) -> None:
    inst = installation
    for role in (Role.ANALYST, Role.VIEWER, Role.API_USER):
        actor = inst.add_user(role)[1]
        with pytest.raises(PermissionDeniedError, match="may not view search analytics"):
            inst.services.analytics.summary(actor, 7)
        with inst.services.database.transaction() as session:
            denied = session.scalars(
                sa.select(AuditLog.meta).where(
                    AuditLog.user_id == actor.user_id, AuditLog.action == "permission_denied"
                )
            ).all()
        assert [m["requested_action"] for m in denied if m] == ["view_search_analytics"]


def test_viewing_writes_no_audit_row(installation: Installation) -> None:
    def admin_rows() -> int:
        with installation.services.database.transaction() as session:
            query = sa.select(sa.func.count()).where(AuditLog.user_id == installation.admin.user_id)
            return int(session.execute(query).scalar_one())

    before = admin_rows()
    installation.services.analytics.summary(installation.admin, 30)
    assert admin_rows() == before


@pytest.mark.parametrize(("days", "case_id"), [(0, None), (367, None), (7, "CASE-12")])
def test_bad_spans_and_case_ids_are_refused(
    installation: Installation, days: int, case_id: str | None
) -> None:
    with pytest.raises(InvalidInputError):
        installation.services.analytics.summary(installation.admin, days, case_id=case_id)


def test_searches_through_the_search_service_are_counted_with_their_timings(
    installation: Installation,
) -> None:
    """The loop end to end: SearchService logs its timings and cache hits, the analytics read them."""
    inst = installation
    case_id = inst.services.cases.create(inst.admin, "Searched through the service").case_id
    words = f"man in a grey coat {uuid.uuid4().hex[:6]}"
    for text in (words, f"  {words} "):  # the second embeds the same words: a cache hit
        inst.services.search.search(
            inst.admin, SegmentQuery(text=text, filters=SearchFilters(case_id=case_id))
        )
    figures = inst.services.analytics.summary(inst.admin, 1, case_id=case_id)
    # both found nothing: the case holds no video
    assert (figures.searches, figures.cache_hits, figures.zero_results) == (2, 1, 2)
    latency = figures.latency
    for part in (latency.total, latency.embedding, latency.vector, latency.database):
        assert part.p50_ms is not None
        assert part.p95_ms is not None
    (zero,) = figures.zero_result_queries
    assert (zero.query_text, zero.searches) == (words, 2)
