"""``chronotrace backup --out DIR [--with-media]`` and ``chronotrace restore DIR --data-dir NEW`` (issue 18).

A backup is written by an administrator of the open installation and rotated in ``DIR`` (what the rotation
removed is printed). A restore needs no open installation: it checks every hash, builds the new one in
``--data-dir NEW`` and then signs ``--user`` in against the *restored* data (an administrator there), or
removes what it made.
"""

from __future__ import annotations

import getpass
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chronotrace_desktop.cli.context import acting_password
from chronotrace_desktop.cli.output import print_json
from chronotrace_desktop.domain.errors import ExitCode
from chronotrace_desktop.services.admin import OWNER_PASSWORD_HINT
from chronotrace_desktop.services.backup import NOT_INCLUDED, SignIn, TeamTarget, restore_installation
from chronotrace_desktop.workers.task_state import TaskState

if TYPE_CHECKING:
    from chronotrace_desktop.cli.context import CliContext


def register(commands: Any) -> None:
    backup = commands.add_parser(
        "backup", help="back up the whole installation into a dated folder (administrators), with rotation"
    )
    backup.add_argument(
        "--out", required=True, type=Path, metavar="DIR", help="the folder that keeps backups"
    )
    backup.add_argument("--with-media", action="store_true", help="copy the clips and thumbnails too")
    backup.add_argument("--user", required=True, metavar="E", help="the administrator performing it")
    backup.add_argument("--json", action="store_true")
    backup.set_defaults(handler=run_backup)

    restore = commands.add_parser(
        "restore", help="build a new installation from a backup, after checking every file's SHA-256"
    )
    restore.add_argument(
        "backup_dir", type=Path, metavar="DIR", help="a backup folder (chronotrace-backup-…)"
    )
    restore.add_argument(
        "--data-dir", dest="new_data_dir", required=True, type=Path, metavar="NEW", help="a new, empty folder"
    )
    restore.add_argument("--user", required=True, metavar="E", help="an administrator of the backed-up data")
    restore.add_argument("--database-url", metavar="URL", help="team backup: the empty server database")
    restore.add_argument("--owner", metavar="ROLE", help="team backup: that database's owner role")
    restore.add_argument("--json", action="store_true")
    restore.set_defaults(handler=run_restore)


def _console(done: int, total: int, message: str) -> None:
    if total > 0:
        print(f"  [{done}/{total}] {message}", file=sys.stderr)


def run_backup(ctx: CliContext) -> ExitCode:
    args = ctx.args
    actor = ctx.actor()
    result = ctx.services().backup.backup(
        actor, args.out, with_media=args.with_media, task=TaskState(_console)
    )
    if args.json:
        print_json(
            {
                "dir": str(result.dir),
                "files": result.files,
                "bytes": result.bytes,
                "manifest": str(result.manifest),
                "seconds": round(result.seconds, 2),
                "removed": [str(p) for p in result.removed],
            }
        )
        return ExitCode.OK
    print(f"Backup written: {result.dir}")
    print(
        f"  {result.files} files, {result.bytes / 1e6:.1f} MB in {result.seconds:.1f} s; manifest {result.manifest}"
    )
    print(f"  not included: {'; '.join(NOT_INCLUDED)}")
    if result.removed:
        print(f"Rotation (7 daily, 4 weekly, 12 monthly) removed {len(result.removed)} older backup(s):")
        for path in result.removed:
            print(f"  {path}")
    else:
        print("Rotation (7 daily, 4 weekly, 12 monthly) removed nothing.")
    return ExitCode.OK


def run_restore(ctx: CliContext) -> ExitCode:
    args = ctx.args
    team = None
    if args.database_url or args.owner:
        password = os.environ.get(OWNER_PASSWORD_HINT)
        if password is None and sys.stdin.isatty():
            password = getpass.getpass(f"Password of the database owner {args.owner} (empty: none): ") or None
        team = TeamTarget(args.database_url or "", args.owner or "", password)
    sign_in = SignIn(args.user, acting_password(args.user))
    result = restore_installation(
        args.backup_dir, args.new_data_dir, TaskState(_console), sign_in=sign_in, team=team
    )
    if args.json:
        print_json(
            {
                "data_dir": str(result.data_dir),
                "profile": result.profile,
                "database": result.database,
                "collections": result.collections,
                "points": result.points,
                "media_files": result.media_files,
                "seconds": round(result.seconds, 2),
                "reenter": list(result.reenter),
            }
        )
        return ExitCode.OK
    print(f"Restored into {result.data_dir} ({result.profile} profile) in {result.seconds:.1f} s")
    print(f"  database: {result.database}")
    print(
        f"  vectors: {result.points} points in {result.collections} collection(s); media files: {result.media_files}"
    )
    print(f"Open it with: chronotrace --data-dir {result.data_dir} gui")
    print("Not in the backup, to do again on this machine:")
    for line in result.reenter:
        print(f"  - {line}")
    return ExitCode.OK
