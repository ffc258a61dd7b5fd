"""Vehicle types from ImageNet groups and parked/moving from tracks."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from chronotrace_desktop.analysis.vehicles import TYPE_CLASSES, VehicleTyper, track_motion
from chronotrace_desktop.domain.analysis import Motion
from chronotrace_desktop.domain.media import Box
from chronotrace_desktop.embedding.model_files import IMAGENET_CLASSES

LABELS = tuple(IMAGENET_CLASSES.read_text(encoding="utf-8").splitlines())


class FixedClassifier:
    """Answers every crop with the same probabilities (the real network is exercised in integration tests)."""

    def __init__(self, spread: dict[str, float]) -> None:
        self.row = np.zeros(len(LABELS), dtype=np.float32)
        for label, p in spread.items():
            self.row[LABELS.index(label)] = p
        self.calls = 0

    @property
    def labels(self) -> tuple[str, ...]:
        return LABELS

    def probabilities(self, images: Sequence[np.ndarray]) -> np.ndarray:
        self.calls += 1
        return np.tile(self.row, (len(images), 1))


FRAME = np.zeros((360, 640, 3), dtype=np.uint8)
CAR = Box(0.1, 0.1, 0.3, 0.3, "car", 0.8)


def test_every_type_names_real_imagenet_classes() -> None:
    assert {c for members in TYPE_CLASSES.values() for c in members} <= set(LABELS)


def test_a_van_split_between_imagenet_vans_is_a_van() -> None:
    typer = VehicleTyper(FixedClassifier({"minivan": 0.25, "moving van": 0.2, "police van": 0.1, "cab": 0.1}))
    assert typer.types(FRAME, [CAR]) == ["van"]


def test_an_unsure_crop_keeps_the_detector_class_and_small_or_other_boxes_are_not_asked() -> None:
    unsure = FixedClassifier({"minivan": 0.3, "cab": 0.25})
    assert VehicleTyper(unsure).types(FRAME, [CAR]) == [None]
    never = FixedClassifier({"pickup": 1.0})
    tiny = Box(0.1, 0.1, 0.02, 0.02, "car", 0.8)
    person = Box(0.5, 0.1, 0.1, 0.5, "person", 0.9)
    assert VehicleTyper(never).types(FRAME, [tiny, person]) == [None, None]
    assert never.calls == 0


def test_track_motion_is_relative_to_the_vehicle_size() -> None:
    still = [(t, Box(0.5 + 0.001 * t, 0.5, 0.1, 0.05, "car", 0.9)) for t in range(6)]
    moving = [(t, Box(0.1 + 0.05 * t, 0.5, 0.1, 0.05, "car", 0.9)) for t in range(3)]
    brief = [(0.0, Box(0.5, 0.5, 0.1, 0.05)), (1.0, Box(0.5, 0.5, 0.1, 0.05))]
    assert track_motion(still) is Motion.STILL
    assert track_motion(moving) is Motion.MOVING
    assert track_motion(brief) is None
    assert track_motion(brief[:1]) is None
