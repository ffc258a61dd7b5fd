"""Captions and search terms from attributes: deterministic, nothing beyond the evidence."""

from __future__ import annotations

from dataclasses import replace

from chronotrace_desktop.analysis.caption import attribute_terms, caption, counted, plural
from chronotrace_desktop.domain.analysis import (
    ActivityLevel,
    Lighting,
    PersonAppearance,
    SegmentAnalysis,
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
