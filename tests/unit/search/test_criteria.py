"""Attribute criteria against a segment's detected attributes, and the weighted attribute score.

Every criterion is checked on rows written before issue 11 (no gender, age, posture, tags, vehicle types or
scene: those score 0, never less) and on rows that carry them.
"""

from __future__ import annotations

import pytest

from chronotrace_desktop.services.search.criteria import (
    Count,
    Criterion,
    Event,
    Faces,
    HasObject,
    Lighting,
    Motion,
    NoPeople,
    Where,
    attribute_score,
)
from chronotrace_desktop.services.search.looks import AnyColour, PersonLook, VehicleKind, VehicleLook
from chronotrace_desktop.services.search.segment_attributes import (
    AnomalySpan,
    PersonSeen,
    SegmentAttributes,
    VehicleSeen,
    clock,
)
from chronotrace_desktop.services.search.weights import (
    W_AGE,
    W_COLOUR,
    W_GENDER,
    W_POSTURE,
    W_STATE,
    W_TAG,
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
# The same kind of street as ingestion writes it since issue 11.
NEW = SegmentAttributes.from_meta(
    {
        "people": [
            {"upper": "red", "lower": "blue", "seen": 6, "gender": "female", "age": "adult",
             "posture": "sitting", "motion": "still", "tags": ["backpack", "hat"]},
            {"upper": "black", "lower": "black", "seen": 3, "gender": "male", "age": "senior",
             "posture": "standing", "motion": "moving", "tags": []},
        ],
        "vehicles": [
            {"label": "van", "color": "white", "seen": 5, "motion": "still", "coco_label": "car"},
            {"label": "car", "color": "red", "seen": 4, "motion": "moving", "coco_label": "car"},
        ],
        "object_counts": {"person": 2, "car": 2, "backpack": 1},
        "scene": {"setting": "outdoor", "place": "street", "surfaces": ["grass", "pavement"]},
        "people_count": 2,
        "people_mean": 1.4,
    },
    objects=["backpack", "car", "person"],
    face_count=2,
    motion=True,
    activity="medium",
    anomalies=(AnomalySpan("loitering", 12.0, 31.0),),
)  # fmt: skip


_GC = W_GENDER + W_COLOUR
_GTP = W_GENDER + W_TAG + W_POSTURE
_CS = W_COLOUR + W_STATE
_VAN = frozenset({"van"})


def look(**parts: object) -> PersonLook:
    return PersonLook.of("test", **parts)


def test_from_meta_reads_ingestion_metadata() -> None:
    assert STREET.objects == {"backpack", "car", "person", "truck"}
    assert STREET.people == (PersonSeen("red", "blue"), PersonSeen("grey", None))
    assert STREET.vehicles == (VehicleSeen("car", "white"), VehicleSeen("truck", None))
    assert STREET.count_of(frozenset({"person"})) == 2
    assert STREET.count_of(frozenset({"car", "truck"})) == 4
    assert (STREET.setting, STREET.place, STREET.surfaces, STREET.anomalies) == (None, None, frozenset(), ())
    assert SegmentAttributes.from_meta(None).objects == frozenset()


def test_from_meta_reads_the_issue_11_fields() -> None:
    woman, man = NEW.people
    assert woman == PersonSeen(
        "red", "blue", "female", "adult", "sitting", "still", frozenset({"backpack", "hat"})
    )
    assert (man.gender, man.age, man.posture, man.motion) == ("male", "senior", "standing", "moving")
    assert NEW.vehicles[0] == VehicleSeen("van", "white", "still", "car")
    assert NEW.vehicles[0].refined
    assert not NEW.vehicles[1].refined
    assert (NEW.setting, NEW.place, NEW.surfaces) == ("outdoor", "street", frozenset({"grass", "pavement"}))


def test_from_meta_drops_unknown_values_and_falls_back_to_scene_type() -> None:
    odd = SegmentAttributes.from_meta(
        {
            "people": [{"gender": "robot", "age": 7, "posture": None, "tags": None}],
            "vehicles": [{"label": "car"}],
        }
    )
    assert odd.people == (PersonSeen(),)
    assert odd.vehicles == (VehicleSeen("car"),)
    assert SegmentAttributes.from_meta({}, scene_type="corridor").place == "corridor"
    assert SegmentAttributes.from_meta({}, scene_type="indoor").setting == "indoor"
    recorded = SegmentAttributes.from_meta({"scene": {"setting": None, "place": None}}, scene_type="shop")
    assert recorded.place is None  # the scene cues were recorded: the column adds nothing


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
        (look(upper="red", lower="blue"), 1.0, 0.0),
        (look(upper="red", lower="black"), 0.7, 0.0),
        (look(anywhere=("grey",)), 1.0, 0.0),
        (look(upper="green"), 0.0, 0.0),
        (VehicleLook.of("white car", colour="white", classes=frozenset({"car"})), 1.0, 0.0),
        (VehicleLook.of("white truck", colour="white", classes=frozenset({"truck"})), 0.0, 0.0),
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
def test_criteria_scores(criterion: Criterion, street: float, empty: float) -> None:
    assert criterion.score(STREET) == pytest.approx(street)
    assert criterion.score(EMPTY) == pytest.approx(empty)


@pytest.mark.parametrize(
    ("criterion", "old", "new"),
    [
        # gender and age: unknown on old rows (0), a match or a contradiction on new ones
        (look(gender="female"), 0.0, 1.0),
        (look(gender="male"), 0.0, 1.0),  # the second person
        # the man in black beats the woman in red: the same person must show both
        (look(gender="female", upper="black"), 0.3 * W_COLOUR / _GC, W_COLOUR / _GC),
        (look(age="senior"), 0.0, 1.0),
        (look(age="child"), 0.0, 0.0),
        (look(age="young"), 0.0, 0.4),  # an adult is near young
        # posture: sitting/lying confused; posture unknown but the person still counts a little
        (look(posture="sitting"), 0.0, 1.0),
        (look(posture="lying"), 0.0, 0.3),
        (look(gender="male", posture="sitting"), 0.0, W_GENDER / (W_GENDER + W_POSTURE)),
        # motion of a person
        (look(motion="moving"), 0.0, 1.0),
        (look(gender="female", motion="moving"), 0.0, max(W_GENDER, W_STATE) / (W_GENDER + W_STATE)),
        # tags; a carried one the detector saw in the segment counts partly even without the tag
        (look(tags=("hat",)), 0.0, 1.0),
        (look(tags=("cap",)), 0.0, 0.5),
        (look(tags=("backpack",)), 0.5, 1.0),
        (look(tags=("bag",)), 0.5, 1.0),
        (look(tags=("umbrella",)), 0.0, 0.0),
        (look(tags=("hivis",)), 0.0, 0.0),
        (look(gender="female", tags=("backpack",), posture="sitting"), 0.5 * W_TAG / _GTP, 1.0),
        (look(age="senior", upper="black"), 0.3 * W_COLOUR / (W_AGE + W_COLOUR), 1.0),
    ],
)  # fmt: skip
def test_person_parts_on_old_and_new_rows(criterion: PersonLook, old: float, new: float) -> None:
    assert criterion.score(STREET) == pytest.approx(old)
    assert criterion.score(NEW) == pytest.approx(new)
    assert criterion.score(EMPTY) == 0.0


def test_one_person_must_show_all_parts() -> None:
    # The woman sits, the man walks: "a sitting man" is half a match, not a whole one.
    assert look(gender="male", posture="sitting").score(NEW) < 1.0
    assert look(gender="female", posture="sitting", upper="red", tags=("backpack",)).score(NEW) == 1.0


def test_still_scene_stands_in_for_unknown_person_and_vehicle_motion() -> None:
    still = SegmentAttributes.from_meta(
        {"people": [{"upper": "red"}], "vehicles": [{"label": "car", "color": "red"}]},
        objects=["person", "car"],
        people_count=1,
        motion=False,
    )
    assert look(motion="still").score(still) == 0.5
    assert look(posture="sitting").score(still) == 0.3
    assert look(posture="lying").score(still) == 0.0
    assert VehicleLook.of("parked car", classes=frozenset({"car"}), motion="still").score(still) == 0.5
    assert look(motion="still").score(STREET) == 0.0


@pytest.mark.parametrize(
    ("criterion", "old", "new"),
    [
        # van: the classifier's label; an unrefined car or truck (every old row) partly
        (VehicleKind("van", 1.0, kinds=frozenset({"van"})), 0.5, 1.0),
        (VehicleKind("pickup", 1.0, kinds=frozenset({"pickup"})), 0.5, 0.5),
        (VehicleLook.of("white van", colour="white", classes=frozenset({"van"})), 0.5, 1.0),
        (VehicleLook.of("red van", colour="red", classes=frozenset({"van"})), 0.0, 0.5),
        (VehicleLook.of("parked white van", colour="white", classes=_VAN, motion="still"), 0.5 * W_COLOUR / _CS, 1.0),
        (VehicleLook.of("parked car", classes=frozenset({"car"}), motion="still"), 0.0, 1.0),  # the van is a COCO car
        (VehicleLook.of("moving van", classes=frozenset({"van"}), motion="moving"), 0.0, 0.5),
        (VehicleLook.of("white vehicle", colour="white"), 1.0, 1.0),
    ],
)  # fmt: skip
def test_vehicle_types_and_states(criterion: Criterion, old: float, new: float) -> None:
    assert criterion.score(STREET) == pytest.approx(old)
    assert criterion.score(NEW) == pytest.approx(new)
    assert criterion.score(EMPTY) == 0.0


def test_a_van_on_a_row_without_followed_vehicles_counts_partly() -> None:
    counted_only = SegmentAttributes.from_meta({"object_counts": {"truck": 1}}, objects=["truck"])
    assert VehicleKind("van", 1.0, kinds=frozenset({"van"})).score(counted_only) == 0.5
    reason = VehicleKind("van", 1.0, kinds=frozenset({"van"})).reason(counted_only, 0.5)
    assert reason == "van (partly: truck)"


@pytest.mark.parametrize(
    ("criterion", "new"),
    [
        (Where("outdoors", 0.3, setting="outdoor"), 1.0),
        (Where("indoors", 0.3, setting="indoor"), 0.0),
        (Where("street", 0.6, places=frozenset({"street"}), surfaces=frozenset({"road"})), 1.0),
        (Where("car park", 0.6, places=frozenset({"parking"})), 0.3),  # near a street
        (Where("grass", 0.4, surfaces=frozenset({"grass"})), 1.0),
        (Where("water", 0.4, surfaces=frozenset({"water"})), 0.0),
        (Where("corridor", 0.6, places=frozenset({"corridor"})), 0.0),
    ],
)
def test_scene(criterion: Where, new: float) -> None:
    assert criterion.score(NEW) == pytest.approx(new)
    assert criterion.score(STREET) == 0.0  # old rows: unknown


def test_setting_implied_by_a_place_or_a_surface() -> None:
    corridor = SegmentAttributes.from_meta({"scene": {"place": "corridor"}})
    lawn = SegmentAttributes.from_meta({"scene": {"surfaces": ["grass"]}})
    indoors, outdoors = Where("indoors", 0.3, setting="indoor"), Where("outdoors", 0.3, setting="outdoor")
    assert (indoors.score(corridor), outdoors.score(corridor)) == (0.8, 0.0)
    assert (indoors.score(lawn), outdoors.score(lawn)) == (0.0, 0.6)
    assert outdoors.reason(lawn, 0.6) == "outdoors: grass (partly)"
    assert outdoors.reason(NEW, 1.0) == "outdoors"
    grass = Where("grass", 0.4, surfaces=frozenset({"grass"}), setting="outdoor")
    assert grass.reason(NEW, 1.0) == "outdoors: grass"


def test_an_undecided_place_in_the_setting_it_needs_counts_a_little() -> None:
    indoor = SegmentAttributes.from_meta({"scene": {"setting": "indoor"}})
    gym = Where("sports hall", 0.6, places=frozenset({"sports hall"}))
    assert gym.score(indoor) == 0.3
    assert gym.reason(indoor, 0.3) == "indoors (partly)"
    assert gym.score(NEW) == 0.0  # outdoors
    street = Where("street", 0.6, places=frozenset({"street"}), surfaces=frozenset({"road"}))
    assert street.score(indoor) == 0.0
    assert street.reason(NEW, 1.0) == "outdoors: street"
    parking = SegmentAttributes.from_meta({"scene": {"setting": "outdoor", "place": "parking"}})
    assert Where("car park", 0.6, places=frozenset({"parking"})).reason(parking, 1.0) == "outdoors: car park"


def test_anomalies_as_attributes() -> None:
    loitering = Event("anomaly: loitering", 1.0, types=frozenset({"loitering"}))
    assert loitering.score(NEW) == 1.0
    assert loitering.score(STREET) == 0.0
    assert loitering.reason(NEW, 1.0) == "anomaly: loitering 0:12-0:31"
    assert Event("fall", 1.0, types=frozenset({"fall_detection"})).score(NEW) == 0.0
    assert AnomalySpan("fall_detection", 3725.0, None).describe() == "fall 1:02:05-1:02:05"
    assert AnomalySpan("object_abandonment").describe() == "object left behind"
    assert clock(72.4) == "1:12"


def test_why_says_what_matched() -> None:
    woman = PersonLook.of("woman", gender="female", upper="red", tags=("backpack",), posture="sitting")
    assert woman.reason(NEW, 1.0) == "woman (face: female), red top, backpack, sitting"
    partly = PersonLook.of("woman", gender="female", upper="white")
    assert partly.reason(NEW, partly.score(NEW)) == "woman (face: female)"
    on_old = PersonLook.of("man", gender="male", upper="grey", tags=("backpack",))
    assert on_old.reason(STREET, on_old.score(STREET)) == "grey top, backpack in view (partly)"
    van = VehicleLook.of("parked white van", colour="white", classes=frozenset({"van"}), motion="still")
    assert van.reason(NEW, 1.0) == "parked white van"
    score, reasons = attribute_score((woman, van, Where("outdoors", 0.3, setting="outdoor")), NEW)
    assert score == 1.0
    assert reasons == ("woman (face: female), red top, backpack, sitting", "parked white van", "outdoors")


def test_attribute_score_is_the_weighted_share_with_reasons() -> None:
    criteria = (
        HasObject("car", 1.0, classes=frozenset({"car"})),
        VehicleLook.of("red car", colour="red", classes=frozenset({"car"})),
        Faces("faces", 0.6, present=True),
    )
    score, reasons = attribute_score(criteria, STREET)
    assert score == pytest.approx((1.0 + 0.6) / 2.4)
    assert reasons == ("car detected", "1 face detected")
    assert attribute_score((), STREET) == (0.0, ())


def test_weights_are_never_negative_and_unknown_scores_zero() -> None:
    unknown = SegmentAttributes.from_meta(
        {"people": [{}], "vehicles": [{"label": "car"}]}, objects=["person", "car"]
    )
    for criterion in (
        look(gender="female", age="child", posture="lying", motion="moving", tags=("hat",)),
        VehicleLook.of("parked red car", colour="red", motion="still"),
        Where("indoors", 0.3, setting="indoor", places=frozenset({"shop"}), surfaces=frozenset({"grass"})),
        Event("crowd", 1.0, types=frozenset({"crowd_formation"})),
    ):
        assert criterion.weight > 0
        assert criterion.score(unknown) == 0.0
