"""``chronotrace search "TEXT" | --image FILE | --similar-to SEGMENT_ID [filters] [--limit N] [--json] --user E``.

``chronotrace search --like-track TRACK [--other-cameras] [--from ISO --to ISO | --window ISO/ISO] [--case ID]``:
find this person (or vehicle) elsewhere. TRACK is a track id or ``VIDEO_ID:TRACK_KEY``; the window is wall-clock
time (tracks overlapping it; only videos with a known recording time can match).

``--from``/``--to`` take either offsets into each video (``90``, ``1:30``, ``0:01:30``) or wall-clock times
(ISO 8601, e.g. ``2024-02-09T14:30:00``: only videos with a known recording time can match); both bounds
must be of the same kind.
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chronotrace_desktop.cli.output import print_json, print_table
from chronotrace_desktop.domain.appearance import TimeWindow, TrackRef
from chronotrace_desktop.domain.errors import ExitCode, InvalidInputError
from chronotrace_desktop.domain.ingest import parse_recorded_at
from chronotrace_desktop.domain.search import DEFAULT_LIMIT, SearchFilters, SegmentQuery

if TYPE_CHECKING:
    from chronotrace_desktop.cli.context import CliContext
    from chronotrace_desktop.domain.search import SearchResult

_OFFSET = re.compile(r"^(?:(\d+):)?(?:(\d+):)?(\d+(?:\.\d+)?)$")


def register(commands: Any) -> None:
    search = commands.add_parser(
        "search", help="find segments by words, by a still image or by example (a segment id)"
    )
    search.add_argument(
        "text", nargs="?", metavar="TEXT", help='what to look for, e.g. "man in a red jacket"'
    )
    search.add_argument("--image", type=Path, metavar="FILE", help="query by a still image instead of words")
    search.add_argument("--similar-to", metavar="SEGMENT_ID", help="segments like this one")
    search.add_argument(
        "--like-track",
        metavar="TRACK",
        help="find this person or vehicle elsewhere: a track id or VIDEO_ID:TRACK_KEY (appearance)",
    )
    search.add_argument(
        "--other-cameras", action="store_true", help="with --like-track: only other cameras' footage"
    )
    search.add_argument("--window", metavar="FROM/TO", help="with --like-track: ISO 8601 wall-clock bounds")
    search.add_argument("--case", metavar="CASE_ID", help="only the videos of this case (recorded in it)")
    search.add_argument("--camera-id", action="append", default=[], metavar="ID", help="repeatable")
    search.add_argument("--location", metavar="TEXT")
    search.add_argument("--video", action="append", default=[], metavar="VIDEO_ID", help="repeatable")
    search.add_argument("--from", dest="time_from", metavar="T", help="offset (s, m:ss) or ISO 8601 time")
    search.add_argument("--to", dest="time_to", metavar="T", help="offset (s, m:ss) or ISO 8601 time")
    faces = search.add_mutually_exclusive_group()
    faces.add_argument("--has-faces", dest="faces", action="store_const", const=True, default=None)
    faces.add_argument("--no-faces", dest="faces", action="store_const", const=False)
    motion = search.add_mutually_exclusive_group()
    motion.add_argument("--motion", dest="motion", action="store_const", const=True, default=None)
    motion.add_argument("--no-motion", dest="motion", action="store_const", const=False)
    search.add_argument(
        "--object", action="append", default=[], metavar="CLS", help="detected class; repeatable"
    )
    search.add_argument("--min-score", type=float, metavar="F")
    search.add_argument("--limit", type=int, default=DEFAULT_LIMIT, metavar="N")
    search.add_argument("--json", action="store_true", help="print the hits as a JSON list")
    search.add_argument("--user", required=True, metavar="E", help="the account searching")
    search.set_defaults(handler=run_search)


def parse_time(text: str) -> float | datetime:
    """An offset in seconds (``90``, ``1:30``, ``1:00:00``) or a naive UTC wall-clock time (ISO 8601)."""
    value = text.strip()
    match = _OFFSET.match(value)
    if match:
        hours, minutes, seconds = match.groups()
        if minutes is None and hours is not None:
            hours, minutes = None, hours
        return int(hours or 0) * 3600 + int(minutes or 0) * 60 + float(seconds)
    try:
        return parse_recorded_at(value)
    except InvalidInputError:
        raise InvalidInputError(
            f"{text!r} is neither an offset (90, 1:30, 0:01:30) nor an ISO 8601 time (2024-02-09T14:30:00)"
        ) from None


def build_filters(args: Any) -> SearchFilters:
    bounds = [parse_time(t) if t is not None else None for t in (args.time_from, args.time_to)]
    kinds = {type(b) for b in bounds if b is not None}
    if len(kinds) > 1:
        raise InvalidInputError("--from and --to must both be offsets or both be ISO 8601 times")
    offsets = [b if isinstance(b, float) else None for b in bounds]
    times = [b if isinstance(b, datetime) else None for b in bounds]
    try:
        videos = tuple(uuid.UUID(v) for v in args.video)
    except ValueError:
        raise InvalidInputError("--video takes a video id (a UUID)") from None
    return SearchFilters(
        camera_ids=tuple(args.camera_id),
        location=args.location,
        video_ids=videos,
        start_from=offsets[0],
        start_to=offsets[1],
        recorded_from=times[0],
        recorded_to=times[1],
        has_faces=args.faces,
        motion=args.motion,
        objects=tuple(args.object),
        min_score=args.min_score,
        case_id=args.case,
    )


def build_query(args: Any) -> SegmentQuery:
    similar: uuid.UUID | None = None
    if args.similar_to is not None:
        try:
            similar = uuid.UUID(args.similar_to)
        except ValueError:
            raise InvalidInputError(
                f"--similar-to takes a segment id (a UUID), not {args.similar_to!r}"
            ) from None
    if args.text is None and args.image is None and similar is None:
        raise InvalidInputError(
            'say what to look for: search "TEXT", --image FILE or --similar-to SEGMENT_ID'
        )
    return SegmentQuery(
        text=args.text,
        image_path=args.image,
        similar_to=similar,
        filters=build_filters(args),
        limit=args.limit,
    )


def like_track_window(args: Any) -> TimeWindow | None:
    """``--window FROM/TO`` or ``--from``/``--to``, as wall-clock times (offsets mean nothing across videos)."""
    bounds: list[str | None] = [args.time_from, args.time_to]
    if args.window is not None:
        if args.time_from is not None or args.time_to is not None:
            raise InvalidInputError("give either --window or --from/--to, not both")
        parts = args.window.split("/")
        if len(parts) != 2:
            raise InvalidInputError("--window takes FROM/TO, e.g. 2024-02-09T14:00:00/2024-02-09T15:00:00")
        bounds = [part.strip() or None for part in parts]
    if bounds == [None, None]:
        return None
    times = [parse_recorded_at(b) if b is not None else None for b in bounds]
    return TimeWindow(times[0], times[1])


def run_like_track(ctx: CliContext) -> ExitCode:
    args = ctx.args
    if args.text is not None or args.image is not None or args.similar_to is not None:
        raise InvalidInputError("--like-track is a search of its own: give no words, --image or --similar-to")
    ref = TrackRef.parse(args.like_track)
    window = like_track_window(args)
    result = ctx.services().appearance.like_track(
        ctx.actor(),
        ref,
        window=window,
        other_cameras_only=args.other_cameras,
        case_id=args.case,
        limit=args.limit,
    )
    if args.json:
        print_json([hit.as_json() for hit in result.hits])
    else:
        print_result(result)
    return ExitCode.OK


def run_search(ctx: CliContext) -> ExitCode:
    if ctx.args.like_track is not None:
        return run_like_track(ctx)
    if ctx.args.other_cameras or ctx.args.window is not None:
        raise InvalidInputError("--other-cameras and --window go with --like-track")
    query = build_query(ctx.args)
    if query.image_path is not None and not query.image_path.is_file():
        raise InvalidInputError(f"there is no image file at {query.image_path}")
    actor = ctx.actor()
    result = ctx.services().search.search(actor, query)
    if ctx.args.json:
        print_json([hit.as_json() for hit in result.hits])
    else:
        print_result(result)
    return ExitCode.OK


def print_result(result: SearchResult) -> None:
    rows = [
        {
            "#": rank,
            "score": f"{hit.score:.3f}",
            "video": hit.video_filename,
            "seg": hit.segment_index,
            "time": f"{hit.start_time:.1f}-{hit.end_time:.1f} s",
            "camera": hit.camera_id,
            "why": "; ".join(hit.why),
        }
        for rank, hit in enumerate(result.hits, 1)
    ]
    print_table(rows, ["#", "score", "video", "seg", "time", "camera", "why"])
    understood = ", ".join(result.understood) or "nothing exact (caption similarity only)"
    t = result.timings
    print(
        f"\n{len(result.hits)} hits in {t.total_ms:.0f} ms (embedding {t.embed_ms:.0f}, vectors {t.vector_ms:.0f}, "
        f"database {t.db_ms:.0f}{', cached query' if result.cache_hit else ''}); understood: {understood}"
    )
