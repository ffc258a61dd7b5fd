"""Where a segment was filmed: indoor/outdoor, a few kinds of place, visible grass and road.

Each cue is decided from evidence that holds whatever the camera, and left ``None`` (or out) otherwise;
README "Scene" has the precision of each value measured on the shared clips
(``chronotrace eval-scene``-style figures come from ``tools/measure_scene.py``).

Evidence, per segment:
- *vehicles*: a car, van, truck, bus or motorbike followed over at least two detector runs (a one-frame
  vehicle is too often a table or a bench seen by the detector);
- *furniture*: COCO's indoor classes (chair, sofa, bed, table, TV, sink, fridge, laptop, keyboard, oven,
  microwave, clock, book) on at least two runs;
- *vegetation*: the share of green, saturated, textured-enough pixels in the lower two thirds of the frame
  (median over the runs; ``VEGETATION_SHARE``);
- *ImageNet*: the summed probabilities of indoor-only and outdoor-only ImageNet classes on the middle frame
  of the segment. Whole-frame ImageNet labels are noise on views from above (a car park is a "black widow",
  a crowd from a drone a "padlock"), so this counts only when it is clear (``IMAGENET_MIN``, twice the other
  side) and never against vehicle or vegetation evidence.

Setting: outdoor with vehicles or vegetation and no furniture; indoor with furniture and no vehicles or
vegetation; else the ImageNet verdict when clear; else ``None``. Surface: *road* when outdoors a motor
vehicle moved. Nothing else is said: a value is only produced where its precision was measured at 0.8 or
more on the labelled clips (``eval/dev_scene.json``). A *street* place (outdoors, traffic moving) measured
0.67-0.80 — car parks have traffic too — and parking, grass, shop, corridor or sports hall were never
reached or never measurable here, so ``place`` stays unknown.
"""

from __future__ import annotations

from dataclasses import dataclass
from statistics import median
from typing import TYPE_CHECKING

import cv2

from chronotrace_desktop.analysis.imagenet import ClassGroups
from chronotrace_desktop.domain.analysis import Motion, SceneCues, Setting

if TYPE_CHECKING:
    from collections.abc import Sequence

    import numpy as np

    from chronotrace_desktop.analysis.imagenet import ImageNetClassifier
    from chronotrace_desktop.domain.analysis import FrameDetections, VehicleAppearance

FURNITURE = frozenset(
    {"chair", "sofa", "bed", "diningtable", "tvmonitor", "sink", "refrigerator", "laptop", "keyboard",
     "oven", "microwave", "clock", "book"}
)  # fmt: skip
MOTOR = frozenset({"car", "van", "pickup", "truck", "bus", "motorbike"})
VEGETATION_SHARE = 0.12
IMAGENET_MIN = 0.3
_SIDE = 96

INDOOR_CLASSES = (
    "wardrobe", "sliding door", "medicine chest", "prison", "library", "home theater", "wall clock",
    "lampshade", "table lamp", "shoe shop", "grocery store", "toyshop", "bookshop", "confectionery",
    "tobacco shop", "butcher shop", "bakery", "barbershop", "restaurant", "cinema", "stage", "bannister",
    "shower curtain", "window shade", "desk", "monitor", "television", "entertainment center",
    "studio couch", "four-poster", "dining table", "folding chair", "rocking chair", "refrigerator",
    "washbasin", "toilet tissue", "plate rack", "photocopier", "printer", "bookcase", "china cabinet",
    "chiffonier", "microwave", "dishwasher", "vending machine", "cash machine", "turnstile", "altar",
    "balance beam", "parallel bars", "horizontal bar", "theater curtain", "radiator", "pool table",
    "analog clock", "digital clock", "switch", "quilt", "shower cap", "tub",
)  # fmt: skip
OUTDOOR_CLASSES = (
    "lakeside", "seashore", "valley", "alp", "cliff", "volcano", "promontory", "sandbar", "breakwater",
    "pier", "suspension bridge", "steel arch bridge", "viaduct", "dam", "boathouse", "palace",
    "monastery", "castle", "triumphal arch", "obelisk", "totem pole", "worm fence", "chainlink fence",
    "park bench", "parking meter", "traffic light", "street sign", "streetcar", "bullet train",
    "electric locomotive", "freight car", "mobile home", "garbage truck", "trailer truck", "moving van",
    "minivan", "police van", "cab", "tow truck", "pickup", "jeep", "sports car", "convertible",
    "limousine", "school bus", "trolleybus", "motor scooter", "moped", "mountain bike", "tractor",
    "harvester", "hay", "maypole", "fountain", "greenhouse", "barn", "water tower", "beacon", "tile roof",
    "thatch", "lumbermill", "snowplow", "golfcart", "go-kart", "cliff dwelling", "geyser", "coral reef",
)  # fmt: skip


def vegetation_share(image: np.ndarray) -> float:
    """Share of green, saturated pixels in the lower two thirds of a BGR frame (on a 96 px copy)."""
    height, width = image.shape[:2]
    scale = _SIDE / max(height, width)
    small = cv2.resize(
        image, (max(1, round(width * scale)), max(1, round(height * scale))), interpolation=cv2.INTER_AREA
    )
    lower = small[small.shape[0] // 3 :]
    hsv = cv2.cvtColor(lower, cv2.COLOR_BGR2HSV)
    hue, sat, val = hsv[..., 0], hsv[..., 1], hsv[..., 2]
    green = (hue >= 33) & (hue <= 85) & (sat >= 60) & (val >= 40)
    return float(green.mean()) if green.size else 0.0


@dataclass(frozen=True, slots=True)
class SceneEvidence:
    vehicles: int  # motor vehicles followed over two or more runs
    moving_vehicles: int
    furniture: bool
    vegetation: float  # median share over the runs
    indoor_score: float | None  # ImageNet, summed; None without a classifier
    outdoor_score: float | None


class SceneJudge:
    def __init__(self, classifier: ImageNetClassifier | None) -> None:
        self.classifier = classifier
        self.groups = (
            ClassGroups(classifier.labels, {"indoor": INDOOR_CLASSES, "outdoor": OUTDOOR_CLASSES})
            if classifier is not None
            else None
        )

    def evidence(
        self,
        runs: Sequence[FrameDetections],
        vegetation: Sequence[float],
        vehicles: Sequence[VehicleAppearance],
        middle: np.ndarray | None,
    ) -> SceneEvidence:
        furniture_runs = sum(1 for r in runs if any(b.label in FURNITURE for b in r.objects))
        followed = [v for v in vehicles if v.label in MOTOR and v.seen >= 2]
        indoor = outdoor = None
        if self.classifier is not None and self.groups is not None and middle is not None:
            scores = self.groups.scores(self.classifier.probabilities([middle]))[0]
            indoor, outdoor = float(scores[0]), float(scores[1])
        return SceneEvidence(
            vehicles=len(followed),
            moving_vehicles=sum(1 for v in followed if v.motion is Motion.MOVING),
            furniture=furniture_runs >= 2,
            vegetation=median(vegetation) if vegetation else 0.0,
            indoor_score=indoor,
            outdoor_score=outdoor,
        )


def judge(e: SceneEvidence) -> SceneCues:
    outdoor_signs = e.vehicles > 0 or e.vegetation >= VEGETATION_SHARE
    setting: Setting | None = None
    if outdoor_signs and not e.furniture:
        setting = Setting.OUTDOOR
    elif e.furniture and not outdoor_signs:
        setting = Setting.INDOOR
    elif not outdoor_signs and e.indoor_score is not None and e.outdoor_score is not None:
        if e.indoor_score >= IMAGENET_MIN and e.indoor_score >= 2 * e.outdoor_score:
            setting = Setting.INDOOR
        elif e.outdoor_score >= IMAGENET_MIN and e.outdoor_score >= 2 * e.indoor_score:
            setting = Setting.OUTDOOR
    surfaces: list[str] = []
    if setting is Setting.OUTDOOR and e.moving_vehicles > 0:
        surfaces.append("road")
    return SceneCues(setting, None, tuple(surfaces))
