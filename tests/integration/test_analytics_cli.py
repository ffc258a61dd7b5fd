"""``chronotrace analytics searches`` as an administrator runs it: a real process on a fresh workstation
installation whose search log holds rows of known timings (issue 18 item 3)."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from sqlalchemy.pool import NullPool

from tests.conftest import scratch_dir
from tests.integration.conftest import start_embedded_backend
from tests.integration.test_cli import ADMIN, Cli

# yesterday: two searches of the administrator, one from the cache, one finding nothing
_LOG = sa.text(
    "INSERT INTO searches (user_id, query_text, result_count, execution_time_ms, nova_time_ms, "
    "qdrant_time_ms, db_time_ms, cache_hit, created_at) "
    "SELECT u.id, v.query_text, v.results, v.total, v.embedding, v.vector, v.db, v.cache_hit, "
    "CAST(localtimestamp AS date) - 1 + time '10:00' + v.minutes * interval '1 minute' "
    "FROM users AS u, (VALUES ('man in a red jacket', 4, 120, 30, 20, 10, true, 0), "
    "('purple elephant', 0, 480, 90, 60, 40, false, 1)) "
    "AS v(query_text, results, total, embedding, vector, db, cache_hit, minutes) "
    "WHERE u.email = :email"
)


@pytest.fixture(scope="module")
def cli() -> Cli:
    runner = Cli(scratch_dir("analytics-cli-") / "installation")
    assert runner("init", "--admin-email", ADMIN).returncode == 0
    return runner


def log_two_searches(cli: Cli) -> None:
    """As the installation's OS user could: straight into its embedded database."""
    url, stop = start_embedded_backend(cli.data_dir / "postgres")
    engine = sa.create_engine(url.set(database="chronotrace"), poolclass=NullPool)
    try:
        with engine.begin() as conn:
            assert conn.execute(_LOG, {"email": ADMIN}).rowcount == 2
    finally:
        engine.dispose()
        stop()


def test_empty_then_tables_and_json(cli: Cli) -> None:
    empty = cli("analytics", "searches", "--days", "7", "--user", ADMIN)
    assert empty.returncode == 0, empty.stderr
    assert empty.stdout.startswith("No searches in the last 7 days (")

    log_two_searches(cli)
    shown = cli("analytics", "searches", "--days", "3", "--user", ADMIN)
    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.splitlines()
    assert lines[0].startswith("2 searches in the last 3 days (")
    assert lines[0].endswith("1 found nothing; cache hits 1 (50.0 %)")
    # two values a < b: p50 = (a + b) / 2, p95 = a + 0.95 * (b - a)
    assert lines[1] == ("latency p50/p95 in ms: total 300/462, embedding 60/87, vector 40/58, database 25/38")
    words = [line.split() for line in lines]
    header = ["DAY", "SEARCHES", "ZERO", "CACHE", "TOTAL", "EMBEDDING", "VECTOR", "DATABASE"]
    days = words[words.index(header) + 1 :][:3]
    assert [day[1:] for day in days] == [
        ["0", "0", "-", "-", "-", "-", "-"],
        ["2", "1", "50.0", "%", "300/462", "60/87", "40/58", "25/38"],
        ["0", "0", "-", "-", "-", "-", "-"],
    ]
    assert [ADMIN, "2", "300", "1", "(50.0", "%)"] in words
    assert words[words.index(["QUERY", "SEARCHES", "LAST", "SEEN"]) + 1][:3] == ["purple", "elephant", "1"]

    as_json = cli("analytics", "searches", "--days", "3", "--json", "--user", ADMIN)
    assert as_json.returncode == 0, as_json.stderr
    figures = json.loads(as_json.stdout)
    assert (figures["days"], figures["searches"], figures["cache_hit_rate"]) == (3, 2, 0.5)
    assert [d["searches"] for d in figures["per_day"]] == [0, 2, 0]
    assert figures["per_day"][1]["latency"]["total"] == {"p50_ms": 300.0, "p95_ms": pytest.approx(462.0)}
    assert [(u["email"], u["searches"], u["avg_response_ms"]) for u in figures["per_user"]] == [
        (ADMIN, 2, 300.0)
    ]
    assert [q["query_text"] for q in figures["zero_result_queries"]] == ["purple elephant"]
    assert [s["total_ms"] for s in figures["slowest"]] == [480, 120]


def test_a_span_beyond_a_year_is_a_usage_error(cli: Cli) -> None:
    too_long = cli("analytics", "searches", "--days", "400", "--user", ADMIN)
    assert too_long.returncode == 2
    assert "from 1 to 366" in too_long.stderr
