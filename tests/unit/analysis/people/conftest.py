"""Real frames of the shared clips, decoded as the ingest samples them, and the installed people models.

The models come from the models folder (``$CHRONOTRACE_MODELS_DIR`` or the one ``make`` fills); a missing
file fails the tests, it does not skip them.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np
import pytest

from chronotrace_desktop.analysis.people import PeopleAttributes
from chronotrace_desktop.analysis.people.evaluate import read_frames
from chronotrace_desktop.config import models_dir
from chronotrace_desktop.domain.media import Box
from tests.conftest import VIDEOS_DIR

LABELS = Path(__file__).resolve().parents[4] / "eval" / "dev_person_attributes.json"

WORKER = "worker-zone-detection.gif"
STORE = "store-aisle-detection.gif"
PAUSE = "face-demographics-walking-and-pause.gif"
ONE_BY_ONE = "one-by-one-person-detection.mp4"
CLASSROOM = "classroom.gif"
AERIAL = "aerial_crossing_pedestrians_bikes_cropped.mp4"


@cache
def frame(video: str, t: float) -> np.ndarray:
    image = read_frames(VIDEOS_DIR / video, {t})[t]
    image.setflags(write=False)
    return image


def box(image: np.ndarray, x: float, y: float, w: float, h: float, label: str = "person") -> Box:
    """A normalised box from pixels of ``image``."""
    height, width = image.shape[:2]
    return Box(x / width, y / height, w / width, h / height, label)


@pytest.fixture(scope="session")
def people() -> PeopleAttributes:
    return PeopleAttributes.for_thread(models_dir())
