"""``chronotrace analytics searches [--days N] [--case ID] [--json] --user E``: the search log's figures
(administrators): searches per day with their latency split, cache hits, per-user totals, zero-result and
slowest queries. Tables by default; ``--json`` prints the service's record as it is."""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from chronotrace_desktop.cli.arguments import checked
from chronotrace_desktop.cli.output import print_json, print_table
from chronotrace_desktop.domain.errors import ExitCode, InvalidInputError
from chronotrace_desktop.services.analytics import MAX_ANALYTICS_DAYS

if TYPE_CHECKING:
    from chronotrace_desktop.cli.context import CliContext
    from chronotrace_desktop.services.analytics import LatencySplit, Percentiles, SearchDay, SlowSearch

DEFAULT_DAYS = 30


def register(commands: Any) -> None:
    group = commands.add_parser("analytics", help="figures of the search log (administrators)")
    sub = group.add_subparsers(dest="analytics_command", required=True)
    searches = sub.add_parser(
        "searches",
        help="searches per day, latency p50/p95 by part, cache hits, users, zero-result and slowest",
    )
    searches.add_argument(
        "--days",
        type=checked(days),
        default=DEFAULT_DAYS,
        metavar="N",
        help=f"the last N days, today included (default {DEFAULT_DAYS}, at most {MAX_ANALYTICS_DAYS})",
    )
    searches.add_argument("--case", metavar="CASE", help="only the searches made in this case")
    searches.add_argument("--json", action="store_true")
    searches.add_argument("--user", required=True, metavar="E", help="an administrator's e-mail")
    searches.set_defaults(handler=run_searches)


def days(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if not 1 <= value <= MAX_ANALYTICS_DAYS:
        raise InvalidInputError(f"days is a whole number from 1 to {MAX_ANALYTICS_DAYS}, not {text!r}")
    return value


def run_searches(ctx: CliContext) -> ExitCode:
    args = ctx.args
    figures = ctx.services().analytics.summary(ctx.actor(), args.days, case_id=args.case)
    if args.json:
        print_json(asdict(figures))
        return ExitCode.OK
    scope = f" in {figures.case_id}" if figures.case_id else ""
    span = f"the last {figures.days} days ({figures.first_day} to {figures.last_day})"
    if figures.empty:
        print(f"No searches{scope} in {span}.")
        return ExitCode.OK
    print(
        f"{figures.searches} searches{scope} in {span}: {figures.zero_results} found nothing; "
        f"cache hits {figures.cache_hits} ({_rate(figures.cache_hit_rate)})"
    )
    print(f"latency p50/p95 in ms: {_split(figures.latency)}")
    _section("Per day (p50/p95 in ms)")
    print_table([_day_row(d) for d in figures.per_day], _DAY_COLUMNS)
    _section("Per user")
    print_table(
        [
            {
                "user": u.email or "(deleted account)",
                "searches": u.searches,
                "avg ms": _ms(u.avg_response_ms),
                "cache hits": f"{u.cache_hits} ({_rate(u.cache_hit_rate)})",
            }
            for u in figures.per_user
        ],
        ["user", "searches", "avg ms", "cache hits"],
    )
    _section("Queries that found nothing")
    print_table(
        [
            {"query": q.query_text, "searches": q.searches, "last seen": q.last_seen}
            for q in figures.zero_result_queries
        ],
        ["query", "searches", "last seen"],
    )
    _section("Slowest searches (ms)")
    print_table([_slow_row(search) for search in figures.slowest], _SLOW_COLUMNS)
    return ExitCode.OK


_DAY_COLUMNS = ["day", "searches", "zero", "cache", "total", "embedding", "vector", "database"]
_SLOW_COLUMNS = ["when", "user", "query", "total", "embedding", "vector", "database", "results", "cache"]


def _section(title: str) -> None:
    print()
    print(title)


def _day_row(day: SearchDay) -> dict[str, Any]:
    latency = day.latency
    return {
        "day": day.day.isoformat(),
        "searches": day.searches,
        "zero": day.zero_results,
        "cache": _rate(day.cache_hit_rate),
        "total": _pair(latency.total),
        "embedding": _pair(latency.embedding),
        "vector": _pair(latency.vector),
        "database": _pair(latency.database),
    }


def _slow_row(search: SlowSearch) -> dict[str, Any]:
    return {
        "when": search.created_at,
        "user": search.email or "(deleted account)",
        "query": search.query_text if len(search.query_text) <= 40 else search.query_text[:39] + "\u2026",
        "total": search.total_ms,
        "embedding": search.embedding_ms,
        "vector": search.vector_ms,
        "database": search.database_ms,
        "results": search.result_count,
        "cache": search.cache_hit,
    }


def _split(latency: LatencySplit) -> str:
    return ", ".join(
        f"{name} {_pair(part)}"
        for name, part in (
            ("total", latency.total),
            ("embedding", latency.embedding),
            ("vector", latency.vector),
            ("database", latency.database),
        )
    )


def _pair(part: Percentiles) -> str:
    return "-" if part.p50_ms is None else f"{_ms(part.p50_ms)}/{_ms(part.p95_ms)}"


def _ms(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.1f}" if value < 10 else f"{value:.0f}"


def _rate(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f} %"
