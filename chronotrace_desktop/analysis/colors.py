"""Colour names for clothing and vehicles, and a frame's dominant colours.

White balance: the *scene's* illuminant is estimated with the gray-world assumption over the whole frame
(``scene_light``: over its near-neutral pixels when there are enough) and the crop is corrected with those
gains. A dim frame's exposure is lifted for the white / grey / black decision only (lifting the pixels
themselves clips bright colours: a red car turned pink).
Balancing a crop against its own average would turn any single-coloured shirt grey, so the crop alone is
never the reference. Gains are clamped so a
scene dominated by one colour (a blue carpet) is not pushed far the other way.

Names (11): red, orange, yellow, green, blue, purple, pink, brown, black, white, grey. Each pixel of the crop
(downscaled to at most 32x32) is named from its HSV value; the crop's name is the most frequent one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import cv2
import numpy as np

if TYPE_CHECKING:
    from chronotrace_desktop.domain.media import Box

COLOR_NAMES = (
    "red",
    "orange",
    "yellow",
    "green",
    "blue",
    "purple",
    "pink",
    "brown",
    "black",
    "white",
    "grey",
)
_INDEX = {name: i for i, name in enumerate(COLOR_NAMES)}
_CHROMATIC = 8  # the first 8 names: red .. brown
VIVID = 0.35
VEHICLE_VIVID_SHARE = 0.25

GAIN_LIMITS = (0.75, 1.33)
NEUTRAL_CHROMA = 0.25
NEUTRAL_SHARE = 0.1
WHITE_LEVEL = 215.0
EXPOSURE_LIMIT = 1.5
MIN_PERSON_PX = 40  # person boxes shorter than this give no clothing colours (too few pixels to say)
MIN_VEHICLE_PX = 16
_CROP_PX = 32


@dataclass(frozen=True, slots=True)
class SceneLight:
    """How to correct crops of one frame: per-channel (B, G, R) gains and a brightness factor (>= 1)."""

    gains: np.ndarray
    exposure: float = 1.0


NEUTRAL_LIGHT = SceneLight(np.ones(3, dtype=np.float32), 1.0)


def scene_light(image: np.ndarray) -> SceneLight:
    """The gains that neutralise the scene's light colour, and the exposure lift of a dim frame.

    The light's colour is the mean of the frame's near-neutral pixels (walls, floors, tarmac: chroma under
    ``NEUTRAL_CHROMA``) when at least ``NEUTRAL_SHARE`` of the frame is near-neutral, else of all pixels (the
    plain gray-world assumption). Measured on the shared clips, plain gray-world over an orange wooden floor
    turned grey clothes blue; the near-neutral pixels do not have that bias. Exposure: the frame's bright
    surfaces (90th percentile of the brightest channel) are brought to ~``WHITE_LEVEL``, by at most
    ``EXPOSURE_LIMIT``: indoor light otherwise makes white clothes grey.
    """
    small = cv2.resize(image, (64, 64), interpolation=cv2.INTER_AREA).reshape(-1, 3).astype(np.float32)
    top = small.max(axis=1)
    usable = small[(top < 250) & (top > 20)]
    if len(usable) < 64:
        return NEUTRAL_LIGHT
    chroma = (usable.max(axis=1) - usable.min(axis=1)) / usable.max(axis=1)
    neutral = usable[chroma < NEUTRAL_CHROMA]
    reference = neutral if len(neutral) >= NEUTRAL_SHARE * len(small) else usable
    means = reference.mean(axis=0)
    gains = np.clip(means.mean() / np.maximum(means, 1.0), *GAIN_LIMITS)
    bright = float(np.percentile((small * gains).max(axis=1), 90))
    exposure = float(np.clip(WHITE_LEVEL / max(bright, 1.0), 1.0, EXPOSURE_LIMIT))
    return SceneLight(gains.astype(np.float32), exposure)


def balance(image: np.ndarray, light: SceneLight | None) -> np.ndarray:
    if light is None:
        return image
    balanced: np.ndarray = np.clip(image.astype(np.float32) * light.gains, 0, 255).astype(np.uint8)
    return balanced


def name_hsv(h_deg: np.ndarray, s: np.ndarray, v: np.ndarray, exposure: float = 1.0) -> np.ndarray:
    """Colour-name indices (into ``COLOR_NAMES``) for arrays of hue (degrees), saturation and value (0..1)."""
    out = np.full(h_deg.shape, _INDEX["grey"], dtype=np.int8)
    hue_bins = (
        (h_deg < 10) | (h_deg >= 340),
        (h_deg >= 10) & (h_deg < 40),
        (h_deg >= 40) & (h_deg < 70),
        (h_deg >= 70) & (h_deg < 170),
        (h_deg >= 170) & (h_deg < 260),
        (h_deg >= 260) & (h_deg < 290),
        (h_deg >= 290) & (h_deg < 340),
    )
    for name, mask in zip(
        ("red", "orange", "yellow", "green", "blue", "purple", "pink"), hue_bins, strict=True
    ):
        out[mask] = _INDEX[name]
    warm = hue_bins[0] | hue_bins[1] | hue_bins[2]
    # Dark warm colours are brown (a dark, strongly saturated red stays red: maroon); pale reds are pink.
    out[warm & (v < 0.55) & ~(hue_bins[0] & (s > 0.6))] = _INDEX["brown"]
    out[(hue_bins[1] | hue_bins[2]) & (s < 0.45) & (v >= 0.55)] = _INDEX["brown"]  # beige, khaki
    out[hue_bins[0] & (s < 0.35) & (v >= 0.65)] = _INDEX["pink"]
    out[hue_bins[6] & (v < 0.45)] = _INDEX["purple"]
    achromatic = (s < 0.15) | ((s < 0.25) & (v < 0.35))
    lit = np.minimum(v * exposure, 1.0)
    out[achromatic] = _INDEX["grey"]
    out[achromatic & (lit >= 0.72)] = _INDEX["white"]
    out[(achromatic & (lit < 0.32)) | (lit < 0.2)] = _INDEX["black"]
    return out


def color_name(crop: np.ndarray, light: SceneLight | None = None, vivid_share: float = 1.0) -> str | None:
    """The most frequent colour name of a BGR crop (corrected for the frame's ``light``), None if empty.

    With ``vivid_share`` < 1, a chromatic name wins over the most frequent name when at least that share of
    the pixels are that colour *and* clearly saturated (``VIVID``): a red car's windows and reflections are
    white and grey, its paint is what names it.
    """
    if crop.size == 0 or crop.shape[0] == 0 or crop.shape[1] == 0:
        return None
    h, w = crop.shape[:2]
    if max(h, w) > _CROP_PX:
        scale = _CROP_PX / max(h, w)
        crop = cv2.resize(
            crop, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA
        )
    hsv = cv2.cvtColor(balance(crop, light), cv2.COLOR_BGR2HSV_FULL).reshape(-1, 3).astype(np.float32)
    exposure = 1.0 if light is None else light.exposure
    names = name_hsv(hsv[:, 0] * (360.0 / 256.0), hsv[:, 1] / 255.0, hsv[:, 2] / 255.0, exposure)
    counts = np.bincount(names, minlength=len(COLOR_NAMES))
    if vivid_share < 1.0:
        vivid = np.bincount(names[hsv[:, 1] >= VIVID * 255.0], minlength=len(COLOR_NAMES))[:_CHROMATIC]
        best = int(vivid.argmax())
        if vivid[best] >= vivid_share * len(names):
            return COLOR_NAMES[best]
    return COLOR_NAMES[int(counts.argmax())]


def _pixels(image: np.ndarray, box: Box) -> tuple[int, int, int, int]:
    height, width = image.shape[:2]
    x0 = round(max(0.0, box.x) * width)
    y0 = round(max(0.0, box.y) * height)
    x1 = round(min(1.0, box.x + box.w) * width)
    y1 = round(min(1.0, box.y + box.h) * height)
    return x0, y0, x1, y1


def _region(image: np.ndarray, box: Box, fx: tuple[float, float], fy: tuple[float, float]) -> np.ndarray:
    x0, y0, x1, y1 = _pixels(image, box)
    w, h = x1 - x0, y1 - y0
    return image[y0 + int(h * fy[0]) : y0 + int(h * fy[1]), x0 + int(w * fx[0]) : x0 + int(w * fx[1])]


def clothing_colors(
    image: np.ndarray, person: Box, light: SceneLight | None
) -> tuple[str | None, str | None]:
    """(upper, lower) body colour names of a person box; None where the body part is not seen well enough.

    Upper: rows 20-50 % of the box (below the head), the middle 50 % of its width. Lower: rows 58-88 %, only
    for a standing full body (box at least 1.8 times as tall as wide, not cut by the bottom of the frame):
    a seated or cut-off person's lower box is a desk or the frame edge.
    """
    x0, y0, x1, y1 = _pixels(image, person)
    w, h = x1 - x0, y1 - y0
    if h < MIN_PERSON_PX or w < 8:
        return None, None
    upper = color_name(_region(image, person, (0.25, 0.75), (0.2, 0.5)), light)
    full_body = h >= 1.8 * w and y1 < image.shape[0] - 2
    lower = color_name(_region(image, person, (0.3, 0.7), (0.58, 0.88)), light) if full_body else None
    return upper, lower


def vehicle_color(image: np.ndarray, vehicle: Box, light: SceneLight | None) -> str | None:
    """Colour name of the middle of a vehicle box (its inner 50 %: body panels more than road and windows)."""
    x0, y0, x1, y1 = _pixels(image, vehicle)
    if min(x1 - x0, y1 - y0) < MIN_VEHICLE_PX:
        return None
    return color_name(_region(image, vehicle, (0.25, 0.75), (0.25, 0.75)), light, VEHICLE_VIVID_SHARE)


def dominant_colors(images: list[np.ndarray], k: int = 5, min_share: float = 0.05) -> tuple[str, ...]:
    """Up to ``k`` "#RRGGBB" colours, most common first, by k-means over the pixels of small copies of images.

    Deterministic (fixed seed); clusters under ``min_share`` of the pixels are left out, but at least 3
    colours are returned when the images hold that many.
    """
    if not images:
        return ()
    pixels = np.vstack(
        [cv2.resize(im, (32, 18), interpolation=cv2.INTER_AREA).reshape(-1, 3) for im in images]
    ).astype(np.float32)
    k = min(k, len(np.unique(pixels, axis=0)))
    if k == 0:
        return ()
    cv2.setRNGSeed(12345)
    criteria = (cv2.TERM_CRITERIA_EPS + cv2.TERM_CRITERIA_MAX_ITER, 20, 1.0)
    best = np.zeros((len(pixels), 1), dtype=np.int32)
    _, labels, centers = cv2.kmeans(pixels, k, best, criteria, 2, cv2.KMEANS_PP_CENTERS)
    shares = np.bincount(labels.reshape(-1), minlength=k) / len(labels)
    order = [int(i) for i in np.argsort(-shares, kind="stable")]
    chosen = [i for rank, i in enumerate(order) if shares[i] >= min_share or rank < 3]
    return tuple(f"#{int(centers[i][2]):02X}{int(centers[i][1]):02X}{int(centers[i][0]):02X}" for i in chosen)
