"""Find-similar's criteria: what a stored segment shows, as criteria another segment can match."""

from __future__ import annotations

from chronotrace_desktop.services.search.criteria import Event, Faces, HasObject, Where, attribute_value
from chronotrace_desktop.services.search.looks import PersonLook, VehicleKind, VehicleLook
from chronotrace_desktop.services.search.segment_attributes import AnomalySpan, SegmentAttributes
from chronotrace_desktop.services.search.similar import criteria_from
from chronotrace_desktop.services.search.weights import W_COLOUR

OLD = SegmentAttributes.from_meta(
    {
        "people": [{"upper": "grey", "lower": "black"}, {"upper": "grey", "lower": "black"}],
        "vehicles": [{"label": "car", "color": "white"}],
    },
    objects=["car", "person"],
    face_count=1,
)
NEW = SegmentAttributes.from_meta(
    {
        "people": [
            {"upper": "red", "lower": None, "gender": "female", "posture": "sitting", "motion": "still",
             "tags": ["backpack"]},
        ],
        "vehicles": [{"label": "van", "color": "white", "motion": "still", "coco_label": "car"}],
        "scene": {"setting": "outdoor", "place": "street", "surfaces": ["grass"]},
    },
    objects=["car", "person", "backpack"],
    anomalies=(AnomalySpan("loitering", 3.0, 20.0),),
)  # fmt: skip


def test_old_rows_give_the_same_criteria_as_before() -> None:
    criteria = criteria_from(OLD)
    assert [type(c) for c in criteria] == [HasObject, HasObject, PersonLook, VehicleLook, Faces]
    person = criteria[2]
    assert isinstance(person, PersonLook)
    assert (person.upper, person.lower, person.weight) == ("grey", "black", W_COLOUR)  # one appearance
    assert attribute_value(criteria, OLD) == 1.0


def test_new_rows_bring_who_type_scene_and_anomalies() -> None:
    criteria = criteria_from(NEW)
    (person,) = [c for c in criteria if isinstance(c, PersonLook)]
    assert (person.gender, person.posture, person.tags) == ("female", "sitting", ("backpack",))
    assert person.motion is None  # where someone walks is not what they look like
    assert VehicleKind("van", 1.0, kinds=frozenset({"van"})) in criteria
    assert {c.label for c in criteria if isinstance(c, Where)} == {"street", "outdoors", "grass"}
    assert Event("anomaly: loitering", 1.0, types=frozenset({"loitering"})) in criteria
    assert attribute_value(criteria, NEW) == 1.0
    assert 0.0 < attribute_value(criteria, OLD) < 0.5  # the old row shares a car and a person only
