"""Gender and age group from real faces of the shared clips (the gear model, installed)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from chronotrace_desktop.analysis.models import ModelsMissingError
from chronotrace_desktop.analysis.people import FaceDemographics
from chronotrace_desktop.analysis.people.demographics import (
    INPUT_SIZE,
    MIN_FACE_PX,
    face_input,
)
from chronotrace_desktop.config import models_dir
from chronotrace_desktop.domain.analysis import AgeGroup, Gender
from chronotrace_desktop.domain.media import Box
from tests.unit.analysis.people.conftest import CLASSROOM, PAUSE, box, frame


@pytest.fixture(scope="module")
def gear() -> FaceDemographics:
    return FaceDemographics.for_thread(models_dir())


def test_input_is_rgb_in_the_unit_range() -> None:
    blue = np.zeros((120, 160, 3), dtype=np.uint8)
    blue[:, :, 0] = 255  # BGR blue, with black around the face box's square
    blue[:, :20] = 0
    face = face_input(blue, Box(0.3, 0.3, 0.4, 0.4, "face"))
    assert face.shape == (INPUT_SIZE, INPUT_SIZE, 3)
    assert face.dtype == np.float32
    assert face.min() >= 0.0
    assert face.max() <= 1.0
    centre = face[INPUT_SIZE // 2, INPUT_SIZE // 2]
    assert centre.tolist() == pytest.approx([0.0, 0.0, 1.0])  # RGB order: blue last


def test_a_woman_close_to_the_camera_is_female_and_adult(gear: FaceDemographics) -> None:
    image = frame(PAUSE, 2.67)
    (reading,) = gear.read(image, [box(image, 50, 82, 64, 64, "face")])
    assert reading.gender[0] is Gender.FEMALE
    assert reading.age[0] is AgeGroup.ADULT
    assert reading.px == pytest.approx(64, abs=1)


def test_male_is_never_returned(gear: FaceDemographics) -> None:
    """The model calls most women male, so "male" never passed the bar: a man gets no gender."""
    image = frame(PAUSE, 2.67)
    (reading,) = gear.read(image, [box(image, 194, 67, 59, 71, "face")])
    assert reading.female < 0.1
    assert reading.gender == (None, None)
    assert reading.age[0] is AgeGroup.ADULT


def test_faces_below_the_measured_size_say_nothing(gear: FaceDemographics) -> None:
    image = frame(CLASSROOM, 0.53)
    faces = [box(image, 127, 127, 13, 16, "face"), box(image, 68, 149, 18, 23, "face")]
    readings = gear.read(image, faces)
    assert [r.px < MIN_FACE_PX for r in readings] == [True, True]
    assert [(r.gender, r.age) for r in readings] == [((None, None), (None, None))] * 2


def test_no_faces_no_work(gear: FaceDemographics) -> None:
    assert gear.read(frame(PAUSE, 2.67), []) == []


def test_a_missing_model_names_the_file_and_the_fix(tmp_path: Path) -> None:
    with pytest.raises(ModelsMissingError, match=r"human/gear\.onnx"):
        FaceDemographics.for_thread(tmp_path)
