"""``chronotrace export (--segments IDS | --search TEXT | --anomaly ID | --camera ID --from T --to T)
--case CASE --out DIR [--types LIST] [--watermark TEXT] [--zip] [--reveal-justification TEXT] [--recut]
[--json] --user E``.

Writes an evidence package (redacted clips; the lossless originals too with ``--reveal-justification``; PDF
report; CSV and JSON of the segments; ``manifest.json``) into a new folder under DIR, or a zip with ``--zip``.
Progress goes to stderr, the summary to stdout. A role that may not export (or not unredacted) exits 3.
``--case`` naming a case of this installation (``CASE-2024-0001``) files the export in it (``exports.case_id``;
the case's bookmarks go in the report and the JSON); any other reference is printed on the package only.
With the originals, the password read for the command also re-authenticates the user for the unredacted
export (``CliContext.reauthenticated_actor``; audited as ``user_reauthenticated``).
"""

from __future__ import annotations

import json
import sys
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from chronotrace_desktop.domain.cases import CASE_ID_PATTERN
from chronotrace_desktop.domain.errors import ExitCode, InvalidInputError, NotFoundError
from chronotrace_desktop.domain.export import (
    ExportRequest,
    ExportSelection,
    ExportType,
    parse_types,
)
from chronotrace_desktop.domain.ingest import parse_recorded_at
from chronotrace_desktop.domain.search import DEFAULT_LIMIT, SegmentQuery
from chronotrace_desktop.domain.users import ReauthPurpose
from chronotrace_desktop.workers.task_state import TaskState

if TYPE_CHECKING:
    from chronotrace_desktop.cli.context import CliContext
    from chronotrace_desktop.domain.export import ExportResult
    from chronotrace_desktop.domain.users import Actor


def register(commands: Any) -> None:
    export = commands.add_parser(
        "export", help="write an evidence package: clips, PDF report, CSV/JSON, manifest"
    )
    source = export.add_mutually_exclusive_group(required=True)
    source.add_argument("--segments", metavar="IDS", help="segment ids, comma-separated (or repeat the option)",
                        action="append")  # fmt: skip
    source.add_argument("--search", metavar="TEXT", help="export the hits of this search (see --limit)")
    source.add_argument("--anomaly", metavar="ID", help="export the segment of this anomaly")
    source.add_argument("--camera", metavar="ID", help="a camera's segments between --from and --to")
    export.add_argument("--from", dest="time_from", metavar="ISO8601", help="with --camera: start (UTC)")
    export.add_argument("--to", dest="time_to", metavar="ISO8601", help="with --camera: end (UTC)")
    export.add_argument("--limit", type=int, default=DEFAULT_LIMIT, metavar="N", help="with --search: hits")
    export.add_argument(
        "--case",
        required=True,
        metavar="CASE",
        help="the case, e.g. CASE-2024-0001: one of this installation's files the export in it (its bookmarks "
        "go in the report); any other reference is printed on the package",
    )
    export.add_argument(
        "--out", required=True, type=Path, metavar="DIR", help="folder to write the package in"
    )
    export.add_argument(
        "--types",
        default="all",
        metavar="LIST",
        help="video_clip,pdf_report,csv_data,json_data (comma-separated; default: all four)",
    )
    export.add_argument(
        "--watermark", metavar="TEXT", help="burn TEXT and the wall-clock time into the clips"
    )
    export.add_argument("--zip", action="store_true", help="write one .zip instead of a folder")
    export.add_argument(
        "--reveal-justification",
        metavar="TEXT",
        help="also export the unredacted originals (audited; analysts and administrators only)",
    )
    export.add_argument("--recut", action="store_true", help="re-cut the originals from the source videos")
    export.add_argument("--json", action="store_true", help="print the result as JSON")
    export.add_argument("--user", required=True, metavar="E", help="the account exporting")
    export.set_defaults(handler=run_export)


def _uuid(text: str, what: str) -> uuid.UUID:
    try:
        return uuid.UUID(text.strip())
    except ValueError:
        raise InvalidInputError(f"{what} takes ids (UUIDs), not {text!r}") from None


def build_selection(args: Any) -> ExportSelection:
    if args.camera is None and (args.time_from or args.time_to):
        raise InvalidInputError("--from and --to go with --camera")
    if args.segments:
        ids = [
            _uuid(part, "--segments") for value in args.segments for part in value.split(",") if part.strip()
        ]
        return ExportSelection.of_segments(ids)
    if args.search is not None:
        return ExportSelection.of_search(SegmentQuery(text=args.search, limit=args.limit))
    if args.anomaly is not None:
        return ExportSelection.of_anomaly(_uuid(args.anomaly, "--anomaly"))
    if not args.time_from or not args.time_to:
        raise InvalidInputError("--camera needs --from and --to (ISO 8601, UTC)")
    return ExportSelection.of_camera_range(
        args.camera, parse_recorded_at(args.time_from), parse_recorded_at(args.time_to)
    )


def build_request(args: Any, case: str | None = None) -> ExportRequest:
    return ExportRequest(
        case_id=args.case,
        case=case,
        selection=build_selection(args),
        destination=args.out,
        types=parse_types(args.types),
        watermark=args.watermark,
        reveal_justification=args.reveal_justification,
        recut_originals=args.recut,
        zip=args.zip,
    )


class ConsoleProgress:
    """A progress bar on a terminal; a line every tenth of the way otherwise."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._tty = stream.isatty()
        self._last_decile = -1

    def __call__(self, done: int, total: int, message: str) -> None:
        if total <= 0:
            return
        if self._tty:
            width = 24
            filled = round(width * done / total)
            self._stream.write(
                f"\r\x1b[2K[{'#' * filled}{'.' * (width - filled)}] {done}/{total} {message[-80:]}"
            )
            self._stream.flush()
            return
        decile = done * 10 // total
        if decile != self._last_decile:
            self._last_decile = decile
            self._stream.write(f"export: {done}/{total} {message}\n")

    def finish(self) -> None:
        if self._tty:
            self._stream.write("\r\x1b[2K")
            self._stream.flush()


def workspace_case(ctx: CliContext, actor: Actor, reference: str) -> str | None:
    """The case ``reference`` names in this installation, or None (a reference printed on the package only)."""
    if not CASE_ID_PATTERN.match(reference.strip().upper()):
        return None
    try:
        return ctx.services().cases.get(actor, reference).case_id
    except NotFoundError:
        print(
            f"note: there is no case {reference.strip().upper()} here; the export is filed under all footage "
            "with that reference",
            file=sys.stderr,
        )
        return None


def run_export(ctx: CliContext) -> ExitCode:
    request = build_request(ctx.args)
    proof = None
    if request.unredacted:
        actor, proof = ctx.reauthenticated_actor(ReauthPurpose.EXPORT_UNREDACTED)
    else:
        actor = ctx.actor()
    case = workspace_case(ctx, actor, ctx.args.case)
    if case is not None:
        request = build_request(ctx.args, case)
    renderer = None
    if ExportType.PDF_REPORT in request.types:
        from chronotrace_desktop.reports import QtPdfReportRenderer  # Qt only when a PDF is wanted

        renderer = QtPdfReportRenderer()
    console = ConsoleProgress(sys.stderr)
    try:
        result = ctx.services().exports.export(
            actor, request, TaskState(console), renderer=renderer, proof=proof
        )
    finally:
        console.finish()
    if ctx.args.json:
        print(json.dumps(as_json(result), indent=2))
    else:
        print_summary(request, result)
    return ExitCode.OK


def as_json(result: ExportResult) -> dict[str, Any]:
    return {
        "export_id": str(result.export_id),
        "path": str(result.path),
        "manifest_sha256": result.manifest_sha256,
        "file_count": result.file_count,
        "total_bytes": result.total_bytes,
        "segment_count": result.segment_count,
        "unredacted": result.unredacted,
        "query_id": str(result.query_id) if result.query_id else None,
        "elapsed_s": round(result.elapsed_s, 3),
        "warnings": list(result.warnings),
        "case": result.case,
    }


def print_summary(request: ExportRequest, result: ExportResult) -> None:
    media = "redacted clips and unredacted originals" if result.unredacted else "redacted clips only"
    types = ", ".join(sorted(t.value for t in request.types))
    filed = f" (filed in case {request.case})" if request.case else ""
    print(f"Exported case {request.case_id}{filed}: {result.path}")
    print(f"  {result.segment_count} segment(s), {result.file_count} file(s) + manifest, "
          f"{result.total_bytes / 1e6:.1f} MB in {result.elapsed_s:.1f} s")  # fmt: skip
    print(f"  contents: {types}; {media}")
    print(f"  export id: {result.export_id}")
    print(f"  manifest.json sha256: {result.manifest_sha256}")
    for warning in result.warnings:
        print(f"  warning: {warning}")
    print(f"Check it any time with: chronotrace verify {result.path}")
