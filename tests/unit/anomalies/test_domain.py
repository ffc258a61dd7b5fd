"""Workflow table, threshold overrides, hours and polygons: the pure parts of the anomaly domain."""

from __future__ import annotations

from datetime import time

import pytest

from chronotrace_desktop.analysis.anomalies.geometry import point_in_polygon
from chronotrace_desktop.domain.anomalies import (
    AnomalyCandidate,
    AnomalyStatus,
    AnomalyType,
    CameraConfig,
    RuleSettings,
    Severity,
    Zone,
    transition_problem,
)
from chronotrace_desktop.domain.errors import InvalidInputError
from chronotrace_desktop.services.cameras import parse_hours, parse_polygon

S = AnomalyStatus


@pytest.mark.parametrize(
    ("current", "target", "note", "ok"),
    [
        (S.NEW, S.ACKNOWLEDGED, None, True),
        (S.NEW, S.FALSE_POSITIVE, "a shadow", True),
        (S.NEW, S.FALSE_POSITIVE, None, False),  # closing needs a note
        (S.NEW, S.RESOLVED, "done", False),  # acknowledge first
        (S.ACKNOWLEDGED, S.INVESTIGATING, None, True),
        (S.INVESTIGATING, S.RESOLVED, "  ", False),
        (S.INVESTIGATING, S.RESOLVED, "handed to patrol", True),
        (S.RESOLVED, S.INVESTIGATING, None, False),  # reopening needs a note
        (S.RESOLVED, S.INVESTIGATING, "new footage", True),
        (S.FALSE_POSITIVE, S.NEW, "x", False),
        (S.INVESTIGATING, S.ACKNOWLEDGED, None, False),
    ],
)
def test_transitions(current: AnomalyStatus, target: AnomalyStatus, note: str | None, ok: bool) -> None:
    assert (transition_problem(current, target, note) is None) is ok


def test_threshold_overrides_round_trip_and_validate() -> None:
    rules = RuleSettings.from_overrides({"loitering": {"min_seconds": "20", "enabled": "yes"}})
    assert rules.loitering.min_seconds == 20.0
    assert rules.overrides() == {"loitering": {"min_seconds": 20.0}}
    assert RuleSettings.from_overrides(rules.overrides()) == rules
    assert (
        RuleSettings.from_overrides({"crowd_formation": {"min_people": 15}}).crowd_formation.min_people == 15
    )
    for bad in (
        {"loitering": {"min_second": 3}},
        {"loitering": {"min_seconds": -1}},
        {"crowd_formation": {"min_people": 2.5}},
        {"teleport": {"x": 1}},
        {"loitering": {"enabled": "maybe"}},
    ):
        with pytest.raises(InvalidInputError):
            RuleSettings.from_overrides(bad)  # type: ignore[arg-type]


def test_hours_and_polygons_parse() -> None:
    spans = parse_hours("mon-fri 08:00-18:00; sat 9:30-13:00")
    assert spans[0].weekdays == frozenset(range(5))
    assert spans[0].start == time(8)
    assert spans[0].end == time(18)
    assert spans[1].weekdays == frozenset({5})
    assert spans[1].start == time(9, 30)
    assert parse_hours("none") == ()
    assert parse_hours("fri-mon 22:00-06:00")[0].weekdays == frozenset({4, 5, 6, 0})
    with pytest.raises(InvalidInputError):
        parse_hours("weekdays 8-18")
    assert parse_polygon("0.1,0.2 0.6,0.2;0.6,0.9") == ((0.1, 0.2), (0.6, 0.2), (0.6, 0.9))
    with pytest.raises(InvalidInputError):
        parse_polygon("0.1 0.2")
    with pytest.raises(InvalidInputError):
        Zone("Gate", ((0.1, 0.1), (1.5, 0.1), (0.5, 0.9)))
    with pytest.raises(InvalidInputError):
        Zone("Gate", ((0.1, 0.1), (0.5, 0.9)))


def test_point_in_polygon() -> None:
    square = ((0.2, 0.2), (0.8, 0.2), (0.8, 0.8), (0.2, 0.8))
    assert point_in_polygon(0.5, 0.5, square)
    assert not point_in_polygon(0.1, 0.5, square)
    assert not point_in_polygon(0.5, 0.9, square)


def test_camera_json_and_candidate_confidence_range() -> None:
    data = CameraConfig("CAM-1").as_json()
    assert data["configured"] is False
    assert data["thresholds"] == {}
    assert data["effective_thresholds"]["loitering"]["min_seconds"] == 10.0
    with pytest.raises(ValueError, match="outside"):
        AnomalyCandidate(AnomalyType.LOITERING, 0, 1, 1.2, Severity.LOW, "t", "d", "k")
    assert Severity.HIGH.raised() is Severity.CRITICAL
    assert Severity.CRITICAL.raised() is Severity.CRITICAL
