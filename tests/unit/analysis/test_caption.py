"""Captions and search terms from attributes: deterministic, nothing beyond the evidence."""

from __future__ import annotations

from dataclasses import replace

from chronotrace_desktop.analysis.caption import (
    attribute_terms,
    caption,
    counted,
    people_phrase,
    person_phrase,
    plural,
    scene_phrase,
    vehicle_group,
)
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


def analysis(**changes: object) -> SegmentAnalysis:
    base = SegmentAnalysis(
        start=0.0,
        end=15.0,
        frames_sampled=30,
        frames_detected=15,
        face_count=0,
        has_faces=False,
        face_boxes=(),
        redaction=RedactionPlan(),
        people_count=0,
        vehicle_count=0,
        has_vehicles=False,
        objects_detected=(),
        object_counts={},
        motion_detected=True,
        motion_score=0.08,
        activity_level=ActivityLevel.HIGH,
        lighting_condition=Lighting.DAY,
        average_brightness=0.5,
        dominant_colors=("#808080",),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def test_the_issue_example() -> None:
    a = analysis(
        people_count=2,
        vehicle_count=1,
        has_vehicles=True,
        objects_detected=("backpack", "car", "person"),
        object_counts={"backpack": 1, "car": 1, "person": 2},
        people=(PersonAppearance("red", "blue", 9), PersonAppearance("black", None, 4)),
        vehicles=(VehicleAppearance("car", "white", 7),),
    )
    assert caption(a) == (
        "2 people, one in a red top and blue trousers, one in a black top; a white car; a backpack; day, high motion"
    )
    assert attribute_terms(a) == [
        "person",
        "people",
        "red top",
        "blue trousers",
        "black top",
        "vehicle",
        "car",
        "white car",
        "backpack",
        "day",
        "motion",
        "high activity",
    ]


def test_counts_colours_faces_and_night() -> None:
    a = analysis(
        people_count=3,
        face_count=2,
        has_faces=True,
        vehicle_count=3,
        has_vehicles=True,
        object_counts={"car": 3, "person": 3, "truck": 1, "umbrella": 1},
        objects_detected=("car", "person", "truck", "umbrella"),
        people=(
            PersonAppearance("orange", "blue"),
            PersonAppearance("orange", "blue"),
            PersonAppearance(None, None),
        ),
        vehicles=(
            VehicleAppearance("car", "white", 5),
            VehicleAppearance("car", "red", 3),
            VehicleAppearance("car", None, 1),
            VehicleAppearance("truck", None, 2),
        ),
        lighting_condition=Lighting.NIGHT,
        activity_level=ActivityLevel.MEDIUM,
    )
    assert caption(a) == (
        "3 people, 2 in an orange top and blue trousers; 2 faces; 3 cars (white, red); a truck; an umbrella; "
        "night, medium motion"
    )
    terms = attribute_terms(a)
    assert {"face", "night", "red car", "truck", "umbrella", "orange top"} <= set(terms)
    assert len(terms) == len(set(terms))


def test_unknowns_are_left_out_never_guessed() -> None:
    a = analysis(
        lighting_condition=None,
        activity_level=None,
        motion_detected=None,
        people_count=1,
        object_counts={"person": 1},
    )
    assert caption(a) == "1 person"
    assert "day" not in attribute_terms(a)
    still = analysis(motion_detected=False, activity_level=ActivityLevel.LOW)
    assert caption(still) == "no people, vehicles or objects detected; day, no motion"
    assert "motion" not in attribute_terms(still)
    assert caption(analysis(frames_sampled=0)) == "no frames decoded"


def test_same_people_and_plurals() -> None:
    a = analysis(
        people_count=2, people=(PersonAppearance("grey", "black"), PersonAppearance("grey", "black"))
    )
    assert caption(a).startswith("2 people in a grey top and black trousers;")
    assert counted(1, "umbrella") == "an umbrella"
    assert counted(2, "bus") == "2 buses"
    assert counted(1, "tvmonitor") == "a TV monitor"
    assert plural("person") == "people"
    assert plural("knife") == "knives"


# ------------------------------------------------------------------ issue 11: who, wear, posture, types, scene

WOMAN = PersonAppearance(
    "red", None, 6, Gender.FEMALE, AgeGroup.ADULT, Posture.SITTING, Motion.STILL, ("backpack",)
)
MAN = PersonAppearance("black", "black", 3, Gender.MALE, None, Posture.STANDING, Motion.MOVING, ("cap",))


def test_people_in_the_words_people_type() -> None:
    assert person_phrase(WOMAN) == "a woman in a red top carrying a backpack, sitting"
    assert person_phrase(MAN) == "a man in a black top and black trousers wearing a cap, walking"
    assert person_phrase(PersonAppearance(None, None, age=AgeGroup.CHILD, gender=Gender.FEMALE)) == "a girl"
    assert person_phrase(PersonAppearance(None, None, age=AgeGroup.SENIOR)) == "an elderly person"
    assert person_phrase(PersonAppearance(None, None, posture=Posture.LYING)) == "1 person lying down"
    assert person_phrase(PersonAppearance(None, None, motion=Motion.STILL)) == "1 person stationary"
    assert person_phrase(PersonAppearance("grey", None, age=AgeGroup.ADULT)) == "1 person in a grey top"


def test_garment_tags_name_the_garment() -> None:
    jacket = PersonAppearance("red", "blue", tags=("jacket", "hivis"))
    assert person_phrase(jacket) == "1 person in a red jacket and blue trousers wearing a hi-vis vest"
    dress = PersonAppearance("white", "white", gender=Gender.FEMALE, tags=("dress",))
    assert person_phrase(dress) == "a woman in a white dress"
    shorts = PersonAppearance(None, None, gender=Gender.MALE, tags=("shorts", "umbrella", "glasses"))
    assert person_phrase(shorts) == "a man in shorts wearing glasses carrying an umbrella"
    unknown_tag = PersonAppearance(None, None, tags=("lanyard",))
    assert person_phrase(unknown_tag) == "1 person with lanyard"


def test_several_people() -> None:
    assert people_phrase(2, (WOMAN, MAN)) == (
        "2 people, a woman in a red top carrying a backpack, sitting, "
        "a man in a black top and black trousers wearing a cap, walking"
    )
    girls = (PersonAppearance(None, None, gender=Gender.FEMALE, age=AgeGroup.CHILD),) * 2
    assert people_phrase(2, girls) == "2 girls"
    assert people_phrase(3, girls) == "3 people, 2 girls"
    assert people_phrase(None, girls[:1]) == "girls"
    assert people_phrase(None, ()) == "people"


def test_vehicle_types_and_states() -> None:
    a = analysis(
        vehicle_count=4,
        has_vehicles=True,
        object_counts={"car": 3, "truck": 1},
        objects_detected=("car", "truck"),
        vehicles=(
            VehicleAppearance("van", "white", 8, Motion.STILL, "car"),
            VehicleAppearance("car", "red", 5, Motion.MOVING, "car"),
            VehicleAppearance("car", "blue", 4, Motion.MOVING, "car"),
            VehicleAppearance("pickup", None, 2, Motion.STILL, "truck"),
        ),
    )
    assert caption(a) == (
        "a parked white van; 2 moving cars (red, blue); a parked pickup truck; day, high motion"
    )
    terms = attribute_terms(a)
    assert {"van", "white van", "parked van", "car", "moving car", "pickup truck", "truck"} <= set(terms)
    mixed = analysis(
        object_counts={"car": 3},
        vehicles=(
            VehicleAppearance("car", "white", 5, Motion.STILL, "car"),
            VehicleAppearance("car", "red", 3, Motion.MOVING, "car"),
        ),
    )
    assert caption(mixed).startswith("3 cars (white, red), 1 parked;")
    assert vehicle_group(None, "van", [], ["still"]) == "parked vans"
    assert vehicle_group(1, "bus", ["red"], []) == "a red bus"


def test_more_types_than_seen_at_once_are_capped() -> None:
    a = analysis(
        object_counts={"car": 1},
        vehicles=(
            VehicleAppearance("van", None, 3, None, "car"),
            VehicleAppearance("car", "red", 2, None, "car"),
        ),
    )
    assert caption(a).startswith("a van;")  # one vehicle at once: the van, most seen


def test_scene() -> None:
    assert scene_phrase("outdoor", "street", ["grass"]) == "outdoors, street; grass"
    assert scene_phrase("indoor", "corridor", []) == "indoors, corridor"
    assert scene_phrase(None, "parking", []) == "car park"
    assert scene_phrase(None, None, ["road", "pavement"]) == "road, pavement"
    assert scene_phrase(None, None, []) is None
    a = analysis(
        people_count=1,
        object_counts={"person": 1},
        people=(WOMAN,),
        scene=SceneCues(Setting.OUTDOOR, "street", ("grass",)),
    )
    assert caption(a) == (
        "a woman in a red top carrying a backpack, sitting; outdoors, street; grass; day, high motion"
    )
    terms = attribute_terms(a)
    assert {"woman", "female", "adult", "sitting", "backpack", "outdoors", "street", "grass"} <= set(terms)


def test_old_analyses_caption_as_before() -> None:
    """Without issue 11's attributes, nothing changes (captions of old and new rows stay comparable)."""
    a = analysis(
        people_count=1,
        object_counts={"person": 1, "car": 1},
        people=(PersonAppearance("grey", "black", 4),),
        vehicles=(VehicleAppearance("car", "white", 7),),
    )
    assert caption(a) == "1 person in a grey top and black trousers; a white car; day, high motion"
