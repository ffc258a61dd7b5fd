"""``chronotrace users ...``: add, list, passwd, enable, disable, unlock, role."""

from __future__ import annotations

import dataclasses
from typing import Any

from sqlalchemy import make_url

from chronotrace_desktop.cli.context import CliContext, acting_password, new_password
from chronotrace_desktop.cli.output import print_json, print_table
from chronotrace_desktop.domain.errors import ExitCode, InvalidInputError
from chronotrace_desktop.domain.roles import Role, parse_role
from chronotrace_desktop.domain.users import UserInfo, normalise_email

_COLUMNS = ["email", "role", "full_name", "is_active", "last_login_at", "locked_until", "db_login"]


def register(commands: Any) -> None:
    users = commands.add_parser("users", help="user accounts").add_subparsers(
        dest="users_command", required=True
    )

    add = _with_user(
        users.add_parser("add", help="add a user (password from CHRONOTRACE_NEW_PASSWORD or a prompt)")
    )
    add.add_argument("--email", required=True, metavar="E")
    add.add_argument("--role", required=True, metavar="R", help=", ".join(r.value for r in Role))
    add.add_argument("--full-name", metavar="NAME")
    add.set_defaults(handler=run_add)

    listing = _with_user(users.add_parser("list", help="list users"))
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(handler=run_list)

    passwd = _with_user(users.add_parser("passwd", help="change your password, or (admin) another user's"))
    passwd.add_argument("--email", metavar="E", help="whose password (default: your own)")
    passwd.set_defaults(handler=run_passwd)

    for name, text in (
        ("enable", "allow a user to sign in"),
        ("disable", "stop a user from signing in"),
        ("unlock", "lift a lock-out after failed sign-ins"),
    ):
        sub = _with_user(users.add_parser(name, help=text))
        sub.add_argument("--email", required=True, metavar="E")
        sub.set_defaults(handler=run_account_change, change=name)

    login = _with_user(
        users.add_parser(
            "db-login",
            help="team profile: give a user a database login, or a new password for it (shown once)",
        )
    )
    login.add_argument("--email", required=True, metavar="E")
    login.set_defaults(handler=run_db_login)

    role = _with_user(users.add_parser("role", help="change a user's role"))
    role.add_argument("--email", required=True, metavar="E")
    role.add_argument("--role", required=True, metavar="R")
    role.set_defaults(handler=run_account_change, change="role")


def _with_user(parser: Any) -> Any:
    parser.add_argument("--user", required=True, metavar="E", help="the account performing the command")
    return parser


def _role(text: str) -> Role:
    try:
        return parse_role(text)
    except ValueError as exc:
        raise InvalidInputError(str(exc)) from None


def run_add(ctx: CliContext) -> ExitCode:
    role = _role(ctx.args.role)
    actor = ctx.actor()
    email = normalise_email(ctx.args.email)
    info = ctx.services().users.add_user(
        actor, email, role, new_password(email), full_name=ctx.args.full_name
    )
    print(f"Added {info.email} ({info.role.value}).")
    _print_new_login(ctx, info)
    return ExitCode.OK


def run_db_login(ctx: CliContext) -> ExitCode:
    actor = ctx.actor()
    info = ctx.services().users.reset_database_login(actor, ctx.args.email)
    _print_new_login(ctx, info)
    return ExitCode.OK


def _print_new_login(ctx: CliContext, info: UserInfo) -> None:
    """The login's password, this once, and how the user's workstation is set up to use it."""
    login = info.new_login
    if login is None:
        return
    url = make_url(ctx.settings.database_url or "").set(username=login.login)
    print(f"Database login of {info.email}: {login.login}")
    print(f"  password (shown once, give it to {info.email} privately): {login.password}")
    print("  on their workstation:")
    print(
        f"    chronotrace --profile team config set database_url {url.render_as_string(hide_password=True)}"
    )
    print("    chronotrace --profile team config set-secret database-password")


def run_list(ctx: CliContext) -> ExitCode:
    actor = ctx.actor()
    users = ctx.services().users.list_users(actor)
    rows = [_row(u) for u in users]
    if ctx.args.json:
        print_json(rows)
    else:
        print_table(rows, _COLUMNS)
    return ExitCode.OK


def run_passwd(ctx: CliContext) -> ExitCode:
    actor = ctx.actor()
    target = ctx.args.email or actor.email
    current = acting_password(actor.email) if normalise_email(target) == actor.email else None
    ctx.services().users.change_password(
        actor, new_password(target), email=ctx.args.email, current_password=current
    )
    print(f"Changed the password of {normalise_email(target)}.")
    return ExitCode.OK


def run_account_change(ctx: CliContext) -> ExitCode:
    change = ctx.args.change
    role = _role(ctx.args.role) if change == "role" else None
    actor = ctx.actor()
    users = ctx.services().users
    if change == "enable":
        info = users.set_active(actor, ctx.args.email, True)
    elif change == "disable":
        info = users.set_active(actor, ctx.args.email, False)
    elif change == "unlock":
        info = users.unlock(actor, ctx.args.email)
    else:
        assert role is not None
        info = users.set_role(actor, ctx.args.email, role)
    state = "active" if info.is_active else "disabled"
    print(f"{info.email}: {info.role.value}, {state}.")
    return ExitCode.OK


def _row(user: UserInfo) -> dict[str, Any]:
    row = dataclasses.asdict(user)
    row.pop("new_login", None)
    row["id"] = str(user.id)
    row["role"] = user.role.value
    return row
