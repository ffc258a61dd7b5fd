"""Colour naming on synthetic patches, with and without a coloured or dim scene light."""

from __future__ import annotations

import numpy as np
import pytest

from chronotrace_desktop.analysis.colors import (
    COLOR_NAMES,
    clothing_colors,
    color_name,
    dominant_colors,
    scene_light,
    vehicle_color,
)
from chronotrace_desktop.domain.media import Box


def patch(bgr: tuple[int, int, int], size: int = 24) -> np.ndarray:
    return np.full((size, size, 3), bgr, dtype=np.uint8)


@pytest.mark.parametrize(
    ("bgr", "name"),
    [
        ((30, 30, 200), "red"),
        ((20, 120, 240), "orange"),
        ((30, 220, 230), "yellow"),
        ((40, 160, 40), "green"),
        ((200, 90, 30), "blue"),
        ((90, 40, 50), "blue"),  # dark navy stays blue, not black
        ((160, 40, 120), "purple"),
        ((200, 150, 250), "pink"),
        ((30, 70, 120), "brown"),
        ((120, 170, 200), "brown"),  # beige / khaki
        ((20, 20, 20), "black"),
        ((240, 240, 240), "white"),
        ((128, 128, 128), "grey"),
    ],
)
def test_plain_patches(bgr: tuple[int, int, int], name: str) -> None:
    assert color_name(patch(bgr)) == name


def test_every_name_is_reachable_and_empty_crop_is_none() -> None:
    assert len(COLOR_NAMES) == 11
    assert color_name(np.zeros((0, 5, 3), dtype=np.uint8)) is None


def scene_with(cast: tuple[float, float, float], level: float = 1.0) -> np.ndarray:
    """A frame of neutral walls (light grey), a white shirt, a grey shirt and a blue shirt, then lit by ``cast``."""
    frame = np.full((120, 160, 3), 190, dtype=np.float32)
    frame[20:60, 10:50] = (235, 235, 235)  # white
    frame[20:60, 60:100] = (120, 120, 120)  # grey
    frame[20:60, 110:150] = (170, 80, 30)  # blue
    lit = frame * np.array(cast, dtype=np.float32) * level
    result: np.ndarray = np.clip(lit, 0, 255).astype(np.uint8)
    return result


def test_warm_light_is_balanced_by_the_scene_not_the_crop() -> None:
    frame = scene_with((0.62, 0.85, 1.0))  # tungsten: blue weak, red strong (BGR order)
    white, grey, blue = frame[25:55, 15:45], frame[25:55, 65:95], frame[25:55, 115:145]
    assert color_name(white) != "white"  # uncorrected, the white shirt looks orange / beige
    light = scene_light(frame)
    assert color_name(white, light) == "white"
    assert color_name(grey, light) == "grey"
    assert color_name(blue, light) == "blue"


def test_cool_light_does_not_turn_grey_blue() -> None:
    frame = scene_with((1.0, 0.9, 0.75))  # daylight shade / LED: blue strong
    grey = frame[25:55, 65:95]
    assert color_name(grey) == "blue"
    assert color_name(grey, scene_light(frame)) == "grey"


def test_dim_indoor_white_is_white_and_saturated_red_is_not_washed_out() -> None:
    frame = scene_with((1.0, 1.0, 1.0), level=0.6)  # white shirt at ~140/255
    frame[70:110, 10:50] = (20, 20, 150)  # a dim red shirt
    light = scene_light(frame)
    assert light.exposure > 1.0
    assert color_name(frame[25:55, 15:45]) == "grey"
    assert color_name(frame[25:55, 15:45], light) == "white"
    assert color_name(frame[75:105, 15:45], light) == "red"


def test_clothing_colours_of_a_standing_person() -> None:
    frame = np.full((240, 320, 3), 150, dtype=np.uint8)
    frame[40:60, 140:160] = (150, 180, 220)  # head
    frame[60:130, 130:170] = (30, 30, 200)  # red top
    frame[130:200, 135:165] = (200, 90, 30)  # blue trousers
    person = Box(125 / 320, 38 / 240, 50 / 320, 164 / 240, "person")
    assert clothing_colors(frame, person, scene_light(frame)) == ("red", "blue")


def test_seated_or_tiny_people_give_no_lower_colour_or_none() -> None:
    frame = np.full((240, 320, 3), 150, dtype=np.uint8)
    frame[60:120, 100:200] = (40, 160, 40)
    seated = Box(100 / 320, 40 / 240, 100 / 320, 100 / 240, "person")  # wider than a standing body
    upper, lower = clothing_colors(frame, seated, None)
    assert upper == "green"
    assert lower is None
    tiny = Box(0.5, 0.5, 10 / 320, 30 / 240, "person")
    assert clothing_colors(frame, tiny, None) == (None, None)


def test_vehicle_paint_wins_over_windows_and_reflections() -> None:
    frame = np.full((200, 200, 3), 110, dtype=np.uint8)
    frame[40:160, 60:140] = (40, 40, 190)  # red paint
    frame[60:110, 60:140] = (235, 230, 225)  # a large bright windscreen over the middle
    car = Box(0.3, 0.2, 0.4, 0.6, "car")
    assert vehicle_color(frame, car, scene_light(frame)) == "red"
    small = Box(0.3, 0.2, 10 / 200, 10 / 200, "car")
    assert vehicle_color(frame, small, None) is None


def test_dominant_colours_are_hex_most_common_first_and_deterministic() -> None:
    image = np.zeros((90, 160, 3), dtype=np.uint8)
    image[:, :110] = (0, 0, 255)  # red, ~69 %
    image[:, 110:] = (255, 0, 0)  # blue
    colors = dominant_colors([image])
    assert colors[0] == "#FF0000"
    assert "#0000FF" in colors
    assert all(len(c) == 7 and c.startswith("#") for c in colors)
    assert dominant_colors([image]) == colors
    assert dominant_colors([]) == ()
