"""``chronotrace bookmarks ...``: list, add, edit, delete (marked moments with notes)."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from chronotrace_desktop.cli.arguments import checked
from chronotrace_desktop.cli.commands_videos import video_id
from chronotrace_desktop.cli.output import print_json, print_table
from chronotrace_desktop.domain.errors import ExitCode, InvalidInputError
from chronotrace_desktop.services.cases import NewBookmark, parse_box

if TYPE_CHECKING:
    from chronotrace_desktop.cli.context import CliContext
    from chronotrace_desktop.domain.cases import Bookmark


def register(commands: Any) -> None:
    group = commands.add_parser("bookmarks", help="marked moments with notes, per case")
    sub = group.add_subparsers(dest="bookmarks_command", required=True)

    listing = _common(sub.add_parser("list", help="a case's bookmarks (or every bookmark), in time order"))
    listing.add_argument("--case", metavar="CASE")
    listing.add_argument("--video", type=checked(video_id), metavar="ID")
    listing.set_defaults(handler=run_list)

    add = _common(sub.add_parser("add", help="mark a moment of a video (analysts, administrators)"))
    add.add_argument("video_id", type=checked(video_id), metavar="VIDEO_ID")
    add.add_argument(
        "--at", required=True, type=checked(offset), metavar="TIME", help="seconds, M:SS or H:MM:SS into it"
    )
    add.add_argument("--note", default="", metavar="TEXT")
    add.add_argument("--box", type=checked(parse_box), metavar="X,Y,W,H", help="a box on the frame, 0..1")
    add.add_argument("--case", metavar="CASE", help="the case it belongs to (default: all footage)")
    add.set_defaults(handler=run_add)

    edit = _common(sub.add_parser("edit", help="change a bookmark's note or box"))
    edit.add_argument("bookmark_id", type=checked(bookmark_id), metavar="ID")
    edit.add_argument("--note", metavar="TEXT")
    boxes = edit.add_mutually_exclusive_group()
    boxes.add_argument("--box", type=checked(parse_box), metavar="X,Y,W,H")
    boxes.add_argument("--no-box", action="store_true", help="remove its box")
    edit.set_defaults(handler=run_edit)

    delete = _common(sub.add_parser("delete", help="delete a bookmark (audited)"))
    delete.add_argument("bookmark_id", type=checked(bookmark_id), metavar="ID")
    delete.set_defaults(handler=run_delete)


def _common(parser: Any) -> Any:
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--user", required=True, metavar="E", help="the account performing the command")
    return parser


def bookmark_id(text: str) -> uuid.UUID:
    try:
        return uuid.UUID(text)
    except ValueError:
        raise InvalidInputError(f"{text!r} is not a bookmark id (a UUID)") from None


def offset(text: str) -> float:
    """``"75.5"``, ``"1:15.5"`` or ``"0:01:15.5"`` as seconds."""
    parts = text.strip().split(":")
    try:
        if len(parts) > 3 or any(p == "" for p in parts):
            raise ValueError
        values = [float(p) for p in parts]
    except ValueError:
        raise InvalidInputError(f"a time into the video is seconds, M:SS or H:MM:SS, not {text!r}") from None
    seconds = 0.0
    for value in values:
        seconds = seconds * 60 + value
    return seconds


def _print_one(ctx: CliContext, bookmark: Bookmark) -> ExitCode:
    if ctx.args.json:
        print_json(bookmark.as_json())
        return ExitCode.OK
    wall = bookmark.wall_time
    print(f"bookmark  {bookmark.bookmark_id}")
    print(f"case      {bookmark.case_id or 'all footage'}")
    print(f"video     {bookmark.video_id} ({bookmark.filename}, camera {bookmark.camera_id or '-'})")
    print(f"at        {bookmark.offset_s:.3f} s" + (f"  ({wall:%Y-%m-%d %H:%M:%S} UTC)" if wall else ""))
    if bookmark.box is not None:
        b = bookmark.box
        print(f"box       {b.x:g},{b.y:g},{b.w:g},{b.h:g}")
    print(f"note      {bookmark.note or '-'}")
    return ExitCode.OK


def run_list(ctx: CliContext) -> ExitCode:
    args = ctx.args
    marks = ctx.services().bookmarks.list_bookmarks(
        ctx.actor(), case_id=args.case, video_ids=[args.video] if args.video else None
    )
    if args.json:
        print_json([b.as_json() for b in marks])
        return ExitCode.OK
    rows = [
        {
            "id": str(b.bookmark_id),
            "case": b.case_id or "-",
            "camera": b.camera_id,
            "time": f"{b.wall_time:%Y-%m-%d %H:%M:%S}" if b.wall_time else f"{b.offset_s:.1f} s",
            "video": b.filename,
            "note": (b.note.splitlines() or [""])[0][:60],
        }
        for b in marks
    ]
    print_table(rows, ["id", "case", "camera", "time", "video", "note"])
    return ExitCode.OK


def run_add(ctx: CliContext) -> ExitCode:
    args = ctx.args
    new = NewBookmark(args.video_id, args.at, note=args.note, box=args.box, case_id=args.case)
    return _print_one(ctx, ctx.services().bookmarks.create(ctx.actor(), new))


def run_edit(ctx: CliContext) -> ExitCode:
    args = ctx.args
    if args.note is None and args.box is None and not args.no_box:
        raise InvalidInputError("give --note, --box or --no-box")
    service = ctx.services().bookmarks
    actor = ctx.actor()
    if args.box is not None or args.no_box:
        changed = service.update(
            actor, args.bookmark_id, note=args.note, box=None if args.no_box else args.box
        )
    else:
        changed = service.update(actor, args.bookmark_id, note=args.note)
    return _print_one(ctx, changed)


def run_delete(ctx: CliContext) -> ExitCode:
    ctx.services().bookmarks.delete(ctx.actor(), ctx.args.bookmark_id)
    if ctx.args.json:
        print_json({"deleted": str(ctx.args.bookmark_id)})
    else:
        print(f"deleted bookmark {ctx.args.bookmark_id}")
    return ExitCode.OK
