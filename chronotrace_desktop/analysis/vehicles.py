"""Vehicle type from an ImageNet classifier on the vehicle's crop, and parked/moving from its track.

Types (the product's vocabulary): car, van, pickup, truck, bus, motorbike, bicycle. The detector's COCO
class (car, truck, bus, motorbike, bicycle) is the family; for motor vehicles whose crop is at least
``MIN_CROP_PX`` on its short side, the ImageNet classes below are summed per type and the best type replaces
the COCO class when its share is at least ``MIN_TYPE_SCORE`` and ahead of the next by ``MIN_MARGIN``
(ImageNet splits one van between minivan, moving van and police van: the sum keeps it a van). Otherwise the
COCO class stands. A minibus is a van here (people say "white van" of one); a tow truck or a trailer truck
is a truck.

Motion: a vehicle's track over the segment is "moving" when its centre travelled at least
``MOVING_SHARE`` of its own box size between its first and last sighting, "still" (parked or stopped)
when it was followed for at least ``STILL_MIN_SECONDS`` and moved less than ``STILL_SHARE``; else unknown.
Measured relative to the vehicle's size, so the rule is the same for a close-up and a far car park.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import cv2
import numpy as np

from chronotrace_desktop.analysis.imagenet import ClassGroups
from chronotrace_desktop.domain.analysis import Motion

if TYPE_CHECKING:
    from collections.abc import Sequence

    from chronotrace_desktop.analysis.imagenet import ImageNetClassifier
    from chronotrace_desktop.domain.media import Box

VEHICLE_TYPES = ("car", "van", "pickup", "truck", "bus", "motorbike", "bicycle")
TYPE_CLASSES: dict[str, tuple[str, ...]] = {
    "car": (
        "sports car", "convertible", "cab", "limousine", "racer", "beach wagon", "jeep", "Model T",
        "car wheel", "grille",
    ),
    "van": ("minivan", "moving van", "police van", "ambulance", "minibus", "recreational vehicle"),
    "pickup": ("pickup",),
    "truck": ("trailer truck", "garbage truck", "fire engine", "tow truck", "tractor", "forklift"),
    "bus": ("school bus", "trolleybus", "passenger car"),
}  # fmt: skip
REFINED_FAMILIES = frozenset({"car", "truck", "bus"})
MIN_CROP_PX = 32
MIN_TYPE_SCORE = 0.35
MIN_MARGIN = 0.15
MAX_CROPS = 8  # per detector run, largest first

MOVING_SHARE = 0.5
STILL_SHARE = 0.15
STILL_MIN_SECONDS = 3.0


class VehicleTyper:
    def __init__(self, classifier: ImageNetClassifier) -> None:
        self.classifier = classifier
        self.groups = ClassGroups(classifier.labels, TYPE_CLASSES)

    def types(self, image: np.ndarray, boxes: Sequence[Box]) -> list[str | None]:
        """The refined type of each box (``None``: keep the detector's class), aligned with ``boxes``."""
        height, width = image.shape[:2]
        out: list[str | None] = [None] * len(boxes)
        candidates = [
            i
            for i, b in enumerate(boxes)
            if b.label in REFINED_FAMILIES and min(b.w * width, b.h * height) >= MIN_CROP_PX
        ]
        candidates.sort(key=lambda i: -boxes[i].w * boxes[i].h)
        candidates = candidates[:MAX_CROPS]
        if not candidates:
            return out
        crops = [_crop(image, boxes[i]) for i in candidates]
        scores = self.groups.scores(self.classifier.probabilities(crops))
        for i, row in zip(candidates, scores, strict=True):
            order = np.argsort(-row)
            best, second = float(row[order[0]]), float(row[order[1]])
            if best >= MIN_TYPE_SCORE and best - second >= MIN_MARGIN:
                out[i] = self.groups.names[int(order[0])]
        return out


def _crop(image: np.ndarray, box: Box, pad: float = 0.08) -> np.ndarray:
    height, width = image.shape[:2]
    x0 = max(0, int((box.x - pad * box.w) * width))
    y0 = max(0, int((box.y - pad * box.h) * height))
    x1 = min(width, int((box.x + box.w * (1 + pad)) * width) + 1)
    y1 = min(height, int((box.y + box.h * (1 + pad)) * height) + 1)
    crop = image[y0:y1, x0:x1]
    return crop if crop.size else cv2.resize(image, (8, 8))


def track_motion(points: Sequence[tuple[float, Box]]) -> Motion | None:
    """Moving or still from a track's ``(t, box)`` points in time order (see the module docstring)."""
    if len(points) < 2:
        return None
    (t0, a), (t1, b) = points[0], points[-1]
    size = max(1e-6, float(np.median([max(p.w, p.h) for _, p in points])))
    (ax, ay), (bx, by) = a.centre, b.centre
    travelled = max(float(np.hypot(qx - ax, qy - ay)) for qx, qy in (q.centre for _, q in points))
    end_to_end = float(np.hypot(bx - ax, by - ay))
    if max(travelled, end_to_end) >= MOVING_SHARE * size:
        return Motion.MOVING
    if t1 - t0 >= STILL_MIN_SECONDS and travelled < STILL_SHARE * size:
        return Motion.STILL
    return None
