"""Garment tags on real person crops: colour rules (hi-vis, hats) and ImageNet rules (jacket, t-shirt)."""

from __future__ import annotations

from pathlib import Path

import chronotrace_desktop
from chronotrace_desktop.analysis.people import DROPPED_TAGS, PERSON_TAGS, PeopleAttributes, PeopleConfig
from chronotrace_desktop.analysis.people.tags import (
    CANDIDATE_CLASSES,
    COLOUR_RULES,
    IMAGENET_RULES,
    REGIONS,
    colour_tags,
    crop_region,
)
from tests.unit.analysis.people.conftest import ONE_BY_ONE, PAUSE, STORE, WORKER, box, frame

IMAGENET_NAMES = {  # first synonym of each class in embedding/data/imagenet_classes.txt
    "hat": ("cowboy hat", "sombrero", "crash helmet", "football helmet"),
    "jacket": ("cardigan", "sweatshirt", "trench coat", "fur coat", "poncho", "lab coat"),
    "dress": ("gown", "overskirt", "hoopskirt", "miniskirt", "sarong", "kimono"),
    "jeans": ("jean",),
    "tshirt": ("jersey",),
    "backpack": ("backpack",),
    "bag": ("purse", "mailbag", "plastic bag"),
    "umbrella": ("umbrella",),
    "sunglasses": ("sunglass", "sunglasses"),
    "shorts": ("swimming trunks",),
    "suit": ("suit",),
    "apron": ("apron",),
}


def test_class_indices_are_the_named_imagenet_classes() -> None:
    classes = Path(chronotrace_desktop.__file__).parent / "embedding" / "data" / "imagenet_classes.txt"
    names = classes.read_text(encoding="utf-8").splitlines()
    assert len(names) == 1000
    found = {
        tag: tuple(names[i].split(",")[0] for i in indices) for tag, indices in CANDIDATE_CLASSES.items()
    }
    assert found == IMAGENET_NAMES


def test_returned_tags_are_the_kept_rules_only() -> None:
    kept = {rule.tag for rule in IMAGENET_RULES} | set(COLOUR_RULES)
    assert set(PERSON_TAGS) == kept
    assert not kept & set(DROPPED_TAGS)
    assert all(rule.region in REGIONS for rule in IMAGENET_RULES)


def test_hard_hat_and_hivis_vest_by_colour() -> None:
    image = frame(WORKER, 3.0)
    assert colour_tags(image, (97, 60, 63, 162)) == ["hivis", "hat"]


def test_straw_hat_without_a_vest() -> None:
    image = frame(STORE, 0.0)
    assert colour_tags(image, (228, 62, 100, 190)) == ["hat"]
    assert colour_tags(image, (344, 92, 67, 178)) == []  # teal jacket, dark hair


def test_cardigan_is_a_jacket(people: PeopleAttributes) -> None:
    image = frame(ONE_BY_ONE, 95.0)
    (look,) = people.describe(image, [box(image, 328, 1, 110, 325)])
    assert look.tags == ("jacket",)


def test_sleeveless_top_gets_no_tag(people: PeopleAttributes) -> None:
    image = frame(PAUSE, 1.5)
    (look,) = people.describe(image, [box(image, 21, 66, 122, 204)])
    assert look.tags == ()


def test_crop_region_stays_inside_the_frame() -> None:
    image = frame(ONE_BY_ONE, 95.0)
    # Lower part: 45-100 % of the height, widened by 10 % of the box's width each side and 5 % of its height.
    lower = crop_region(image, (328, 1, 110, 325), "lower")
    assert lower.shape[:2] == (343 - 131, 449 - 317)
    whole = crop_region(image, (600, 300, 100, 100), "whole")  # runs off the frame: clipped
    assert whole.shape[:2] == (360 - 295, 640 - 590)
    assert crop_region(image, (700, 400, 50, 50), "whole").size == 0


def test_imagenet_tags_only_for_people_allowed_by_the_caps(people: PeopleAttributes) -> None:
    image = frame(ONE_BY_ONE, 95.0)
    person = box(image, 328, 1, 110, 325)
    for config in (PeopleConfig(max_tagged=0), PeopleConfig(min_tag_px=400)):
        capped = PeopleAttributes(people.faces_model, people.tagger, config)
        (look,) = capped.describe(image, [person])
        assert look.tags == ()
