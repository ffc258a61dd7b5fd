from __future__ import annotations

from chronotrace_desktop.domain.media import Box, RedactionPlan, TimedBoxes
from chronotrace_desktop.media.redaction import PlanTimeline, boxes_at

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
