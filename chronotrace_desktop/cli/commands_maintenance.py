"""``chronotrace maintenance run|history``: database maintenance (administrators; every run recorded and audited).

``run`` does every task, the ones named with ``--task``, or with ``--due-only`` those due by the schedule
(searches daily, exports daily, VACUUM ANALYZE weekly, REINDEX and the audit archive monthly). Exit 0 when every
task succeeded or was skipped (a skip says why: e.g. VACUUM on a team server before PostgreSQL 17 needs
``--owner``), 1 when one failed (its cause is printed and recorded). ``history`` lists past runs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chronotrace_desktop.cli.commands_admin import owner_credentials
from chronotrace_desktop.cli.output import print_json, print_table
from chronotrace_desktop.config import Profile
from chronotrace_desktop.domain.clock import utc_iso
from chronotrace_desktop.domain.errors import ExitCode, InvalidInputError
from chronotrace_desktop.domain.maintenance import MaintenanceRunInfo, MaintenanceStatus, parse_task
from chronotrace_desktop.services.admin import owner_url

if TYPE_CHECKING:
    from chronotrace_desktop.cli.context import CliContext

_COLUMNS = ["started_at", "task", "trigger", "status", "rows", "by", "message"]


def register(commands: Any) -> None:
    group = commands.add_parser(
        "maintenance", help="database upkeep: retention, audit archive, VACUUM, REINDEX"
    )
    sub = group.add_subparsers(dest="maintenance_command", required=True)
    run = sub.add_parser("run", help="run maintenance tasks now (all, --task T ..., or --due-only)")
    run.add_argument(
        "--task",
        action="append",
        metavar="T",
        help="purge_searches, archive_audit, expire_exports, vacuum_analyze or reindex (repeatable)",
    )
    run.add_argument("--due-only", action="store_true", help="only the tasks due by the schedule")
    run.add_argument(
        "--owner",
        metavar="ROLE",
        help="team profile: the tables' owner, for VACUUM and REINDEX on PostgreSQL before 17 (password from "
        "CHRONOTRACE_DB_OWNER_PASSWORD or a prompt; this run only)",
    )
    run.add_argument("--user", required=True, metavar="E", help="an administrator's e-mail")
    run.add_argument("--json", action="store_true")
    run.set_defaults(handler=run_maintenance)
    history = sub.add_parser("history", help="past maintenance runs, newest first")
    history.add_argument("--limit", type=int, default=50, metavar="N")
    history.add_argument("--user", required=True, metavar="E", help="an administrator's e-mail")
    history.add_argument("--json", action="store_true")
    history.set_defaults(handler=run_history)


def run_maintenance(ctx: CliContext) -> ExitCode:
    args = ctx.args
    if args.due_only and args.task:
        raise InvalidInputError("give --task or --due-only, not both")
    try:
        tasks = [parse_task(name) for name in args.task] if args.task else None
    except ValueError as exc:
        raise InvalidInputError(str(exc)) from None
    owner = None
    if args.owner:
        if ctx.settings.profile is not Profile.TEAM:
            raise InvalidInputError(
                "--owner is for a team database; the workstation runs maintenance as its owner"
            )
        owner = owner_url(ctx.settings, owner_credentials(args.owner))
    actor = ctx.actor()
    housekeeping = ctx.services().housekeeping
    if args.due_only:
        tasks = housekeeping.due(actor)
    runs = housekeeping.run(actor, tasks, owner_url=owner) if tasks != [] else []
    if args.json:
        print_json([_row(run) for run in runs])
    elif not runs:
        print("Nothing is due." if args.due_only else "Nothing was run.")
    else:
        print_table([_row(run) for run in runs], _COLUMNS)
    return ExitCode.FAILURE if any(r.status is MaintenanceStatus.FAILED for r in runs) else ExitCode.OK


def run_history(ctx: CliContext) -> ExitCode:
    actor = ctx.actor()
    runs = ctx.services().housekeeping.history(actor, max(1, ctx.args.limit))
    rows = [_row(run) for run in runs]
    if ctx.args.json:
        print_json(rows)
    else:
        print_table(rows, _COLUMNS)
    return ExitCode.OK


def _row(run: MaintenanceRunInfo) -> dict[str, Any]:
    return {
        "id": str(run.id),
        "task": run.task.value,
        "trigger": run.trigger.value,
        "status": run.status.value,
        "started_at": utc_iso(run.started_at),
        "finished_at": None if run.finished_at is None else utc_iso(run.finished_at),
        "rows": run.rows_affected,
        "by": run.triggered_by,
        "message": run.message,
    }
