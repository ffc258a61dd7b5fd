"""``chronotrace appearance index [--video ID ... | --all] --user E``: build the track appearance vectors of
videos ingested before "find this person elsewhere" existed (or whose indexing failed: a missing model).

``chronotrace eval-appearance LABELS.json [--json] --user E``: how well "find this person elsewhere" ranks the
same person's other tracks (``eval/appearance``; metrics in ``services.appearance.evaluation``).
"""

from __future__ import annotations

import sys
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chronotrace_desktop.cli.output import print_json, print_table
from chronotrace_desktop.domain.errors import ExitCode, InvalidInputError
from chronotrace_desktop.domain.tasks import Unattended
from chronotrace_desktop.services.appearance import evaluate_appearance, load_person_labels

if TYPE_CHECKING:
    from chronotrace_desktop.cli.context import CliContext


def register(commands: Any) -> None:
    appearance = commands.add_parser(
        "appearance", help="track appearance vectors (find this person elsewhere)"
    )
    actions = appearance.add_subparsers(dest="appearance_command", metavar="ACTION", required=True)
    index = actions.add_parser("index", help="build the appearance vectors of ingested videos (backfill)")
    which = index.add_mutually_exclusive_group(required=True)
    which.add_argument("--video", action="append", default=[], metavar="VIDEO_ID", help="repeatable")
    which.add_argument("--all", action="store_true", help="every completed video")
    index.add_argument("--json", action="store_true", help="print the report as JSON")
    index.add_argument("--user", required=True, metavar="E", help="an account that may ingest")
    index.set_defaults(handler=run_index)

    ev = commands.add_parser(
        "eval-appearance", help="measure find-this-person-elsewhere on labelled people: rank-1/5, mAP"
    )
    ev.add_argument("labels", type=Path, metavar="LABELS.json")
    ev.add_argument("--json", action="store_true", help="print the whole report as JSON")
    ev.add_argument("--user", required=True, metavar="E", help="the account searching")
    ev.set_defaults(handler=run_eval)


def run_index(ctx: CliContext) -> ExitCode:
    try:
        videos = [uuid.UUID(v) for v in ctx.args.video] or None
    except ValueError:
        raise InvalidInputError("--video takes a video id (a UUID)") from None
    actor = ctx.actor()

    def progress(done: int, total: int, note: str) -> None:
        print(f"[{done}/{total}] {note}", file=sys.stderr, flush=True)

    report = ctx.services().appearance.index_videos(actor, videos, Unattended(), progress=progress)
    if ctx.args.json:
        print_json(report.as_json())
    else:
        print(
            f"{report.videos} video(s): {report.tracks} track(s) indexed, {report.skipped} too small to see, "
            f"in {report.seconds:.1f} s ({report.state})"
        )
    return ExitCode.OK if report.state == "indexed" else ExitCode.FAILURE


def run_eval(ctx: CliContext) -> ExitCode:
    labels = load_person_labels(ctx.args.labels)
    actor = ctx.actor()
    services = ctx.services()
    report = evaluate_appearance(services.appearance, services.database, actor, labels)
    if ctx.args.json:
        print_json(report)
        return ExitCode.OK
    rows = [
        {"query": q["query"], "identity": q["identity"], "relevant": q["relevant"]}
        | {f"{k}:{m}": f"{q[k][m]:.2f}" for k in ("labelled", "open") for m in ("rank1", "ap")}
        for q in report["queries"]
    ]
    print_table(rows, list(rows[0]) if rows else ["query"])
    for kind, values in report["overall"].items():
        print(f"{kind}: " + ", ".join(f"{m} {v:.3f}" for m, v in values.items()))
    for note in report["unresolved"]:
        print(f"unresolved: {note}", file=sys.stderr)
    print(f"{len(report['queries'])} queries over {report['tracks']} labelled tracks")
    return ExitCode.OK
