"""Objects left where a person stayed, on generated images: found, followed, and not confused with the scene.

The scene is a textured floor with a bench (a long dark stripe) and a floor marking (a thin line); a person
(a tall rectangle, detected once a second) stays for a while, then walks out of view.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np
import numpy.typing as npt
import pytest

from chronotrace_desktop.analysis.anomalies import abandonment
from chronotrace_desktop.analysis.anomalies.left_behind import (
    LeftBehindSettings,
    LeftObject,
    Stay,
    departed,
    find_left_objects,
    find_stays,
)
from chronotrace_desktop.domain.analysis import FrameDetections
from chronotrace_desktop.domain.anomalies import AnomalyType, CameraConfig
from chronotrace_desktop.domain.media import Box
from tests.unit.anomalies.synthetic import evidence

WIDTH, HEIGHT = 640, 360
PERSON = Box(0.45, 0.30, 0.06, 0.40, "person", 0.8)
BAG = (0.47, 0.66, 0.035, 0.07)  # at the person's feet: x, y, w, h
Image = npt.NDArray[np.uint8]


def _floor(seed: int = 7) -> Image:
    rng = np.random.default_rng(seed)
    floor = np.full((HEIGHT, WIDTH, 3), (150, 170, 190), dtype=np.int16)
    floor += rng.integers(-12, 13, size=(HEIGHT, WIDTH, 1), dtype=np.int16)  # wood grain noise
    floor[250:262, :] = (40, 40, 140)  # a bench along the whole view
    floor[:, 330:332] = (30, 30, 30)  # a floor marking running under the bag
    return np.clip(floor, 0, 255).astype(np.uint8)


def _paint(image: Image, box: tuple[float, float, float, float], colour: tuple[int, int, int]) -> None:
    x, y, w, h = box
    image[int(y * HEIGHT) : int((y + h) * HEIGHT), int(x * WIDTH) : int((x + w) * WIDTH)] = colour


def _scene(
    person: Callable[[float], bool], bag: Callable[[float], bool], decoded: list[float] | None = None
) -> Callable[[float], Iterator[tuple[float, Image]]]:
    floor = _floor()

    def images_from(start: float) -> Iterator[tuple[float, Image]]:
        for t in range(max(0, int(np.ceil(start))), 120):
            if decoded is not None:
                decoded.append(float(t))
            image = floor.copy()
            if bag(t):
                _paint(image, BAG, (20, 20, 25))
            if person(t):
                _paint(image, (PERSON.x, PERSON.y, PERSON.w, PERSON.h + 0.02), (90, 40, 30))
            yield float(t), image

    return images_from


def _detections(person: Callable[[float], bool], until: int = 120) -> list[FrameDetections]:
    return [FrameDetections(float(t), (PERSON,) if person(t) else ()) for t in range(until)]


def test_a_bag_left_by_a_person_who_sat_there_from_the_start_is_found_and_followed() -> None:
    present = lambda t: t <= 20  # noqa: E731
    images = _scene(present, lambda t: True)
    found = find_left_objects(_detections(present), images)
    assert len(found) == 1
    item = found[0]
    assert item.box.x == pytest.approx(BAG[0], abs=0.01)
    assert item.box.y == pytest.approx(BAG[1], abs=0.02)
    assert item.box.w == pytest.approx(BAG[2], abs=0.01)
    assert item.stay.start == 0.0
    assert item.stay.end == 20.0
    assert item.seen[0] == 21.0
    assert item.seen[-1] == 119.0
    assert item.new_since_arrival is None  # the video never shows the spot without the person


def test_a_bag_brought_in_is_new_and_one_taken_away_stops_being_seen() -> None:
    present = lambda t: 30 <= t <= 45  # noqa: E731
    images = _scene(present, lambda t: 30 <= t < 80)
    found = find_left_objects(_detections(present), images)
    assert [f.new_since_arrival for f in found] == [True]
    assert found[0].seen[0] == 46.0
    assert found[0].seen[-1] == 79.0


def test_nothing_is_found_where_the_person_left_nothing_and_decoding_stops_there() -> None:
    present = lambda t: 30 <= t <= 45  # noqa: E731
    decoded: list[float] = []
    assert find_left_objects(_detections(present), _scene(present, lambda t: False, decoded)) == []
    assert decoded == [float(t) for t in range(22, 50)]  # from before the arrival to the 4th image after


def test_nobody_leaving_means_no_decoding() -> None:
    decoded: list[float] = []
    present = lambda t: True  # noqa: E731
    assert find_left_objects(_detections(present), _scene(present, lambda t: True, decoded)) == []
    assert decoded == []


def test_an_object_that_was_there_before_the_person_came_is_furniture() -> None:
    present = lambda t: 30 <= t <= 45  # noqa: E731
    assert find_left_objects(_detections(present), _scene(present, lambda t: True)) == []


def test_a_person_still_there_or_coming_back_is_no_departure() -> None:
    settings = LeftBehindSettings()
    stays = find_stays(_detections(lambda t: 10 <= t <= 30 or 34 <= t <= 50), settings)
    assert [(s.start, s.end) for s in stays] == [(10.0, 50.0)]  # a 3 s gap is the same stay
    assert departed(stays, _detections(lambda t: 10 <= t <= 119), settings) == []
    later = _detections(lambda t: 10 <= t <= 30 or 60 <= t <= 70)  # leaves, someone sits there 30 s later
    assert [(s.start, s.end) for s in departed(find_stays(later, settings), later, settings)] == [
        (10.0, 30.0),
        (60.0, 70.0),
    ]
    walker = [FrameDetections(float(t), (Box(0.08 * t, 0.3, 0.06, 0.4, "person"),)) for t in range(15)]
    assert find_stays(walker, settings) == []


def test_stored_objects_round_trip() -> None:
    present = lambda t: t <= 20  # noqa: E731
    item = find_left_objects(_detections(present), _scene(present, lambda t: True))[0]
    assert LeftObject.from_dict(item.to_dict()) == LeftObject.from_dict(item.to_dict())
    again = LeftObject.from_dict(item.to_dict())
    assert (again.seen, again.stay.end, again.new_since_arrival) == (item.seen, item.stay.end, None)
    assert again.box.x == pytest.approx(item.box.x, abs=1e-4)


# ------------------------------------------------------------------------------------------ the rule
def _left(seen: range, owner_end: float = 20.0) -> LeftObject:
    stay = Stay(PERSON, 0.0, owner_end, 12)
    return LeftObject(Box(*BAG, "object"), stay, tuple(float(t) for t in seen), 110.0, None)


def test_the_rule_reports_an_object_left_behind_once_unattended_long_enough() -> None:
    found = abandonment.detect(evidence([], left_objects=(_left(range(21, 90)),)), CameraConfig("CAM"))
    assert len(found) == 1
    hit = found[0]
    assert hit.type is AnomalyType.OBJECT_ABANDONMENT
    assert hit.metadata["found_by"] == "left_behind"
    assert hit.metadata["owner_seen"] == [0.0, 20.0]
    assert hit.metadata["unattended_seconds"] >= 60
    assert "0:00 to 0:20" in hit.description
    assert 0 < hit.confidence <= 1
    short = abandonment.detect(evidence([], left_objects=(_left(range(21, 40)),)), CameraConfig("CAM"))
    assert short == []


def test_a_passer_by_does_not_attend_the_object_but_someone_who_stops_does() -> None:
    from tests.unit.anomalies.synthetic import track

    near = lambda t: (BAG[0] + 0.05, 0.35, 0.06, 0.4)  # noqa: E731
    passer = track(5, "person", [40.0], near)
    stopper = track(6, "person", range(40, 46), near)
    item = (_left(range(21, 90)),)
    passing = abandonment.detect(evidence([passer], left_objects=item), CameraConfig("CAM"))
    assert [f.metadata["unattended_seconds"] for f in passing] == [
        67.0
    ]  # from 22 s (1.5 s after the owner was last seen) to 89 s
    stopping = abandonment.detect(evidence([stopper], left_objects=item), CameraConfig("CAM"))
    assert [f.metadata["unattended_seconds"] for f in stopping] == [42.0]  # from 47 s, after they left


def test_someone_already_beside_the_object_when_its_owner_left_does_not_attend_it() -> None:
    from tests.unit.anomalies.synthetic import track

    beside = lambda t: (BAG[0] - 0.25, 0.35, 0.06, 0.4)  # noqa: E731 - near the bag, not where its owner stood
    bystander = track(7, "person", [float(t) for t in range(0, 90) if t % 7], beside)  # seen on and off
    found = abandonment.detect(
        evidence([bystander], left_objects=(_left(range(21, 90)),)), CameraConfig("CAM")
    )
    assert [f.metadata["found_by"] for f in found] == ["left_behind"]
    assert found[0].metadata["unattended_seconds"] >= 60
