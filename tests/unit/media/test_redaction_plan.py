from __future__ import annotations

from chronotrace_desktop.analysis import faces
from chronotrace_desktop.config import RedactionMode
from chronotrace_desktop.domain.media import Box, RedactionPlan, TimedBoxes
from chronotrace_desktop.media.redaction import BODY, PlanTimeline, boxes_at

A = Box(0.1, 0.1, 0.1, 0.1, "face")
B = Box(0.5, 0.5, 0.1, 0.1, "face")
C = Box(0.8, 0.2, 0.1, 0.1, "person")
PLAN = RedactionPlan((TimedBoxes(10.0, (A,)), TimedBoxes(10.5, (B,)), TimedBoxes(11.0, ())))


def test_between_keyframes_the_union_of_both_applies() -> None:
    assert set(boxes_at(PLAN, 10.2)) == {A, B}
    assert set(boxes_at(PLAN, 10.7)) == {B}


def test_on_a_keyframe_it_and_the_next_apply() -> None:
    assert set(boxes_at(PLAN, 10.0)) == {A, B}
    assert set(boxes_at(PLAN, 10.5)) == {B}


def test_before_the_first_and_after_the_last_keyframe() -> None:
    assert boxes_at(PLAN, 0.0) == (A,)
    assert boxes_at(PLAN, 99.0) == ()


def test_unsorted_keyframes_are_sorted() -> None:
    plan = RedactionPlan((TimedBoxes(2.0, (C,)), TimedBoxes(1.0, (A,))))
    assert set(PlanTimeline(plan).boxes_at(1.5)) == {A, C}


def test_empty_plan_blurs_nothing() -> None:
    assert boxes_at(RedactionPlan(), 5.0) == ()
    assert RedactionPlan().empty


HEAD = Box(0.1, 0.1, 0.05, 0.05, "head")
BODY_BOX = Box(0.08, 0.1, 0.09, 0.2, BODY)
LAYERED = RedactionPlan((TimedBoxes(1.0, (HEAD, BODY_BOX)), TimedBoxes(2.0, (HEAD, BODY_BOX))))


def test_the_upper_body_layer_is_blurred_only_in_upper_body_mode() -> None:
    assert set(boxes_at(LAYERED, 1.5)) == {HEAD}
    assert set(boxes_at(LAYERED, 1.5, RedactionMode.HEADS)) == {HEAD}
    assert set(boxes_at(LAYERED, 1.5, RedactionMode.UPPER_BODY)) == {HEAD, BODY_BOX}
    assert PlanTimeline(LAYERED, RedactionMode.UPPER_BODY).times == [1.0, 2.0]
    assert PlanTimeline(LAYERED).times == [1.0, 2.0]  # keyframes kept, only their body boxes dropped


def test_the_layer_label_is_the_one_analysis_gives_upper_bodies() -> None:
    assert BODY == faces.BODY
