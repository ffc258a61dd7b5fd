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
    BAGS,
    COCO_NAMES,
    OVERHEAD_MISTAKES,
    VEHICLES,
    DetectorConfig,
    merge_vehicles,
    overhead_vehicles,
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

    squash: bool = False  # one view of the whole frame squashed to a square, instead of the cover tiles
    fine_side: float = 0.6
    fine_overlap: float = 0.15
    fine_min_short_px: int = 300
    # The fine pass runs only on a wide view of small people: when the cover pass found at least
    # ``fine_when_people`` people, at least half of them under ``fine_when_height`` of the frame's height, and
    # then only over the band they stand in (``always``: the whole frame, every time).
    fine_when_people: int = 4
    fine_when_height: float = 0.25
    always: bool = False
    fine_classes: frozenset[str] = frozenset({"person"})
    excluded: frozenset[str] = frozenset({"toilet"})  # NanoDet calls bleachers and benches toilets
    # Score floors per kind of object, for NanoDet's sigmoid scores (README "Detection": measured with
    # ``chronotrace eval-detections``); DetectorConfig's two floors are YOLOv3-tiny's.
    person: float = 0.3
    # People scored from here up to ``person`` are returned apart ("unsure"): never counted or described,
    # but blurred. On the hand-labelled heads, blurring them took the share of heads covered (per frame,
    # before sweeping) from 0.51 to 0.78 (``eval/dev_redaction.json``).
    unsure_person: float = 0.1
    vehicle: float = 0.45
    bag: float = 0.35
    other: float = 0.5

    def floor(self, label: str) -> float:
        if label == "person":
            return min(self.person, self.unsure_person)
        if label in VEHICLES:
            return self.vehicle
        if label in BAGS:
            return self.bag
        return self.other


@dataclass(slots=True)
class TiledDetector:
    net: NanoDetNet
    config: DetectorConfig = field(default_factory=DetectorConfig)
    tiles: TiledConfig = field(default_factory=TiledConfig)
    _floors: np.ndarray = field(init=False, repr=False)  # per COCO class id, from ``tiles``

    def __post_init__(self) -> None:
        self._floors = np.array([self.tiles.floor(name) for name in COCO_NAMES], dtype=np.float32)

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

    def views(self, width: int, height: int) -> list[Tile]:
        """The cover tiles of a frame of that size; a squashed whole frame is the one tile (0, 0, 0)."""
        if self.tiles.squash:
            return [Tile(0, 0, 0)]
        return cover_tiles(width, height)

    def fine_views(self, width: int, height: int, cover: list[Box]) -> list[Tile]:
        """The zoomed tiles to run after the cover pass found ``cover`` (none when not a wide small view)."""
        cfg = self.tiles
        if cfg.fine_side <= 0 or min(width, height) < cfg.fine_min_short_px:
            return []
        heights = sorted(b.h for b in cover if b.label == "person")
        small_crowd = (
            len(heights) >= cfg.fine_when_people and heights[len(heights) // 2] < cfg.fine_when_height
        )
        return fine_tiles(width, height, cfg.fine_side) if cfg.always or small_crowd else []

    def detect(self, image: np.ndarray, *, zoom: bool = True) -> list[Box]:
        """Boxes in ``image``; ``zoom`` False skips the zoomed pass (the caller ran it a moment ago)."""
        return self.detect_with_unsure(image, zoom=zoom)[0]

    def detect_with_unsure(self, image: np.ndarray, *, zoom: bool = True) -> tuple[list[Box], list[Box]]:
        """The boxes at their floors, and apart the people scored under the person floor (see
        ``TiledConfig.unsure_person``)."""
        height, width = image.shape[:2]
        if height == 0 or width == 0:
            return [], []
        tiles = self.views(width, height)
        raw = self._views(image, [(t, False) for t in tiles], tiles, None)
        boxes = self._boxes(*raw, width, height)
        fine = self.fine_views(width, height, self._sure(boxes)) if zoom else []
        if fine:
            boxes = self._boxes(*self._views(image, [(t, True) for t in fine], fine, raw), width, height)
        sure = self._sure(boxes)
        return sure, [b for b in boxes if b.label == "person" and b.score < self.tiles.person]

    def _sure(self, boxes: list[Box]) -> list[Box]:
        return [b for b in boxes if b.label != "person" or b.score >= self.tiles.person]

    def _views(
        self,
        image: np.ndarray,
        views: list[tuple[Tile, bool]],
        tiles: list[Tile],
        before: tuple[np.ndarray, np.ndarray, np.ndarray] | None,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Raw boxes (frame pixels), classes and scores of ``views`` added to those found ``before``."""
        height, width = image.shape[:2]
        low = float(self._floors.min())
        all_xyxy: list[np.ndarray] = []
        all_cls: list[np.ndarray] = []
        all_scores: list[np.ndarray] = []
        if before is not None:
            all_xyxy.append(before[0])
            all_cls.append(before[1])
            all_scores.append(before[2])
        for tile, fine in views:
            if tile.side == 0:  # the whole frame, squashed
                raw = self.net.run(image, low)
                scale = np.array([width / 416.0, height / 416.0, width / 416.0, height / 416.0])
                xyxy = np.clip(raw.xyxy * scale, 0, [width, height, width, height])
                keep = np.ones(len(raw.scores), dtype=bool)
            else:
                raw = self.net.run(image[tile.y0 : tile.y1, tile.x0 : tile.x1], low)
                xyxy = raw.xyxy * (tile.side / 416.0) + np.array([tile.x0, tile.y0, tile.x0, tile.y0])
                xyxy = np.clip(xyxy, 0, [width, height, width, height])
                keep = ~cut_by_border(xyxy, tile, width, height, tiles)
            if len(raw.scores) == 0:
                continue
            if fine:
                wanted = np.array([COCO_NAMES[c] in self.tiles.fine_classes for c in raw.classes], dtype=bool)
                keep &= wanted
            all_xyxy.append(xyxy[keep])
            all_cls.append(raw.classes[keep])
            all_scores.append(raw.scores[keep])
        if not all_xyxy:
            return np.zeros((0, 4)), np.zeros(0, dtype=np.int64), np.zeros(0)
        return np.concatenate(all_xyxy), np.concatenate(all_cls), np.concatenate(all_scores)

    def _boxes(
        self, xyxy: np.ndarray, classes: np.ndarray, scores: np.ndarray, width: int, height: int
    ) -> list[Box]:
        """The frame's boxes from raw ones: floors per kind, merged across tiles, overhead cars renamed."""
        cfg = self.config
        # A car seen from above is named a phone or a parking meter: held to the vehicles' floor until the
        # overhead rule below has had its say.
        mistaken = np.array([COCO_NAMES[c] in OVERHEAD_MISTAKES for c in classes], dtype=bool)
        ok = scores >= np.where(mistaken, self.tiles.vehicle, self._floors[classes])
        xyxy, classes, scores = xyxy[ok], classes[ok], scores[ok]
        boxes: list[Box] = []
        for i in merge(xyxy, classes, scores, cfg.nms):
            name = COCO_NAMES[int(classes[i])]
            x0, y0, x1, y1 = (float(v) for v in xyxy[i])
            box = Box(x0 / width, y0 / height, (x1 - x0) / width, (y1 - y0) / height, name, float(scores[i]))
            if box.w > 0 and box.h > 0:
                boxes.append(box)
        boxes = overhead_vehicles(
            boxes,
            width,
            height,
            cfg.overhead_vehicle_min_side,
            1.0,  # held to the vehicle floor above
        )
        boxes = [
            b
            for b in boxes
            if b.score >= self.tiles.floor(b.label)
            and b.label not in self.tiles.excluded
            and (cfg.classes is None or b.label in cfg.classes)
        ]
        return merge_vehicles(boxes, cfg.vehicle_merge_iou)


_THREAD = threading.local()
