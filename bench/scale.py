"""Scale-out benchmark (issue 19): a batch queued on the server PostgreSQL, ingested by 1, then 2 worker processes.

    .venv/bin/python bench/scale.py [--files 30] [--workers 1 2] [--server postgresql://postgres@127.0.0.1:5432]

For each worker count: a fresh team database on the server (made by its owner with ``chronotrace init --owner``),
``files`` copies of short shared clips under new names (a few bytes appended so each is a new file to the
library), queued with ``chronotrace ingest`` (timed: the enqueue cost per job), then that many ``chronotrace
worker --until-idle`` processes, each in its own data folder (its own embedded vector folder: no Qdrant server
here; one media folder shared through a link, as a mount would be). Measured: the batch's wall time from the
workers' start to the last job's end, segments and video seconds per second, each job's run time from the
queue's own event rows, the queue's overhead per job (on each worker, the gap between one job's end and its next
job's start: fetch, finish and the LISTEN/NOTIFY wake-up), and the database's writes per segment
(``pg_stat_database``: rows inserted + updated and transactions committed, over the run). Then the embedded vector
engine's upsert rate for single 384-d points, as ingest writes them (a Qdrant server's is not measured here).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import itertools
from typing import TYPE_CHECKING

import sqlalchemy as sa
from _machine import describe
from sqlalchemy.pool import NullPool

if TYPE_CHECKING:
    from datetime import datetime

ADMIN = "bench.admin@agency.example"
PASSWORD = "benchmark password"
VIDEOS = Path(__file__).resolve().parents[2] / "shared" / "data" / "videos"
CLIPS = ("car-detection.mp4", "bottle-detection.mp4")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=30)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--server", default="postgresql://postgres@127.0.0.1:5432")
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="chronotrace-scale-"))
    os.environ.update(
        PYTHON_KEYRING_BACKEND="keyrings.alt.file.PlaintextKeyring",
        XDG_DATA_HOME=str(home / "xdg-data"),
        CHRONOTRACE_PASSWORD=PASSWORD,
        CHRONOTRACE_DB_OWNER_PASSWORD="unused-with-trust-auth",
    )
    print(describe())
    try:
        for count in args.workers:
            run(home / f"run-{count}", sa.make_url(args.server), args.files, count)
        print(upsert_rate(home / "vectors-bench"))
    finally:
        shutil.rmtree(home, ignore_errors=True)


def cli(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "-m", "chronotrace_desktop", "--data-dir", str(data_dir), *args],
        capture_output=True, text=True, stdin=subprocess.DEVNULL, check=False,
    )  # fmt: skip
    if result.returncode != 0:
        raise SystemExit(f"chronotrace {' '.join(args)} failed: {result.stderr}")
    return result


def run(folder: Path, server: sa.URL, files: int, workers: int) -> None:
    name = f"ct_scale_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(
        server.set(database="postgres"), isolation_level="AUTOCOMMIT", poolclass=NullPool
    )
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = server.set(database=name)
    engine = sa.create_engine(url, poolclass=NullPool)
    try:
        machines = [folder / f"machine-{n}" for n in range(workers)]
        first = machines[0]
        cli(first, "config", "set", "profile", "team")
        cli(first, "config", "set", "database_url", url.render_as_string(hide_password=True))
        cli(first, "init", "--admin-email", ADMIN, "--owner", str(server.username or "postgres"))
        (first / "media").mkdir(exist_ok=True)
        for other in machines[1:]:
            (other / "config").mkdir(parents=True)
            shutil.copyfile(first / "config" / "settings.json", other / "config" / "settings.json")
            (other / "media").symlink_to(first / "media")
        batch = folder / "batch"
        batch.mkdir()
        for n in range(files):
            target = batch / f"clip-{n:03d}{Path(CLIPS[n % len(CLIPS)]).suffix}"
            shutil.copyfile(VIDEOS / CLIPS[n % len(CLIPS)], target)
            with target.open("ab") as handle:
                handle.write(b"\0" * 8 + n.to_bytes(8, "big"))
        started = time.perf_counter()
        queued = json.loads(cli(first, "ingest", "--user", ADMIN, "--json", str(batch)).stdout)
        enqueue_s = time.perf_counter() - started
        before = stats(engine, name)
        began = time.perf_counter()
        processes = [
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "chronotrace_desktop",
                    "--data-dir",
                    str(m),
                    "worker",
                    "--user",
                    ADMIN,
                    "--until-idle",
                    "--beat",
                    "2",
                    "--stalled-after",
                    "30",
                ],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            for m in machines
        ]
        ran_on: dict[int, object] = {}  # job id -> worker id (a worker's row goes when it stops)
        while any(process.poll() is None for process in processes):
            with engine.connect() as conn:
                rows = conn.execute(
                    sa.text("SELECT job_id, worker_id FROM ingest_job_progress WHERE worker_id IS NOT NULL")
                )
                ran_on.update({int(r[0]): r[1] for r in rows})
            time.sleep(0.5)
        wall = time.perf_counter() - began
        time.sleep(1.0)  # the statistics collector's flush
        after = stats(engine, name)
        report(engine, workers, len(queued["job_ids"]), enqueue_s, wall, before, after, ran_on)
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def stats(engine: sa.Engine, name: str) -> dict[str, int]:
    with engine.connect() as conn:
        conn.execute(sa.text("SELECT pg_stat_clear_snapshot()"))
        row = conn.execute(
            sa.text("SELECT xact_commit, tup_inserted, tup_updated FROM pg_stat_database WHERE datname = :n"),
            {"n": name},
        ).one()
    return {"commits": int(row[0]), "inserted": int(row[1]), "updated": int(row[2])}


def report(
    engine: sa.Engine,
    workers: int,
    jobs: int,
    enqueue_s: float,
    wall: float,
    before: dict[str, int],
    after: dict[str, int],
    ran_on: dict[int, object],
) -> None:
    with engine.connect() as conn:
        segments = int(conn.execute(sa.text("SELECT count(*) FROM video_segments")).scalar_one())
        seconds = float(
            conn.execute(sa.text("SELECT coalesce(sum(duration_seconds), 0) FROM videos")).scalar_one()
        )
        counted = conn.execute(sa.text("SELECT status::text, count(*) FROM procrastinate_jobs GROUP BY 1"))
        statuses: dict[str, int] = {str(row[0]): int(row[1]) for row in counted}
        runs = conn.execute(
            sa.text(
                """
                SELECT j.id, j.worker_id,
                       min(e.at) FILTER (WHERE e.type = 'started') AS started,
                       max(e.at) FILTER (WHERE e.type IN ('succeeded', 'failed')) AS ended,
                       p.worker_id AS ours
                  FROM procrastinate_jobs j JOIN procrastinate_events e ON e.job_id = j.id
                  LEFT JOIN ingest_job_progress p ON p.job_id = j.id
                 GROUP BY j.id, p.worker_id ORDER BY started
                """
            )
        ).all()
    durations = [(r.ended - r.started).total_seconds() for r in runs if r.started and r.ended]
    gaps: list[float] = []
    by_worker: dict[object, list[tuple[datetime, datetime]]] = {}
    for r in runs:
        if r.started and r.ended:
            by_worker.setdefault(ran_on.get(int(r.id), r.ours), []).append((r.started, r.ended))
    for spans in by_worker.values():
        spans.sort()
        gaps += [(nxt[0] - prev[1]).total_seconds() for prev, nxt in itertools.pairwise(spans)]
    writes = (after["inserted"] - before["inserted"]) + (after["updated"] - before["updated"])
    commits = after["commits"] - before["commits"]
    print(
        f"\n{workers} worker process(es): {jobs} jobs {statuses}, {segments} segments, {seconds:.0f} s of video\n"
        f"  enqueue: {enqueue_s:.2f} s for {jobs} files (CLI start and sign-in included)\n"
        f"  wall {wall:.1f} s (worker start-up included): {segments / wall:.2f} segments/s, "
        f"{seconds / wall:.1f}x real time\n"
        f"  job run time: median {statistics.median(durations):.2f} s, sum {sum(durations):.1f} s\n"
        f"  queue overhead between jobs on a worker: median {statistics.median(gaps) * 1000 if gaps else 0:.0f} ms, "
        f"max {max(gaps) * 1000 if gaps else 0:.0f} ms ({len(gaps)} gaps)\n"
        f"  database: {writes / max(1, segments):.1f} rows written and {commits / max(1, segments):.1f} commits "
        "per segment (every table, the queue's included)"
    )


def upsert_rate(folder: Path) -> str:
    import numpy as np

    from chronotrace_desktop.config import Settings
    from chronotrace_desktop.services.app import collection_spec
    from chronotrace_desktop.storage.vectors import VectorPoint, open_vector_index

    index = open_vector_index("edge", path=folder)
    try:
        index.ensure_collection(collection_spec(Settings()))
        rng = np.random.default_rng(0)
        count = 500
        started = time.perf_counter()
        for _ in range(count):
            vector = rng.standard_normal(384).astype("float32")
            index.upsert(
                [VectorPoint(uuid.uuid4(), (vector / np.linalg.norm(vector)).tolist(), {"video_id": "x"})]
            )
        rate = count / (time.perf_counter() - started)
    finally:
        index.close()
    return f"\nembedded vector engine: {rate:.0f} single-point upserts/s (384-d, one point per call as ingest writes)"


if __name__ == "__main__":
    main()
