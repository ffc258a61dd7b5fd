"""``chronotrace [--data-dir DIR] [--profile workstation|team] COMMAND``.

Exit codes (``domain.errors.ExitCode``): 0 success; 1 a failure (or ``doctor`` found a problem); 2 bad usage,
bad input or wrong credentials; 3 the signed-in role may not do that; 4 the environment failed (database down,
disk, keyring); 130 interrupted.
"""

from __future__ import annotations

import argparse
import logging
import sys
from typing import TYPE_CHECKING

from chronotrace_desktop import __version__
from chronotrace_desktop.cli import (
    commands_admin,
    commands_analytics,
    commands_anomalies,
    commands_apikeys,
    commands_appearance,
    commands_audit,
    commands_backup,
    commands_bookmarks,
    commands_cameras,
    commands_cases,
    commands_desktop,
    commands_engines,
    commands_eval,
    commands_export,
    commands_ingest,
    commands_jobs,
    commands_keys,
    commands_maintenance,
    commands_models,
    commands_perception,
    commands_s3,
    commands_search,
    commands_serve,
    commands_users,
    commands_verify,
    commands_videos,
    commands_worker,
)
from chronotrace_desktop.cli.context import CliContext
from chronotrace_desktop.cli.exits import EXPECTED_STOPS, stopped
from chronotrace_desktop.config import Profile
from chronotrace_desktop.domain.errors import ExitCode

if TYPE_CHECKING:
    from collections.abc import Sequence

logger = logging.getLogger(__name__)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="chronotrace",
        description="ChronoTrace Desktop: investigation workstation for CCTV evidence.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument(
        "--data-dir",
        metavar="DIR",
        help="use the installation in DIR (database, vectors, media, settings); also CHRONOTRACE_DATA_DIR",
    )
    parser.add_argument(
        "--profile",
        choices=[p.value for p in Profile],
        help="workstation: embedded database and vector engine (default); team: shared servers",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log details to stderr")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    gui = commands.add_parser("gui", help="open the desktop application (the default)")
    gui.set_defaults(handler=commands_admin.run_gui)
    commands_admin.register(commands)
    commands_users.register(commands)
    commands_apikeys.register(commands)
    commands_ingest.register(commands)
    commands_worker.register(commands)
    commands_jobs.register(commands)
    commands_videos.register(commands)
    commands_engines.register(commands)
    commands_anomalies.register(commands)
    commands_cameras.register(commands)
    commands_cases.register(commands)
    commands_bookmarks.register(commands)
    commands_search.register(commands)
    commands_appearance.register(commands)
    commands_eval.register(commands)
    commands_perception.register(commands)
    commands_export.register(commands)
    commands_serve.register(commands)
    commands_keys.register(commands)
    commands_verify.register(commands)
    commands_audit.register(commands)
    commands_maintenance.register(commands)
    commands_analytics.register(commands)
    commands_backup.register(commands)
    commands_s3.register(commands)
    commands_models.register(commands)
    commands_desktop.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        args.command = "gui"
        args.handler = commands_admin.run_gui
    if getattr(args, "standalone", False):  # e.g. verify: needs no installation (no data dir, no log file)
        return int(args.handler(args))
    try:
        context = CliContext.from_args(args)
    except ValueError as exc:  # invalid settings file or environment variable
        sys.stderr.write(f"chronotrace: invalid settings: {exc}\n")
        return ExitCode.USAGE
    try:
        code: int = args.handler(context)
    except EXPECTED_STOPS as exc:
        return stopped(exc)
    except Exception:
        logger.exception("Unexpected error in %r", args.command)
        sys.stderr.write(
            f"chronotrace: internal error in {args.command!r}; details are in {context.paths.log_file}\n"
        )
        return ExitCode.FAILURE
    finally:
        context.close()
    return code


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
