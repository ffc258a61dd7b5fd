"""``chronotrace worker [--concurrency N] --user E``: work the team's ingest queue on this machine."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

from chronotrace_desktop.config import Profile
from chronotrace_desktop.domain.errors import ExitCode, InvalidInputError
from chronotrace_desktop.domain.roles import Action
from chronotrace_desktop.services.jobs import IngestWorker, WorkerOptions

if TYPE_CHECKING:
    from chronotrace_desktop.cli.context import CliContext


def register(commands: Any) -> None:
    worker = commands.add_parser(
        "worker", help="ingest the files queued on the team database (a workstation or a headless node)"
    )
    worker.add_argument("--concurrency", type=int, default=1, metavar="N", help="files at once (default 1)")
    worker.add_argument(
        "--attempts", type=int, default=3, metavar="N", help="runs of a failing file, then failed (default 3)"
    )
    worker.add_argument("--beat", type=float, default=10.0, metavar="S", help="heartbeat period in seconds")
    worker.add_argument(
        "--stalled-after",
        type=float,
        default=30.0,
        metavar="S",
        help="a worker silent this long is taken as dead and its jobs are queued again (default 30)",
    )
    worker.add_argument("--until-idle", action="store_true", help="stop when the queue is empty")
    worker.add_argument("--user", required=True, metavar="E", help="who runs this worker (may ingest)")
    worker.set_defaults(handler=run_worker)


def run_worker(ctx: CliContext) -> ExitCode:
    if ctx.settings.profile is not Profile.TEAM:
        raise InvalidInputError("workers serve a team installation's queue: use --profile team")
    args = ctx.args
    if not 1 <= args.concurrency <= 64 or not 1 <= args.attempts <= 100:
        raise InvalidInputError("--concurrency is 1 to 64 and --attempts 1 to 100")
    if not 0.2 <= args.beat <= 300 or args.stalled_after < 2 * args.beat:
        raise InvalidInputError("--beat is 0.2 to 300 s and --stalled-after at least twice the beat")
    actor = ctx.actor(migrate=True)
    services = ctx.services()
    services.authorizer.require(actor, Action.INGEST_VIDEO, resource_type="ingest_worker")
    options = WorkerOptions(
        concurrency=args.concurrency,
        attempts=args.attempts,
        beat_s=args.beat,
        stalled_after_s=args.stalled_after,
        stop_when_idle=args.until_idle,
    )
    worker = IngestWorker(services.ingest, services.database, options)
    sys.stderr.write(f"Worker {worker.id} working the ingest queue (concurrency {args.concurrency}).\n")
    sys.stderr.flush()
    worker.run()
    return ExitCode.OK
