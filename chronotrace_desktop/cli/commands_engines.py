"""``chronotrace reembed --engine NAME [--video ID]... [--price-per-call USD] [--yes] --user ADMIN``."""

from __future__ import annotations

import sys
import time
import uuid
from typing import TYPE_CHECKING, Any

from chronotrace_desktop.domain.errors import ExitCode, InvalidInputError
from chronotrace_desktop.workers.task_state import TaskState

if TYPE_CHECKING:
    from chronotrace_desktop.cli.context import CliContext


def register(commands: Any) -> None:
    reembed = commands.add_parser(
        "reembed",
        help="embed the library's segments with an engine (nova, clip) that lacks them; resumable",
    )
    reembed.add_argument("--engine", required=True, metavar="NAME", help="nova or clip")
    reembed.add_argument("--video", action="append", metavar="ID", help="only this video (repeatable)")
    reembed.add_argument(
        "--price-per-call", type=float, metavar="USD", help="what one remote call costs, for the estimate"
    )
    reembed.add_argument("--yes", action="store_true", help="start without asking (scripts)")
    reembed.add_argument("--user", required=True, metavar="E", help="an administrator's e-mail")
    reembed.set_defaults(handler=run_reembed)


def run_reembed(ctx: CliContext) -> ExitCode:
    try:
        videos = [uuid.UUID(v) for v in ctx.args.video] if ctx.args.video else None
    except ValueError:
        raise InvalidInputError("--video takes a video id (a UUID)") from None
    if ctx.args.price_per_call is not None and ctx.args.price_per_call < 0:
        raise InvalidInputError("--price-per-call cannot be negative")
    actor = ctx.actor()
    embedding = ctx.services().embedding
    plan = embedding.plan(actor, ctx.args.engine, videos)
    cost = plan.cost(ctx.args.price_per_call)
    estimate = f" (about {cost:.2f} USD)" if cost is not None else ""
    print(
        f"{plan.segments} segment(s) without {plan.engine} vectors ({plan.model}); "
        f"{plan.remote_calls} remote call(s){estimate}."
    )
    if plan.segments == 0:
        return ExitCode.OK
    if plan.remote_calls and not ctx.args.yes:
        if not sys.stdin.isatty():
            raise InvalidInputError("remote calls cost money: confirm with --yes (or run in a terminal)")
        if input("Start? [y/N] ").strip().lower() not in ("y", "yes"):
            print("Nothing done.")
            return ExitCode.OK
    started = time.monotonic()

    def progress(done: int, total: int, note: str) -> None:
        end = "\n" if done == total else "\r"
        print(f"{note}: {done}/{total}", end=end, file=sys.stderr, flush=True)

    report = embedding.run(actor, ctx.args.engine, TaskState(), video_ids=videos, progress=progress)
    print(
        f"Embedded {report.embedded} segment(s) with {report.engine} in {time.monotonic() - started:.1f} s; "
        f"{report.remote_calls} remote call(s); {len(report.refused)} refused."
    )
    for line in report.refused[:10]:
        print(f"  refused: {line}")
    return ExitCode.FAILURE if report.refused else ExitCode.OK
