"""Each of the eight rules fires on a synthetic situation and stays quiet on a normal one."""

from __future__ import annotations

import dataclasses
from datetime import datetime

import pytest

from chronotrace_desktop.analysis.anomalies import (
    abandonment,
    after_hours,
    crowd,
    fall,
    loitering,
    movement,
    perimeter,
    vehicle_stopped,
)
from chronotrace_desktop.analysis.anomalies.evidence import MotionNormal, SegmentSpan
from chronotrace_desktop.analysis.anomalies.runner import motion_normal, run_rules
from chronotrace_desktop.domain.anomalies import (
    AnomalyType,
    CameraConfig,
    RuleSettings,
    Severity,
    Zone,
    ZoneKind,
)
from chronotrace_desktop.services.cameras import parse_hours
from tests.unit.anomalies.synthetic import ASPECT, evidence, standing, track, walking

CAMERA = CameraConfig("CAM-TEST")


def _with(**overrides: dict[str, object]) -> CameraConfig:
    return dataclasses.replace(CAMERA, rules=RuleSettings.from_overrides(overrides))


# ------------------------------------------------------------------------------------------ loitering
def test_loitering_fires_for_a_person_waiting_in_one_spot() -> None:
    waiter = track(1, "person", range(10, 32), standing(0.4))
    found = loitering.detect(evidence([waiter]), CAMERA)
    assert len(found) == 1
    hit = found[0]
    assert hit.type is AnomalyType.LOITERING
    assert (hit.start, hit.end) == (10.0, 31.0)
    assert hit.metadata["track_ids"] == [1]
    assert hit.metadata["duration_seconds"] == 21.0
    assert "21 s" in hit.title
    assert "21 s" in hit.description
    assert 0 < hit.confidence <= 1


def test_loitering_quiet_for_walkers_and_short_stops() -> None:
    walker = track(1, "person", range(0, 15), walking(0.0, 0.06))  # 0.27 body heights a second: strolling
    short = track(2, "person", range(40, 47), standing(0.6))
    assert loitering.detect(evidence([walker, short]), CAMERA) == []


def test_loitering_in_a_watch_zone_names_the_zone() -> None:
    zone = Zone("Counter", ((0.3, 0.0), (0.6, 0.0), (0.6, 1.0), (0.3, 1.0)), ZoneKind.WATCH)
    camera = dataclasses.replace(CAMERA, zones=(zone,))
    pacer = track(1, "person", range(0, 25), lambda t: (0.32 + 0.01 * (t % 10), 0.3, 0.1, 0.4))
    found = loitering.detect(evidence([pacer]), camera)
    assert [f.metadata["zone"] for f in found] == ["Counter"]
    assert "zone 'Counter'" in found[0].description
    assert found[0].severity is Severity.MEDIUM


def test_loitering_quiet_in_a_busy_scene() -> None:
    waiter = track(1, "person", range(0, 30), standing(0.4))
    busy = evidence([waiter], crowd=[(float(t), 12) for t in range(0, 30, 2)])
    assert loitering.detect(busy, CAMERA) == []


# ------------------------------------------------------------------------------------------ crowd
def test_crowd_fires_when_the_count_holds_at_the_threshold() -> None:
    counts = [(float(t), 3) for t in range(0, 20, 2)] + [(float(t), 14) for t in range(20, 50, 2)]
    found = crowd.detect(evidence([], crowd=counts), CAMERA)
    assert len(found) == 1
    assert found[0].start == pytest.approx(20.0, abs=2.5)
    assert found[0].metadata["person_count"] == 14
    assert found[0].metadata["count_source"] == "dense_count"


def test_crowd_fires_on_a_fast_rise() -> None:
    counts = [(float(t), 1) for t in range(0, 20, 2)] + [(float(t), 8) for t in range(20, 30, 2)]
    found = crowd.detect(evidence([], crowd=counts), CAMERA)
    assert len(found) == 1
    assert found[0].metadata["fast_rise"] is True


def test_a_rise_on_one_sample_only_is_not_a_crowd() -> None:
    counts = (
        [(float(t), 1) for t in range(0, 20, 2)] + [(20.0, 8)] + [(float(t), 1) for t in range(22, 60, 2)]
    )
    # Smoothing keeps a single high sample out, so feed the flicker as two neighbours that agree once.
    assert crowd.detect(evidence([], crowd=counts), CAMERA) == []


def test_crowd_quiet_for_a_few_people() -> None:
    counts = [(float(t), 4 + t % 3) for t in range(0, 60, 2)]
    assert crowd.detect(evidence([], crowd=counts), CAMERA) == []


# ------------------------------------------------------------------------------------------ abandonment
def _bag(times: range) -> object:
    return track(9, "backpack", times, lambda t: (0.50, 0.80, 0.04, 0.05), score=0.6)


def test_abandonment_fires_after_the_owner_walks_away() -> None:
    bag = _bag(range(10, 70))
    owner = track(
        1, "person", range(5, 25), lambda t: (0.47 if t < 15 else 0.47 - 0.05 * (t - 15), 0.45, 0.08, 0.4)
    )
    found = abandonment.detect(evidence([bag, owner]), CAMERA)  # type: ignore[list-item]
    assert len(found) == 1
    hit = found[0]
    assert hit.metadata["owner_track_id"] == 1
    assert hit.metadata["object_type"] == "backpack"
    assert hit.metadata["unattended_seconds"] >= 30
    assert hit.severity in (Severity.HIGH, Severity.CRITICAL)


def test_abandonment_quiet_while_the_owner_stays() -> None:
    bag = _bag(range(10, 70))
    owner = track(1, "person", range(5, 70), lambda t: (0.47, 0.45, 0.08, 0.4))
    assert abandonment.detect(evidence([bag, owner]), CAMERA) == []  # type: ignore[list-item]


def test_abandonment_timer_ignores_passers_by_but_not_someone_who_stops() -> None:
    bag = _bag(range(10, 100))
    owner = track(
        1, "person", range(5, 25), lambda t: (0.47 if t < 15 else 0.47 - 0.05 * (t - 15), 0.45, 0.08, 0.4)
    )
    near = lambda t: (0.53, 0.45, 0.08, 0.4)  # noqa: E731
    alone = abandonment.detect(evidence([bag, owner]), CAMERA)  # type: ignore[list-item]
    passing = abandonment.detect(evidence([bag, owner, track(5, "person", [60.0], near)]), CAMERA)  # type: ignore[list-item]
    stopping = abandonment.detect(evidence([bag, owner, track(6, "person", range(60, 66), near)]), CAMERA)  # type: ignore[list-item]
    assert [f.metadata["unattended_seconds"] for f in passing] == [
        f.metadata["unattended_seconds"] for f in alone
    ]
    assert [f.metadata["unattended_seconds"] for f in stopping] == [32.0]  # from 67 s, after they went on


# ------------------------------------------------------------------------------------------ unusual movement
def test_unusual_movement_fires_for_a_runner_among_walkers() -> None:
    walkers = [track(i, "person", range(0, 10), walking(0.1 * i, 0.01)) for i in range(1, 7)]
    runner = track(20, "person", range(0, 4), walking(0.0, 0.35, h=0.2))  # 3.1 body heights a second
    normal = motion_normal([*walkers, runner], lambda _t: ASPECT)
    found = movement.detect(evidence([*walkers, runner], normal=normal), CAMERA)
    assert [f.metadata["track_ids"] for f in found] == [[20]]
    assert found[0].metadata["kind"] == "speed"


def test_unusual_movement_quiet_for_normal_walkers() -> None:
    walkers = [track(i, "person", range(0, 10), walking(0.1 * i, 0.012)) for i in range(1, 7)]
    normal = motion_normal(walkers, lambda _t: ASPECT)
    assert movement.detect(evidence(walkers, normal=normal), CAMERA) == []


def test_vehicle_speed_is_judged_only_when_the_camera_asks() -> None:
    cars = [
        track(i, "car", range(0, 8), lambda t, i=i: (0.05 * i + 0.02 * t, 0.5, 0.1, 0.08))
        for i in range(1, 7)
    ]
    fast = track(30, "car", range(0, 4), lambda t: (0.05 + 0.2 * t, 0.7, 0.1, 0.08))
    normal = motion_normal([*cars, fast], lambda _t: ASPECT)
    assert movement.detect(evidence([*cars, fast], normal=normal), CAMERA) == []
    found = movement.detect(
        evidence([*cars, fast], normal=normal), _with(unusual_movement={"vehicle_speed_factor": 3})
    )
    assert [f.metadata["track_ids"] for f in found] == [[30]]


def test_unusual_movement_wrong_way_vehicle() -> None:
    camera = _with(unusual_movement={"direction_deg": 0})
    normal_car = track(1, "car", range(0, 8), lambda t: (0.1 + 0.08 * t, 0.5, 0.1, 0.08))
    wrong = track(2, "car", range(0, 8), lambda t: (0.8 - 0.08 * t, 0.6, 0.1, 0.08))
    found = movement.detect(evidence([normal_car, wrong], normal=MotionNormal(vehicle_speed=5.0)), camera)
    assert [(f.metadata["kind"], f.metadata["track_ids"]) for f in found] == [("direction", [2])]


# ------------------------------------------------------------------------------------------ after hours
def test_after_hours_fires_for_a_person_at_night() -> None:
    camera = dataclasses.replace(
        CAMERA, timezone="Europe/Paris", business_hours=parse_hours("mon-fri 08:00-18:00")
    )
    person = track(1, "person", range(5, 15), walking(0.1, 0.02))
    night = datetime(2024, 3, 6, 1, 30)  # Wednesday 02:30 in Paris
    found = after_hours.detect(evidence([person], recorded_at=night), camera)
    assert len(found) == 1
    assert found[0].severity is Severity.HIGH
    assert found[0].metadata["local_time"].startswith("2024-03-06T02:30")


def test_after_hours_quiet_in_business_hours_or_without_hours() -> None:
    camera = dataclasses.replace(
        CAMERA, timezone="Europe/Paris", business_hours=parse_hours("mon-fri 08:00-18:00")
    )
    person = track(1, "person", range(5, 15), walking(0.1, 0.02))
    day = datetime(2024, 3, 6, 9, 0)  # Wednesday 10:00 in Paris
    assert after_hours.detect(evidence([person], recorded_at=day), camera) == []
    assert after_hours.detect(evidence([person], recorded_at=datetime(2024, 3, 6, 1, 30)), CAMERA) == []
    assert after_hours.detect(evidence([person]), camera) == []  # no recorded_at: nothing guessed


def test_after_hours_motion_without_people() -> None:
    camera = dataclasses.replace(CAMERA, business_hours=parse_hours("mon-sun 08:00-18:00"))
    segments = (SegmentSpan(0, 0.0, 15.0, True, 0.2),)
    found = after_hours.detect(
        evidence([], recorded_at=datetime(2024, 3, 6, 23, 0), segments=segments), camera
    )
    assert [f.metadata["cause"] for f in found] == ["motion"]
    assert found[0].severity is Severity.MEDIUM


def test_overnight_hours() -> None:
    spans = parse_hours("mon-fri 22:00-06:00")
    assert after_hours.is_open(datetime(2024, 3, 5, 23, 0), spans)  # Tuesday 23:00
    assert after_hours.is_open(datetime(2024, 3, 6, 5, 0), spans)  # Wednesday 05:00, from Tuesday
    assert not after_hours.is_open(datetime(2024, 3, 6, 12, 0), spans)


# ------------------------------------------------------------------------------------------ fall
def _faller(t: float) -> tuple[float, float, float, float]:
    if t < 10:
        return (0.40, 0.30, 0.08, 0.40)  # upright: 0.4 tall, 0.08 * 16/9 = 0.14 wide
    return (0.36, 0.62, 0.25, 0.10)  # on the floor: wide and low


def test_fall_fires_when_an_upright_person_ends_up_lying() -> None:
    found = fall.detect(evidence([track(1, "person", range(0, 16), _faller)]), CAMERA)
    assert len(found) == 1
    assert found[0].metadata["down_seconds"] == 5.0
    assert found[0].metadata["method"] == "box_geometry"
    assert found[0].severity is Severity.HIGH


def test_no_fall_from_a_tracker_jump_or_a_box_hidden_in_a_crowd() -> None:
    # A far walker, then the tracker takes a near seated spectator for them: a "lying" box far away.
    jump = track(
        1, "person", range(0, 16), lambda t: (0.40, 0.30, 0.02, 0.09) if t < 10 else (0.1, 0.6, 0.13, 0.15)
    )
    assert fall.detect(evidence([jump]), CAMERA) == []
    # A real fall, but the "lying" box is half covered by someone standing in front of it.
    front = track(2, "person", range(0, 16), lambda t: (0.38, 0.55, 0.12, 0.4))
    assert fall.detect(evidence([track(1, "person", range(0, 16), _faller), front]), CAMERA) == []


def test_fall_quiet_for_walking_and_sitting() -> None:
    walker = track(1, "person", range(0, 20), walking(0.0, 0.02))
    sitter = track(2, "person", range(0, 20), lambda t: (0.6, 0.3, 0.08, 0.4 if t < 8 else 0.3))
    assert fall.detect(evidence([walker, sitter]), CAMERA) == []


# ------------------------------------------------------------------------------------------ vehicle stopped
def test_vehicle_stopped_fires_after_the_threshold() -> None:
    car = track(1, "car", range(0, 50), lambda t: (0.1 + 0.05 * min(t, 5), 0.5, 0.12, 0.1))
    found = vehicle_stopped.detect(evidence([car]), CAMERA)
    assert len(found) == 1
    assert found[0].metadata["duration_seconds"] >= 30


def test_vehicle_stopped_quiet_for_traffic_and_receding_cars() -> None:
    moving = track(1, "car", range(0, 50), lambda t: (0.01 * t, 0.5, 0.12, 0.1))
    receding = track(
        2, "car", range(0, 50), lambda t: (0.5, 0.6 - 0.004 * t, 0.2 * (1 - t / 60), 0.16 * (1 - t / 60))
    )
    assert vehicle_stopped.detect(evidence([moving, receding]), CAMERA) == []


def test_vehicle_stopped_zone_only() -> None:
    camera = dataclasses.replace(
        _with(vehicle_stopped={"zone_only": True}),
        zones=(
            Zone("Fire lane", ((0.0, 0.0), (0.3, 0.0), (0.3, 1.0), (0.0, 1.0)), ZoneKind.WATCH, ("vehicle",)),
        ),
    )
    outside = track(1, "car", range(0, 50), lambda t: (0.6, 0.5, 0.12, 0.1))
    inside = track(2, "car", range(0, 50), lambda t: (0.1, 0.5, 0.12, 0.1))
    assert [f.metadata["zone"] for f in vehicle_stopped.detect(evidence([outside, inside]), camera)] == [
        "Fire lane"
    ]


# ------------------------------------------------------------------------------------------ perimeter
RESTRICTED = Zone(
    "Platform edge", ((0.0, 0.7), (1.0, 0.7), (1.0, 1.0), (0.0, 1.0)), ZoneKind.RESTRICTED, ("person",)
)


def test_perimeter_breach_fires_when_a_person_steps_in() -> None:
    camera = dataclasses.replace(CAMERA, zones=(RESTRICTED,))
    intruder = track(
        1, "person", range(0, 10), lambda t: (0.5, 0.2 + 0.06 * t, 0.06, 0.3)
    )  # feet reach 0.7 at t>=4
    found = perimeter.detect(evidence([intruder]), camera)
    assert len(found) == 1
    assert found[0].start == 4.0
    assert found[0].metadata["zone"] == "Platform edge"
    assert found[0].severity is Severity.HIGH


def test_perimeter_quiet_outside_the_zone_and_for_other_labels() -> None:
    camera = dataclasses.replace(CAMERA, zones=(RESTRICTED,))
    passer = track(1, "person", range(0, 10), walking(0.0, 0.08, y=0.1, h=0.3))
    car = track(2, "car", range(0, 10), lambda t: (0.1 * t, 0.8, 0.1, 0.1))
    assert perimeter.detect(evidence([passer, car]), camera) == []


# ------------------------------------------------------------------------------------------ runner
def test_disabled_rules_stay_quiet_and_runner_sorts_by_time() -> None:
    waiter = track(1, "person", range(10, 32), standing(0.4))
    assert [f.type for f in run_rules(evidence([waiter]), CAMERA)] == [AnomalyType.LOITERING]
    assert run_rules(evidence([waiter]), _with(loitering={"enabled": False})) == []
