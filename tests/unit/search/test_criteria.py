"""Attribute criteria against a segment's detected attributes, and the weighted attribute score."""

from __future__ import annotations

import pytest

from chronotrace_desktop.services.search_criteria import (
    AnyColour,
    Count,
    Faces,
    HasObject,
    Lighting,
    Motion,
    NoPeople,
    PersonColour,
    SegmentAttributes,
    VehicleColour,
    attribute_score,
    colour_match,
)

STREET = SegmentAttributes.from_meta(
    {
        "people": [{"upper": "red", "lower": "blue", "seen": 4}, {"upper": "grey", "lower": None, "seen": 2}],
        "vehicles": [
            {"label": "car", "color": "white", "seen": 5},
            {"label": "truck", "color": None, "seen": 1},
        ],
        "object_counts": {"person": 2, "car": 3, "truck": 1, "backpack": 1},
    },
    objects=["backpack", "car", "person", "truck"],
    people_count=2,
    face_count=1,
    lighting="day",
    motion=True,
    activity="high",
)
EMPTY = SegmentAttributes.from_meta(
    {}, objects=[], people_count=0, lighting="night", motion=False, activity="low"
)


def test_from_meta_reads_ingestion_metadata() -> None:
    assert STREET.objects == {"backpack", "car", "person", "truck"}
    assert STREET.people == (("red", "blue"), ("grey", None))
    assert STREET.vehicles == (("car", "white"), ("truck", None))
    assert STREET.count_of(frozenset({"person"})) == 2
    assert STREET.count_of(frozenset({"car", "truck"})) == 4
    assert SegmentAttributes.from_meta(None).objects == frozenset()


def test_colour_match_gives_partial_credit_for_known_confusions() -> None:
    assert colour_match("red", "red") == 1.0
    assert colour_match("white", "grey") == colour_match("grey", "white") == 0.5
    assert colour_match("red", "green") == 0.0
    assert colour_match("red", None) == 0.0


@pytest.mark.parametrize(
    ("criterion", "street", "empty"),
    [
        (HasObject("car", 1.0, classes=frozenset({"car"})), 1.0, 0.0),
        (HasObject("bus", 1.0, classes=frozenset({"bus"})), 0.0, 0.0),
        (PersonColour("red top and blue trousers", 0.8, upper="red", lower="blue"), 1.0, 0.0),
        (PersonColour("red top and black trousers", 0.8, upper="red", lower="black"), 0.7, 0.0),
        (PersonColour("grey clothes", 0.8, anywhere="grey"), 1.0, 0.0),
        (PersonColour("green top", 0.8, upper="green"), 0.0, 0.0),
        (VehicleColour("white car", 0.8, colour="white", classes=frozenset({"car"})), 1.0, 0.0),
        (VehicleColour("white truck", 0.8, colour="white", classes=frozenset({"truck"})), 0.0, 0.0),
        (AnyColour("blue", 0.8, colour="blue"), 1.0, 0.0),
        (Count("2 people", 0.5, classes=frozenset({"person"}), n=2), 1.0, 0.0),
        (Count("1 person", 0.5, classes=frozenset({"person"}), n=1), 0.5, 0.0),
        (Count("at least 4 people", 0.5, classes=frozenset({"person"}), n=4, at_least=True), 0.25, 0.0),
        (Faces("faces", 0.6, present=True), 1.0, 0.0),
        (Faces("no faces", 0.6, present=False), 0.0, 1.0),
        (NoPeople("no people", 1.0), 0.0, 1.0),
        (Lighting("night", 0.3, values=frozenset({"night", "low-light"})), 0.0, 1.0),
        (Motion("high motion", 0.3, level="high"), 1.0, 0.0),
        (Motion("no motion", 0.3, level="none"), 0.0, 1.0),
    ],
)
def test_criteria_scores(criterion: object, street: float, empty: float) -> None:
    assert criterion.score(STREET) == pytest.approx(street)  # type: ignore[attr-defined]
    assert criterion.score(EMPTY) == pytest.approx(empty)  # type: ignore[attr-defined]


def test_attribute_score_is_the_weighted_share_with_reasons() -> None:
    criteria = (
        HasObject("car", 1.0, classes=frozenset({"car"})),
        VehicleColour("red car", 0.8, colour="red", classes=frozenset({"car"})),
        Faces("faces", 0.6, present=True),
    )
    score, reasons = attribute_score(criteria, STREET)
    assert score == pytest.approx((1.0 + 0.6) / 2.4)
    assert reasons == ("car detected", "1 face detected")
    assert attribute_score((), STREET) == (0.0, ())
