"""Pixel work on BGR frames: thumbnails, redaction blur, watermark. No video I/O here."""

from __future__ import annotations

import logging
import math
from typing import TYPE_CHECKING

import cv2
import numpy as np

from chronotrace_desktop.domain.errors import EnvironmentProblemError, InvalidInputError
from chronotrace_desktop.media._av import atomic_output

if TYPE_CHECKING:
    from collections.abc import Iterable
    from pathlib import Path

    from chronotrace_desktop.domain.media import Box

logger = logging.getLogger(__name__)

THUMBNAIL_WIDTH = 320
JPEG_QUALITY = 85
# A redacted region keeps at most this many blocks across its longer side. With the plan's 1.3x margin a face
# is ~4-5 blocks wide: identity, expression and skin detail are gone, only a coloured smudge remains.
REDACTION_BLOCKS = 6


def write_thumbnail(
    image: np.ndarray, dest: Path, *, width: int = THUMBNAIL_WIDTH, quality: int = JPEG_QUALITY
) -> Path:
    """Write ``image`` (BGR ``uint8``) as a JPEG ``width`` px wide (never enlarged) at ``dest`` atomically."""
    _check_bgr(image)
    height, current = image.shape[:2]
    if current > width:
        size = (width, max(1, round(height * width / current)))
        image = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
    ok, encoded = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
    if not ok:
        raise InvalidInputError(f"could not encode a JPEG for {dest.name}")
    try:
        with atomic_output(dest) as tmp:
            tmp.write_bytes(encoded.tobytes())
    except OSError as exc:
        raise EnvironmentProblemError(
            f"could not write {dest.name} in {dest.parent}: {exc.strerror}"
        ) from exc
    return dest


def box_pixels(box: Box, width: int, height: int) -> tuple[int, int, int, int]:
    """``(x0, y0, x1, y1)`` pixel bounds covering the normalised ``box`` fully (rounded outwards, clipped)."""
    b = box.clipped()
    eps = 1e-6  # float noise (0.6 * 50 = 30.000000000000004) must not add a pixel
    x0 = max(0, math.floor(b.x * width + eps))
    y0 = max(0, math.floor(b.y * height + eps))
    x1 = min(width, math.ceil((b.x + b.w) * width - eps))
    y1 = min(height, math.ceil((b.y + b.h) * height - eps))
    return x0, y0, x1, y1


def blur_regions(image: np.ndarray, boxes: Iterable[Box], margin: float = 1.0) -> np.ndarray:
    """A copy of ``image`` with every box, widened ``margin`` times about its centre, made unrecognisable.

    Each region is pixelated to at most ``REDACTION_BLOCKS`` blocks across (the block size follows the box, so
    a large close-up face is destroyed as thoroughly as a small one) and then Gaussian-smoothed within the
    region, so the block edges carry no detail either. Pixels outside the boxes are untouched. ``image`` is a
    BGR ``uint8`` image or a single ``uint8`` plane (a Y, U or V plane of a video frame).
    """
    out = image.copy()
    blur_regions_inplace(out, boxes, margin)
    return out


def blur_regions_inplace(image: np.ndarray, boxes: Iterable[Box], margin: float = 1.0) -> None:
    """``blur_regions`` writing into ``image`` itself (a writable array or view)."""
    _check_image(image)
    height, width = image.shape[:2]
    for box in boxes:
        grown = box.expanded(margin) if margin != 1.0 else box.clipped()
        x0, y0, x1, y1 = box_pixels(grown, width, height)
        if x1 <= x0 or y1 <= y0:
            continue
        image[y0:y1, x0:x1] = obscure(image[y0:y1, x0:x1])


def obscure(region: np.ndarray) -> np.ndarray:
    """Pixelate then smooth ``region`` (any size >= 1 px)."""
    h, w = region.shape[:2]
    block = max(2, math.ceil(max(h, w) / REDACTION_BLOCKS))
    small = cv2.resize(
        region, (max(1, math.ceil(w / block)), max(1, math.ceil(h / block))), interpolation=cv2.INTER_AREA
    )
    mosaic = cv2.resize(small, (w, h), interpolation=cv2.INTER_NEAREST)
    kernel = 2 * block + 1  # odd, two blocks wide: the block edges carry no detail
    return cv2.GaussianBlur(mosaic, (kernel, kernel), 0)


def draw_watermark(image: np.ndarray, text: str) -> np.ndarray:
    """``image`` (BGR or a luma plane) with ``text`` bottom-left on a dark band; drawn in place, returned."""
    _check_image(image)
    height, width = image.shape[:2]
    scale = max(0.35, min(1.0, width / 1280))
    thickness = 1 if scale < 0.7 else 2
    (tw, th), base = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, thickness)
    pad = max(3, th // 3)
    y1 = height - pad
    y0 = max(0, y1 - th - base - 2 * pad)
    x1 = min(width, tw + 3 * pad)
    band = image[y0:y1, 0:x1]
    band[:] = (band.astype(np.uint16) * 2 // 5).astype(np.uint8)  # darken to 40 %
    cv2.putText(
        image,
        text,
        (pad, y1 - base - pad // 2),
        cv2.FONT_HERSHEY_SIMPLEX,
        scale,
        (255, 255, 255),
        thickness,
        cv2.LINE_AA,
    )
    return image


def _check_bgr(image: np.ndarray) -> None:
    if image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3:
        raise ValueError(f"expected a BGR uint8 image, got {image.dtype} {image.shape}")


def _check_image(image: np.ndarray) -> None:
    if image.ndim == 2 and image.dtype == np.uint8:
        return
    _check_bgr(image)
