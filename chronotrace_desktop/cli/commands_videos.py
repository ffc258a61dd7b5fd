"""``chronotrace videos set-time ID (--recorded-at ISO8601 | --offset SECONDS) --user E``: correct a video's
recorder clock (analysts and administrators; audited with the times before and after).
``chronotrace videos read-clock ID [--accept] --user E``: read its on-screen clock; ``--accept`` sets the start."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from chronotrace_desktop.cli.output import print_json
from chronotrace_desktop.domain.errors import ExitCode, InvalidInputError
from chronotrace_desktop.domain.ingest import parse_recorded_at
from chronotrace_desktop.domain.recorder_time import format_offset, parse_offset

if TYPE_CHECKING:
    from chronotrace_desktop.cli.context import CliContext
    from chronotrace_desktop.services.clock import TimeChange


def register(commands: Any) -> None:
    group = commands.add_parser("videos", help="a video's recorder clock")
    sub = group.add_subparsers(dest="videos_command", required=True)

    setter = sub.add_parser(
        "set-time", help="correct a video's recording start: the true start or the recorder's clock offset"
    )
    setter.add_argument("video_id", metavar="ID")
    which = setter.add_mutually_exclusive_group(required=True)
    which.add_argument(
        "--recorded-at",
        metavar="ISO8601",
        help="the true start (the offset is what separates it from the recorder's)",
    )
    which.add_argument(
        "--offset",
        metavar="SECONDS",
        help="seconds to add to the recorder's clock for the true time (0 clears)",
    )
    setter.add_argument("--note", metavar="TEXT", help="why (kept in the audit log)")
    setter.add_argument("--json", action="store_true")
    setter.add_argument("--user", required=True, metavar="E", help="the account performing the change")
    setter.set_defaults(handler=run_set_time)

    reader = sub.add_parser(
        "read-clock", help="read the recorder's on-screen clock (original file, else first segment)"
    )
    reader.add_argument("video_id", metavar="ID")
    reader.add_argument(
        "--accept", action="store_true", help="set the video's start from the reading (clock source 'ocr')"
    )
    reader.add_argument("--json", action="store_true")
    reader.add_argument("--user", required=True, metavar="E", help="the account performing it")
    reader.set_defaults(handler=run_read_clock)


def video_id(text: str) -> uuid.UUID:
    try:
        return uuid.UUID(text)
    except ValueError:
        raise InvalidInputError(f"{text!r} is not a video id (a UUID)") from None


def run_set_time(ctx: CliContext) -> ExitCode:
    args = ctx.args
    target = video_id(args.video_id)
    recorded_at = parse_recorded_at(args.recorded_at) if args.recorded_at is not None else None
    offset = parse_offset(args.offset) if args.offset is not None else None
    actor = ctx.actor()
    change = ctx.services().clock.set_video_time(
        actor, target, recorded_at=recorded_at, offset_s=offset, note=args.note
    )
    return print_change(ctx, change)


def print_change(ctx: CliContext, change: TimeChange) -> ExitCode:
    if ctx.args.json:
        print_json(change.as_json())
        return ExitCode.OK
    for label, clock in (("before", change.before), ("after", change.after)):
        start = clock.recorded_at.isoformat() + "Z" if clock.recorded_at else "unknown"
        recorder = clock.recorder_recorded_at.isoformat() + "Z" if clock.recorder_recorded_at else "unknown"
        print(
            f"{label:7s} start {start}  (recorder {recorder}; offset {format_offset(clock.offset_s)}; "
            f"source {clock.source or '-'})"
        )
    print(f"{change.points_updated} vector point(s) re-stamped", end="")
    if change.anomalies_found is not None:
        print(f"; anomaly rules run again: {change.anomalies_found} finding(s)")
    else:
        print("; not ingested yet: no anomaly rules run")
    for warning in change.warnings:
        print(f"warning: {warning}")
    return ExitCode.OK


def run_read_clock(ctx: CliContext) -> ExitCode:
    target = video_id(ctx.args.video_id)
    actor = ctx.actor()
    reading = ctx.services().clock_reader.read(actor, target, accept=ctx.args.accept)
    if ctx.args.json:
        print_json(reading.as_json())
        return ExitCode.OK
    print(f"{reading.filename}: read from its {reading.read_from}")
    print(f"  {reading.summary}")
    if reading.recording_start is not None and reading.recording_start_local is not None:
        print(
            f"  start {reading.recording_start.isoformat()}Z "
            f"(the clock shows {reading.recording_start_local:%Y-%m-%d %H:%M:%S}, {reading.timezone})"
        )
    if reading.implied_offset_s is not None:
        print(f"  against the recorder's time it has: offset {format_offset(reading.implied_offset_s)}")
    for warning in reading.warnings:
        print(f"  note: {warning}")
    if reading.change is not None:
        return print_change(ctx, reading.change)
    if reading.recording_start is not None:
        print(f"Not applied. To apply it: chronotrace videos read-clock {reading.video_id} --accept")
    return ExitCode.OK
