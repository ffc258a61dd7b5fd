"""Which original frame each frame of a rendition shows: both decoded as the renderer reads them, compared as
64 px grey thumbnails (mean absolute difference) at every frame offset; the best offset says which."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import av
import cv2
import numpy as np

from chronotrace_desktop.media.frames import to_bgr

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

_THUMB_WIDTH = 64
TIME_EPS = 2e-3  # stored times are rounded to the millisecond (as the renderer's window test)


@dataclass(slots=True)
class SegmentFrames:
    """One segment's original frames (from the keyframe before the window) and its rendition's frames."""

    original_t: list[float] = field(default_factory=list)
    original_thumbs: list[np.ndarray] = field(default_factory=list)
    rendered_thumbs: list[np.ndarray] = field(default_factory=list)


def decoded_frames(path: Path, offset: float, end: float | None) -> Iterator[tuple[float, np.ndarray]]:
    """Every decoded frame of ``path`` (full size, display aspect) up to ``end``, timed from its start +
    ``offset``, in decoding order as the renderer reads them (``sample_frames`` would drop the repeated
    timestamps XVID's packed B-frames decode with, and so miscount frames)."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        origin = stream.start_time or 0
        for frame in container.decode(stream):
            if frame.pts is None or stream.time_base is None:
                continue
            t = float((frame.pts - origin) * stream.time_base) + offset
            if end is not None and t >= end - TIME_EPS:
                break
            yield t, to_bgr(frame, 100_000, stream)


def thumbnail(image: np.ndarray) -> np.ndarray:
    height, width = image.shape[:2]
    size = (_THUMB_WIDTH, max(2, round(_THUMB_WIDTH * height / width)))
    return cv2.resize(cv2.cvtColor(image, cv2.COLOR_BGR2GRAY), size, interpolation=cv2.INTER_AREA).astype(
        np.float32
    )


def best_offset(frames: SegmentFrames, first: int) -> int:
    """The original frame index rendered frame 0 shows: the offset with the least median difference over at
    least 80 % of the rendition; offsets within 2 % of the least (a static scene) go to the one nearest the
    window's first frame (the frame count still catches a pre-roll there)."""
    if not frames.rendered_thumbs or not frames.original_thumbs:
        return first
    if frames.rendered_thumbs[0].shape != frames.original_thumbs[0].shape:
        return first
    rendered = np.stack(frames.rendered_thumbs)
    originals = np.stack(frames.original_thumbs)
    n, m = len(rendered), len(originals)
    need = max(1, math.ceil(0.8 * n))
    costs: dict[int, float] = {}
    for offset in range(need - n, m - need + 1):
        a, b = max(0, -offset), min(n, m - offset)
        if b - a < need:
            continue
        diff = np.abs(rendered[a:b] - originals[a + offset : b + offset]).mean(axis=(1, 2))
        costs[offset] = float(np.median(diff))
    if not costs:
        return first
    least = min(costs.values())
    return min((o for o, c in costs.items() if c <= least * 1.02 + 0.05), key=lambda o: abs(o - first))
