"""``chronotrace s3 policy --role R``: the IAM policy for one app role's S3 key (team profile media store).

An administrator makes one IAM user per role with it (``--json`` is the document ``aws iam put-user-policy``
takes) and gives each workstation the key of its user's role; see README "Per-role S3 keys and Qdrant keys".
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

from chronotrace_desktop.cli.output import print_json, print_table
from chronotrace_desktop.domain.errors import ExitCode
from chronotrace_desktop.domain.roles import Action, Role
from chronotrace_desktop.services.admin import role_policy

if TYPE_CHECKING:
    from chronotrace_desktop.cli.context import CliContext


def register(commands: Any) -> None:
    group = commands.add_parser("s3", help="the team profile's S3 media bucket")
    sub = group.add_subparsers(dest="s3_command", required=True)
    policy = sub.add_parser(
        "policy", help="the IAM policy of one role's S3 key, for the configured bucket and prefix"
    )
    policy.add_argument("--role", required=True, choices=[r.value for r in Role])
    policy.add_argument("--user", required=True, metavar="E", help="an administrator's e-mail")
    policy.add_argument("--json", action="store_true", help="the policy document alone (for the IAM API)")
    policy.set_defaults(handler=run_policy)


def run_policy(ctx: CliContext) -> ExitCode:
    services = ctx.services()
    services.authorizer.require(ctx.actor(), Action.MANAGE_USERS, resource_type="s3_policy")
    settings = ctx.settings
    document = role_policy(
        Role(ctx.args.role), settings.s3_bucket, settings.s3_prefix, redaction_mode=settings.redaction_mode
    )
    if settings.media_store != "s3":
        sys.stderr.write(
            "Note: this installation keeps its media in a local folder (media_store is not s3).\n"
        )
    if ctx.args.json:
        print_json(document)
        return ExitCode.OK
    print(f"The {ctx.args.role} role's key on s3://{settings.s3_bucket}/{settings.s3_prefix} may:")
    rows = [
        {"statement": s["Sid"], "actions": ", ".join(s["Action"]), "resource": resource}
        for s in document["Statement"]
        for resource in s["Resource"]
    ]
    print_table(rows, ["statement", "actions", "resource"])
    print("('--json' prints the policy document for 'aws iam put-user-policy'.)")
    return ExitCode.OK
