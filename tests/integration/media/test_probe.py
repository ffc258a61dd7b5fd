from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path

import pytest

from chronotrace_desktop.domain.errors import EnvironmentProblemError, InvalidInputError
from chronotrace_desktop.media.hashing import sha256_file
from chronotrace_desktop.media.probe import probe
from tests.corpus import CorpusItem

from .conftest import SOURCES

CORPUS_KEYS = [
    "zero_bytes", "truncated_mp4", "truncated_mp4_no_index", "damaged_middle_mp4", "text_named_mp4",
    "image_png", "image_jpeg", "audio_only", "unsupported_codec", "garbage_mp4", "huge_resolution",
    "unreadable_permissions", "unicode_name", "gif", "avi_xvid", "mixed_dir", "mixed_dir_gif",
    "mixed_dir_text", "mixed_dir_empty", "fifo", "symlink_loop", "device", "dangling_symlink",
]  # fmt: skip


def test_sources_table_lists_fifteen_clips() -> None:
    assert len(SOURCES) == 15


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_probe_agrees_with_sources_table(videos_dir: Path, name: str) -> None:
    row = SOURCES[name]
    started = time.perf_counter()
    result = probe(videos_dir / name)
    assert time.perf_counter() - started < 5
    assert abs(result.duration_s - row.duration_s) <= 0.5
    assert (result.width, result.height) == (row.width, row.height)
    assert result.codec == row.codec
    assert result.fps == pytest.approx(row.fps, rel=0.02)
    assert result.size_bytes == row.size
    assert result.warnings == ()
    assert result.has_audio == (name == "car-detection.mp4")


def test_creation_time_is_naive_utc_or_none(videos_dir: Path) -> None:
    assert probe(videos_dir / "car-detection.mp4").creation_time == datetime(2018, 4, 19, 22, 46)
    assert probe(videos_dir / "one-by-one-person-detection.mp4").creation_time == datetime(
        2017, 9, 26, 16, 57, 49
    )
    assert probe(videos_dir / "video02.avi").creation_time is None
    assert probe(videos_dir / "classroom.gif").creation_time is None


def test_sha256_matches_sources_table(videos_dir: Path) -> None:
    row = SOURCES["car-detection.mp4"]
    assert sha256_file(videos_dir / row.name) == row.sha256


def test_corpus_has_every_kind(corpus: dict[str, CorpusItem]) -> None:
    assert sorted(corpus) == sorted(CORPUS_KEYS)


@pytest.mark.timeout(30)
@pytest.mark.parametrize("key", CORPUS_KEYS)
def test_corpus_item_gives_expected_outcome(corpus: dict[str, CorpusItem], key: str) -> None:
    item = corpus[key]
    started = time.perf_counter()
    if item.expect == "fail":
        with pytest.raises(InvalidInputError) as caught:
            probe(item.path, timeout_s=10)
        message = str(caught.value)
        assert item.reason_match in message.lower(), message
    else:
        result = probe(item.path, timeout_s=10)
        assert result.duration_s > 0
        assert result.width > 0
        if item.expect == "ok":
            assert result.warnings == ()
    assert time.perf_counter() - started < 5, "probing must be quick, whatever the input"


def test_truncated_file_warns_and_reports_usable_duration(corpus: dict[str, CorpusItem]) -> None:
    result = probe(corpus["truncated_mp4"].path)
    assert len(result.warnings) == 1
    assert "ends early" in result.warnings[0]
    assert 10 < result.duration_s < 13  # 40 % of 30.16 s of roughly even bitrate


@pytest.mark.timeout(10)
def test_probe_gives_up_on_time(videos_dir: Path) -> None:
    """A probe that cannot finish (here: a deadline no probe can meet) is an environment problem."""
    with pytest.raises(EnvironmentProblemError, match="did not finish"):
        probe(videos_dir / "uav-clips.mp4", timeout_s=1e-4)


def test_missing_path(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match="missing"):
        probe(tmp_path / "nothing here.mp4")
