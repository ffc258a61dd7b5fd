"""``describe``: faces assigned to people, caps on the costly models, one look per person in order."""

from __future__ import annotations

import dataclasses

import pytest

from chronotrace_desktop.analysis.people import PeopleAttributes, PeopleConfig, PersonLook, assign_faces
from chronotrace_desktop.domain.analysis import AgeGroup, Gender, Posture
from chronotrace_desktop.domain.media import Box
from tests.unit.analysis.people.conftest import PAUSE, WORKER, box, frame


def test_a_face_goes_to_the_person_whose_head_it_is() -> None:
    left = Box(0.1, 0.2, 0.2, 0.6, "person")
    right = Box(0.5, 0.2, 0.2, 0.6, "person")
    left_face = Box(0.16, 0.22, 0.08, 0.1, "face")
    belly = Box(0.56, 0.5, 0.08, 0.1, "face")  # a face-like patch low on the body: no one's head
    assert assign_faces([left, right], [belly, left_face]) == [left_face, None]
    assert assign_faces([left, right], []) == [None, None]
    assert assign_faces([], [left_face]) == []


def test_each_person_gets_one_face_and_each_face_one_person() -> None:
    front = Box(0.3, 0.2, 0.3, 0.7, "person")
    behind = Box(0.35, 0.15, 0.25, 0.5, "person")  # overlapping boxes, two heads
    big = Box(0.4, 0.22, 0.1, 0.12, "face")
    small = Box(0.42, 0.16, 0.06, 0.07, "face")
    assigned = assign_faces([front, behind], [small, big])
    assert sorted(f.w for f in assigned if f is not None) == [small.w, big.w]


def test_pause_frame_reads_the_largest_face_by_default(people: PeopleAttributes) -> None:
    image = frame(PAUSE, 2.67)
    persons = [box(image, 16, 65, 127, 205), box(image, 139, 51, 193, 219), box(image, 286, 89, 146, 178)]
    faces = [
        box(image, 50, 82, 64, 64, "face"),
        box(image, 194, 67, 59, 71, "face"),
        box(image, 346, 96, 57, 74, "face"),
    ]
    looks = people.describe(image, persons, faces)
    assert [look.face for look in looks] == faces
    # max_faces=1: only the largest face (shorter side: the woman on the left, 64 px) is read.
    assert [(look.gender, look.age) for look in looks] == [
        (Gender.FEMALE, AgeGroup.ADULT),
        (None, None),
        (None, None),
    ]
    # All three faces read: the man and the other woman get an age but no gender (male is never said,
    # the model calls the woman on the right male).
    everyone = PeopleAttributes(people.faces_model, people.tagger, PeopleConfig(max_faces=3)).describe(
        image, persons, faces
    )
    assert [(look.gender, look.age) for look in everyone] == [
        (Gender.FEMALE, AgeGroup.ADULT),
        (None, AgeGroup.ADULT),
        (None, None),
    ]
    assert everyone[0].gender_score is not None
    assert everyone[0].gender_score >= 0.5
    assert [look.posture for look in everyone] == [None, None, None]  # cut by the frame bottom, low shapes


def test_worker_look(people: PeopleAttributes) -> None:
    image = frame(WORKER, 3.0)
    (look,) = people.describe(image, [box(image, 97, 60, 63, 162)])
    assert look == PersonLook(posture=Posture.STANDING, tags=("hat", "hivis"))
    with pytest.raises(dataclasses.FrozenInstanceError):
        look.tags = ()  # type: ignore[misc]


def test_no_people_no_work(people: PeopleAttributes) -> None:
    assert people.describe(frame(WORKER, 3.0), [], [Box(0.1, 0.1, 0.1, 0.1, "face")]) == []
