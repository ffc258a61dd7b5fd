"""Issue 13 item 4: two ingests of the same bytes at once (two names, two sessions) on the real embedded PostgreSQL.

The first holds a lock on the source's SHA-256 for its whole processing; the second is reported as a duplicate
and touches nothing of the first's work, which ends with exactly one set of segments, files and vectors.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from chronotrace_desktop.domain.ingest import IngestOptions, IngestResult, IngestStage, IngestStatus
from chronotrace_desktop.domain.tasks import Unattended
from chronotrace_desktop.media.hashing import sha256_file
from chronotrace_desktop.media.probe import probe
from chronotrace_desktop.media.windows import plan_windows
from chronotrace_desktop.services.ingest.lease import source_lease
from chronotrace_desktop.storage.orm import Video, VideoSegment
from tests.conftest import VIDEOS_DIR
from tests.integration.conftest import Installation, new_installation

CLIP = VIDEOS_DIR / "one-by-one-person-detection.mp4"


@pytest.fixture
def fresh() -> Iterator[Installation]:
    with new_installation("embedded") as made:
        yield made


def test_the_second_ingest_of_bytes_being_ingested_is_a_duplicate_and_touches_nothing(
    fresh: Installation, tmp_path: Path
) -> None:
    copy = tmp_path / "same bytes, other name.mp4"
    shutil.copyfile(CLIP, copy)
    ingest = fresh.services.ingest
    first_is_cutting = threading.Event()
    outcome: dict[str, IngestResult | Exception] = {}

    def watch_first(done: int, total: int, stage: IngestStage) -> None:
        if stage == IngestStage.SEGMENTS and done >= 1:
            first_is_cutting.set()

    def run(name: str, path: Path, *, wait: bool) -> None:
        try:
            if wait:
                assert first_is_cutting.wait(timeout=300), "the first ingest never cut a segment"
            progress = None if wait else watch_first
            outcome[name] = ingest.ingest_file(
                fresh.admin, path, IngestOptions(), Unattended(), progress=progress
            )
        except Exception as exc:  # noqa: BLE001 - reported by the assertions below
            first_is_cutting.set()
            outcome[name] = exc

    threads = [
        threading.Thread(target=run, args=("first", CLIP), kwargs={"wait": False}),
        threading.Thread(target=run, args=("second", copy), kwargs={"wait": True}),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)
    first, second = outcome["first"], outcome["second"]
    assert isinstance(first, IngestResult), first
    assert isinstance(second, IngestResult), second
    windows = len(plan_windows(probe(CLIP).duration_s))
    assert first.status is IngestStatus.COMPLETED, first.error
    assert first.segments == windows
    assert second.status is IngestStatus.DUPLICATE, second
    assert "being ingested" in (second.error or ""), second.error

    digest = sha256_file(CLIP)
    with fresh.services.database.transaction() as session:
        videos = session.scalars(sa.select(Video).where(Video.meta["sha256"].astext == digest)).all()
        assert [v.id for v in videos] == [first.video_id]
        assert videos[0].original_path == str(CLIP), "the second name never took over the row"
        segments = session.scalars(
            sa.select(VideoSegment).where(VideoSegment.video_id == first.video_id)
        ).all()
        ids = {s.id for s in segments}
        keys = {
            k for s in segments for k in (s.segment_path, s.thumbnail_path, s.redacted_thumbnail_path) if k
        }
        assert sorted(s.segment_index for s in segments) == list(range(windows))
    vectors = {
        p.id for p in fresh.services.vectors.iter_points() if p.payload.get("video_id") == str(first.video_id)
    }
    assert vectors == ids, "exactly one vector per segment, none lost, none stray"
    assert set(fresh.services.blobs.keys(str(first.video_id))) == keys

    (again,) = ingest.ingest_paths(fresh.admin, [copy], IngestOptions(), Unattended())
    assert again.status is IngestStatus.DUPLICATE
    assert "already in the library" in (again.error or ""), "the lock was released when the first finished"


def test_the_lease_is_one_session_s_at_a_time_and_released_on_error(fresh: Installation) -> None:
    database = fresh.services.database
    digest = "ab" * 32
    with source_lease(database, digest) as held:
        assert held
        with source_lease(database, digest) as other:
            assert not other, "a second session does not get the lease of bytes being ingested"
        with source_lease(database, "cd" * 32) as different:
            assert different, "other bytes are not held up"

    def fail_while_holding() -> None:
        with source_lease(database, digest) as held:
            assert held
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        fail_while_holding()
    with source_lease(database, digest) as after:
        assert after, "released after an error"
