"""Installation commands: gui, init, db, doctor, config."""

from __future__ import annotations

import getpass
import os
import sys
import time
from typing import Any

from chronotrace_desktop.cli.context import PASSWORD_ENV, CliContext, new_password
from chronotrace_desktop.cli.output import print_json, print_table
from chronotrace_desktop.config import Profile
from chronotrace_desktop.domain.errors import (
    ConflictError,
    EnvironmentProblemError,
    ExitCode,
    InvalidInputError,
)
from chronotrace_desktop.domain.secrets import SecretName
from chronotrace_desktop.services.admin import (
    OWNER_PASSWORD_HINT,
    OwnerCredentials,
    bootstrap_setting,
    check_setting_name,
    initialise_team,
    installation_has_users,
    keyring_target,
    owner_url,
    store_local_secret,
)
from chronotrace_desktop.services.app import open_app
from chronotrace_desktop.services.doctor import CheckStatus, DoctorService

_OWNER_HELP = (
    f"team profile: the database role that owns the tables (password from {OWNER_PASSWORD_HINT} or a "
    "prompt; used for this run only, never stored)"
)


def register(commands: Any) -> None:
    init = commands.add_parser("init", help="create the installation and its first administrator")
    init.add_argument("--admin-email", required=True, metavar="E")
    init.add_argument("--full-name", metavar="NAME")
    init.add_argument("--owner", metavar="ROLE", help=_OWNER_HELP)
    init.set_defaults(handler=run_init)

    db = commands.add_parser("db", help="database schema").add_subparsers(dest="db_command", required=True)
    for name, handler, text in (
        ("migrate", run_db_migrate, "apply pending schema migrations"),
        ("status", run_db_status, "list migrations and whether they are applied"),
    ):
        sub = db.add_parser(name, help=text)
        sub.add_argument("--user", required=True, metavar="E", help="an administrator's e-mail")
        sub.add_argument("--json", action="store_true")
        if name == "migrate":
            sub.add_argument("--owner", metavar="ROLE", help=_OWNER_HELP)
        sub.set_defaults(handler=handler)

    optimize = db.add_parser("optimize-vectors", help="build the vector search index now (blocks until done)")
    optimize.add_argument("--user", required=True, metavar="E", help="the account performing it")
    optimize.set_defaults(handler=run_db_optimize_vectors)

    doctor = commands.add_parser("doctor", help="check database, vector index, model files, free disk")
    doctor.add_argument("--json", action="store_true")
    doctor.set_defaults(handler=run_doctor)

    config = commands.add_parser("config", help="show or change settings").add_subparsers(
        dest="config_command", required=True
    )
    config.add_parser("show", help="the effective settings").set_defaults(handler=run_config_show)
    setter = config.add_parser(
        "set",
        help="change a setting in the installation's settings.json (an administrator, once there are users)",
    )
    setter.add_argument("key")
    setter.add_argument("value", help='"" removes the setting (its default applies again)')
    setter.add_argument(
        "--user", metavar="E", help="an administrator's e-mail; needed once the installation has users"
    )
    setter.set_defaults(handler=run_config_set)
    secret = config.add_parser("set-secret", help="store a password or API key in the system keyring")
    secret.add_argument("name", choices=[s.value for s in SecretName])
    secret.set_defaults(handler=run_config_set_secret)


def run_gui(ctx: CliContext) -> int:
    """The desktop application; the exit code is the GUI's own (``ui.app``: 0, 1, 2 or 130)."""
    from chronotrace_desktop.ui.app import run_gui

    return run_gui(lambda: open_app(ctx.settings, ctx.paths))


def run_init(ctx: CliContext) -> ExitCode:
    team = ctx.settings.profile is Profile.TEAM
    if team and not ctx.args.owner:
        raise InvalidInputError(
            "A team database is set up by its owner: chronotrace --profile team init --admin-email E "
            f"--owner ROLE (the owner's password from {OWNER_PASSWORD_HINT} or a prompt)"
        )
    if team and installation_has_users(ctx.settings, ctx.paths):
        raise ConflictError("This installation already has users; 'chronotrace users add' adds more.")
    if not team:
        ctx.services().installation.require_uninitialised()
    password = os.environ.get(PASSWORD_ENV)
    if password is None:
        password = new_password(ctx.args.admin_email, env=PASSWORD_ENV)
    if team:
        ctx.settings, admin = initialise_team(
            ctx.settings,
            ctx.paths,
            owner_credentials(ctx.args.owner),
            ctx.args.admin_email,
            password,
            ctx.args.full_name,
        )
    else:
        admin = ctx.services().installation.create_first_admin(
            ctx.args.admin_email, password, ctx.args.full_name
        )
    services = ctx.services()
    info = services.installation.describe()
    print(f"Initialised ChronoTrace ({info.profile} profile) in {info.data_dir}")
    print(f"  database:      {info.database}")
    print(f"  vector store:  {info.vector_store}")
    print(f"  administrator: {admin.email}")
    if admin.db_login:
        print(f"  database login: {admin.db_login} (its password is in this workstation's keyring)")
    try:
        signer = services.signer.ensure(services.auth.login(admin.email, password, client="cli"))
    except EnvironmentProblemError as exc:  # no usable keyring: the first export will say so again
        print(f"  signing key:   not created ({exc})")
    else:
        print(f"  signing key:   {signer.fingerprint}  (give it to recipients: chronotrace keys show)")
    return ExitCode.OK


def run_db_migrate(ctx: CliContext) -> ExitCode:
    actor = ctx.actor(migrate=False)
    owner = None
    if ctx.args.owner:
        credentials = owner_credentials(ctx.args.owner)
        owner = owner_url(ctx.settings, credentials)
    applied = ctx.services(migrate=False).maintenance.migrate(actor, owner)
    if ctx.args.json:
        print_json({"applied": applied})
    else:
        print("Applied: " + ", ".join(applied) if applied else "The schema is up to date.")
    return ExitCode.OK


def owner_credentials(role: str) -> OwnerCredentials:
    password = os.environ.get(OWNER_PASSWORD_HINT)
    if password is None and sys.stdin.isatty():
        password = getpass.getpass(f"Password of the database owner {role} (empty: none needed): ") or None
    return OwnerCredentials(role, password)


def run_db_status(ctx: CliContext) -> ExitCode:
    actor = ctx.actor(migrate=False)
    states = ctx.services(migrate=False).maintenance.status(actor)
    rows = [
        {
            "version": s.version,
            "name": s.name,
            "applied": s.applied,
            "applied_at": s.applied_at,
            "checksum_ok": s.checksum_ok,
        }
        for s in states
    ]
    if ctx.args.json:
        print_json(rows)
    else:
        print_table(rows, ["version", "name", "applied", "applied_at", "checksum_ok"])
    return ExitCode.OK if all(s.applied and s.checksum_ok for s in states) else ExitCode.FAILURE


def run_db_optimize_vectors(ctx: CliContext) -> ExitCode:
    actor = ctx.actor()
    started = time.monotonic()
    ctx.services().maintenance.build_search_index(actor, force=True)
    print(f"Built the vector search index in {time.monotonic() - started:.1f} s.")
    return ExitCode.OK


def run_doctor(ctx: CliContext) -> ExitCode:
    report = DoctorService(ctx.settings, ctx.paths).run()
    if ctx.args.json:
        print_json(
            {
                "healthy": report.healthy,
                "checks": [
                    {"name": c.name, "status": c.status.value, "detail": c.detail} for c in report.checks
                ],
            }
        )
    else:
        marks = {CheckStatus.OK: "ok     ", CheckStatus.WARNING: "warning", CheckStatus.PROBLEM: "PROBLEM"}
        for check in report.checks:
            print(f"[{marks[check.status]}] {check.name}: {check.detail}")
        print("All checks passed." if report.healthy else "Problems found.")
    return ExitCode.OK if report.healthy else ExitCode.FAILURE


def run_config_show(ctx: CliContext) -> ExitCode:
    values = ctx.settings.model_dump(mode="json")
    values["data_dir"] = str(ctx.paths.data_dir)
    values["settings_file"] = str(ctx.paths.settings_file)
    print_json(values)
    return ExitCode.OK


def run_config_set(ctx: CliContext) -> ExitCode:
    """Audited and for administrators once the installation has users; before that (setting up, e.g. the team
    profile's database_url before ``init``) without signing in: there is nobody to sign in as yet."""
    key, value = ctx.args.key, ctx.args.value if ctx.args.value != "" else None
    check_setting_name(key)
    if ctx.args.user:
        actor = ctx.actor()
        now = ctx.services().settings_admin.set_value(actor, key, value)
    else:
        now = bootstrap_setting(ctx.settings, ctx.paths, key, value)
    print(f"{key} = {now}  (saved in {ctx.paths.settings_file})")
    return ExitCode.OK


def run_config_set_secret(ctx: CliContext) -> ExitCode:
    name = SecretName(ctx.args.name)
    target = keyring_target(ctx.settings, name)
    value = os.environ.get("CHRONOTRACE_SECRET")
    if value is None:
        if not sys.stdin.isatty():
            raise InvalidInputError("no secret given: set CHRONOTRACE_SECRET or run in a terminal")
        value = getpass.getpass(f"{name.value} for {target}: ")
    backend = store_local_secret(name, target, value)
    print(f"Stored {name.value} for {target} in the keyring ({backend}).")
    return ExitCode.OK
