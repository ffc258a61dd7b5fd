"""The query parser on issue 11's words: who (gender, age), vehicle types and states, postures, worn and
carried things, the scene and anomalies, with the word handling that makes them robust (plurals, synonyms,
"in a", "wearing", "with", an adjective before or a state word after its noun)."""

from __future__ import annotations

from dataclasses import replace
from typing import TypeVar

import pytest

from chronotrace_desktop.analysis.caption import caption
from chronotrace_desktop.domain.analysis import (
    ActivityLevel,
    AgeGroup,
    Gender,
    Lighting,
    Motion,
    PersonAppearance,
    Posture,
    SceneCues,
    SegmentAnalysis,
    Setting,
    VehicleAppearance,
)
from chronotrace_desktop.domain.media import RedactionPlan
from chronotrace_desktop.services.search.criteria import Count, Criterion, Event, HasObject, Where
from chronotrace_desktop.services.search.looks import PersonLook, VehicleKind, VehicleLook
from chronotrace_desktop.services.search.parse import parse_query

C = TypeVar("C", bound=Criterion)


def of(kind: type[C], text: str) -> list[C]:
    return [c for c in parse_query(text).criteria if isinstance(c, kind)]


def person(text: str) -> PersonLook:
    (found,) = of(PersonLook, text)
    return found


@pytest.mark.parametrize(
    ("text", "gender", "age"),
    [
        ("woman", "female", None),
        ("women", "female", None),
        ("a lady", "female", None),
        ("ladies", "female", None),
        ("female", "female", None),
        ("man", "male", None),
        ("men", "male", None),
        ("guy", "male", None),
        ("males", "male", None),
        ("girl", "female", "juvenile"),
        ("two boys", "male", "juvenile"),
        ("child", None, "child"),
        ("kids", None, "child"),
        ("children", None, "child"),
        ("teenager", None, "teen"),
        ("teenagers", None, "teen"),
        ("the elderly", None, "senior"),
        ("an old man", "male", "senior"),
        ("elderly woman", "female", "senior"),
        ("young women", "female", "young"),
        ("old lady", "female", "senior"),
        ("grandmother", "female", "senior"),
        ("female suspect", "female", None),
    ],
)
def test_who(text: str, gender: str | None, age: str | None) -> None:
    found = person(text)
    assert (found.gender, found.age) == (gender, age)
    assert HasObject("person", 1.0, classes=frozenset({"person"})) in parse_query(text).criteria


def test_old_is_an_age_only_for_people() -> None:
    assert of(PersonLook, "old car") == []
    assert of(HasObject, "old car")[0].classes == {"car"}


@pytest.mark.parametrize(
    ("text", "kind"),
    [("van", "van"), ("a white van", "van"), ("vans", "van"), ("minivan", "van"), ("mini van", "van"),
     ("pickup", "pickup"), ("pickup truck", "pickup"), ("pick-up truck", "pickup"), ("pickups", "pickup")],
)  # fmt: skip
def test_vehicle_types(text: str, kind: str) -> None:
    (found,) = of(VehicleKind, text)
    assert found.kinds == {kind}
    assert not of(
        HasObject, text
    )  # not a COCO class: the type criterion gives cars and trucks partial credit


@pytest.mark.parametrize(
    ("text", "classes"),
    [("bus", {"bus"}), ("buses", {"bus"}), ("a lorry", {"truck"}), ("lorries", {"truck"}), ("truck", {"truck"}),
     ("motorbike", {"motorbike"}), ("motorcycles", {"motorbike"}), ("bicycle", {"bicycle"}), ("bikes", {"bicycle"})],
)  # fmt: skip
def test_coco_vehicle_words_still_name_coco_classes(text: str, classes: set[str]) -> None:
    assert of(HasObject, text)[0].classes == classes


@pytest.mark.parametrize(
    ("text", "motion"),
    [
        ("parked car", "still"),
        ("a parked white van", "still"),
        ("stopped vehicle", "still"),
        ("car stopped on the hard shoulder", "still"),
        ("stationary truck", "still"),
        ("car waiting at the lights", "still"),
        ("moving van", "moving"),
        ("van driving past", "moving"),
        ("car not moving", "still"),
    ],
)
def test_vehicle_states(text: str, motion: str) -> None:
    (found,) = of(VehicleLook, text)
    assert found.motion == motion
    assert not of(PersonLook, text)


def test_stopped_vehicle_is_also_the_anomaly_but_parked_is_not() -> None:
    assert [e.types for e in of(Event, "stopped vehicle")] == [{"vehicle_stopped"}]
    assert [e.types for e in of(Event, "broken down lorry")] == [{"vehicle_stopped"}]
    assert of(Event, "parked car") == []
    assert of(Event, "man stopped at the door") == []
    assert of(Event, "car waiting at the lights") == []  # not loitering


@pytest.mark.parametrize(
    ("text", "posture"),
    [
        ("person sitting", "sitting"),
        ("people sitting at desks", "sitting"),
        ("seated woman", "sitting"),
        ("man sitting down", "sitting"),
        ("woman standing", "standing"),
        ("someone lying on the ground", "lying"),
        ("person lying down", "lying"),
        ("man on the floor", "lying"),
        ("elderly man fell", "lying"),
        ("woman has fallen over", "lying"),
        ("someone collapsed", "lying"),
    ],
)
def test_postures(text: str, posture: str) -> None:
    assert person(text).posture == posture


def test_a_floor_is_not_a_posture_without_a_person() -> None:
    assert of(PersonLook, "bag on the floor") == []
    assert of(HasObject, "bag on the floor")[0].label == "bag"


@pytest.mark.parametrize(
    ("text", "motion"),
    [("man walking", "moving"), ("walking man", "moving"), ("person running", "moving"),
     ("woman standing still", "still"), ("person not moving", "still"), ("man loitering", "still")],
)  # fmt: skip
def test_person_states(text: str, motion: str) -> None:
    assert person(text).motion == motion


@pytest.mark.parametrize(
    ("text", "tags"),
    [
        ("man wearing a hat", ("hat",)),
        ("woman in a cap", ("cap",)),
        ("someone in a baseball cap", ("cap",)),
        ("person with a hood up", ("hood",)),
        ("man in a hoodie", ("hood",)),
        ("worker in a hard hat", ("helmet",)),
        ("man in hi-vis", ("hivis",)),
        ("worker in a high visibility jacket", ("hivis", "jacket")),
        ("woman in a dress", ("dress",)),
        ("boy in shorts", ("shorts",)),
        ("man carrying a backpack", ("backpack",)),
        ("woman with a rucksack", ("backpack",)),
        ("girl with an umbrella", ("umbrella",)),
        ("man holding a bag", ("bag",)),
        ("two women with backpacks", ("backpack",)),
        ("person with a suitcase", ("suitcase",)),
        ("man in a black coat", ("jacket",)),
    ],
)
def test_worn_and_carried(text: str, tags: tuple[str, ...]) -> None:
    assert person(text).tags == tags


def test_a_carried_thing_is_someones_only_when_said_so() -> None:
    assert of(PersonLook, "bag left unattended") == []
    assert of(PersonLook, "abandoned suitcase") == []
    assert person("man next to a bag").tags == ()
    assert of(HasObject, "man next to a bag")[-1].label == "bag"  # the detector can still see the bag
    backpack = parse_query("woman carrying a backpack")
    assert HasObject("backpack", 1.0, classes=frozenset({"backpack"})) in backpack.criteria


def test_a_colour_goes_to_the_garment_not_the_hat() -> None:
    found = person("man in a red jacket and a blue cap")
    assert (found.upper, found.tags) == ("red", ("jacket", "cap"))
    assert found.anywhere == ()


@pytest.mark.parametrize(
    ("text", "places", "surfaces", "setting"),
    [
        ("indoors", set(), set(), "indoor"),
        ("inside", set(), set(), "indoor"),
        ("outdoors", set(), set(), "outdoor"),
        ("outside", set(), set(), "outdoor"),
        ("on the street", {"street"}, {"road"}, None),
        ("on the road", {"street"}, {"road"}, None),
        ("car park", {"parking"}, set(), None),
        ("parking lot", {"parking"}, set(), None),
        ("corridor", {"corridor"}, set(), None),
        ("hallway", {"corridor"}, set(), None),
        ("shop", {"shop"}, set(), None),
        ("store aisle", {"shop"}, set(), None),
        ("supermarket", {"shop"}, set(), None),
        ("classroom", {"classroom"}, set(), None),
        ("gym", {"sports hall"}, set(), None),
        ("sports hall", {"sports hall"}, set(), None),
        ("office", {"office"}, set(), None),
        ("grass", set(), {"grass"}, None),
        ("lawn", set(), {"grass"}, None),
        ("in the park", set(), {"grass"}, None),
        ("field", set(), {"grass"}, None),
        ("pavement", set(), {"pavement"}, None),
        ("sidewalk", set(), {"pavement"}, None),
        ("by the water", set(), {"water"}, None),
        ("river", set(), {"water"}, None),
    ],
)
def test_scene_words(text: str, places: set[str], surfaces: set[str], setting: str | None) -> None:
    (found,) = of(Where, text)
    assert (set(found.places), set(found.surfaces), found.setting) == (places, surfaces, setting)


def test_inside_and_outside_as_prepositions() -> None:
    assert of(Where, "man inside a car") == []  # in the car, not an indoor camera
    outside = of(Where, "person waiting outside the shop")
    assert [(w.places, w.setting) for w in outside] == [(frozenset(), "outdoor")]
    assert [w.places for w in of(Where, "person inside the shop")] == [{"shop"}, set()]


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("unattended bag", "object_abandonment"),
        ("bag left unattended", "object_abandonment"),
        ("abandoned suitcase", "object_abandonment"),
        ("backpack left behind", "object_abandonment"),
        ("man loitering", "loitering"),
        ("someone lingering by the door", "loitering"),
        ("person waiting", "loitering"),
        ("people hanging around", "loitering"),
        ("crowd", "crowd_formation"),
        ("a crowd gathering", "crowd_formation"),
        ("people gathered", "crowd_formation"),
        ("person fell", "fall_detection"),
        ("a fall", "fall_detection"),
        ("woman collapsed", "fall_detection"),
        ("stopped vehicle", "vehicle_stopped"),
        ("van stopped", "vehicle_stopped"),
        ("man running", "unusual_movement"),
        ("intruder trespassing", "perimeter_breach"),
        ("someone after hours", "after_hours_access"),
    ],
)
def test_anomaly_words(text: str, kind: str) -> None:
    assert kind in {t for e in of(Event, text) for t in e.types}


def test_negated_words_ask_for_nothing() -> None:
    assert of(Event, "no crowd") == []
    assert of(Event, "nothing left behind") == []
    assert of(PersonLook, "man without a hat") == [PersonLook("man", 0.6, gender="male")]


def test_crowd_is_also_a_count() -> None:
    counts = of(Count, "crowd gathering")
    assert (counts[0].n, counts[0].at_least) == (5, True)


# ------------------------------------------------------------------ the rewrite speaks like the captions


def analysis(**changes: object) -> SegmentAnalysis:
    base = SegmentAnalysis(
        start=0.0, end=15.0, frames_sampled=30, frames_detected=15, face_count=0, has_faces=False,
        face_boxes=(), redaction=RedactionPlan(), people_count=0, vehicle_count=0, has_vehicles=False,
        objects_detected=(), object_counts={}, motion_detected=True, motion_score=0.08,
        activity_level=ActivityLevel.HIGH, lighting_condition=Lighting.DAY, average_brightness=0.5,
        dominant_colors=(),
    )  # fmt: skip
    return replace(base, **changes)  # type: ignore[arg-type]


WOMAN = PersonAppearance(
    "red", None, 6, Gender.FEMALE, AgeGroup.ADULT, Posture.SITTING, Motion.STILL, ("backpack",)
)


@pytest.mark.parametrize(
    ("query", "segment", "shared"),
    [
        (
            "woman in a red top carrying a backpack, sitting",
            analysis(people_count=1, people=(WOMAN,), object_counts={"person": 1, "backpack": 1}),
            "a woman in a red top carrying a backpack, sitting; a backpack",
        ),
        (
            "parked white van",
            analysis(
                object_counts={"car": 1},
                vehicles=(VehicleAppearance("van", "white", 5, Motion.STILL, "car"),),
            ),
            "a parked white van",
        ),
        (
            "outdoors on the street",
            analysis(scene=SceneCues(Setting.OUTDOOR, "street", ("road",))),
            "outdoors, street; road",
        ),
        (
            "elderly man lying on the ground",
            analysis(
                people_count=1,
                people=(PersonAppearance(None, None, 3, Gender.MALE, AgeGroup.SENIOR, Posture.LYING),),
            ),
            "an elderly man lying down",
        ),
        (
            "two girls in pink dresses",
            analysis(
                people_count=2,
                people=(PersonAppearance("pink", "pink", 4, Gender.FEMALE, AgeGroup.CHILD, tags=("dress",)),)
                * 2,
            ),
            "2 girls in a pink dress",
        ),
        (
            "empty car park",
            analysis(scene=SceneCues(None, "parking", ())),
            "car park",
        ),
    ],
)
def test_rewrite_uses_the_captions_words(query: str, segment: SegmentAnalysis, shared: str) -> None:
    assert shared in parse_query(query).caption
    assert shared in caption(segment)
