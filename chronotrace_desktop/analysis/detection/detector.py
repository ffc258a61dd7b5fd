"""The default object detector: NanoDet-g over square tiles of the frame, boxes as ``domain.media.Box``.

``DetectorConfig`` (shared with YOLOv3-tiny in ``analysis.objects``) gives the thresholds; ``TiledConfig``
which views are run (README "Detection" has the recall/precision/cost of each choice, measured with
``chronotrace eval-detections``). Labels are the darknet spellings of COCO's 80 classes (``motorbike``,
``diningtable``...) that ``objects_detected`` has always stored.

Not thread-safe (one onnxruntime session): ``TiledDetector.for_thread`` keeps one per thread.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from chronotrace_desktop.analysis.detection.nanodet import NanoDetNet
from chronotrace_desktop.analysis.detection.tiling import (
    Tile,
    cover_tiles,
    cut_by_border,
    fine_tiles,
    merge,
)
from chronotrace_desktop.analysis.models import require_nanodet
from chronotrace_desktop.analysis.objects import (
    CCTV_CLASSES,
    COCO_NAMES,
    MOTOR_VEHICLES,
    DetectorConfig,
    iou,
)
from chronotrace_desktop.domain.media import Box

if TYPE_CHECKING:
    from pathlib import Path

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class TiledConfig:
    """``fine_side``: side of the zoomed tiles as a fraction of the frame's short side (0: no fine pass);
    ``fine_min_short_px``: frames whose short side is smaller get no fine pass (upscaling a 240 px frame
    further finds noise, not people)."""

    fine_side: float = 0.0
    fine_min_short_px: int = 300
    fine_classes: frozenset[str] = frozenset({"person"})
    excluded: frozenset[str] = frozenset({"toilet"})  # NanoDet calls bleachers and benches toilets


@dataclass(slots=True)
class TiledDetector:
    net: NanoDetNet
    config: DetectorConfig = field(default_factory=DetectorConfig)
    tiles: TiledConfig = field(default_factory=TiledConfig)

    @classmethod
    def load(
        cls,
        folder: Path | None = None,
        config: DetectorConfig | None = None,
        tiles: TiledConfig | None = None,
    ) -> TiledDetector:
        net = NanoDetNet(require_nanodet(folder))
        logger.debug("loaded NanoDet-g from %s", folder)
        return cls(net, config or DetectorConfig(), tiles or TiledConfig())

    @classmethod
    def for_thread(
        cls,
        folder: Path | None = None,
        config: DetectorConfig | None = None,
        tiles: TiledConfig | None = None,
    ) -> TiledDetector:
        cache: dict[tuple[Path | None, DetectorConfig | None, TiledConfig | None], TiledDetector]
        cache = _THREAD.__dict__.setdefault("detectors", {})
        key = (folder, config, tiles)
        if key not in cache:
            cache[key] = cls.load(folder, config, tiles)
        return cache[key]

    def views(self, width: int, height: int) -> list[tuple[Tile, bool]]:
        """The tiles run on a frame of that size, each with whether it is a fine (zoomed) one."""
        views = [(t, False) for t in cover_tiles(width, height)]
        cfg = self.tiles
        if cfg.fine_side > 0 and min(width, height) >= cfg.fine_min_short_px:
            views += [(t, True) for t in fine_tiles(width, height, cfg.fine_side)]
        return views

    def detect(self, image: np.ndarray) -> list[Box]:
        height, width = image.shape[:2]
        if height == 0 or width == 0:
            return []
        cfg = self.config
        low = min(cfg.confidence, cfg.cctv_confidence)
        views = self.views(width, height)
        tiles = [t for t, fine in views if not fine]
        fine_tiles_ = [t for t, fine in views if fine]
        all_xyxy, all_cls, all_scores = [], [], []
        for tile, fine in views:
            raw = self.net.run(image[tile.y0 : tile.y1, tile.x0 : tile.x1], low)
            if len(raw.scores) == 0:
                continue
            xyxy = raw.xyxy * (tile.side / 416.0) + np.array([tile.x0, tile.y0, tile.x0, tile.y0])
            xyxy = np.clip(xyxy, 0, [width, height, width, height])
            keep = ~cut_by_border(xyxy, tile, width, height, fine_tiles_ if fine else tiles)
            if fine:
                wanted = np.array([COCO_NAMES[c] in self.tiles.fine_classes for c in raw.classes], dtype=bool)
                keep &= wanted
            all_xyxy.append(xyxy[keep])
            all_cls.append(raw.classes[keep])
            all_scores.append(raw.scores[keep])
        if not all_xyxy:
            return []
        xyxy = np.concatenate(all_xyxy)
        classes = np.concatenate(all_cls)
        scores = np.concatenate(all_scores)
        thresholds = np.array(
            [cfg.cctv_confidence if COCO_NAMES[c] in CCTV_CLASSES else cfg.confidence for c in classes]
        )
        ok = scores >= thresholds
        xyxy, classes, scores = xyxy[ok], classes[ok], scores[ok]
        boxes: list[Box] = []
        for i in merge(xyxy, classes, scores, cfg.nms):
            name = COCO_NAMES[int(classes[i])]
            if name in self.tiles.excluded or (cfg.classes is not None and name not in cfg.classes):
                continue
            x0, y0, x1, y1 = (float(v) for v in xyxy[i])
            box = Box(x0 / width, y0 / height, (x1 - x0) / width, (y1 - y0) / height, name, float(scores[i]))
            if box.w > 0 and box.h > 0:
                boxes.append(box)
        return _merge_vehicles(boxes, cfg.vehicle_merge_iou)


def _merge_vehicles(boxes: list[Box], threshold: float) -> list[Box]:
    """One vehicle seen as both car and truck (or bus): keep the most confident class."""
    vehicles = sorted((b for b in boxes if b.label in MOTOR_VEHICLES), key=lambda b: -b.score)
    kept: list[Box] = []
    for box in vehicles:
        if all(iou(box, k) < threshold for k in kept):
            kept.append(box)
    return [b for b in boxes if b.label not in MOTOR_VEHICLES] + kept


_THREAD = threading.local()
