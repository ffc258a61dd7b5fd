from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest

from chronotrace_desktop.domain.errors import OperationCancelledError
from chronotrace_desktop.domain.media import Window
from chronotrace_desktop.media.frames import sample_frames
from chronotrace_desktop.media.probe import probe
from chronotrace_desktop.media.segments import cut_segment
from chronotrace_desktop.media.windows import plan_windows


def _frames(path: Path) -> list[tuple[float, np.ndarray]]:
    with av.open(str(path)) as container:
        return [(f.time or 0.0, f.to_ndarray(format="bgra")) for f in container.decode(video=0)]


@pytest.mark.parametrize(
    ("name", "container", "suffix", "codec"),
    [
        ("car-detection.mp4", "mp4", ".mp4", "h264"),
        ("bottle-detection.mp4", "mp4", ".mp4", "h264"),  # B-frames, 8 s GOP
        ("video03.avi", "matroska", ".mkv", "mpeg4"),  # XVID, packed B-frames
        ("video02.avi", "matroska", ".mkv", "mpeg4"),
    ],
)
def test_stream_copy_cuts_every_window(
    videos_dir: Path, tmp_path: Path, name: str, container: str, suffix: str, codec: str
) -> None:
    source = videos_dir / name
    info = probe(source)
    first_frame_t = next(iter(sample_frames(source, fps=1))).t  # 0.04 s in video02.avi
    windows = plan_windows(info.duration_s)
    assert len(windows) >= 2
    for window in windows:
        cut = cut_segment(source, window, tmp_path / f"seg-{window.index:04d}")
        assert cut.path.suffix == suffix
        assert cut.container == container
        assert cut.method == "stream_copy"
        assert cut.codec == codec == info.codec
        assert cut.start_s <= max(window.start, first_frame_t) + 1e-3  # the keyframe at or before the start
        assert cut.end_s >= window.end - 2 / info.fps
        assert cut.end_s <= window.end + 0.5
        assert cut.snapped_to_keyframe == (cut.start_s < window.start - 1e-3)
        assert cut.size_bytes == cut.path.stat().st_size > 0
        again = probe(cut.path)
        assert again.codec == info.codec
        assert (again.width, again.height) == (info.width, info.height)
        assert again.duration_s == pytest.approx(cut.duration_s, abs=0.15)
        assert again.has_audio == info.has_audio == cut.has_audio
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"seg-{w.index:04d}{suffix}" for w in windows]


def test_first_window_of_car_detection_is_exact_and_keeps_audio(videos_dir: Path, tmp_path: Path) -> None:
    cut = cut_segment(videos_dir / "car-detection.mp4", Window(0, 0.0, 15.0), tmp_path / "first")
    assert cut.start_s == 0.0
    assert not cut.snapped_to_keyframe
    assert cut.has_audio
    with av.open(str(cut.path)) as container:
        assert [s.type for s in container.streams] == ["video", "audio"]
        assert container.streams.audio[0].codec_context.name == "aac"
        frames = sum(1 for _ in container.decode(video=0))
    assert abs(frames - 15.0 * 12.5) <= 2


def test_gif_first_window_is_copied_packet_for_packet(videos_dir: Path, tmp_path: Path) -> None:
    source = videos_dir / "classroom.gif"
    cut = cut_segment(source, plan_windows(probe(source).duration_s)[0], tmp_path / "gif")
    assert (cut.path.suffix, cut.method, cut.codec) == (".gif", "stream_copy", "gif")
    original, copied = _frames(source), _frames(cut.path)
    assert len(copied) == len(original) == 45
    assert all(np.array_equal(a, b) for (_, a), (_, b) in zip(original, copied, strict=True))
    assert probe(cut.path).duration_s == pytest.approx(2.99, abs=0.05)


def test_gif_later_window_is_reencoded_losslessly(videos_dir: Path, tmp_path: Path) -> None:
    source = videos_dir / "classroom.gif"
    cut = cut_segment(source, Window(1, 1.0, 2.5), tmp_path / "gif-later")
    assert (cut.path.suffix, cut.method, cut.codec, cut.container) == (
        ".mkv",
        "lossless_reencode",
        "ffv1",
        "matroska",
    )
    expected = [(t, img) for t, img in _frames(source) if 1.0 <= t < 2.5]
    got = _frames(cut.path)
    assert len(got) == len(expected) > 10
    assert all(np.array_equal(a, b) for (_, a), (_, b) in zip(expected, got, strict=True))
    assert cut.start_s == pytest.approx(expected[0][0])
    assert cut.end_s >= 2.45


def test_cancelled_cut_leaves_no_file(videos_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(OperationCancelledError):
        cut_segment(
            videos_dir / "video03.avi", Window(0, 0.0, 15.0), tmp_path / "seg", should_stop=lambda: True
        )
    assert list(tmp_path.iterdir()) == []


def test_recut_replaces_the_file_atomically(videos_dir: Path, tmp_path: Path) -> None:
    window = Window(1, 15.0, 30.16)
    first = cut_segment(videos_dir / "car-detection.mp4", window, tmp_path / "seg")
    second = cut_segment(videos_dir / "car-detection.mp4", window, tmp_path / "seg")
    assert first.path == second.path
    assert first.size_bytes == second.size_bytes
    assert [p.name for p in tmp_path.iterdir()] == ["seg.mp4"]
