from __future__ import annotations

import time
from pathlib import Path

import av
import numpy as np
import pytest

from chronotrace_desktop.domain.errors import OperationCancelledError
from chronotrace_desktop.domain.media import Box, RedactionPlan, TimedBoxes, Window
from chronotrace_desktop.media.images import box_pixels
from chronotrace_desktop.media.redaction import render_redacted_clip
from chronotrace_desktop.media.segments import SegmentCut, cut_segment

# The most detailed part of car-detection.mp4 (parked cars, kerb): flat asphalt would not show a blur.
REGION = Box(0.14, 0.05, 0.20, 0.35, "face")
# Faces in the first frame of face-demographics-walking-and-pause.gif (480x270).
FACES = (Box(0.42, 0.30, 0.095, 0.21), Box(0.625, 0.35, 0.10, 0.19), Box(0.195, 0.35, 0.075, 0.19))


def _decode(path: Path) -> list[np.ndarray]:
    with av.open(str(path)) as container:
        return [f.to_ndarray(format="bgr24") for f in container.decode(video=0)]


def _detail(image: np.ndarray) -> float:
    """Mean absolute difference between neighbouring pixels: edges, texture, facial features."""
    pixels = image.astype(int)
    return float(np.abs(np.diff(pixels, axis=0)).mean() + np.abs(np.diff(pixels, axis=1)).mean())


@pytest.fixture(scope="module")
def car_segment(videos_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> SegmentCut:
    # Window 1 snaps to the keyframe at 14.4 s: the offset between plan time and segment time matters.
    return cut_segment(
        videos_dir / "car-detection.mp4", Window(1, 15.0, 30.16), tmp_path_factory.mktemp("seg") / "s1"
    )


def test_redacted_clip_is_h264_blurred_inside_boxes_only(car_segment: SegmentCut, tmp_path: Path) -> None:
    plan = RedactionPlan(
        (TimedBoxes(car_segment.start_s, (REGION,)), TimedBoxes(40.0, (REGION,))), margin=1.3
    )
    started = time.perf_counter()
    dest = render_redacted_clip(
        car_segment.path, plan, tmp_path / "red.mp4", segment_offset_s=car_segment.start_s
    )
    assert time.perf_counter() - started < 30
    assert [p.name for p in tmp_path.iterdir()] == ["red.mp4"]
    with av.open(str(dest)) as container:
        assert [s.type for s in container.streams] == ["video"]  # audio dropped: voices are PII too
        stream = container.streams.video[0]
        assert (stream.codec_context.name, stream.codec_context.pix_fmt) == ("h264", "yuv420p")
        assert container.duration is not None
        assert container.duration / 1e6 == pytest.approx(car_segment.duration_s, abs=0.2)
    original, redacted = _decode(car_segment.path), _decode(dest)
    assert len(redacted) == len(original)
    x0, y0, x1, y1 = box_pixels(REGION.expanded(1.3), 768, 432)
    inside = np.zeros((432, 768), bool)
    inside[y0:y1, x0:x1] = True
    for i in (0, len(original) // 2, len(original) - 1):
        diff = np.abs(original[i].astype(int) - redacted[i].astype(int)).mean(axis=2)
        assert diff[~inside].mean() < 3  # outside: only the encoding loss
        # Inside, nothing finer than the redaction blocks survives: the local detail (gradient) is gone.
        assert _detail(redacted[i][y0:y1, x0:x1]) < _detail(original[i][y0:y1, x0:x1]) / 3


def test_plan_times_are_video_absolute(car_segment: SegmentCut, tmp_path: Path) -> None:
    """Boxes planned at 25.0 s of the video cover 24.5-25.5 s of the video, not 25 s into the segment."""
    keyframes = tuple(TimedBoxes(t, (REGION,) if t == 25.0 else ()) for t in np.arange(0.0, 40.0, 0.5))
    plan = RedactionPlan(keyframes)
    dest = render_redacted_clip(
        car_segment.path, plan, tmp_path / "red.mp4", segment_offset_s=car_segment.start_s
    )
    original, redacted = _decode(car_segment.path), _decode(dest)
    x0, y0, x1, y1 = box_pixels(REGION.expanded(plan.margin), 768, 432)
    changed = [
        round(car_segment.start_s + i / 12.5, 2)
        for i, (a, b) in enumerate(zip(original, redacted, strict=True))
        if _detail(b[y0:y1, x0:x1]) < _detail(a[y0:y1, x0:x1]) / 2
    ]
    assert changed == [round(24.56 + i * 0.08, 2) for i in range(12)]  # the frames in (24.5, 25.5)


def test_faces_are_unrecognisable(videos_dir: Path, tmp_path: Path) -> None:
    source = videos_dir / "face-demographics-walking-and-pause.gif"
    cut = cut_segment(source, Window(0, 0.0, 3.41), tmp_path / "faces")
    plan = RedactionPlan((TimedBoxes(0.0, FACES), TimedBoxes(0.1, ())))
    dest = render_redacted_clip(cut.path, plan, tmp_path / "red.mp4", segment_offset_s=cut.start_s)
    before, after = _decode(cut.path)[0], _decode(dest)[0]
    for face in FACES:
        x0, y0, x1, y1 = box_pixels(face, 480, 270)
        a, b = before[y0:y1, x0:x1].astype(int), after[y0:y1, x0:x1].astype(int)
        assert np.abs(a - b).mean() > 5
        # What is left is as smooth as a flat wall after H.264 (about 2), whatever the face had (6.7 to 9.8).
        assert _detail(b) < min(3.0, _detail(a) / 2.5), (face, _detail(a), _detail(b))


def test_watermark_and_odd_sizes(videos_dir: Path, tmp_path: Path) -> None:
    source = videos_dir / "face-demographics-walking.gif"
    cut = cut_segment(source, Window(0, 0.0, 2.91), tmp_path / "gif")
    plan = RedactionPlan((TimedBoxes(0.0, (Box(0.1, 0.1, 0.2, 0.3),)),))
    dest = render_redacted_clip(
        cut.path, plan, tmp_path / "red.mp4", segment_offset_s=0.0, watermark="CASE 7"
    )
    frames = _decode(dest)
    assert len(frames) == 35
    assert frames[0].shape == (270, 480, 3)


def test_cancel_leaves_nothing(car_segment: SegmentCut, tmp_path: Path) -> None:
    with pytest.raises(OperationCancelledError):
        render_redacted_clip(
            car_segment.path,
            RedactionPlan(),
            tmp_path / "red.mp4",
            segment_offset_s=0.0,
            should_stop=lambda: True,
        )
    assert list(tmp_path.iterdir()) == []


def test_clip_can_be_trimmed_to_its_window(car_segment: SegmentCut, tmp_path: Path) -> None:
    assert car_segment.start_s < 15.0  # the copy starts on the keyframe before the window
    dest = render_redacted_clip(
        car_segment.path,
        RedactionPlan(),
        tmp_path / "red.mp4",
        segment_offset_s=car_segment.start_s,
        start_s=car_segment.requested_start,
        end_s=car_segment.requested_end,
    )
    frames = _decode(dest)
    assert abs(len(frames) - (30.16 - 15.0) * 12.5) <= 1
    assert _decode(car_segment.path)[-1].shape == frames[0].shape


@pytest.mark.parametrize("name", ["video02.avi", "video03.avi"])
def test_xvid_cuts_render_with_increasing_timestamps(videos_dir: Path, tmp_path: Path, name: str) -> None:
    """XVID in Matroska decodes with repeated/out-of-order timestamps; the MP4 muxer needs increasing ones."""
    cut = cut_segment(videos_dir / name, Window(1, 15.0, 28.0), tmp_path / "seg")
    dest = render_redacted_clip(cut.path, RedactionPlan(), tmp_path / "out.mp4", segment_offset_s=cut.start_s)
    with av.open(str(dest)) as container:
        stream = container.streams.video[0]
        pts = [frame.pts for frame in container.decode(stream)]
    assert len(pts) > 100
    assert pts == sorted(pts)
