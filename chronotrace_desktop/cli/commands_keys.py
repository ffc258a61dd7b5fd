"""``chronotrace keys show|create``: this installation's evidence-signing key (Ed25519, private half in the keyring).

Recipients of a package compare the fingerprint ``chronotrace verify`` prints with the one shown here, over a
channel they trust (a phone call, a signed letter), or pass it to ``verify --key``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chronotrace_desktop.cli.output import print_json
from chronotrace_desktop.domain.errors import ExitCode
from chronotrace_desktop.domain.roles import Action

if TYPE_CHECKING:
    from chronotrace_desktop.cli.context import CliContext
    from chronotrace_desktop.services.signing import SignerInfo


def register(commands: Any) -> None:
    group = commands.add_parser("keys", help="the evidence-signing key of this installation")
    sub = group.add_subparsers(dest="keys_command", required=True)
    show = sub.add_parser("show", help="the key's fingerprint and public key (to give to recipients)")
    show.add_argument("--json", action="store_true")
    show.set_defaults(handler=run_show)
    create = sub.add_parser("create", help="create the key now if there is none (else it is made at init)")
    create.add_argument("--user", required=True, metavar="E")
    create.add_argument("--json", action="store_true")
    create.set_defaults(handler=run_create)


def _print(info: SignerInfo, as_json: bool) -> None:
    if as_json:
        print_json(info.as_json())
        return
    print(f"Fingerprint: {info.fingerprint}")
    print(f"Public key ({info.algorithm}, base64): {info.public_key}")


def run_show(ctx: CliContext) -> ExitCode:
    info = ctx.services().signer.existing()
    if info is None:
        print("This installation has no signing key yet: 'chronotrace keys create --user E' makes one.")
        return ExitCode.FAILURE
    _print(info, ctx.args.json)
    return ExitCode.OK


def run_create(ctx: CliContext) -> ExitCode:
    actor = ctx.actor()
    services = ctx.services()
    actor = services.authorizer.require(actor, Action.EXPORT_REDACTED, resource_type="signing_key")
    _print(services.signer.ensure(actor), ctx.args.json)
    return ExitCode.OK
