"""``chronotrace cases ...``: list, show, create, update, add-videos, remove-videos, hold, release."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chronotrace_desktop.cli.arguments import checked
from chronotrace_desktop.cli.commands_videos import video_id
from chronotrace_desktop.cli.output import print_json, print_table
from chronotrace_desktop.domain.cases import CaseStatus
from chronotrace_desktop.domain.errors import ExitCode, InvalidInputError
from chronotrace_desktop.services.cases import CaseChanges

if TYPE_CHECKING:
    from chronotrace_desktop.cli.context import CliContext
    from chronotrace_desktop.domain.cases import CaseInfo


def register(commands: Any) -> None:
    group = commands.add_parser("cases", help="investigations: their videos, notes and evidence hold")
    sub = group.add_subparsers(dest="cases_command", required=True)

    listing = _common(sub.add_parser("list", help="every case, open ones first"))
    listing.add_argument("--open", action="store_true", help="open cases only")
    listing.set_defaults(handler=run_list)

    show = _common(sub.add_parser("show", help="a case: its status, hold, notes and videos"))
    show.add_argument("case_id", metavar="CASE")
    show.set_defaults(handler=run_show)

    create = _common(sub.add_parser("create", help="open a case (analysts, administrators)"))
    create.add_argument("--title", required=True, metavar="TEXT")
    create.add_argument("--notes", default="", metavar="TEXT")
    create.add_argument(
        "--id", dest="case_id", metavar="CASE-YYYY-NNNN", help="an id the agency already gave it"
    )
    create.add_argument(
        "--video", action="append", type=checked(video_id), metavar="ID", help="a video to add (repeatable)"
    )
    create.set_defaults(handler=run_create)

    update = _common(sub.add_parser("update", help="change a case's title, status or notes"))
    update.add_argument("case_id", metavar="CASE")
    update.add_argument("--title", metavar="TEXT")
    update.add_argument("--notes", metavar="TEXT")
    update.add_argument("--status", choices=[s.value for s in CaseStatus])
    update.set_defaults(handler=run_update)

    for name, handler, words in (
        ("add-videos", run_add_videos, "put videos in a case"),
        ("remove-videos", run_remove_videos, "take videos out of a case (not while it is held)"),
    ):
        parser = _common(sub.add_parser(name, help=words))
        parser.add_argument("case_id", metavar="CASE")
        parser.add_argument("video_ids", nargs="+", type=checked(video_id), metavar="VIDEO_ID")
        parser.set_defaults(handler=handler)

    hold = _common(sub.add_parser("hold", help="put the case's media under an evidence hold"))
    hold.add_argument("case_id", metavar="CASE")
    hold.add_argument("--reason", required=True, metavar="TEXT", help="e.g. the court order")
    hold.set_defaults(handler=run_hold)

    release = _common(sub.add_parser("release", help="release an evidence hold (administrators)"))
    release.add_argument("case_id", metavar="CASE")
    release.add_argument("--reason", required=True, metavar="TEXT")
    release.set_defaults(handler=run_release)


def _common(parser: Any) -> Any:
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--user", required=True, metavar="E", help="the account performing the command")
    return parser


def case_json(case: CaseInfo) -> dict[str, Any]:
    return {
        "case_id": case.case_id,
        "title": case.title,
        "status": case.status.value,
        "notes": case.notes,
        "evidence_hold": case.evidence_hold,
        "hold_reason": case.hold_reason,
        "created_by": case.created_by,
        "created_at": case.created_at.isoformat() if case.created_at else None,
        "updated_at": case.updated_at.isoformat() if case.updated_at else None,
        "videos": case.video_count,
        "bookmarks": case.bookmark_count,
        "exports": case.export_count,
    }


def _print(ctx: CliContext, case: CaseInfo) -> ExitCode:
    if ctx.args.json:
        print_json(case_json(case))
        return ExitCode.OK
    print(f"case          {case.case_id}")
    print(f"title         {case.title}")
    print(f"status        {case.status.value}")
    hold = f"HELD: {case.hold_reason}" if case.evidence_hold else "none"
    print(f"evidence hold {hold}")
    print(
        f"counts        {case.video_count} videos, {case.bookmark_count} bookmarks, {case.export_count} exports"
    )
    print(
        f"opened        {case.created_at:%Y-%m-%d %H:%M} UTC by {case.created_by or '-'}"
        if case.created_at
        else ""
    )
    if case.notes:
        print("notes")
        for line in case.notes.splitlines():
            print(f"  {line}")
    return ExitCode.OK


def run_list(ctx: CliContext) -> ExitCode:
    cases = ctx.services().cases.list_cases(ctx.actor(), include_closed=not ctx.args.open)
    if ctx.args.json:
        print_json([case_json(c) for c in cases])
        return ExitCode.OK
    rows = [
        {
            "case": c.case_id,
            "status": c.status.value,
            "hold": "HELD" if c.evidence_hold else "",
            "videos": c.video_count,
            "bookmarks": c.bookmark_count,
            "title": c.title,
        }
        for c in cases
    ]
    print_table(rows, ["case", "status", "hold", "videos", "bookmarks", "title"])
    return ExitCode.OK


def run_show(ctx: CliContext) -> ExitCode:
    actor = ctx.actor()
    services = ctx.services()
    case = services.cases.get(actor, ctx.args.case_id)
    videos = services.cases.video_ids(actor, case.case_id)
    if ctx.args.json:
        print_json({**case_json(case), "video_ids": [str(v) for v in videos]})
        return ExitCode.OK
    _print(ctx, case)
    for video in videos:
        print(f"video         {video}")
    return ExitCode.OK


def run_create(ctx: CliContext) -> ExitCode:
    args = ctx.args
    actor = ctx.actor()
    cases = ctx.services().cases
    case = cases.create(actor, args.title, notes=args.notes, case_id=args.case_id)
    if args.video:
        case = cases.add_videos(actor, case.case_id, args.video)
    return _print(ctx, case)


def run_update(ctx: CliContext) -> ExitCode:
    args = ctx.args
    if args.title is None and args.notes is None and args.status is None:
        raise InvalidInputError("give --title, --notes or --status")
    changes = CaseChanges(
        title=args.title, notes=args.notes, status=CaseStatus(args.status) if args.status else None
    )
    return _print(ctx, ctx.services().cases.update(ctx.actor(), args.case_id, changes))


def run_add_videos(ctx: CliContext) -> ExitCode:
    return _print(ctx, ctx.services().cases.add_videos(ctx.actor(), ctx.args.case_id, ctx.args.video_ids))


def run_remove_videos(ctx: CliContext) -> ExitCode:
    return _print(ctx, ctx.services().cases.remove_videos(ctx.actor(), ctx.args.case_id, ctx.args.video_ids))


def run_hold(ctx: CliContext) -> ExitCode:
    return _print(ctx, ctx.services().cases.set_hold(ctx.actor(), ctx.args.case_id, ctx.args.reason))


def run_release(ctx: CliContext) -> ExitCode:
    return _print(ctx, ctx.services().cases.release_hold(ctx.actor(), ctx.args.case_id, ctx.args.reason))
