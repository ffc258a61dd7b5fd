"""``chronotrace jobs list|cancel|retry|workers``: the team's ingest queue."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from chronotrace_desktop.domain.errors import ExitCode

if TYPE_CHECKING:
    from chronotrace_desktop.cli.context import CliContext
    from chronotrace_desktop.domain.jobs import IngestJob


def register(commands: Any) -> None:
    jobs = commands.add_parser("jobs", help="the team's ingest queue: list, cancel, retry, workers")
    sub = jobs.add_subparsers(dest="jobs_command", required=True)
    listing = sub.add_parser("list", help="queued, running and ended ingest jobs, newest first")
    listing.add_argument("--active", action="store_true", help="only queued and running jobs")
    listing.add_argument("--limit", type=int, default=100)
    listing.add_argument("--json", action="store_true")
    listing.add_argument("--user", required=True, metavar="E")
    listing.set_defaults(handler=run_list)
    for name, handler, words in (
        ("cancel", run_cancel, "cancel a queued job, or stop a running one after its current segment"),
        ("retry", run_retry, "run a failed or cancelled job again"),
    ):
        command = sub.add_parser(name, help=words)
        command.add_argument("job_id", type=int, metavar="JOB")
        command.add_argument("--user", required=True, metavar="E")
        command.set_defaults(handler=handler)
    workers = sub.add_parser("workers", help="the worker processes and their heartbeats")
    workers.add_argument("--json", action="store_true")
    workers.add_argument("--user", required=True, metavar="E")
    workers.set_defaults(handler=run_workers)


def _line(job: IngestJob) -> str:
    where = f" on {job.worker_host}:{job.worker_pid}" if job.worker_host else ""
    progress = f" {job.done}/{job.total}" if job.total else ""
    note = f" — {job.message}" if job.message else ""
    return f"{job.id:>6}  {job.status.label:<9}{where}{progress}  {job.path}  (attempts {job.attempts}){note}"


def run_list(ctx: CliContext) -> ExitCode:
    actor = ctx.actor()
    jobs = ctx.services().jobs.jobs(actor, active_only=ctx.args.active, limit=ctx.args.limit)
    for job in jobs:
        print(json.dumps(job.as_json()) if ctx.args.json else _line(job))
    return ExitCode.OK


def run_cancel(ctx: CliContext) -> ExitCode:
    actor = ctx.actor()
    print(_line(ctx.services().jobs.cancel(actor, ctx.args.job_id)))
    return ExitCode.OK


def run_retry(ctx: CliContext) -> ExitCode:
    actor = ctx.actor()
    print(_line(ctx.services().jobs.retry(actor, ctx.args.job_id)))
    return ExitCode.OK


def run_workers(ctx: CliContext) -> ExitCode:
    actor = ctx.actor()
    for w in ctx.services().jobs.workers(actor):
        if ctx.args.json:
            print(json.dumps({"id": str(w.id), "host": w.host, "pid": w.pid, "live": w.live,
                              "last_beat_at": w.last_beat_at.isoformat(), "jobs_done": w.jobs_done,
                              "jobs_failed": w.jobs_failed, "segments_done": w.segments_done,
                              "segments_per_s": round(w.segments_per_s, 3)}))  # fmt: skip
        else:
            state = "live" if w.live else "silent"
            print(
                f"{w.host}:{w.pid}  {state}  since {w.started_at:%Y-%m-%d %H:%M:%S}  jobs {w.jobs_done} done, "
                f"{w.jobs_failed} failed  {w.segments_per_s:.2f} segments/s"
            )
    return ExitCode.OK
