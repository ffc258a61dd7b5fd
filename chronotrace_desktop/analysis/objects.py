"""COCO object detection with YOLOv3-tiny through OpenCV's dnn module.

The network input keeps the frame's aspect ratio: the long side is ``input_size`` (416) and the short side
the nearest multiple of 32 (a 16:9 frame runs at 416x224). On the shared clips this found more people than
the square 416x416 squash (which stretches people sideways) at a little less cost, and as many as a letterbox.

A ``cv2.dnn.Net`` is not thread-safe: use one ``ObjectDetector`` per thread (``ObjectDetector.for_thread``
keeps one per thread and model folder).
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import cv2
import numpy as np

from chronotrace_desktop.analysis.models import require_yolo
from chronotrace_desktop.domain.media import Box

if TYPE_CHECKING:
    from pathlib import Path

logger = logging.getLogger(__name__)

PERSON = "person"
# coco.names of the darknet release spells these the VOC way: motorbike, aeroplane, tvmonitor, sofa.
VEHICLES = frozenset({"bicycle", "car", "motorbike", "bus", "truck"})
MOTOR_VEHICLES = frozenset({"car", "motorbike", "bus", "truck"})
BAGS = frozenset({"backpack", "handbag", "suitcase"})
# What CCTV search is about: detected at a lower threshold than the other 66 COCO classes.
CCTV_CLASSES = frozenset({PERSON, *VEHICLES, *BAGS})

# What COCO detectors call a car seen from straight above (YOLOv3-tiny: phone, remote; NanoDet-g also a parking
# meter): every such large box on the shared clips' car parks was a car.
OVERHEAD_MISTAKES = frozenset({"cell phone", "remote", "parking meter"})

# COCO's 80 classes in the networks' output order, spelled as darknet's coco.names (and ``objects_detected``).
COCO_NAMES: tuple[str, ...] = tuple(
    """person|bicycle|car|motorbike|aeroplane|bus|train|truck|boat|traffic light|fire hydrant|stop sign|
    parking meter|bench|bird|cat|dog|horse|sheep|cow|elephant|bear|zebra|giraffe|backpack|umbrella|handbag|tie|
    suitcase|frisbee|skis|snowboard|sports ball|kite|baseball bat|baseball glove|skateboard|surfboard|
    tennis racket|bottle|wine glass|cup|fork|knife|spoon|bowl|banana|apple|sandwich|orange|broccoli|carrot|
    hot dog|pizza|donut|cake|chair|sofa|pottedplant|bed|diningtable|toilet|tvmonitor|laptop|mouse|remote|
    keyboard|cell phone|microwave|oven|toaster|sink|refrigerator|book|clock|vase|scissors|teddy bear|
    hair drier|toothbrush""".replace("\n", "")
    .replace("    ", "")
    .split("|")
)


@dataclass(frozen=True, slots=True)
class DetectorConfig:
    """Thresholds tuned on the shared clips (see the analysis README section of the ingest notes).

    ``overhead_vehicle_min_side``: YOLOv3-tiny calls a car seen from straight above a "cell phone" (every
    such detection on the shared clips was one, covering 28-41 % of the frame's short side). A phone or
    remote whose short side is at least this fraction of the frame's short side and that touches no person
    is reported as a car, with its score scaled by ``overhead_vehicle_score``. 0 turns the rule off.
    """

    input_size: int = 416
    confidence: float = 0.35  # other COCO classes
    cctv_confidence: float = 0.25  # people, vehicles, bags
    nms: float = 0.45
    vehicle_merge_iou: float = 0.7  # car/truck/bus boxes on the same vehicle: keep the most confident
    overhead_vehicle_min_side: float = 0.15
    overhead_vehicle_score: float = 0.8
    classes: frozenset[str] | None = None  # None: all 80 COCO classes


def _input_shape(width: int, height: int, size: int) -> tuple[int, int]:
    if width >= height:
        return size, max(32, round(size * height / width / 32) * 32)
    return max(32, round(size * width / height / 32) * 32), size


@dataclass(slots=True)
class ObjectDetector:
    """YOLOv3-tiny on BGR ``uint8`` frames; returns normalised boxes labelled with COCO class names."""

    net: cv2.dnn.Net
    names: tuple[str, ...]
    config: DetectorConfig = field(default_factory=DetectorConfig)
    _layers: list[str] = field(default_factory=list)

    @classmethod
    def load(cls, folder: Path | None = None, config: DetectorConfig | None = None) -> ObjectDetector:
        cfg, weights, names_file = require_yolo(folder)
        net = cv2.dnn.readNetFromDarknet(str(cfg), str(weights))
        net.setPreferableBackend(cv2.dnn.DNN_BACKEND_OPENCV)
        net.setPreferableTarget(cv2.dnn.DNN_TARGET_CPU)
        names = tuple(n.strip() for n in names_file.read_text(encoding="utf-8").splitlines() if n.strip())
        detector = cls(net, names, config or DetectorConfig())
        detector._layers = list(net.getUnconnectedOutLayersNames())
        logger.debug("loaded YOLOv3-tiny from %s (%d classes)", cfg.parent, len(names))
        return detector

    @classmethod
    def for_thread(cls, folder: Path | None = None, config: DetectorConfig | None = None) -> ObjectDetector:
        """The calling thread's detector for that folder and config (loaded on first use, ~0.1 s)."""
        cache: dict[tuple[Path | None, DetectorConfig | None], ObjectDetector]
        cache = _THREAD.__dict__.setdefault("detectors", {})
        key = (folder, config)
        if key not in cache:
            cache[key] = cls.load(folder, config)
        return cache[key]

    def detect(self, image: np.ndarray) -> list[Box]:
        height, width = image.shape[:2]
        if height == 0 or width == 0:
            return []
        cfg = self.config
        blob = cv2.dnn.blobFromImage(
            image, 1 / 255.0, _input_shape(width, height, cfg.input_size), swapRB=True, crop=False
        )
        self.net.setInput(blob)
        rows = np.vstack(self.net.forward(self._layers))
        scores = rows[:, 5:]
        classes = scores.argmax(axis=1)
        confidences = scores[np.arange(len(classes)), classes]
        keep = confidences >= min(cfg.confidence, cfg.cctv_confidence)
        boxes = self._nms(rows[keep, :4], classes[keep], confidences[keep])
        return self._overhead_vehicles(merge_vehicles(boxes, cfg.vehicle_merge_iou), width, height)

    def _nms(self, xywh: np.ndarray, classes: np.ndarray, confidences: np.ndarray) -> list[Box]:
        cfg = self.config
        found: list[Box] = []
        for class_id in sorted(set(classes.tolist())):
            name = self.names[class_id] if class_id < len(self.names) else str(class_id)
            if cfg.classes is not None and name not in cfg.classes:
                continue
            threshold = cfg.cctv_confidence if name in CCTV_CLASSES else cfg.confidence
            idx = np.where((classes == class_id) & (confidences >= threshold))[0]
            if len(idx) == 0:
                continue
            cx, cy, bw, bh = (xywh[idx, j].astype(float) for j in range(4))
            rects = [[x, y, w, h] for x, y, w, h in zip(cx - bw / 2, cy - bh / 2, bw, bh, strict=True)]
            kept = cv2.dnn.NMSBoxes(rects, [float(confidences[i]) for i in idx], threshold, cfg.nms)
            for k in np.asarray(kept, dtype=int).reshape(-1):
                x, y, w, h = rects[k]
                found.append(Box(x, y, w, h, name, float(confidences[idx[k]])).clipped())
        return [b for b in found if b.w > 0 and b.h > 0]

    def _overhead_vehicles(self, boxes: list[Box], width: int, height: int) -> list[Box]:
        cfg = self.config
        return overhead_vehicles(
            boxes, width, height, cfg.overhead_vehicle_min_side, cfg.overhead_vehicle_score
        )


def merge_vehicles(boxes: list[Box], threshold: float) -> list[Box]:
    """One vehicle seen as both car and truck (or bus): of boxes overlapping by ``threshold`` IoU or more, keep
    the most confident class."""
    vehicles = sorted((b for b in boxes if b.label in MOTOR_VEHICLES), key=lambda b: -b.score)
    kept: list[Box] = []
    for box in vehicles:
        if all(box.iou(k) < threshold for k in kept):
            kept.append(box)
    return [b for b in boxes if b.label not in MOTOR_VEHICLES] + kept


def overhead_vehicles(
    boxes: list[Box], width: int, height: int, min_side: float, score_factor: float
) -> list[Box]:
    """Large "phones", "remotes" and "parking meters" that touch no person are cars seen from above: their
    short side is at least ``min_side`` of the frame's short side; the score is scaled by ``score_factor``.
    ``min_side`` 0 turns the rule off."""
    if min_side <= 0:
        return boxes
    people = [b for b in boxes if b.label == PERSON]
    out: list[Box] = []
    for box in boxes:
        if (
            box.label in OVERHEAD_MISTAKES
            and min(box.w * width, box.h * height) >= min_side * min(width, height)
            and not any(box.overlaps(p) for p in people)
        ):
            box = Box(box.x, box.y, box.w, box.h, "car", box.score * score_factor)
        out.append(box)
    return out


_THREAD = threading.local()
