"""Ingest benchmark: the shared clips into a fresh data dir, against a pure-decode pass over the same files.

    .venv/bin/python bench/ingest.py [--videos DIR] [--repeats N]

Prints the total video seconds, the wall seconds of the ingest (median over repeats, each into a new data
dir on the workstation profile), x real time, and the ratio to the decode floor (every frame of every
file decoded, none converted: the least any ingest must do). Targets: ≥ 10x real time, ≤ 4x the floor.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import tempfile
import time
from pathlib import Path

import av

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _machine import describe

from chronotrace_desktop.config import load_settings, resolve_paths
from chronotrace_desktop.domain.ingest import IngestOptions, IngestStatus
from chronotrace_desktop.domain.tasks import Unattended
from chronotrace_desktop.media.frames import decode_floor
from chronotrace_desktop.services.app import open_app

DEFAULT_VIDEOS = Path(__file__).resolve().parents[2] / "shared" / "data" / "videos"
VIDEO_SUFFIXES = {".mp4", ".avi", ".gif", ".mkv", ".mov"}


def clip_seconds(path: Path) -> float:
    with av.open(str(path)) as container:
        return float(container.duration or 0) / av.time_base


def one_ingest(videos: list[Path], detect_interval: float | None) -> tuple[float, int]:
    with tempfile.TemporaryDirectory(prefix="ct-bench-ingest-") as folder:
        paths = resolve_paths(Path(folder) / "data")
        settings = load_settings(paths, ingest_detect_interval=detect_interval)
        app = open_app(settings, paths)
        try:
            app.installation.create_first_admin("bench@chronotrace.test", "benchmark password")
            admin = app.auth.login("bench@chronotrace.test", "benchmark password")
            started = time.perf_counter()
            results = app.ingest.ingest_paths(admin, videos, IngestOptions(), Unattended())
            wall = time.perf_counter() - started
        finally:
            app.close()
    failed = [r for r in results if r.status is not IngestStatus.COMPLETED]
    if failed:
        raise SystemExit(f"ingest failed for {[(r.filename, r.error) for r in failed]}")
    return wall, sum(r.segments for r in results)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--videos", type=Path, default=DEFAULT_VIDEOS)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--detect-interval",
        type=float,
        default=None,
        help="seconds between detector runs (setting default: 1.0)",
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    videos = sorted(p for p in args.videos.iterdir() if p.suffix.lower() in VIDEO_SUFFIXES)
    video_s = sum(clip_seconds(p) for p in videos)
    print(f"machine: {describe()}")
    print(f"input: {len(videos)} files, {video_s:.1f} s of video from {args.videos}")
    interval = args.detect_interval if args.detect_interval is not None else "setting default"
    print(f"detector interval: {interval}")

    floors = []
    for _ in range(args.repeats):
        started = time.perf_counter()
        for path in videos:
            decode_floor(path)
        floors.append(time.perf_counter() - started)
    floor = statistics.median(floors)

    walls = []
    segments = 0
    for attempt in range(1, args.repeats + 1):
        wall, segments = one_ingest(videos, args.detect_interval)
        walls.append(wall)
        print(f"  run {attempt}: ingest {wall:.1f} s ({segments} segments)")
    wall = statistics.median(walls)
    print(f"decode floor: {floor:.2f} s (median of {args.repeats})")
    print(
        f"ingest wall:  {wall:.2f} s (median of {args.repeats}; runs {', '.join(f'{w:.1f}' for w in walls)})"
    )
    print(f"speed:        {video_s / wall:.1f}x real time (target >= 10x)")
    print(f"vs floor:     {wall / floor:.2f}x the decode floor (target <= 4x)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
