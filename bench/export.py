"""Evidence-export benchmark: a 20-segment package (clips + PDF + CSV/JSON + manifest) on an isolated data dir.

    .venv/bin/python bench/export.py [--segments 20] [--repeats 3] [--threads 2] [--no-watermark-run]

Build (not timed): a fresh workstation installation in a temp folder; shared clips ingested until there are
enough segments (one-by-one-person-detection, the G330 school clip, uav-clips, car-detection: 22 segments).

Measure ``ExportService.export`` end to end (authorisation, rows, clips, CSV, JSON, the PDF through the Qt
renderer, manifest, self-verification, publish, audit), median of ``--repeats`` runs, in three situations:

* ``cold``: the redacted renditions do not exist yet (removed before each run): the export renders them
  (on ``--threads`` threads) and caches them for the player;
* ``cached``: the default export (no watermark) when the renditions exist: they are copied in;
* ``watermark``: a watermark and the wall-clock start burned in: every clip is rendered fresh.

Prints the machine (CPU, cores, load), each run with its stage split (clips / documents and PDF / finish),
and the verifier's time on the package. Target: <= 5 s for the package.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _machine import describe

from chronotrace_desktop.config import load_settings, resolve_paths
from chronotrace_desktop.domain.export import ExportRequest, ExportSelection
from chronotrace_desktop.domain.ingest import IngestOptions, parse_recorded_at
from chronotrace_desktop.domain.roles import Role
from chronotrace_desktop.domain.tasks import Unattended
from chronotrace_desktop.reports import QtPdfReportRenderer, ensure_gui_application
from chronotrace_desktop.services.app import AppServices, open_app
from chronotrace_desktop.services.verification import verify_package
from chronotrace_desktop.storage.orm import Video, VideoSegment

VIDEOS = Path(__file__).resolve().parents[2] / "shared" / "data" / "videos"
CLIPS = (
    ("one-by-one-person-detection.mp4", "CAM-LOBBY"),
    ("2018-03-11.16-20-00.16-25-00.school.G330.annotated.mp4", "CAM-GYM"),
    ("uav-clips.mp4", "UAV-1"),
    ("car-detection.mp4", "CAM-ROAD"),
)
PASSWORD = "benchmark password"


class Stages(Unattended):
    """Records when the clips were done and when the PDF was."""

    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.marks: dict[str, float] = {}

    def progress(self, done: int, total: int, message: str = "") -> None:
        now = time.perf_counter() - self.started
        if message.startswith("clips/"):
            self.marks["clips"] = now
        elif message in {"segments.csv", "segments.json", "report.pdf", "done"}:
            self.marks[message] = now

    def split(self) -> str:
        clips = self.marks.get("clips", 0.0)
        pdf = self.marks.get("report.pdf", clips)
        done = self.marks.get("done", pdf)
        return f"clips {clips:.2f} s, CSV/JSON/PDF {pdf - clips:.2f} s, manifest+verify+publish {done - pdf:.2f} s"


def build(app: AppServices, wanted: int) -> list[Any]:
    app.installation.create_first_admin("bench@chronotrace.test", PASSWORD, "Bench Admin")
    admin = app.auth.login("bench@chronotrace.test", PASSWORD)
    app.users.add_user(admin, "examiner@chronotrace.test", Role.ANALYST, PASSWORD, full_name="Bench Examiner")
    started = time.perf_counter()
    for name, camera in CLIPS:
        options = IngestOptions(
            camera_id=camera, location="Benchmark site", recorded_at=parse_recorded_at("2024-02-09T14:30:00")
        )
        (result,) = app.ingest.ingest_paths(admin, [VIDEOS / name], options, Unattended())
        if not result.ok:
            raise SystemExit(f"ingest of {name} failed: {result.error}")
    with app.database.transaction() as session:
        ids = list(
            session.scalars(
                sa.select(VideoSegment.id).join(Video).order_by(Video.filename, VideoSegment.segment_index)
            )
        )
    print(
        f"library: {len(ids)} segments from {len(CLIPS)} clips, ingested in {time.perf_counter() - started:.1f} s"
    )
    if len(ids) < wanted:
        raise SystemExit(f"only {len(ids)} segments; the benchmark needs {wanted}")
    return ids[:wanted]


def forget_renditions(app: AppServices) -> None:
    with app.database.transaction() as session:
        for segment in session.scalars(
            sa.select(VideoSegment).where(VideoSegment.redacted_path.is_not(None))
        ):
            app.blobs.delete(segment.redacted_path or "")
            segment.redacted_path = None


def run(app: AppServices, ids: list[Any], out: Path, label: str, repeats: int, **options: Any) -> float:
    actor = app.auth.login("examiner@chronotrace.test", PASSWORD)
    renderer = QtPdfReportRenderer()
    walls = []
    for attempt in range(1, repeats + 1):
        if label == "cold":
            forget_renditions(app)
        request = ExportRequest(
            "CASE-BENCH-0001", ExportSelection.of_segments(ids), out / f"{label}-{attempt}", **options
        )
        stages = Stages()
        result = app.exports.export(actor, request, stages, renderer=renderer)
        walls.append(result.elapsed_s)
        started = time.perf_counter()
        report = verify_package(result.path)
        verify_s = time.perf_counter() - started
        assert report.intact, report.problems
        print(
            f"  {label} run {attempt}: {result.elapsed_s:.2f} s ({stages.split()}); {result.file_count} files, "
            f"{result.total_bytes / 1e6:.1f} MB; verify {verify_s:.2f} s"
        )
    wall = statistics.median(walls)
    print(f"{label}: median {wall:.2f} s of {repeats} ({', '.join(f'{w:.2f}' for w in walls)})")
    return wall


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--segments", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2, help="rendering threads")
    parser.add_argument(
        "--no-watermark-run", action="store_true", help="skip the (slow) burned-in watermark runs"
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    ensure_gui_application()
    print(f"machine: {describe()}")
    with tempfile.TemporaryDirectory(prefix="ct-bench-export-") as folder:
        paths = resolve_paths(Path(folder) / "data")
        app = open_app(load_settings(paths), paths)
        try:
            app.exports.render_threads = args.threads
            ids = build(app, args.segments)
            out = Path(folder) / "exports"
            print(
                f"package: {args.segments} segments; clips + PDF + CSV + JSON + manifest; {args.threads} render threads"
            )
            results = {"cold": run(app, ids, out, "cold", args.repeats)}
            results["cached"] = run(app, ids, out, "cached", args.repeats)
            if not args.no_watermark_run:
                results["watermark"] = run(
                    app, ids, out, "watermark", args.repeats, watermark="EVIDENCE - CASE-BENCH-0001"
                )
        finally:
            app.close()
    print(f"machine at the end: {describe()}")
    for label, wall in results.items():
        verdict = "meets" if wall <= 5.0 else "misses"
        print(f"RESULT {label:9s} {wall:6.2f} s  ({verdict} the 5 s target)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
