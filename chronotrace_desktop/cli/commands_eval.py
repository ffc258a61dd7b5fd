"""``chronotrace eval QUERIES.json [--limit 10] [--json] --user E``: search quality on labelled queries.

``chronotrace eval-redaction LABELS.json [--json] --user E``: the share of labelled heads (and visible faces)
that a viewer's redacted renditions blur, and of rendered frames outside the segment window.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from chronotrace_desktop.cli.output import print_json, print_table
from chronotrace_desktop.domain.errors import ExitCode, InvalidInputError
from chronotrace_desktop.domain.search import MAX_LIMIT
from chronotrace_desktop.domain.users import ReauthPurpose
from chronotrace_desktop.services.evaluation import COVERED_SHARE, evaluate_redaction, load_redaction_labels
from chronotrace_desktop.services.search import METRICS, evaluate_search, load_queries, per_clip

if TYPE_CHECKING:
    from chronotrace_desktop.cli.context import CliContext


def register(commands: Any) -> None:
    ev = commands.add_parser(
        "eval", help="measure search on labelled queries: recall@5, recall@10, precision@5, MRR, nDCG@10"
    )
    ev.add_argument("queries", type=Path, metavar="QUERIES.json")
    ev.add_argument("--limit", type=int, default=10, metavar="N", help="hits per query (default 10)")
    ev.add_argument("--json", action="store_true", help='print {"overall": {...}, "per_query": [...]}')
    ev.add_argument(
        "--per-clip",
        action="store_true",
        help="also judge each clip on its own (the other clips' relevant segments left out of the rankings)",
    )
    ev.add_argument("--user", required=True, metavar="E", help="the account searching")
    ev.set_defaults(handler=run_eval)

    red = commands.add_parser(
        "eval-redaction",
        help="measure redaction on labelled frames: heads and faces blurred, frames outside the window",
    )
    red.add_argument("labels", type=Path, metavar="LABELS.json")
    red.add_argument("--json", action="store_true", help='print {"overall": {...}, "per_clip": {...}, ...}')
    red.add_argument(
        "--user",
        required=True,
        metavar="E",
        help="the account viewing (needs the reveal permission: audited)",
    )
    red.set_defaults(handler=run_eval_redaction)


def run_eval(ctx: CliContext) -> ExitCode:
    if not 1 <= ctx.args.limit <= MAX_LIMIT:
        raise InvalidInputError(f"--limit must be between 1 and {MAX_LIMIT}")
    queries = load_queries(ctx.args.queries)
    actor = ctx.actor()
    report = evaluate_search(ctx.services().search, actor, queries, ctx.args.limit)
    clips = per_clip(queries, report) if ctx.args.per_clip else None
    if ctx.args.json:
        print_json(report.as_json() | ({"per_clip": clips} if clips is not None else {}))
        return ExitCode.OK
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
    if clips is not None:
        print()
        print_table(
            [
                {
                    "clip": clip,
                    "queries": str(int(v["queries"])),
                    "ndcg@10": f"{v['ndcg@10']:.3f}",
                    "recall@10": f"{v['recall@10']:.3f}",
                }
                for clip, v in clips.items()
            ],
            ["clip", "queries", "ndcg@10", "recall@10"],
        )
    return ExitCode.OK


def run_eval_redaction(ctx: CliContext) -> ExitCode:
    labels = load_redaction_labels(ctx.args.labels)
    actor, proof = ctx.reauthenticated_actor(ReauthPurpose.REVEAL)  # it reveals originals
    services = ctx.services()
    report = evaluate_redaction(services.database, services.media, actor, labels, proof=proof)
    if ctx.args.json:
        print_json(report.as_json())
        return ExitCode.OK

    def share(value: float | None) -> str:
        return "-" if value is None else f"{value:.3f}"

    rows = [
        {
            "clip": name,
            "heads": score.heads,
            "covered": share(score.head_coverage),
            "faces": score.faces,
            "faces covered": share(score.face_coverage),
            "frames": score.rendered_frames,
            "outside window": share(score.outside_share),
        }
        for name, score in [*report.per_clip.items(), ("OVERALL", report.overall)]
    ]
    print_table(rows, ["clip", "heads", "covered", "faces", "faces covered", "frames", "outside window"])
    print(
        f"\nmode {report.mode}; a head is covered when {COVERED_SHARE:.0%} of its box is blurred in the "
        f"rendered frame; {len(report.segments)} segments rendered as a viewer gets them"
    )
    return ExitCode.OK
