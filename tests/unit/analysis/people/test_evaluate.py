"""The labelled crops and ``measure_person_attributes``: every value the code returns met the bar."""

from __future__ import annotations

import json

import pytest

from chronotrace_desktop.analysis.people import PERSON_TAGS, measure_person_attributes
from chronotrace_desktop.analysis.people.evaluate import passes
from chronotrace_desktop.analysis.people.tags import CANDIDATE_CLASSES, IMAGENET_RULES
from chronotrace_desktop.config import models_dir
from chronotrace_desktop.domain.analysis import AgeGroup, Gender, Posture
from tests.conftest import VIDEOS_DIR
from tests.unit.analysis.people.conftest import LABELS

VOCABULARY = set(CANDIDATE_CLASSES) | {"cap", "hood", "hivis"}


def test_the_labels_are_well_formed() -> None:
    data = json.loads(LABELS.read_text(encoding="utf-8"))
    crops = data["crops"]
    by_hand = [c for c in crops if not c.get("auto")]
    assert len(by_hand) >= 60
    assert len({c["video"] for c in by_hand}) >= 8
    for crop in crops:
        assert (VIDEOS_DIR / crop["video"]).is_file()
        assert len(crop["box"]) == 4
        assert min(crop["box"][2:]) > 0
        assert crop["gender"] in {None, *Gender}
        assert crop["age"] in {None, *AgeGroup}
        assert crop["posture"] in {None, *Posture}
        assert set(crop["tags"]) | set(crop.get("unsure_tags", ())) <= VOCABULARY
        assert crop["face_box"] is None or len(crop["face_box"]) == 4


@pytest.mark.slow
def test_every_returned_value_meets_the_bar() -> None:
    report = measure_person_attributes(LABELS, videos_dir=VIDEOS_DIR, models_dir=models_dir())
    assert report.crops >= 60
    said = {(s.attribute, s.value): s for s in report.scores if s.said}
    assert set(said) >= {
        ("gender", "female"),
        ("age", "adult"),
        ("posture", "standing"),
        ("posture", "sitting"),
    }
    assert {value for attribute, value in said if attribute == "tag"} == set(PERSON_TAGS)
    for score in said.values():
        assert score.precision is not None
        assert score.precision >= 0.8, score
        assert score.right >= 3, score
    assert ("gender", "male") not in said
    # The kept ImageNet floors are at or above the lowest floor the sweep finds for their region.
    sweeps = {(s.tag, s.region): s for s in report.sweeps}
    for rule in IMAGENET_RULES:
        found = sweeps[(rule.tag, rule.region)]
        assert found.floor is not None
        assert found.floor <= rule.min_score
        assert passes(found.said, found.right, found.negatives)
    assert 0 < report.ms_per_person < 200
    assert report.as_json()["crops"] == report.crops
