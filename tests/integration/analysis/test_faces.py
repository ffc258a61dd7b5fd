"""The small-face detector (YuNet on person crops) on real frames: faces the Haar passes miss, no false ones."""

from __future__ import annotations

import pytest

from chronotrace_desktop.analysis.faces import FaceConfig, FaceDetector, head_region
from chronotrace_desktop.analysis.objects import PERSON, ObjectDetector
from chronotrace_desktop.domain.media import Box
from tests.integration.analysis.conftest import Frame, sampled


def _frame(name: str, t: float) -> Frame:
    return next(sampled(name, fps=1.0, start=t))


def _inside(face: Box, region: Box) -> bool:
    cx, cy = face.x + face.w / 2, face.y + face.h / 2
    return region.x <= cx <= region.x + region.w and region.y <= cy <= region.y + region.h


@pytest.fixture(scope="module")
def detector() -> ObjectDetector:
    return ObjectDetector.load()


def test_tilted_faces_the_haar_passes_miss_are_found_in_person_crops(detector: ObjectDetector) -> None:
    frame = _frame("head-pose-face-detection-female-and-male.gif", 2.0)
    people = [b for b in detector.detect(frame.image) if b.label == PERSON]
    assert len(people) == 2
    haar_only = FaceDetector(FaceConfig(small_faces=False)).detect(frame.image, people)
    faces = FaceDetector().detect(frame.image, people)
    assert not haar_only  # both heads are tilted
    assert len(faces) == 2
    assert all(f.label == "face" and f.score >= 0.6 for f in faces)
    assert all(any(_inside(f, head_region(p)) for p in people) for f in faces)


def test_backs_of_heads_are_not_faces(detector: ObjectDetector) -> None:
    frame = _frame("one-by-one-person-detection.mp4", 30.0)
    people = [b for b in detector.detect(frame.image) if b.label == PERSON]
    assert people
    detector_faces = FaceDetector()
    assert detector_faces.small_faces(frame.image, people) == []
    assert detector_faces.detect(frame.image, people) == []


def test_people_too_small_to_help_are_skipped_and_crops_are_bounded(detector: ObjectDetector) -> None:
    frame = _frame("2018-03-11.16-20-00.16-25-00.school.G330.annotated.mp4", 5.0)
    height = frame.image.shape[0]
    people = [b for b in detector.detect(frame.image) if b.label == PERSON]
    faces = FaceDetector()
    assert faces.small_faces(frame.image, [p for p in people if p.h * height < 48]) == []
    assert faces.yunet is None  # no crop was worth running the detector on
    crowd = [Box(0.05 * i, 0.2, 0.04, 0.3, PERSON) for i in range(12)]
    calls: list[int] = []
    real = FaceDetector()

    class Counting:
        def detect(self, bgr: object) -> list[tuple[int, int, int, int, float]]:
            calls.append(1)
            return []

    real.yunet = Counting()  # type: ignore[assignment]
    real.small_faces(frame.image, crowd)
    assert len(calls) == FaceConfig().small_face_people
