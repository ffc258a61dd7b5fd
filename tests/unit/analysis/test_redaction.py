"""The redaction plan keeps a moving head (and, as a layer of its own, an upper body) covered between samples
a second apart."""

from __future__ import annotations

import pytest

from chronotrace_desktop.analysis.faces import head_region, redaction_boxes, upper_body_region
from chronotrace_desktop.analysis.redaction import plan_from_detections, plan_redaction
from chronotrace_desktop.domain.analysis import FrameDetections
from chronotrace_desktop.domain.media import Box, RedactionPlan, TimedBoxes


def covered(plan: RedactionPlan, t: float, target: Box) -> bool:
    """Whether ``target`` lies inside one region that blurs frame ``t`` (RedactionPlan's documented rule)."""
    keys = list(plan.keyframes)
    before = [k for k in keys if k.t <= t]
    after = [k for k in keys if k.t > t]
    active = (before[-1:] or keys[:1]) + (after[:1] or keys[-1:])
    for key in active:
        for box in key.boxes:
            b = box.expanded(plan.margin)
            inside_x = b.x <= target.x and target.x + target.w <= b.x + b.w + 1e-9
            if inside_x and b.y <= target.y and target.y + target.h <= b.y + b.h + 1e-9:
                return True
    return False


def head_at(t: float) -> Box:
    return Box(0.05 + 0.15 * t, 0.3, 0.04, 0.05, "head")  # crosses 3.75 head widths a second


def test_fast_head_is_covered_at_every_frame_between_samples() -> None:
    samples = [(float(t), (head_at(t),)) for t in range(5)]
    plan = plan_redaction(samples, start=0.0, end=5.0)
    frames = [i / 25 for i in range(125)]  # 25 fps
    assert all(covered(plan, t, head_at(t)) for t in frames)


def test_without_sweeping_the_union_of_samples_would_leak() -> None:
    naive = RedactionPlan(
        tuple(plan_redaction([(float(t), (head_at(t),))], 0, 5).keyframes[0] for t in range(5))
    )
    assert not covered(naive, 0.5, head_at(0.5))


def test_a_missed_sample_is_interpolated() -> None:
    samples = [(0.0, (head_at(0),)), (1.0, ()), (2.0, (head_at(2),))]
    plan = plan_redaction(samples, 0.0, 3.0)
    assert plan.keyframes[1].boxes  # filled in
    assert all(covered(plan, t / 10, head_at(t / 10)) for t in range(30))


def test_redaction_boxes_cover_faces_and_every_persons_head() -> None:
    person = Box(0.4, 0.2, 0.1, 0.5, "person")
    face = Box(0.8, 0.1, 0.05, 0.06, "face")
    boxes = redaction_boxes([face], [person])
    assert [b.label for b in boxes] == ["face", "head"]
    assert boxes[0].w > face.w  # widened
    head = head_region(person)
    assert head.y <= person.y
    assert head.y + head.h >= person.y + 0.2 * person.h
    assert head.x < person.x
    assert head.x + head.w > person.x + person.w
    assert plan_redaction([], 0, 15).empty


# ---------------------------------------------------------------- the upper-body layer


def person_at(t: float) -> Box:
    return Box(0.05 + 0.15 * t, 0.3, 0.08, 0.4, "person")  # walks ~2 body widths a second


def test_upper_body_boxes_are_a_layer_of_their_own() -> None:
    person = Box(0.4, 0.2, 0.1, 0.5, "person")
    boxes = redaction_boxes([], [person], upper_body=True)
    assert [b.label for b in boxes] == ["head", "body"]
    head, body = boxes
    assert body.y == head.y
    assert (body.x, body.w) == (head.x, head.w)
    assert body.y + body.h == pytest.approx(person.y + 0.6 * person.h)
    assert upper_body_region(person) == body
    assert [b.label for b in redaction_boxes([], [person])] == ["head"]  # what ingest stores


def test_each_layer_is_tracked_and_swept_apart_and_keeps_its_labels() -> None:
    samples = [(float(t), redaction_boxes([], [person_at(t)], upper_body=True)) for t in range(5)]
    plan = plan_redaction(samples, start=0.0, end=5.0)
    for keyframe in plan.keyframes:
        labels = sorted(b.label for b in keyframe.boxes)
        assert labels.count("head") >= 1
        assert labels.count("body") >= 1
        heads = [b for b in keyframe.boxes if b.label == "head"]
        assert all(b.h < 0.25 for b in heads), "a head region never merges with a body"
    bodies = RedactionPlan(
        tuple(TimedBoxes(k.t, tuple(b for b in k.boxes if b.label == "body")) for k in plan.keyframes),
        plan.margin,
    )
    heads_only = RedactionPlan(
        tuple(TimedBoxes(k.t, tuple(b for b in k.boxes if b.label != "body")) for k in plan.keyframes),
        plan.margin,
    )
    frames = [i / 25 for i in range(125)]
    assert all(covered(bodies, t, upper_body_region(person_at(t))) for t in frames)
    assert all(covered(heads_only, t, head_region(person_at(t))) for t in frames)
    assert plan_redaction([(t, (head_region(person_at(t)),)) for t, _ in samples], 0, 5) == heads_only


def test_plan_from_detections_is_the_ingest_plan_and_adds_bodies_on_request() -> None:
    detections = [
        FrameDetections(
            float(t), (person_at(t), Box(0.7, 0.7, 0.1, 0.1, "car")), (Box(0.1, 0.1, 0.03, 0.04),)
        )
        for t in range(4)
    ]
    ingest = plan_redaction(
        [(d.t, redaction_boxes(d.faces, d.labelled("person"))) for d in detections], 0.0, 4.0
    )
    assert plan_from_detections(detections, 0.0, 4.0, upper_body=False) == ingest
    layered = plan_from_detections(detections, 0.0, 4.0, upper_body=True)
    assert [k.t for k in layered.keyframes] == [k.t for k in ingest.keyframes]
    assert all(any(b.label == "body" for b in k.boxes) for k in layered.keyframes)
    assert all(b.label != "body" for k in ingest.keyframes for b in k.boxes)
