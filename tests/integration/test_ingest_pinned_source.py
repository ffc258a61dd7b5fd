"""What is cut is what was hashed (issue 13): ingest holds the source open from its hash to its last cut.

A file renamed over the source mid-ingest does not reach the cuts; a source changed in place mid-ingest is
not recorded as complete. Before the fix, every read reopened the name: the later segments came from the
other file while the row kept the first file's hash."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from chronotrace_desktop.domain.ingest import IngestOptions, IngestResult, IngestStage, IngestStatus
from chronotrace_desktop.domain.tasks import Unattended
from chronotrace_desktop.media.hashing import sha256_file
from chronotrace_desktop.media.probe import probe
from chronotrace_desktop.media.windows import plan_windows
from chronotrace_desktop.storage.orm import Video, VideoSegment
from tests.conftest import VIDEOS_DIR, scratch_dir
from tests.integration.conftest import Installation, new_installation

CLIP = VIDEOS_DIR / "car-detection.mp4"  # 30 s, 768x432: two segments
OTHER = VIDEOS_DIR / "bottle-detection.mp4"  # 640x360


@pytest.fixture(scope="module")
def workstation() -> Iterator[Installation]:
    with new_installation("embedded") as made:
        yield made


def _ingest_meddling(inst: Installation, path: Path, meddle: Callable[[], None]) -> IngestResult:
    """Ingest ``path``, calling ``meddle`` once, when the first segment has been cut."""
    done = threading.Event()

    def progress(written: int, total: int, stage: IngestStage) -> None:
        if stage == IngestStage.SEGMENTS and written >= 1 and not done.is_set():
            done.set()
            meddle()

    result = inst.services.ingest.ingest_file(
        inst.admin, path, IngestOptions(), Unattended(), progress=progress
    )
    assert done.is_set(), "the ingest never cut a first segment"
    return result


def test_a_file_renamed_over_the_source_mid_ingest_does_not_reach_the_cuts(workstation: Installation) -> None:
    folder = scratch_dir("pinned-")
    source, intruder = folder / "evidence.mp4", folder / "intruder.mp4"
    shutil.copyfile(CLIP, source)
    shutil.copyfile(OTHER, intruder)
    expected = sha256_file(source)

    result = _ingest_meddling(workstation, source, lambda: intruder.replace(source))

    assert result.status is IngestStatus.COMPLETED, result
    services = workstation.services
    with services.database.transaction() as session:
        video = session.get(Video, result.video_id)
        assert video is not None
        assert video.meta is not None
        assert video.meta["sha256"] == expected
        keys = session.scalars(
            sa.select(VideoSegment.segment_path).where(VideoSegment.video_id == result.video_id)
        ).all()
    assert len(keys) == len(plan_windows(probe(CLIP).duration_s)) >= 2
    for key in keys:
        assert key is not None
        cut = probe(services.blobs.readable(key))
        assert (cut.width, cut.height) == (768, 432), f"{key} was cut from the file renamed over the source"


def test_a_source_changed_in_place_mid_ingest_is_not_marked_complete(workstation: Installation) -> None:
    folder = scratch_dir("pinned-")
    source = folder / "growing.mp4"
    shutil.copyfile(OTHER, source)  # bytes no other test ingests

    def append() -> None:
        with source.open("ab") as handle:
            handle.write(b"\0" * 4096)

    result = _ingest_meddling(workstation, source, append)

    assert result.status is IngestStatus.FAILED, result
    assert result.error is not None
    assert "changed while it was being ingested" in result.error
    with workstation.services.database.transaction() as session:
        video = session.get(Video, result.video_id)
        assert video is not None
        assert video.processing_status == "failed"
