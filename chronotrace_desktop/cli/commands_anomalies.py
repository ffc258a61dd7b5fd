"""``chronotrace anomalies ...``: list, show, set, rescan, send-alerts, eval."""

from __future__ import annotations

import sys
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chronotrace_desktop.cli.output import print_json, print_table
from chronotrace_desktop.domain.anomalies import AnomalyStatus, AnomalyType, ScanStatus
from chronotrace_desktop.domain.errors import ExitCode, InvalidInputError
from chronotrace_desktop.services.anomalies import AnomalyFilter, parse_severity, parse_status
from chronotrace_desktop.workers.task_state import TaskState

if TYPE_CHECKING:
    from chronotrace_desktop.cli.context import CliContext
    from chronotrace_desktop.services.anomalies import AnomalyRecord, ScanResult

_COLUMNS = ["id", "type", "severity", "status", "confidence", "camera", "detected_at", "alert", "title"]


def register(commands: Any) -> None:
    group = commands.add_parser("anomalies", help="the anomaly queue: list, review, rescan, alerts, eval")
    sub = group.add_subparsers(dest="anomalies_command", required=True)

    listing = _with_user(sub.add_parser("list", help="list anomalies, newest first"))
    listing.add_argument(
        "--status", action="append", metavar="S", help=", ".join(s.value for s in AnomalyStatus)
    )
    listing.add_argument("--severity", action="append", metavar="S", help="low, medium, high, critical")
    listing.add_argument("--type", action="append", metavar="T", help=", ".join(t.value for t in AnomalyType))
    listing.add_argument("--camera-id", metavar="ID")
    listing.add_argument("--case", metavar="CASE", help="only the anomalies of the case's videos")
    listing.add_argument("--limit", type=int, default=200, metavar="N")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(handler=run_list)

    show = _with_user(sub.add_parser("show", help="one anomaly with its evidence"))
    show.add_argument("id", metavar="ID")
    show.add_argument("--json", action="store_true")
    show.set_defaults(handler=run_show)

    setter = _with_user(sub.add_parser("set", help="move an anomaly through the review workflow"))
    setter.add_argument("id", metavar="ID")
    setter.add_argument(
        "status", metavar="STATUS", help="acknowledged, investigating, resolved, false_positive"
    )
    setter.add_argument(
        "--note", metavar="TEXT", help="required to resolve, to mark false_positive and to reopen"
    )
    setter.add_argument("--json", action="store_true")
    setter.set_defaults(handler=run_set)

    rescan = _with_user(sub.add_parser("rescan", help="run the rules again (human-reviewed anomalies stay)"))
    rescan.add_argument("--camera-id", metavar="ID", help="only this camera's videos")
    rescan.add_argument("--video-id", metavar="UUID", help="only this video")
    rescan.add_argument(
        "--redecode", action="store_true", help="decode the files again (dense counts, objects left behind)"
    )
    rescan.add_argument("--json", action="store_true")
    rescan.set_defaults(handler=run_rescan)

    alerts = _with_user(sub.add_parser("send-alerts", help="send the e-mail alerts that are due"))
    alerts.add_argument("--retry-failed", action="store_true", help="also those whose attempts ran out")
    alerts.add_argument("--json", action="store_true")
    alerts.set_defaults(handler=run_send_alerts)

    ev = _with_user(sub.add_parser("eval", help="precision and recall per type on labelled footage"))
    ev.add_argument("file", type=Path, metavar="FILE")
    ev.add_argument("--json", action="store_true")
    ev.set_defaults(handler=run_eval)


def _with_user(parser: Any) -> Any:
    parser.add_argument("--user", required=True, metavar="E", help="the account performing the command")
    return parser


def _row(item: AnomalyRecord) -> dict[str, Any]:
    return {
        "id": str(item.id),
        "type": item.type.value,
        "severity": item.severity.value,
        "status": item.status.value,
        "confidence": f"{item.confidence:.2f}",
        "camera": item.camera_id,
        "detected_at": item.detected_at,
        "alert": item.alert_state.value,
        "title": item.title,
    }


def run_list(ctx: CliContext) -> ExitCode:
    args = ctx.args
    try:
        types = tuple(AnomalyType(t) for t in args.type or ())
    except ValueError as exc:
        raise InvalidInputError(f"unknown anomaly type: {exc}") from None
    filters = AnomalyFilter(
        statuses=tuple(parse_status(s) for s in args.status or ()),
        severities=tuple(parse_severity(s) for s in args.severity or ()),
        types=types,
        camera_id=args.camera_id,
        case_id=args.case,
        limit=args.limit,
    )
    actor = ctx.actor()
    items = ctx.services().anomalies.list_anomalies(actor, filters)
    if args.json:
        print_json([item.as_json() for item in items])
    else:
        print_table([_row(item) for item in items], _COLUMNS)
    return ExitCode.OK


def run_show(ctx: CliContext) -> ExitCode:
    actor = ctx.actor()
    item = ctx.services().anomalies.get(actor, ctx.args.id)
    if ctx.args.json:
        print_json(item.as_json())
        return ExitCode.OK
    for key, value in _row(item).items():
        print(f"{key:12s} {value if value is not None else '-'}")
    print(
        f"{'video':12s} {item.metadata.get('video_filename', item.video_id)} at {item.video_offset or 0:.1f} s"
    )
    print(f"{'description':12s} {item.description}")
    if item.resolution_notes:
        print(f"{'notes':12s} {item.resolution_notes}")
    return ExitCode.OK


def run_set(ctx: CliContext) -> ExitCode:
    status = parse_status(ctx.args.status)
    actor = ctx.actor()
    item = ctx.services().anomalies.set_status(actor, ctx.args.id, status, ctx.args.note)
    if ctx.args.json:
        print_json(item.as_json())
    else:
        print(f"{item.id}: {item.status.value}")
    return ExitCode.OK


def run_rescan(ctx: CliContext) -> ExitCode:
    video_id = None
    if ctx.args.video_id:
        try:
            video_id = uuid.UUID(ctx.args.video_id)
        except ValueError:
            raise InvalidInputError(f"{ctx.args.video_id!r} is not a video id (UUID)") from None
    actor = ctx.actor()

    def say(result: ScanResult) -> None:
        if not ctx.args.json:
            detail = result.error or (
                f"{result.found} found: {result.added} added, {result.updated} updated, "
                f"{result.removed} removed, {result.kept_human} reviewed kept"
            )
            print(
                f"{'ok  ' if result.status is ScanStatus.COMPLETED else 'FAIL'} {result.filename}: {detail}",
                flush=True,
            )

    results = ctx.services().anomalies.rescan(
        actor,
        camera_id=ctx.args.camera_id,
        video_id=video_id,
        redecode=ctx.args.redecode,
        task=TaskState(),
        on_result=say,
    )
    if ctx.args.json:
        print_json([r.as_json() for r in results])
    elif not results:
        print("no completed videos to scan")
    return ExitCode.OK if all(r.status is ScanStatus.COMPLETED for r in results) else ExitCode.FAILURE


def run_send_alerts(ctx: CliContext) -> ExitCode:
    actor = ctx.actor()
    report = ctx.services().anomalies.send_alerts(actor, retry_failed=ctx.args.retry_failed)
    if ctx.args.json:
        print_json(report.as_json())
    else:
        print(
            f"{report.sent} sent, {report.retrying} to retry, {report.failed} failed, "
            f"{report.waiting} waiting for an SMTP server or recipients"
        )
        for error in report.errors:
            sys.stderr.write(f"  {error}\n")
    return ExitCode.OK if not report.retrying and not report.failed else ExitCode.FAILURE


def _ratio(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def run_eval(ctx: CliContext) -> ExitCode:
    actor = ctx.actor()
    report = ctx.services().anomalies.evaluate(actor, ctx.args.file)
    if ctx.args.json:
        print_json(report.as_json())
        return ExitCode.OK
    rows = [
        {
            "type": s.type,
            "events": s.events,
            "found": s.found_events,
            "findings": s.findings,
            "correct": s.correct_findings,
            "precision": _ratio(s.precision),
            "recall": _ratio(s.recall),
        }
        for s in (*report.per_type, report.overall)
    ]
    print_table(rows, ["type", "events", "found", "findings", "correct", "precision", "recall"])
    print(f"\n{len(report.videos)} labelled videos; overlap tolerance {report.tolerance:g} s")
    if report.missing:
        sys.stderr.write(f"not in the library (skipped): {', '.join(report.missing)}\n")
    return ExitCode.OK
