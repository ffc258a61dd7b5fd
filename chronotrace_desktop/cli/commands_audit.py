"""``chronotrace audit verify --user E``: check the hash chain over the audit log (administrators; audited).

Exit 0 with the number of rows and the chain head's hash when every link holds; exit 1 naming the first broken
link (a row removed, changed, backdated, or written outside the chain). Note the head hash somewhere else now
and then: a chain rewritten from some row onwards by someone with the database owner's rights verifies, but
no longer ends in a hash noted before.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chronotrace_desktop.cli.output import print_json
from chronotrace_desktop.domain.errors import ExitCode
from chronotrace_desktop.services.access import AuditChainVerifier

if TYPE_CHECKING:
    from chronotrace_desktop.cli.context import CliContext


def register(commands: Any) -> None:
    group = commands.add_parser("audit", help="the audit log's integrity")
    sub = group.add_subparsers(dest="audit_command", required=True)
    verify = sub.add_parser(
        "verify", help="recompute the audit log's hash chain; exit 1 at the first broken link"
    )
    verify.add_argument("--user", required=True, metavar="E", help="an administrator's e-mail")
    verify.add_argument("--json", action="store_true")
    verify.set_defaults(handler=run_verify)


def run_verify(ctx: CliContext) -> ExitCode:
    actor = ctx.actor()
    services = ctx.services()
    report = AuditChainVerifier(services.database, services.authorizer, services.audit).verify(actor)
    if ctx.args.json:
        print_json(report.as_json())
    elif report.first_break is None:
        print(f"OK: the audit log's {report.rows} rows form an unbroken chain; head {report.head_hash}")
    else:
        broken = report.first_break
        where = "" if broken.row_id is None else f" (row id {broken.row_id})"
        print(f"BROKEN ({broken.fault.value}): {broken.detail}{where}")
    return ExitCode.OK if report.ok else ExitCode.FAILURE
