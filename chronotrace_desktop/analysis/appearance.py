"""One appearance vector per tracked person or vehicle: crops chosen over the track's life, embedded, pooled.

Crop choice (``choose_points``): the track's points are cut into ``k`` equal spans of its life and the best
point of each span is kept — best = biggest box times detector score (big, confident boxes are sharp and
whole; a box cut by the frame edge scores lower by its clipped area). Points whose box is smaller than
``MIN_PERSON_PX`` tall (people) or ``MIN_VEHICLE_PX`` on its short side (vehicles) in the decoded frame are
never used: the 224 px network input would be mostly upscaling blur there. A track with no point that big
gets no vector (the caller counts it as skipped).

Letterboxing (``letterbox``): a crop is padded to a square before the network squashes it to 224 x 224, so a
standing person keeps their proportions (dev mAP 0.74 → 0.77 at 8 crops). Tried and dropped on the dev set
(``eval/appearance/README.md``): upper and lower body halves averaged with or concatenated to the whole crop
(no better, concatenated worse), subtracting each video's mean track vector (worse: it removes shared
clothing colour as much as background), crop margins of 0 and 0.15 (same as 0.05).

Pooling (``pool``): each crop's embedding is L2-normalised, the crops are averaged and the mean is normalised
again, so every crop weighs the same and the score of two tracks is a cosine.

The embedder is any object with ``embed_images(images) -> (n, d) unit rows`` (MobileNetV2's 1280-d
penultimate layer in the product, ``embedding.mobilenet``). It is a generic ImageNet feature, NOT a person
re-identification model (none can be had offline): it sees clothing colour, pose and background as much as
identity. Measured on the labelled tracks of ``eval/appearance``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import numpy as np

if TYPE_CHECKING:
    from collections.abc import Sequence

    import numpy.typing as npt

    from chronotrace_desktop.domain.analysis import Track, TrackPoint
    from chronotrace_desktop.domain.media import Box

MIN_PERSON_PX = 48  # a person crop shorter than this (decoded-frame pixels) is not embedded
MIN_VEHICLE_PX = 24  # a vehicle crop whose short side is under this is not embedded
DEFAULT_CROPS = 16  # crops per track, spread over its life (8 → 16: dev mAP 0.77 → 0.85, with letterboxing)
LETTERBOX_GREY = 124  # ImageNet's mean grey: padding the network reads as "nothing"
CROP_MARGIN = 0.05  # widen each box by this share of its size on every side


class CropEmbedder(Protocol):
    def embed_images(self, images: Sequence[npt.NDArray[np.uint8]]) -> npt.NDArray[np.float32]: ...


@dataclass(frozen=True, slots=True)
class CropPlan:
    """The points of one track to crop, in time order."""

    track_id: int
    points: tuple[TrackPoint, ...]


def big_enough(box: Box, group: str, frame_w: int, frame_h: int) -> bool:
    """Whether the box is large enough in a ``frame_w`` by ``frame_h`` frame to be worth embedding."""
    if group == "person":
        return box.h * frame_h >= MIN_PERSON_PX
    return min(box.w * frame_w, box.h * frame_h) >= MIN_VEHICLE_PX


def _quality(box: Box) -> float:
    """Bigger and surer is better; a box cut by the frame edge counts only its visible part."""
    left, top = max(box.x, 0.0), max(box.y, 0.0)
    right, bottom = min(box.x + box.w, 1.0), min(box.y + box.h, 1.0)
    visible = max(0.0, right - left) * max(0.0, bottom - top)
    inside = visible / box.area if box.area > 0 else 0.0
    return visible * max(box.score, 0.05) * inside


def choose_points(track: Track, group: str, frame_w: int, frame_h: int, k: int = DEFAULT_CROPS) -> CropPlan:
    """Up to ``k`` points spread over the track's life, the best of each span (see the module notes)."""
    usable = [p for p in track.points if big_enough(p.box, group, frame_w, frame_h)]
    if not usable or k < 1:
        return CropPlan(track.track_id, ())
    start, end = usable[0].t, usable[-1].t
    span = (end - start) / k if end > start else 0.0
    best: dict[int, TrackPoint] = {}
    for point in usable:
        slot = min(int((point.t - start) / span), k - 1) if span > 0 else 0
        held = best.get(slot)
        if held is None or _quality(point.box) > _quality(held.box):
            best[slot] = point
    if span == 0.0:  # all at one time (or one point): the k best
        ranked = sorted(usable, key=lambda p: -_quality(p.box))[:k]
        return CropPlan(track.track_id, tuple(sorted(ranked, key=lambda p: p.t)))
    return CropPlan(track.track_id, tuple(best[slot] for slot in sorted(best)))


def crop(image: npt.NDArray[np.uint8], box: Box, margin: float = CROP_MARGIN) -> npt.NDArray[np.uint8] | None:
    """The box (normalised) cut from a BGR image, widened by ``margin``; None if nothing is left."""
    height, width = image.shape[:2]
    x0 = round((box.x - margin * box.w) * width)
    y0 = round((box.y - margin * box.h) * height)
    x1 = round((box.x + box.w * (1 + margin)) * width)
    y1 = round((box.y + box.h * (1 + margin)) * height)
    x0, y0, x1, y1 = max(x0, 0), max(y0, 0), min(x1, width), min(y1, height)
    if x1 - x0 < 2 or y1 - y0 < 2:
        return None
    return np.ascontiguousarray(image[y0:y1, x0:x1])


def letterbox(image: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint8]:
    """The image centred on a square of ``LETTERBOX_GREY`` (its long side unchanged)."""
    height, width = image.shape[:2]
    side = max(height, width)
    out = np.full((side, side, *image.shape[2:]), LETTERBOX_GREY, dtype=np.uint8)
    top, left = (side - height) // 2, (side - width) // 2
    out[top : top + height, left : left + width] = image
    return out


def pool(vectors: npt.NDArray[np.float32]) -> npt.NDArray[np.float32] | None:
    """Mean of unit rows, normalised again; None for no rows (or rows that cancel out)."""
    if vectors.ndim != 2 or len(vectors) == 0:
        return None
    rows = vectors.astype(np.float32)
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    rows = rows / np.maximum(norms, 1e-12)
    mean = rows.mean(axis=0)
    length = float(np.linalg.norm(mean))
    if length < 1e-6:
        return None
    out: npt.NDArray[np.float32] = (mean / length).astype(np.float32)
    return out


def track_vector(
    embedder: CropEmbedder, crops: Sequence[npt.NDArray[np.uint8]]
) -> npt.NDArray[np.float32] | None:
    """One track's appearance vector from its crops (one batched pass), or None without crops."""
    if not crops:
        return None
    return pool(np.asarray(embedder.embed_images(list(crops)), dtype=np.float32))
