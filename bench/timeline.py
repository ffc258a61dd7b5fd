"""Timeline benchmark: window queries at four zooms and the pane's worst stall, on a synthetic 500-video library.

    .venv/bin/python bench/timeline.py [--videos 500] [--cameras 12] [--segments 8] [--days 30] [--queries 15]
                                       [--keep DIR]

Build (not timed): a fresh workstation installation (embedded PostgreSQL) in a temp folder, or the one in
``--keep DIR`` (built there on the first run, reused after): ``videos`` dated videos of ``segments`` 15-second
segments over ``cameras`` cameras and ``days`` days (rows through the ORM: tests/timeline_library.py).

Measure:

* ``TimelineService.window`` end to end (role check, the GiST lookup of videos, the segment count, segments or
  buckets, anomalies, bookmarks) at 30 days, 1 day, 1 hour and 1 minute, ``queries`` windows each at seeded
  random places in the footage, with the pane's tile sizes (``max_items`` 1500, 400 buckets): median and p95,
  and whether the answers were buckets (each window centred near a random video's start, where footage is);
* the plan of the 1-hour query's video lookup (the 0013 index used or not);
* the pane, offscreen: two rounds of zooming 30 days <-> 1 minute around one moment and panning, 100 ms apart,
  while the stall watchdog of tests/gui/test_ingest_responsiveness measures the longest event-loop gap
  (goal 50 ms).
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.timeline_library, the watchdog

import sqlalchemy as sa
from _machine import describe

from chronotrace_desktop.config import load_settings, resolve_paths
from chronotrace_desktop.services.app import AppServices, open_app
from chronotrace_desktop.services.timeline import store
from chronotrace_desktop.storage.orm import Video
from chronotrace_desktop.ui.panes.timeline import TimelinePane
from chronotrace_desktop.ui.panes.timeline.paint import LABEL_W
from chronotrace_desktop.ui.panes.timeline.tiles import TILE_BUCKETS, TILE_MAX_ITEMS
from chronotrace_desktop.ui.qt import QApplication
from chronotrace_desktop.workers.base import WorkerPool
from tests.gui.test_ingest_responsiveness import GOAL_MS, Watchdog
from tests.timeline_library import build_library

ADMIN = "bench.admin@agency.example"
PASSWORD = "benchmark password"
ZOOMS = (("30 days", 30 * 86400.0), ("1 day", 86400.0), ("1 hour", 3600.0), ("1 minute", 60.0))


def _library(app: AppServices, args: argparse.Namespace) -> None:
    with app.database.transaction() as session:
        videos = session.scalar(sa.select(sa.func.count()).select_from(Video))
    if not videos:
        app.installation.create_first_admin(ADMIN, PASSWORD, "Bench Admin")
        started = time.perf_counter()
        build_library(app, videos=args.videos, cameras=args.cameras, segments=args.segments, days=args.days)
        print(
            f"built: {args.videos} videos x {args.segments} segments in {time.perf_counter() - started:.1f} s"
        )
    else:
        print(f"reusing: {videos} videos")


def _queries(app: AppServices, args: argparse.Namespace) -> None:
    admin = app.auth.login(ADMIN, PASSWORD)
    extent = app.timeline.extent(admin)
    assert extent.start is not None
    assert extent.end is not None
    rng = random.Random(16)
    footage = (extent.end - extent.start).total_seconds()
    with app.database.transaction() as session:
        starts = list(session.scalars(sa.select(Video.recorded_at).where(Video.recorded_at.is_not(None))))
    for label, span in ZOOMS:
        times, sizes, aggregated = [], [], 0
        for _ in range(args.queries):
            # around a random video's start (a window where footage is), the widest over all of it
            middle = rng.choice(starts) + timedelta(seconds=rng.uniform(0, 60))
            start = max(
                extent.start, min(middle - timedelta(seconds=span / 2), extent.end - timedelta(seconds=span))
            )
            began = time.perf_counter()
            window = app.timeline.window(
                admin, start, start + timedelta(seconds=span), max_items=TILE_MAX_ITEMS, buckets=TILE_BUCKETS
            )
            times.append((time.perf_counter() - began) * 1000)
            sizes.append(len(window.segments) + len(window.buckets))
            aggregated += window.aggregated
        times.sort()
        print(
            f"RESULT window {label:9s} median {statistics.median(times):6.1f} ms  p95 "
            f"{times[int(len(times) * 0.95) - 1]:6.1f} ms  items median {statistics.median(sizes):5.0f}  "
            f"aggregated {aggregated}/{args.queries}"
        )
    middle = extent.start + timedelta(seconds=footage / 2)
    sql = store._visible(False) + " SELECT count(*) FROM v"  # the service's own video lookup
    with app.database.transaction() as session:
        plan = session.execute(
            sa.text("EXPLAIN " + sql), {"start": middle, "end": middle + timedelta(hours=1)}
        ).scalars()
        uses = any("idx_videos_wall_span" in line for line in plan)
    print(f"plan: the 1-hour video lookup {'uses' if uses else 'does NOT use'} idx_videos_wall_span")


def _stall(app: AppServices) -> float:
    qapp = QApplication.instance() or QApplication([])
    admin = app.auth.login(ADMIN, PASSWORD)
    pool = WorkerPool()
    pane = TimelinePane(app, admin, pool)
    pane.resize(1200, 600)
    pane.show()

    def wait(ms: float) -> None:
        end = time.perf_counter() + ms / 1000
        while time.perf_counter() < end:
            qapp.processEvents()
            time.sleep(0.002)

    wait(2000)
    canvas = pane.canvas
    assert canvas.extent is not None
    anchor = LABEL_W + canvas.view.x_of(canvas.extent[0] + 3 * 86400)
    watchdog = Watchdog()
    watchdog.start()
    for _round in range(2):
        for _ in range(17):
            canvas.zoom(2.0, anchor)
            wait(100)
        for step in range(12):
            canvas.pan(150 if step < 6 else -150)
            wait(100)
        for _ in range(17):
            canvas.zoom(0.5, anchor)
            wait(100)
        canvas.fit()
        wait(100)
    wait(1000)
    watchdog.stop()
    pool.cancel_all()
    pool.wait_for_done(10_000)
    pane.close()
    return watchdog.worst_ms


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--videos", type=int, default=500)
    parser.add_argument("--cameras", type=int, default=12)
    parser.add_argument("--segments", type=int, default=8)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--queries", type=int, default=15)
    parser.add_argument("--keep", type=Path, help="build the library here once and reuse it")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    print(f"machine: {describe()}")
    with tempfile.TemporaryDirectory(prefix="ct-bench-timeline-") as folder:
        paths = resolve_paths(args.keep or Path(folder) / "data")
        app = open_app(load_settings(paths), paths)
        try:
            _library(app, args)
            _queries(app, args)
            worst = _stall(app)
        finally:
            app.close()
    print(f"machine at the end: {describe()}")
    verdict = "meets" if worst <= GOAL_MS else "misses"
    print(f"RESULT pane zoom/pan worst stall {worst:.1f} ms ({verdict} the {GOAL_MS} ms goal)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
