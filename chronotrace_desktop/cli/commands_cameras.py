"""``chronotrace cameras ...``: list, show, set, add-zone, remove-zone (the anomaly rules of each camera),
set-clock (the recorder clock offset of its new videos)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chronotrace_desktop.cli.output import print_json, print_table
from chronotrace_desktop.domain.anomalies import Zone, ZoneKind
from chronotrace_desktop.domain.errors import ExitCode, InvalidInputError
from chronotrace_desktop.domain.recorder_time import format_offset, parse_offset
from chronotrace_desktop.services.cameras import CameraChanges, parse_hours, parse_polygon

if TYPE_CHECKING:
    from chronotrace_desktop.cli.context import CliContext
    from chronotrace_desktop.domain.anomalies import CameraConfig


def register(commands: Any) -> None:
    group = commands.add_parser("cameras", help="per-camera anomaly rules: zones, hours, thresholds, alerts")
    sub = group.add_subparsers(dest="cameras_command", required=True)

    listing = _common(sub.add_parser("list", help="configured cameras and those the library's videos name"))
    listing.set_defaults(handler=run_list)

    show = _common(sub.add_parser("show", help="a camera's rules (defaults when not configured)"))
    show.add_argument("camera_id", metavar="CAMERA")
    show.set_defaults(handler=run_show)

    setter = _common(sub.add_parser("set", help="change a camera's settings (administrators)"))
    setter.add_argument("camera_id", metavar="CAMERA")
    setter.add_argument("--name", metavar="TEXT")
    setter.add_argument("--location", metavar="TEXT")
    setter.add_argument("--timezone", metavar="TZ", help="IANA name, e.g. Europe/London")
    setter.add_argument("--hours", metavar="SPEC", help="'mon-fri 08:00-18:00; sat 10:00-14:00' or 'none'")
    setter.add_argument(
        "--threshold",
        action="append",
        metavar="TYPE.KEY=VALUE",
        help="e.g. loitering.min_seconds=30 (repeatable)",
    )
    setter.add_argument("--reset-thresholds", action="store_true", help="back to the defaults first")
    setter.add_argument("--recipients", metavar="E1,E2", help="alert e-mail addresses ('' for none)")
    setter.set_defaults(handler=run_set)

    add = _common(sub.add_parser("add-zone", help="add a polygon zone (normalised 0..1 coordinates)"))
    add.add_argument("camera_id", metavar="CAMERA")
    add.add_argument("--name", required=True, metavar="NAME")
    add.add_argument("--polygon", required=True, metavar="'X,Y X,Y X,Y ...'")
    add.add_argument("--kind", choices=[k.value for k in ZoneKind], default=ZoneKind.WATCH.value)
    add.add_argument("--labels", default="person,vehicle", metavar="L1,L2", help="person, vehicle, bag")
    add.add_argument("--replace", action="store_true", help="replace a zone of the same name")
    add.set_defaults(handler=run_add_zone)

    clock = _common(
        sub.add_parser(
            "set-clock", help="a camera's recorder clock offset for its new videos (administrators)"
        )
    )
    clock.add_argument("camera_id", metavar="CAMERA")
    clock.add_argument("--offset", metavar="SECONDS", help="seconds to add to its clock ('none' clears)")
    clock.add_argument(
        "--date-order",
        choices=["dmy", "mdy", "ymd", "none"],
        help="how its recorder writes dates on screen, for a clock whose digits cannot tell (05/03/24)",
    )
    clock.add_argument(
        "--apply-to-videos",
        action="store_true",
        help="also correct its videos already in that have no offset of their own",
    )
    clock.set_defaults(handler=run_set_clock)

    remove = _common(sub.add_parser("remove-zone", help="remove a zone"))
    remove.add_argument("camera_id", metavar="CAMERA")
    remove.add_argument("--name", required=True, metavar="NAME")
    remove.set_defaults(handler=run_remove_zone)


def _common(parser: Any) -> Any:
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--user", required=True, metavar="E", help="the account performing the command")
    return parser


def _print(ctx: CliContext, config: CameraConfig) -> ExitCode:
    if ctx.args.json:
        print_json(config.as_json())
        return ExitCode.OK
    data = config.as_json()
    print(f"camera        {config.camera_id}{'' if config.stored else '  (not configured: defaults)'}")
    for key in ("name", "location", "timezone"):
        print(f"{key:13s} {data[key] or '-'}")
    hours = "; ".join(f"days {h['weekdays']} {h['start']}-{h['end']}" for h in data["business_hours"])
    print(f"{'hours':13s} {hours or 'not set (after-hours rule off)'}")
    print(f"{'recipients':13s} {', '.join(config.alert_recipients) or '-'}")
    for zone in config.zones:
        points = " ".join(f"{x:g},{y:g}" for x, y in zone.polygon)
        print(f"{'zone':13s} {zone.name} ({zone.kind.value}; {', '.join(zone.labels)}): {points}")
    changed = data["thresholds"]
    for kind, values in data["effective_thresholds"].items():
        marks = ", ".join(f"{k}={v}{'*' if k in changed.get(kind, {}) else ''}" for k, v in values.items())
        print(f"{kind:19s} {marks}")
    print("(* = set for this camera)")
    return ExitCode.OK


def run_list(ctx: CliContext) -> ExitCode:
    actor = ctx.actor()
    cameras = ctx.services().cameras.list_cameras(actor)
    if ctx.args.json:
        print_json([c.as_json() for c in cameras])
        return ExitCode.OK
    rows = [
        {
            "camera": c.camera_id,
            "configured": c.stored,
            "name": c.name,
            "timezone": c.timezone,
            "zones": len(c.zones),
            "hours": bool(c.business_hours),
            "recipients": len(c.alert_recipients),
        }
        for c in cameras
    ]
    print_table(rows, ["camera", "configured", "name", "timezone", "zones", "hours", "recipients"])
    return ExitCode.OK


def run_show(ctx: CliContext) -> ExitCode:
    actor = ctx.actor()
    config = ctx.services().cameras.get(actor, ctx.args.camera_id)
    offset = ctx.services().clock.camera_offset(actor, ctx.args.camera_id)
    if ctx.args.json:
        print_json({**config.as_json(), "clock_offset_s": offset})
        return ExitCode.OK
    _print(ctx, config)
    clock = "none" if offset is None else f"{offset:g} s ({format_offset(offset)}) for its new videos"
    print(f"{'clock offset':13s} {clock}")
    return ExitCode.OK


def _thresholds(items: list[str] | None) -> dict[str, dict[str, Any]] | None:
    if not items:
        return None
    result: dict[str, dict[str, Any]] = {}
    for item in items:
        key, sep, value = item.partition("=")
        kind, dot, name = key.strip().partition(".")
        if not sep or not dot or not name:
            raise InvalidInputError(f"thresholds look like loitering.min_seconds=30, not {item!r}")
        result.setdefault(kind, {})[name] = value.strip()
    return result


def run_set(ctx: CliContext) -> ExitCode:
    args = ctx.args
    changes = CameraChanges(
        name=args.name,
        location=args.location,
        timezone=args.timezone,
        business_hours=parse_hours(args.hours) if args.hours is not None else None,
        thresholds=_thresholds(args.threshold),
        reset_thresholds=args.reset_thresholds,
        alert_recipients=tuple(args.recipients.split(",")) if args.recipients is not None else None,
    )
    actor = ctx.actor()
    return _print(ctx, ctx.services().cameras.update(actor, args.camera_id, changes))


def run_add_zone(ctx: CliContext) -> ExitCode:
    args = ctx.args
    zone = Zone(
        args.name.strip(),
        parse_polygon(args.polygon),
        ZoneKind(args.kind),
        tuple(label.strip() for label in args.labels.split(",") if label.strip()),
    )
    actor = ctx.actor()
    return _print(ctx, ctx.services().cameras.add_zone(actor, args.camera_id, zone, replace=args.replace))


def run_remove_zone(ctx: CliContext) -> ExitCode:
    actor = ctx.actor()
    return _print(ctx, ctx.services().cameras.remove_zone(actor, ctx.args.camera_id, ctx.args.name))


def run_set_clock(ctx: CliContext) -> ExitCode:
    if ctx.args.offset is None and ctx.args.date_order is None:
        raise InvalidInputError("give --offset SECONDS, --date-order ORDER or both")
    actor = ctx.actor()
    if ctx.args.date_order is not None:
        order = None if ctx.args.date_order == "none" else ctx.args.date_order
        before = ctx.services().clock.set_camera_date_order(actor, ctx.args.camera_id, order)
        if not ctx.args.json:
            print(
                f"camera {ctx.args.camera_id}: on-screen date order {before or 'not set'} -> {order or 'not set'}"
            )
    if ctx.args.offset is None:
        if ctx.args.json:
            print_json({"camera_id": ctx.args.camera_id, "date_order": ctx.args.date_order})
        return ExitCode.OK
    text = ctx.args.offset.strip()
    offset = None if text.lower() in ("none", "") else parse_offset(text)
    change = ctx.services().clock.set_camera_offset(
        actor, ctx.args.camera_id, offset, apply_to_videos=ctx.args.apply_to_videos
    )
    if ctx.args.json:
        print_json(change.as_json())
        return ExitCode.OK

    def shown(value: float | None) -> str:
        return "none" if value is None else f"{value:g} s ({format_offset(value)})"

    print(f"camera {change.camera_id}: clock offset {shown(change.before)} -> {shown(change.after)}")
    print(
        "applies to the camera's new videos"
        + (f"; {len(change.videos)} video(s) corrected" if ctx.args.apply_to_videos else "")
    )
    for video in change.videos:
        for warning in video.warnings:
            print(f"warning: {video.filename}: {warning}")
    return ExitCode.OK
