from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from chronotrace_desktop.domain.errors import OperationCancelledError
from chronotrace_desktop.media.frames import DecodeReport, audio_level_db, decode_floor, sample_frames
from tests.corpus import CorpusItem

from .conftest import SOURCES


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_two_fps_sampling(videos_dir: Path, name: str) -> None:
    row = SOURCES[name]
    report = DecodeReport()
    frames = list(sample_frames(videos_dir / name, fps=2, report=report))
    times = [f.t for f in frames]
    assert all(a < b for a, b in itertools.pairwise(times))
    assert abs(len(frames) - row.duration_s * 2) <= 2
    for frame in frames[:3]:
        assert frame.image.dtype.name == "uint8"
        assert frame.image.ndim == 3
        assert frame.image.shape[2] == 3
        assert max(frame.image.shape[:2]) <= 640
    assert not report.damaged
    assert report.warnings() == []
    assert report.frames_kept == len(frames)
    assert report.frames_decoded >= len(frames)


def test_non_square_pixels_come_out_in_display_aspect(videos_dir: Path) -> None:
    name = "2018-03-11.16-20-00.16-25-00.school.G330.annotated.mp4"  # 480x360 stored, SAR 4:3
    frame = next(iter(sample_frames(videos_dir / name, fps=1)))
    assert frame.image.shape == (360, 640, 3)


def test_window_sampling_stays_inside_the_window(videos_dir: Path) -> None:
    frames = list(sample_frames(videos_dir / "video03.avi", fps=1, start=15.0, end=28.333))
    assert 12 <= len(frames) <= 14
    assert frames[0].t >= 15.0
    assert frames[-1].t < 28.333


def test_damage_in_the_middle_is_skipped_and_reported(corpus: dict[str, CorpusItem]) -> None:
    report = DecodeReport()
    frames = list(sample_frames(corpus["damaged_middle_mp4"].path, fps=2, report=report))
    assert report.damaged
    assert report.gaps
    assert report.stopped_early is None
    gap_from, gap_to = report.gaps[0]
    assert 5 < gap_from < gap_to < 25
    assert frames[-1].t > 29  # decoding went on after the damage
    assert any("skipped" in w for w in report.warnings())


def test_truncated_file_is_sampled_as_far_as_it_decodes(corpus: dict[str, CorpusItem]) -> None:
    report = DecodeReport()
    frames = list(sample_frames(corpus["truncated_mp4"].path, fps=2, report=report))
    assert 10 < frames[-1].t < 13
    assert report.stopped_early is not None
    assert "truncated" in report.stopped_early


def test_sampling_can_be_cancelled(videos_dir: Path) -> None:
    with pytest.raises(OperationCancelledError):
        list(sample_frames(videos_dir / "uav-clips.mp4", fps=2, should_stop=lambda: True))


def test_decode_floor_decodes_every_frame(videos_dir: Path) -> None:
    frames, seconds = decode_floor(videos_dir / "video02.avi")
    assert frames == SOURCES["video02.avi"].frames
    assert seconds > 0


def test_audio_level(videos_dir: Path, corpus: dict[str, CorpusItem]) -> None:
    assert audio_level_db(videos_dir / "video02.avi", 0, 15) is None
    assert audio_level_db(videos_dir / "car-detection.mp4", 0, 15) == -120.0  # its AAC track is silent
    level = audio_level_db(corpus["audio_only"].path, 0.5, 1.5)  # a 0.5 amplitude sine: -9.03 dBFS RMS
    assert level == pytest.approx(-9.03, abs=0.3)
