"""``chronotrace ingest PATH... [--camera-id ID] [--location TEXT] [--recorded-at ISO8601] [--clock-offset S]
[--json]``."""

from __future__ import annotations

import json
import sys
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from chronotrace_desktop.config import Profile
from chronotrace_desktop.domain.errors import ExitCode, InvalidInputError
from chronotrace_desktop.domain.ingest import (
    IngestOptions,
    IngestProgress,
    IngestResult,
    IngestStage,
    IngestStatus,
    parse_recorded_at,
)
from chronotrace_desktop.domain.recorder_time import parse_offset
from chronotrace_desktop.workers.task_state import TaskState

if TYPE_CHECKING:
    from chronotrace_desktop.cli.context import CliContext
    from chronotrace_desktop.domain.users import Actor


def register(commands: Any) -> None:
    ingest = commands.add_parser("ingest", help="ingest video files and folders (recursively)")
    ingest.add_argument("paths", nargs="+", metavar="PATH", type=Path)
    ingest.add_argument("--camera-id", metavar="ID")
    ingest.add_argument("--location", metavar="TEXT")
    ingest.add_argument(
        "--recorded-at", metavar="ISO8601", help="when the recording started (default: from the file)"
    )
    ingest.add_argument(
        "--clock-offset",
        metavar="SECONDS",
        help="seconds to add to the recorder's clock for the true time (default: the camera's offset)",
    )
    ingest.add_argument(
        "--frame-rate",
        type=float,
        metavar="FPS",
        help="the rate of a raw .h264/.265 stream that carries none (default: raw_stream_fps, else 25)",
    )
    ingest.add_argument("--json", action="store_true", help="print one JSON object per file")
    ingest.add_argument(
        "--local",
        action="store_true",
        help="team profile: ingest on this machine instead of queueing the files",
    )
    ingest.add_argument("--user", required=True, metavar="E", help="the account performing the ingest")
    ingest.set_defaults(handler=run_ingest)

    prerender = commands.add_parser(
        "prerender", help="render the redacted clips not rendered yet, so viewing and export find them ready"
    )
    prerender.add_argument("--video", action="append", metavar="ID", help="only this video (repeatable)")
    prerender.add_argument("--user", required=True, metavar="E", help="the account performing it")
    prerender.set_defaults(handler=run_prerender)


class ConsoleProgress:
    """A one-line progress bar on a terminal; plain lines (one per stage change) otherwise."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._tty = stream.isatty()
        self._last_line = ""

    def __call__(self, done: int, total: int, event: IngestProgress) -> None:
        head = f"[{event.file_index}/{event.file_count}] {event.path.name}"
        if event.stage == IngestStage.SEGMENTS and event.total:
            width = 24
            filled = round(width * event.done / event.total)
            text = f"{head} [{'#' * filled}{'.' * (width - filled)}] {event.done}/{event.total} segments"
        else:
            text = f"{head}: {event.stage}"
        if self._tty:
            self._stream.write("\r\x1b[2K" + text[:200])
            self._stream.flush()
        elif (event.stage != IngestStage.SEGMENTS or event.done in (0, event.total)) and (
            text != self._last_line
        ):
            self._stream.write(text + "\n")
        self._last_line = text

    def result(self, result: IngestResult) -> None:
        if self._tty:
            self._stream.write("\r\x1b[2K")
        mark = "ok  " if result.ok else "FAIL"
        detail = (
            f"{result.segments} segments" if result.status is IngestStatus.COMPLETED else result.status.value
        )
        line = f"{mark} {result.path}: {detail}"
        if result.error and not result.ok:
            line += f" — {result.error}"
        elif result.error:
            line += f" ({result.error})"
        self._stream.write(line + "\n")
        for warning in result.warnings:
            self._stream.write(f"     warning: {warning}\n")
        self._stream.flush()


def run_ingest(ctx: CliContext) -> ExitCode:
    options = IngestOptions(
        camera_id=ctx.args.camera_id,
        location=ctx.args.location,
        recorded_at=parse_recorded_at(ctx.args.recorded_at) if ctx.args.recorded_at else None,
        clock_offset_s=parse_offset(ctx.args.clock_offset) if ctx.args.clock_offset is not None else None,
        frame_rate=ctx.args.frame_rate,
    )
    actor = ctx.actor()
    if ctx.settings.profile is Profile.TEAM and not ctx.args.local:
        return _enqueue(ctx, actor, options)
    console = ConsoleProgress(sys.stderr)
    as_json = ctx.args.json

    def on_result(result: IngestResult) -> None:
        if as_json:
            print(json.dumps(result.as_json()), flush=True)
        else:
            console.result(result)

    started = time.monotonic()
    results = ctx.services().ingest.ingest_paths(
        actor,
        ctx.args.paths,
        options,
        TaskState(),
        progress=console,
        on_result=on_result,
    )
    if any(r.status is IngestStatus.COMPLETED for r in results):
        started_index = time.monotonic()
        if ctx.services().maintenance.build_search_index(actor):
            sys.stderr.write(f"Built the search index in {time.monotonic() - started_index:.1f} s.\n")
    counts = {status: sum(1 for r in results if r.status is status) for status in IngestStatus}
    summary = ", ".join(f"{n} {status.value.replace('_', ' ')}" for status, n in counts.items() if n)
    segments = sum(r.segments for r in results if r.status is IngestStatus.COMPLETED)
    sys.stderr.write(
        f"Ingest finished in {time.monotonic() - started:.1f} s: {summary or 'nothing to do'}; "
        f"{segments} segments written.\n"
    )
    return ExitCode.OK if results and all(r.ok for r in results) else ExitCode.FAILURE


def _enqueue(ctx: CliContext, actor: Actor, options: IngestOptions) -> ExitCode:
    """Team profile: the files go on the team's queue; any ``chronotrace worker`` ingests them."""
    outcome = ctx.services().jobs.enqueue(actor, ctx.args.paths, options)
    if ctx.args.json:
        print(json.dumps({"job_ids": list(outcome.job_ids), "already_queued": list(outcome.already_queued),
                          "missing": list(outcome.missing)}), flush=True)  # fmt: skip
    for path in outcome.already_queued:
        sys.stderr.write(f"already queued: {path}\n")
    for path in outcome.missing:
        sys.stderr.write(f"FAIL {path}: no such file or folder\n")
    sys.stderr.write(
        f"Queued {len(outcome.job_ids)} file(s) for the team's workers "
        f"({len(outcome.already_queued)} already queued); follow them with 'chronotrace jobs list'.\n"
    )
    return ExitCode.FAILURE if outcome.missing else ExitCode.OK


def run_prerender(ctx: CliContext) -> ExitCode:
    try:
        videos = [uuid.UUID(v) for v in ctx.args.video] if ctx.args.video else None
    except ValueError:
        raise InvalidInputError("--video takes a video id (a UUID)") from None
    actor = ctx.actor()
    started = time.monotonic()
    rendered = ctx.services().media.prerender(actor, TaskState(), video_ids=videos)
    print(f"Rendered {rendered} redacted clip(s) in {time.monotonic() - started:.1f} s.")
    return ExitCode.OK
