"""Garment and accessory tags of a person crop: ImageNet-1k classes of MobileNetV2, plus two colour rules.

Each candidate tag was mapped to ImageNet classes *before* looking at scores (``CANDIDATE_CLASSES``); its
score on a crop region is the summed softmax probability of those classes. A tag is returned only when a
region and a floor were found where it reached a precision of at least 0.8 with at least 3 true crops on the
labelled crops (``eval/dev_person_attributes.json``); the kept rules are ``IMAGENET_RULES`` and
``COLOUR_RULES``, each with its measured precision and support. Tags that never reached it are not returned
(``DROPPED_TAGS``, with the reason). The floors were chosen on that same set (there is no second one yet), and
each kept ImageNet tag rests on two people: expect lower precision on new footage.

Cost: the kept rules read one region (the lower part of the box), so one MobileNetV2 pass per tagged person,
about 6-9 ms on one core; the colour rules cost about 0.1 ms.

What ImageNet cannot say (no hard hat, no hi-vis class) comes from colour: fluorescent orange / yellow-green
over the torso (hi-vis vests) and bright yellow / orange / straw over the top of the head (hard hats, straw
hats).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import cv2
import numpy as np

from chronotrace_desktop.analysis.people._models import MOBILENET_FILE, model_path, thread_session

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path

# Person-box regions as (left, top, right, bottom) fractions of the box.
REGIONS: dict[str, tuple[float, float, float, float]] = {
    "whole": (0.0, 0.0, 1.0, 1.0),
    "upper": (0.0, 0.0, 1.0, 0.6),
    "torso": (0.0, 0.15, 1.0, 0.6),
    "lower": (0.0, 0.45, 1.0, 1.0),
}
REGION_MARGIN = 0.1  # widen each crop by this share of the box on every side (context for the classifier)

# ImageNet-1k class indices (chronotrace_desktop/embedding/data/imagenet_classes.txt, 0-based) per tag.
CANDIDATE_CLASSES: dict[str, tuple[int, ...]] = {
    "hat": (515, 808, 518, 560),  # cowboy hat, sombrero, crash helmet, football helmet
    "jacket": (474, 841, 869, 568, 735, 617),  # cardigan, sweatshirt, trench coat, fur coat, poncho, lab coat
    "dress": (578, 689, 601, 655, 775, 614),  # gown, overskirt, hoopskirt, miniskirt, sarong, kimono
    "jeans": (608,),  # jean, blue jean, denim
    "tshirt": (610,),  # jersey, T-shirt, tee shirt
    "backpack": (414,),
    "bag": (748, 636, 728),  # purse, mailbag, plastic bag
    "umbrella": (879,),
    "sunglasses": (836, 837),  # sunglass, sunglasses
    "shorts": (842,),  # swimming trunks
    "suit": (834,),
    "apron": (411,),
}


@dataclass(frozen=True, slots=True)
class ImageNetRule:
    tag: str
    region: str
    min_score: float


# Kept rules (eval/dev_person_attributes.json: 84 hand-labelled crops of 40 people from 9 clips; people at least
# `min_tag_px` tall). The same bar as every attribute: precision >= 0.8 with >= 3 right crops.
IMAGENET_RULES: tuple[ImageNetRule, ...] = (
    # 5 right of 5 (2 people, both in cardigans), 24 jackets labelled: coats of the gym clip are too small.
    ImageNetRule("jacket", "lower", 0.3),
    # 5 right of 6 (0.83, 2 people), 8 labelled; 0.02 tags the same crops.
    ImageNetRule("tshirt", "lower", 0.05),
)

# Colour rules. Any floor between the highest share among other people and the lowest among the right ones
# gives the same result; the floors sit in the middle of that gap.
HIVIS_MIN_SHARE = 0.3  # 5 right of 5 (1 worker); other people <= 0.03, the worker 0.59-0.69
HAT_MIN_SHARE = 0.1  # 9 right of 9 (hard hat, straw hat: 2 people); others 0.00, the hats 0.15-0.40
COLOUR_RULES: tuple[str, ...] = ("hivis", "hat")

DROPPED_TAGS: dict[str, str] = {
    "cap": "no ImageNet class, no colour of its own",
    "hood": "no ImageNet class",
    "dress": "gown/overskirt/hoopskirt/miniskirt/sarong/kimono: at most 3 of 4 right (1 person)",
    "jeans": "the 'jean' class never scored on 17 labelled crops of jeans (6 people)",
    "backpack": "the 'backpack' class never scored (3 labelled, seen from above); YOLO found none either",
    "bag": "no labelled bag; purse/mailbag/plastic bag never scored",
    "umbrella": "no labelled umbrella in the shared clips",
    "sunglasses": "no labelled sunglasses; the class fired on ordinary glasses",
    "shorts": "no labelled shorts; 'swimming trunks' fired on jeans",
    "suit": "no labelled suit; 'suit' fires on any dark clothing",
    "apron": "no labelled apron",
}

PERSON_TAGS: tuple[str, ...] = tuple(sorted({rule.tag for rule in IMAGENET_RULES} | set(COLOUR_RULES)))


def crop_region(image: np.ndarray, box_px: tuple[float, float, float, float], region: str) -> np.ndarray:
    """Pixels of ``region`` of a person box ``(x, y, w, h)`` in pixels, widened by ``REGION_MARGIN``."""
    x, y, w, h = box_px
    left, top, right, bottom = REGIONS[region]
    height, width = image.shape[:2]
    x0 = max(0, int(x + (left - REGION_MARGIN) * w))
    x1 = min(width, int(np.ceil(x + (right + REGION_MARGIN) * w)))
    y0 = max(0, int(y + top * h - REGION_MARGIN * h / 2))
    y1 = min(height, int(np.ceil(y + bottom * h + REGION_MARGIN * h / 2)))
    return image[y0:y1, x0:x1]


def _share(
    image: np.ndarray, box_px: tuple[float, float, float, float], part: tuple[float, ...], kind: str
) -> float:
    x, y, w, h = box_px
    left, top, right, bottom = part
    height, width = image.shape[:2]
    x0, x1 = max(0, int(x + left * w)), min(width, int(x + right * w))
    y0, y1 = max(0, int(y + top * h)), min(height, int(y + bottom * h))
    if x1 <= x0 or y1 <= y0:
        return 0.0
    hsv = cv2.cvtColor(image[y0:y1, x0:x1], cv2.COLOR_BGR2HSV)
    hue, sat, val = hsv[:, :, 0], hsv[:, :, 1], hsv[:, :, 2]
    if kind == "hivis":  # fluorescent orange (OpenCV hue <= 22) or yellow-green (25..45), vivid and bright
        mask = ((hue <= 22) | ((hue >= 25) & (hue <= 45))) & (sat >= 150) & (val >= 150)
    else:  # hat: bright yellow, orange or straw
        mask = (hue >= 15) & (hue <= 40) & (sat >= 120) & (val >= 150)
    return float(mask.mean())


def hivis_share(image: np.ndarray, box_px: tuple[float, float, float, float]) -> float:
    """Share of fluorescent pixels over the torso (middle half of the width, 20-55 % of the height)."""
    return _share(image, box_px, (0.25, 0.2, 0.75, 0.55), "hivis")


def hat_share(image: np.ndarray, box_px: tuple[float, float, float, float]) -> float:
    """Share of bright yellow / orange / straw pixels over the top of the head (top 15 %, middle half)."""
    return _share(image, box_px, (0.25, 0.0, 0.75, 0.15), "hat")


def colour_tags(image: np.ndarray, box_px: tuple[float, float, float, float]) -> list[str]:
    tags = []
    if hivis_share(image, box_px) >= HIVIS_MIN_SHARE:
        tags.append("hivis")
    if hat_share(image, box_px) >= HAT_MIN_SHARE:
        tags.append("hat")
    return tags


def imagenet_tags(probabilities: dict[str, np.ndarray]) -> list[str]:
    """Tags from the softmax probabilities of each region's crop (``{region: (1000,)}``)."""
    tags = []
    for rule in IMAGENET_RULES:
        row = probabilities.get(rule.region)
        if row is not None and float(row[list(CANDIDATE_CLASSES[rule.tag])].sum()) >= rule.min_score:
            tags.append(rule.tag)
    return tags


def rule_regions() -> tuple[str, ...]:
    """The regions the kept rules read (one classifier pass each per person)."""
    return tuple(dict.fromkeys(rule.region for rule in IMAGENET_RULES))


_MEAN_RGB = np.array([0.485, 0.456, 0.406], dtype=np.float32) * 255
_STD_RGB = np.array([0.229, 0.224, 0.225], dtype=np.float32) * 255
INPUT_SIZE = 224


class CropTagger:
    """MobileNetV2 ImageNet-1k softmax probabilities of crops, batched; one session per thread."""

    def __init__(self, session: object) -> None:
        self._session = session

    @classmethod
    def for_thread(cls, folder: Path | None = None) -> CropTagger:
        return cls(thread_session(model_path(MOBILENET_FILE, folder), "ImageNet classifier (MobileNetV2)"))

    def probabilities(self, crops: Sequence[np.ndarray]) -> np.ndarray:
        """``(n, 1000)`` softmax probabilities; each crop is squashed to 224x224 (as the embedder does)."""
        if not crops:
            return np.zeros((0, 1000), dtype=np.float32)
        batch = np.empty((len(crops), 3, INPUT_SIZE, INPUT_SIZE), dtype=np.float32)
        for row, crop in enumerate(crops):
            shrinking = min(crop.shape[:2]) >= INPUT_SIZE
            resized = cv2.resize(
                crop,
                (INPUT_SIZE, INPUT_SIZE),
                interpolation=cv2.INTER_AREA if shrinking else cv2.INTER_LINEAR,
            )
            batch[row] = ((resized[:, :, ::-1].astype(np.float32) - _MEAN_RGB) / _STD_RGB).transpose(2, 0, 1)
        (logits,) = self._session.run(["logits"], {"images": batch})  # type: ignore[attr-defined]
        logits = np.asarray(logits, dtype=np.float32)
        shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
        probabilities: np.ndarray = shifted / shifted.sum(axis=1, keepdims=True)
        return probabilities
