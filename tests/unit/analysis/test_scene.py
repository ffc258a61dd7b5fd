"""Motion, activity and lighting thresholds on synthetic frames."""

from __future__ import annotations

import numpy as np
import pytest

from chronotrace_desktop.analysis import scene
from chronotrace_desktop.domain.analysis import ActivityLevel, Lighting


def frame(level: int, colour: bool = True) -> np.ndarray:
    image = np.full((180, 320, 3), level, dtype=np.uint8)
    if colour:
        image[..., 0] = max(0, level - 40)  # some saturation (less blue)
    return image


def test_changed_fraction_sees_a_moving_block_and_ignores_noise() -> None:
    rng = np.random.default_rng(0)
    a = frame(120)
    noisy = np.clip(a.astype(np.int16) + rng.integers(-6, 7, a.shape), 0, 255).astype(np.uint8)
    assert scene.changed_fraction(scene.frame_stats(a).small, scene.frame_stats(noisy).small) == 0.0
    moved = a.copy()
    moved[40:100, 100:180] = 250
    fraction = scene.changed_fraction(scene.frame_stats(a).small, scene.frame_stats(moved).small)
    assert 0.05 < fraction < 0.15
    assert scene.changed_fraction(np.zeros((9, 16), np.uint8), np.zeros((10, 16), np.uint8)) == 1.0


@pytest.mark.parametrize(
    ("scores", "motion", "level"),
    [
        ([], None, None),
        ([0.0, 0.001, 0.002], False, ActivityLevel.LOW),
        ([0.0, 0.0, 0.02], True, ActivityLevel.LOW),  # a short movement in a still scene
        ([0.01, 0.02, 0.03], True, ActivityLevel.MEDIUM),
        ([0.05, 0.2, 0.1], True, ActivityLevel.HIGH),
    ],
)
def test_motion_and_activity(scores: list[float], motion: bool | None, level: ActivityLevel | None) -> None:
    assert scene.motion_detected(scores) is motion
    assert scene.activity_level(scores) is level


@pytest.mark.parametrize(
    ("level", "colour", "expected"),
    [
        (140, True, Lighting.DAY),
        (20, True, Lighting.NIGHT),
        (50, False, Lighting.NIGHT),  # an infrared picture: dim and without colour
        (45, True, Lighting.LOW_LIGHT),
        (65, True, None),  # between low light and well lit: not guessed
    ],
)
def test_lighting(level: int, colour: bool, expected: Lighting | None) -> None:
    stats = [scene.frame_stats(frame(level, colour)) for _ in range(3)]
    assert scene.lighting(stats) is expected
    brightness = scene.average_brightness(stats)
    assert brightness is not None
    assert 0.0 <= brightness <= 1.0


def test_no_frames_no_lighting() -> None:
    assert scene.lighting([]) is None
    assert scene.average_brightness([]) is None
