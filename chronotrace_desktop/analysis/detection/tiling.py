"""Which square views of a frame the detector looks at, and how their boxes become one set for the frame.

A square-input network run on a whole 16:9 frame squashes it: people get half as many pixels across as
they have. Views are therefore square tiles:

- ``cover``: the fewest squares of the frame's short side that cover the frame, spread evenly (a 16:9 frame:
  two overlapping squares; a square frame: one). Nothing is squashed; every object up to the frame's height
  fits whole in at least one tile.
- ``fine``: on top of that, a grid of smaller squares (``fine_side`` of the short side, overlapping) seen
  at a higher zoom, for wide views where people are a few dozen pixels tall.

Boxes are mapped back to the frame; a box cut by a tile's inner border (the object goes on in the next tile)
is dropped when another tile holds the whole of it; then per class, overlapping boxes keep the most
confident one, and a box lying mostly inside a larger, surer box of the same class (a part of one person
found in a zoomed tile) is dropped.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from collections.abc import Sequence


@dataclass(frozen=True, slots=True)
class Tile:
    """A square view in frame pixels: ``x0, y0`` top-left, ``side`` its width and height."""

    x0: int
    y0: int
    side: int

    @property
    def x1(self) -> int:
        return self.x0 + self.side

    @property
    def y1(self) -> int:
        return self.y0 + self.side


def _spread(length: int, side: int, count: int) -> list[int]:
    """``count`` start positions of windows of ``side`` spread evenly over ``length`` (both ends covered)."""
    if count <= 1 or length <= side:
        return [max(0, (length - side) // 2)]
    step = (length - side) / (count - 1)
    return [round(i * step) for i in range(count)]


def cover_tiles(width: int, height: int) -> list[Tile]:
    side = min(width, height)
    across = math.ceil(width / side - 1e-9)
    down = math.ceil(height / side - 1e-9)
    return [Tile(x, y, side) for y in _spread(height, side, down) for x in _spread(width, side, across)]


def fine_tiles(width: int, height: int, fraction: float, overlap: float = 0.2) -> list[Tile]:
    """Squares of ``fraction`` of the short side, overlapping by at least ``overlap`` of a tile."""
    side = max(1, round(min(width, height) * fraction))
    stride = side * (1 - overlap)
    across = max(1, math.ceil((width - side) / stride - 1e-9) + 1)
    down = max(1, math.ceil((height - side) / stride - 1e-9) + 1)
    return [Tile(x, y, side) for y in _spread(height, side, down) for x in _spread(width, side, across)]


def _iou_one(box: np.ndarray, others: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """IoU of ``box`` with each of ``others``, and the share of ``box`` inside each."""
    ix = np.clip(np.minimum(box[2], others[:, 2]) - np.maximum(box[0], others[:, 0]), 0, None)
    iy = np.clip(np.minimum(box[3], others[:, 3]) - np.maximum(box[1], others[:, 1]), 0, None)
    inter = ix * iy
    area = (box[2] - box[0]) * (box[3] - box[1])
    areas = (others[:, 2] - others[:, 0]) * (others[:, 3] - others[:, 1])
    return inter / np.maximum(area + areas - inter, 1e-9), inter / np.maximum(area, 1e-9)


def cut_by_border(xyxy: np.ndarray, tile: Tile, width: int, height: int, tiles: Sequence[Tile]) -> np.ndarray:
    """Mask of boxes touching an inner border of ``tile`` (one the frame goes on beyond) that another tile
    contains whole: that tile's box of the same object is the better one."""
    margin = max(2.0, 0.01 * tile.side)
    out = np.zeros(len(xyxy), dtype=bool)
    for i, (x0, y0, x1, y1) in enumerate(xyxy):
        touches = (
            (x0 <= tile.x0 + margin and tile.x0 > 0)
            or (y0 <= tile.y0 + margin and tile.y0 > 0)
            or (x1 >= tile.x1 - margin and tile.x1 < width)
            or (y1 >= tile.y1 - margin and tile.y1 < height)
        )
        if touches:
            out[i] = any(
                t is not tile and t.x0 <= x0 and t.y0 <= y0 and t.x1 >= x1 and t.y1 >= y1 for t in tiles
            )
    return out


def merge(
    xyxy: np.ndarray, classes: np.ndarray, scores: np.ndarray, iou: float, contained: float = 0.8
) -> np.ndarray:
    """Indices kept: per class, most confident first, dropping boxes that overlap a kept one by ``iou`` or
    lie ``contained`` inside a kept larger one."""
    order = np.argsort(-scores, kind="stable")
    kept: list[int] = []
    for i in order:
        same = [k for k in kept if classes[k] == classes[i]]
        if same:
            overlap, inside = _iou_one(xyxy[i], xyxy[same])
            if (overlap >= iou).any() or (inside >= contained).any():
                continue
        kept.append(int(i))
    return np.array(sorted(kept), dtype=np.int64)
