"""``chronotrace apikeys ...``: create, list, revoke, rotate (keys for the integration API, issue 17).

A new key is printed once, here; only its SHA-256 and its prefix are kept, so it cannot be shown again.
"""

from __future__ import annotations

import sys
import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from chronotrace_desktop.cli.arguments import checked
from chronotrace_desktop.cli.output import print_json, print_table
from chronotrace_desktop.domain.errors import ExitCode, InvalidInputError
from chronotrace_desktop.services.api_keys import parse_scopes

if TYPE_CHECKING:
    from chronotrace_desktop.cli.context import CliContext
    from chronotrace_desktop.services.api_keys import ApiKeyInfo, CreatedKey

NOT_SHOWN_AGAIN = "Keep this key now: it will not be shown again (only its prefix is stored)."


def register(commands: Any) -> None:
    group = commands.add_parser("apikeys", help="keys for the integration API: create, list, revoke, rotate")
    sub = group.add_subparsers(dest="apikeys_command", required=True)

    create = _common(
        sub.add_parser("create", help="make a key (printed once) for yourself or, as admin, anyone")
    )
    create.add_argument(
        "--name", required=True, metavar="N", help="what the key is for, e.g. 'VMS Integration'"
    )
    create.add_argument(
        "--scopes",
        required=True,
        type=checked(parse_scopes),
        metavar="S,S",
        help="read:videos, write:videos, read:searches, write:searches, admin (within your role)",
    )
    create.add_argument("--rate-hour", type=checked(_positive), default=1000, metavar="N")
    create.add_argument("--rate-day", type=checked(_positive), default=10000, metavar="N")
    create.add_argument(
        "--expires",
        type=checked(expiry),
        metavar="DATE",
        help="YYYY-MM-DD (00:00 UTC) or an ISO date and time",
    )
    create.add_argument("--for-user", metavar="E", help="the key's user (administrators)")
    create.set_defaults(handler=run_create)

    listing = _common(sub.add_parser("list", help="your keys (administrators: --all)"))
    listing.add_argument("--all", action="store_true", help="every user's keys (administrators)")
    listing.set_defaults(handler=run_list)

    revoke = _common(sub.add_parser("revoke", help="revoke a key at once (audited)"))
    revoke.add_argument("key_id", type=checked(key_id), metavar="ID")
    revoke.set_defaults(handler=run_revoke)

    rotate = _common(
        sub.add_parser("rotate", help="a new secret with the same settings; the old key revoked")
    )
    rotate.add_argument("key_id", type=checked(key_id), metavar="ID")
    rotate.set_defaults(handler=run_rotate)


def _common(parser: Any) -> Any:
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--user", required=True, metavar="E", help="the account performing the command")
    return parser


def key_id(text: str) -> uuid.UUID:
    try:
        return uuid.UUID(text)
    except ValueError:
        raise InvalidInputError(f"{text!r} is not a key id (a UUID, see 'apikeys list')") from None


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise InvalidInputError(f"a rate limit is a whole number of requests, at least 1, not {text!r}")
    return value


def expiry(text: str) -> datetime:
    """``2027-01-31`` (its start, UTC) or an ISO date and time (UTC unless it says otherwise), naive UTC."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInputError(f"an expiry is YYYY-MM-DD or an ISO date and time, not {text!r}") from None
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment


def _print_created(ctx: CliContext, made: CreatedKey) -> ExitCode:
    if ctx.args.json:
        print_json({**made.info.as_json(), "key": made.key})
    else:
        _print_one(made.info)
        print(f"API key   {made.key}")
    print(NOT_SHOWN_AGAIN, file=sys.stderr)
    return ExitCode.OK


def _print_one(info: ApiKeyInfo) -> None:
    print(f"key id    {info.key_id}")
    print(f"user      {info.user_email}")
    print(f"name      {info.name or '-'}")
    print(f"prefix    {info.prefix}")
    print(f"scopes    {', '.join(sorted(s.value for s in info.scopes))}")
    print(f"limits    {info.rate_limit_per_hour}/hour, {info.rate_limit_per_day}/day")
    print(f"expires   {f'{info.expires_at:%Y-%m-%d %H:%M} UTC' if info.expires_at else 'never'}")
    print(f"active    {'yes' if info.is_active else 'no'}")


def run_create(ctx: CliContext) -> ExitCode:
    args = ctx.args
    made = ctx.services().api_keys.create(
        ctx.actor(),
        name=args.name,
        scopes=args.scopes,
        rate_per_hour=args.rate_hour,
        rate_per_day=args.rate_day,
        expires_at=args.expires,
        for_user=args.for_user,
    )
    return _print_created(ctx, made)


def run_list(ctx: CliContext) -> ExitCode:
    keys = ctx.services().api_keys.list_keys(ctx.actor(), all_users=ctx.args.all)
    if ctx.args.json:
        print_json([k.as_json() for k in keys])
        return ExitCode.OK
    rows = [
        {
            "id": str(k.key_id),
            "prefix": k.prefix,
            "user": k.user_email,
            "name": k.name or "-",
            "scopes": ",".join(sorted(s.value for s in k.scopes)),
            "requests": k.request_count,
            "last used": f"{k.last_used_at:%Y-%m-%d %H:%M}" if k.last_used_at else "-",
            "state": "active" if k.is_active else ("revoked" if k.revoked_at else "expired"),
        }
        for k in keys
    ]
    print_table(rows, ["id", "prefix", "user", "name", "scopes", "requests", "last used", "state"])
    return ExitCode.OK


def run_revoke(ctx: CliContext) -> ExitCode:
    info = ctx.services().api_keys.revoke(ctx.actor(), ctx.args.key_id)
    if ctx.args.json:
        print_json(info.as_json())
    else:
        print(f"revoked key {info.key_id} ({info.prefix}…) of {info.user_email}")
    return ExitCode.OK


def run_rotate(ctx: CliContext) -> ExitCode:
    made = ctx.services().api_keys.rotate(ctx.actor(), ctx.args.key_id)
    print(f"revoked key {ctx.args.key_id}; its replacement:", file=sys.stderr)
    return _print_created(ctx, made)
