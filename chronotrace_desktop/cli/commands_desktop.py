"""``chronotrace install-desktop-entry [--user|--system]``: the application in the desktop's menu.

Standalone (no installation needed). ``--user`` (the default) writes into ``$XDG_DATA_HOME`` (``~/.local/share``);
``--system`` into ``/usr/local/share`` (as root). The entry runs the ``chronotrace`` this command belongs to.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chronotrace_desktop.cli.exits import EXPECTED_STOPS, stopped
from chronotrace_desktop.domain.errors import ExitCode
from chronotrace_desktop.services.desktop_entry import SYSTEM_DATA_HOME, install_desktop_entry

if TYPE_CHECKING:
    import argparse


def register(commands: Any) -> None:
    entry = commands.add_parser(
        "install-desktop-entry", help="add ChronoTrace to the desktop's application menu (icon and entry)"
    )
    where = entry.add_mutually_exclusive_group()
    where.add_argument("--user", action="store_true", help="for this user (the default): $XDG_DATA_HOME")
    where.add_argument("--system", action="store_true", help=f"for every user: {SYSTEM_DATA_HOME} (as root)")
    entry.set_defaults(handler=run_install_entry, standalone=True)


def run_install_entry(args: argparse.Namespace) -> ExitCode:
    try:
        installed = install_desktop_entry(SYSTEM_DATA_HOME if args.system else None)
    except EXPECTED_STOPS as exc:
        return stopped(exc)
    print(f"Desktop entry: {installed.entry} (runs {installed.command} gui)")
    print(f"Icon: {installed.icon}")
    return ExitCode.OK
