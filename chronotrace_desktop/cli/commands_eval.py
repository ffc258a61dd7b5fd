"""``chronotrace eval QUERIES.json [--limit 10] [--json] --user E``: search quality on labelled queries."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from chronotrace_desktop.cli.output import print_json, print_table
from chronotrace_desktop.domain.errors import InvalidInputError
from chronotrace_desktop.domain.search import MAX_LIMIT
from chronotrace_desktop.services.search_eval import METRICS, evaluate, load_queries

if TYPE_CHECKING:
    from chronotrace_desktop.cli.context import CliContext


def register(commands: Any) -> None:
    ev = commands.add_parser(
        "eval", help="measure search on labelled queries: recall@5, recall@10, precision@5, MRR, nDCG@10"
    )
    ev.add_argument("queries", type=Path, metavar="QUERIES.json")
    ev.add_argument("--limit", type=int, default=10, metavar="N", help="hits per query (default 10)")
    ev.add_argument("--json", action="store_true", help='print {"overall": {...}, "per_query": [...]}')
    ev.add_argument("--user", required=True, metavar="E", help="the account searching")
    ev.set_defaults(handler=run_eval)


def run_eval(ctx: CliContext) -> int:
    if not 1 <= ctx.args.limit <= MAX_LIMIT:
        raise InvalidInputError(f"--limit must be between 1 and {MAX_LIMIT}")
    queries = load_queries(ctx.args.queries)
    actor = ctx.actor()
    report = evaluate(ctx.services().search, actor, queries, ctx.args.limit)
    if ctx.args.json:
        print_json(report.as_json())
        return 0
    rows = [
        {
            "query": m.query,
            "rel": m.relevant,
            "recall@5": f"{m.recall_at_5:.2f}",
            "recall@10": f"{m.recall_at_10:.2f}",
            "precision@5": f"{m.precision_at_5:.2f}",
            "mrr": f"{m.mrr:.2f}",
            "ndcg@10": f"{m.ndcg_at_10:.2f}",
        }
        for m in report.per_query
    ]
    print_table(rows, ["query", "rel", *METRICS])
    overall = "  ".join(f"{name} {report.overall[name]:.3f}" for name in METRICS)
    print(f"\noverall ({len(report.per_query)} queries): {overall}")
    return 0
