from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from chronotrace_desktop.domain.media import Box
from chronotrace_desktop.media.images import blur_regions, box_pixels, draw_watermark, write_thumbnail


def _detailed_image(height: int = 240, width: int = 320) -> np.ndarray:
    """High-frequency content everywhere (like skin texture, eyes, edges): blur must destroy it."""
    rng = np.random.default_rng(1)
    image = rng.integers(0, 256, (height, width, 3), dtype=np.uint8)
    cv2.putText(image, "ID 4711", (60, 130), cv2.FONT_HERSHEY_SIMPLEX, 1.2, (255, 255, 255), 3)
    return image


def _mask(box: Box, margin: float, shape: tuple[int, ...]) -> np.ndarray:
    x0, y0, x1, y1 = box_pixels(box.expanded(margin), shape[1], shape[0])
    mask = np.zeros(shape[:2], bool)
    mask[y0:y1, x0:x1] = True
    return mask


def test_box_pixels_round_outwards_and_clip() -> None:
    assert box_pixels(Box(0.1, 0.2, 0.3, 0.4), 100, 50) == (10, 10, 40, 30)
    assert box_pixels(Box(0.101, 0.2, 0.3, 0.4), 100, 50) == (10, 10, 41, 30)
    assert box_pixels(Box(-0.5, -0.5, 0.7, 2.0), 100, 50) == (0, 0, 20, 50)


def test_blur_changes_pixels_inside_boxes_and_nothing_outside() -> None:
    image = _detailed_image()
    box = Box(0.2, 0.3, 0.4, 0.3, "face")
    out = blur_regions(image, [box], margin=1.3)
    inside = _mask(box, 1.3, image.shape)
    assert out.shape == image.shape
    assert out.dtype == np.uint8
    assert np.array_equal(out[~inside], image[~inside])
    diff = np.abs(out.astype(int) - image.astype(int))[inside]
    assert diff.mean() > 40  # the random texture is gone
    # What is left inside is smooth: neighbouring pixels barely differ (no recognisable detail).
    region = out[inside].reshape(-1, 3)
    assert np.abs(np.diff(region.astype(int), axis=0)).mean() < 10
    assert image is not out
    assert not np.array_equal(image[inside], out[inside])


def test_blur_strength_follows_box_size() -> None:
    """A big close-up region is destroyed as thoroughly as a small one: few distinct blocks either way."""
    image = _detailed_image(720, 1280)
    for box in (Box(0.45, 0.45, 0.03, 0.05), Box(0.1, 0.1, 0.6, 0.8)):
        out = blur_regions(image, [box])
        x0, y0, x1, y1 = box_pixels(box, 1280, 720)
        region = out[y0:y1, x0:x1].astype(float)
        small = cv2.resize(region, (8, 8), interpolation=cv2.INTER_AREA)
        restored = cv2.resize(small, (x1 - x0, y1 - y0), interpolation=cv2.INTER_LINEAR)
        # An 8x8 summary explains the region almost entirely: nothing finer than ~1/8 of the box survives.
        assert np.abs(region - restored).mean() < 12


def test_blur_covers_union_of_overlapping_and_edge_boxes() -> None:
    image = _detailed_image()
    boxes = [Box(0.0, 0.0, 0.2, 0.2), Box(0.1, 0.1, 0.2, 0.2), Box(0.9, 0.9, 0.3, 0.3)]
    out = blur_regions(image, boxes)
    for box in boxes:
        mask = _mask(box, 1.0, image.shape)
        assert np.abs(out.astype(int) - image.astype(int))[mask].mean() > 30


def test_empty_and_degenerate_boxes_change_nothing() -> None:
    image = _detailed_image()
    assert np.array_equal(blur_regions(image, []), image)
    assert np.array_equal(blur_regions(image, [Box(0.5, 0.5, 0.0, 0.0), Box(2.0, 2.0, 0.1, 0.1)]), image)


def test_blur_works_on_a_single_plane() -> None:
    plane = _detailed_image()[:, :, 0].copy()
    out = blur_regions(plane, [Box(0.25, 0.25, 0.5, 0.5)])
    assert out.shape == plane.shape
    assert np.abs(out.astype(int) - plane.astype(int))[60:180, 80:240].mean() > 40


def test_blur_rejects_non_images() -> None:
    with pytest.raises(ValueError, match="BGR uint8"):
        blur_regions(np.zeros((10, 10, 3), np.float32), [])


def test_thumbnail_is_a_320px_jpeg_written_atomically(tmp_path: Path) -> None:
    image = _detailed_image(432, 768)
    dest = write_thumbnail(image, tmp_path / "thumbs" / "seg-0000.jpg")
    assert dest.exists()
    assert dest.read_bytes()[:3] == b"\xff\xd8\xff"
    decoded = cv2.imread(str(dest))
    assert decoded is not None
    assert decoded.shape == (180, 320, 3)
    assert [p.name for p in dest.parent.iterdir()] == ["seg-0000.jpg"]  # no temporary left behind


def test_thumbnail_never_enlarges(tmp_path: Path) -> None:
    dest = write_thumbnail(_detailed_image(120, 160), tmp_path / "small.jpg")
    decoded = cv2.imread(str(dest))
    assert decoded is not None
    assert decoded.shape == (120, 160, 3)


def test_watermark_marks_the_bottom_left_corner_only() -> None:
    image = np.full((432, 768, 3), 128, np.uint8)
    out = draw_watermark(image.copy(), "CASE 42 - J. Doe")
    changed = np.argwhere(np.any(out != 128, axis=2))
    assert len(changed) > 0
    assert changed[:, 0].min() > 432 // 2
    assert changed[:, 1].max() < 768 // 2
