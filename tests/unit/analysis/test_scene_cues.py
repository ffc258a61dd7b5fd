"""Scene cues from evidence: only what the evidence supports, else unknown."""

from __future__ import annotations

import numpy as np

from chronotrace_desktop.analysis.scene_cues import SceneEvidence, judge, vegetation_share
from chronotrace_desktop.domain.analysis import SceneCues, Setting


def evidence(**changes: object) -> SceneEvidence:
    base: dict[str, object] = {
        "vehicles": 0,
        "moving_vehicles": 0,
        "furniture": False,
        "vegetation": 0.0,
        "indoor_score": None,
        "outdoor_score": None,
    }
    base.update(changes)
    return SceneEvidence(**base)  # type: ignore[arg-type]


def test_nothing_known_says_nothing() -> None:
    assert judge(evidence()) == SceneCues()


def test_moving_traffic_is_outdoors_on_a_road_and_no_place_is_guessed() -> None:
    cues = judge(evidence(vehicles=3, moving_vehicles=2))
    assert cues == SceneCues(Setting.OUTDOOR, None, ("road",))
    assert cues.scene_type == "outdoor"
    assert judge(evidence(vehicles=4)) == SceneCues(Setting.OUTDOOR, None, ())


def test_furniture_without_outdoor_signs_is_indoor_and_contradicting_signs_leave_it_open() -> None:
    assert judge(evidence(furniture=True)).setting is Setting.INDOOR
    assert judge(evidence(furniture=True, vehicles=1)).setting is None


def test_imagenet_decides_only_when_clear_and_never_against_detections() -> None:
    assert judge(evidence(indoor_score=0.5, outdoor_score=0.1)).setting is Setting.INDOOR
    assert judge(evidence(indoor_score=0.35, outdoor_score=0.3)).setting is None
    assert judge(evidence(indoor_score=0.9, outdoor_score=0.0, vehicles=2)).setting is Setting.OUTDOOR


def test_vegetation_in_the_lower_frame_is_an_outdoor_sign() -> None:
    lawn = np.zeros((90, 160, 3), dtype=np.uint8)
    lawn[:, :] = (40, 140, 60)  # BGR: saturated green
    assert vegetation_share(lawn) > 0.9
    grey = np.full((90, 160, 3), 128, dtype=np.uint8)
    assert vegetation_share(grey) == 0.0
    assert judge(evidence(vegetation=0.5)) == SceneCues(Setting.OUTDOOR, None, ())
