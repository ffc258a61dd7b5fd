"""Posture from box shape: synthetic boxes for the edge rules, labelled boxes of the shared clips."""

from __future__ import annotations

import pytest

from chronotrace_desktop.analysis.people import posture, segment_posture
from chronotrace_desktop.domain.analysis import Posture
from chronotrace_desktop.domain.media import Box
from tests.unit.analysis.people.conftest import AERIAL, CLASSROOM, ONE_BY_ONE, box, frame

W, H = 640, 360


def px(x: float, y: float, w: float, h: float) -> Box:
    return Box(x / W, y / H, w / W, h / H, "person")


@pytest.mark.parametrize(
    ("person", "expected"),
    [
        (px(300, 100, 40, 120), Posture.STANDING),
        (px(300, 100, 60, 70), Posture.SITTING),
        (px(300, 100, 60, 100), None),  # between the two shapes
        (px(300, 200, 120, 50), None),  # wider than tall: seen from above, or lying; never said
        (px(300, 300, 50, 60), None),  # cut by the bottom: a low shape may be a standing person's top
        (px(300, 250, 40, 110), Posture.STANDING),  # cut by the bottom but still tall
        (px(0, 100, 30, 40), Posture.SITTING),  # cut at the side: a low shape is still low
        (px(0, 100, 30, 90), None),  # cut at the side: a tall shape may be a narrow slice
        (px(300, 100, 8, 20), None),  # too small
    ],
)
def test_shape_rules(person: Box, expected: Posture | None) -> None:
    assert posture(person, W, H) is expected


def test_labelled_people_of_the_shared_clips() -> None:
    seated = frame(CLASSROOM, 0.53)
    standing = frame(ONE_BY_ONE, 80.0)
    above = frame(AERIAL, 9.009)
    height, width = seated.shape[:2]
    assert posture(box(seated, 47, 139, 70, 86), width, height) is Posture.SITTING
    assert posture(box(seated, 286, 140, 68, 91), width, height) is Posture.SITTING
    height, width = standing.shape[:2]
    assert posture(box(standing, 301, 18, 122, 305), width, height) is Posture.STANDING
    height, width = above.shape[:2]
    assert posture(box(above, 185, 226, 105, 52), width, height) is None  # walking, seen from straight above


@pytest.mark.parametrize(
    ("frames", "expected"),
    [
        ([Posture.SITTING, Posture.SITTING, None, Posture.STANDING], Posture.SITTING),
        ([Posture.SITTING, Posture.STANDING], None),
        ([None, None], None),
        ([], None),
        ([Posture.STANDING], Posture.STANDING),
    ],
)
def test_segment_posture_needs_two_thirds(frames: list[Posture | None], expected: Posture | None) -> None:
    assert segment_posture(frames) is expected
