"""Issue 19: the team's ingest queue worked by real ``chronotrace worker`` processes on the server PostgreSQL.

Two workers, each in its own data folder (two machines: the team database is shared; with no Qdrant server
here each has its own embedded vector folder and local media folder, so the checks below count vectors and
media across both — a team deployment shares a Qdrant server and S3, where the same ids overwrite). One worker
is killed with SIGKILL in the middle of a file: the other takes the job over once the heartbeat is stale and
completes the video with exactly one segment row, one vector and one set of media per window. A file that cannot
be ingested ends ``failed`` with its message after its attempts; a second enqueue of a queued file is a no-op; a
cancel reaches the running worker and leaves the video resumable.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import URL

from chronotrace_desktop.config import Settings
from chronotrace_desktop.services.app import collection_spec
from chronotrace_desktop.storage.vectors import open_vector_index
from tests.integration.conftest import _server_backend, create_database, drop_database
from tests.integration.test_cli import ADMIN, PASSWORD, Cli

pytestmark = pytest.mark.server_pg
OWNER_SECRET = "s3cret-Team-Passw0rd"
VIDEOS = Path(__file__).resolve().parents[3] / "shared" / "data" / "videos"
ATTEMPTS = 2


@pytest.fixture
def team_db() -> Iterator[URL]:
    url = create_database(_server_backend())
    yield url
    drop_database(url)


def _distinct_copy(source: Path, target: Path, salt: int) -> Path:
    """The clip under a new name with different bytes (trailing bytes after the last box: players ignore
    them), so the library does not refuse it as the same file."""
    shutil.copyfile(source, target)
    with target.open("ab") as handle:
        handle.write(b"\0" * 8 + salt.to_bytes(8, "big"))
    return target


def _worker(cli: Cli, *extra: str) -> subprocess.Popen[str]:
    env = {**os.environ, "CHRONOTRACE_PASSWORD": PASSWORD}
    # Its warnings go to a file: a pipe nobody reads would stop a worker that writes enough of them.
    with (cli.data_dir / f"worker-{time.monotonic_ns()}.stderr").open("w") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "chronotrace_desktop", "--data-dir", str(cli.data_dir), "worker", "--user", ADMIN,
             "--attempts", str(ATTEMPTS), "--beat", "0.5", "--stalled-after", "3", *extra],
            env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=log, text=True,
        )  # fmt: skip


def _wait(condition: object, what: str, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


def _jobs(engine: sa.Engine) -> list[dict[str, object]]:
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT j.id, j.status::text AS status, j.attempts, j.args->>'path' AS path, p.done, p.total, "
                "p.message, p.worker_id FROM procrastinate_jobs j LEFT JOIN ingest_job_progress p "
                "ON p.job_id = j.id ORDER BY j.id"
            )
        ).mappings()
        return [dict(row) for row in rows]


def test_two_workers_share_a_batch_survive_kill_9_and_end_failures_and_cancels(
    tmp_path: Path, team_db: URL
) -> None:
    first = Cli(tmp_path / "machine-a")
    owner_url = team_db.set(drivername="postgresql").render_as_string(hide_password=True)
    assert first("config", "set", "profile", "team").returncode == 0
    assert first("config", "set", "database_url", owner_url).returncode == 0
    init = first(
        "init", "--admin-email", ADMIN, "--owner", "postgres", CHRONOTRACE_DB_OWNER_PASSWORD=OWNER_SECRET
    )
    assert init.returncode == 0, init.stderr
    second = Cli(tmp_path / "machine-b")
    (second.data_dir / "config").mkdir(parents=True)
    shutil.copyfile(first.data_dir / "config" / "settings.json", second.data_dir / "config" / "settings.json")
    (first.data_dir / "media").mkdir(exist_ok=True)
    (second.data_dir / "media").symlink_to(first.data_dir / "media")  # one media folder on a shared mount

    batch = tmp_path / "batch"
    batch.mkdir()
    for n in range(3):
        _distinct_copy(VIDEOS / "car-detection.mp4", batch / f"car-{n}.mp4", n)
    _distinct_copy(VIDEOS / "bottle-detection.mp4", batch / "bottle.mp4", 9)
    (batch / "corrupt.mp4").write_bytes(b"this is not a video at all\n" * 100)

    queued = first("ingest", "--user", ADMIN, "--json", str(batch))
    assert queued.returncode == 0, queued.stderr
    assert len(json.loads(queued.stdout)["job_ids"]) == 5
    again = first("ingest", "--user", ADMIN, "--json", str(batch / "car-0.mp4"))
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["job_ids"] == [], "a queued file was queued twice"

    engine = sa.create_engine(team_db, poolclass=sa.pool.NullPool)
    try:
        victim = _worker(first)
        survivor = _worker(second)
        try:
            # Kill the first worker in the middle of a file: a job of its that has written a segment, not all.
            def victim_mid_file() -> bool:
                with engine.connect() as conn:
                    row = conn.execute(
                        sa.text(
                            "SELECT p.job_id FROM ingest_job_progress p JOIN ingest_workers w ON w.id = p.worker_id "
                            "JOIN procrastinate_jobs j ON j.id = p.job_id WHERE w.pid = :pid AND j.status = 'doing' "
                            "AND p.stage = 'segments' AND p.done >= 1 AND p.done < p.total"
                        ),
                        {"pid": victim.pid},
                    ).first()
                return row is not None

            _wait(victim_mid_file, "the first worker to be in the middle of a file")
            doctor = first("doctor", "--json", password=None)
            workers = next(c for c in json.loads(doctor.stdout)["checks"] if c["name"] == "ingest workers")
            assert workers["detail"].startswith("2 live:"), workers
            victim.send_signal(signal.SIGKILL)
            victim.wait(timeout=10)
            _wait(
                lambda: all(j["status"] in ("succeeded", "failed") for j in _jobs(engine)), "the batch to end"
            )
        finally:
            for process in (victim, survivor):
                if process.poll() is None:
                    process.send_signal(signal.SIGTERM)
                    process.wait(timeout=60)

        jobs = {Path(str(j["path"])).name: j for j in _jobs(engine)}
        assert {name: j["status"] for name, j in jobs.items()} == {
            "car-0.mp4": "succeeded", "car-1.mp4": "succeeded", "car-2.mp4": "succeeded",
            "bottle.mp4": "succeeded", "corrupt.mp4": "failed",
        }  # fmt: skip
        corrupt = jobs["corrupt.mp4"]
        assert corrupt["attempts"] == ATTEMPTS, corrupt  # runs in all, then failed
        assert corrupt["message"], corrupt
        retry = first("jobs", "retry", str(corrupt["id"]), "--user", ADMIN)
        assert retry.returncode == 0, retry.stderr
        assert next(j for j in _jobs(engine) if j["id"] == corrupt["id"])["status"] == "todo"
        assert first("jobs", "cancel", str(corrupt["id"]), "--user", ADMIN).returncode == 0
        assert any(int(str(j["attempts"])) >= 1 for n, j in jobs.items() if n != "corrupt.mp4"), (
            "the killed worker's job was not run again"
        )
        with engine.connect() as conn:
            videos = conn.execute(
                sa.text("SELECT id, filename, processing_status FROM videos WHERE filename <> 'corrupt.mp4'")
            ).all()
            assert sorted(v.filename for v in videos) == ["bottle.mp4", "car-0.mp4", "car-1.mp4", "car-2.mp4"]
            assert {v.processing_status for v in videos} == {"completed"}
            segments = conn.execute(
                sa.text(
                    "SELECT id, video_id, segment_index, segment_path, thumbnail_path, redacted_thumbnail_path "
                    "FROM video_segments"
                )
            ).all()
        keys = {(s.video_id, s.segment_index) for s in segments}
        assert len(keys) == len(segments), "a window has two segment rows"
        segment_ids = {s.id for s in segments}
        vector_ids: list[object] = []
        for machine in (first, second):
            if (machine.data_dir / "vectors").exists():
                index = open_vector_index("edge", path=machine.data_dir / "vectors")
                try:
                    index.ensure_collection(collection_spec(Settings()))
                    vector_ids += [p.id for p in index.iter_points()]
                finally:
                    index.close()
        # Every vector is a committed segment's (no orphan) and every segment has one. Ids are the segments' own, so
        # one store never holds two for a window; across these two folders the window being written when the
        # worker died may be in both under the same id (a shared Qdrant server overwrites it in place).
        assert set(map(str, vector_ids)) == set(map(str, segment_ids)), "orphan or missing vectors"
        assert len(vector_ids) <= len(segment_ids) + 1
        media_dir = first.data_dir / "media"
        stored = {str(p.relative_to(media_dir)) for p in media_dir.rglob("*") if p.is_file()}
        owned = {
            key
            for s in segments
            for key in (s.segment_path, s.thumbnail_path, s.redacted_thumbnail_path)
            if key
        }
        assert stored == owned, f"orphan media {sorted(stored - owned)}, missing {sorted(owned - stored)}"

        # Cancel reaches a running worker: a longer file, cancelled once it is running.
        long_file = _distinct_copy(VIDEOS / "one-by-one-person-detection.mp4", tmp_path / "long.mp4", 5)
        queued = first("ingest", "--user", ADMIN, "--json", str(long_file))
        job_id = json.loads(queued.stdout)["job_ids"][0]
        worker = _worker(second)
        try:
            _wait(
                lambda: any(j["id"] == job_id and int(str(j["done"] or 0)) >= 1 for j in _jobs(engine)),
                "the long file to run",
            )
            cancel = first("jobs", "cancel", str(job_id), "--user", ADMIN)
            assert cancel.returncode == 0, cancel.stderr
            _wait(
                lambda: any(j["id"] == job_id and j["status"] == "aborted" for j in _jobs(engine)),
                "the cancel",
            )
        finally:
            worker.send_signal(signal.SIGTERM)
            worker.wait(timeout=60)
        with engine.connect() as conn:
            status = conn.execute(
                sa.text("SELECT processing_status FROM videos WHERE filename = 'long.mp4'")
            ).scalar()
        assert status == "pending", "a cancelled video is left resumable"
        listing = first("jobs", "list", "--json", "--user", ADMIN)
        assert listing.returncode == 0, listing.stderr
        statuses = {Path(j["path"]).name: j["status"] for j in map(json.loads, listing.stdout.splitlines())}
        assert statuses["long.mp4"] == "cancelled"
        assert statuses["corrupt.mp4"] == "cancelled"  # retried, then cancelled before a worker took it
    finally:
        engine.dispose()
