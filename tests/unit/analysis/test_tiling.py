"""Square views of a frame and how their boxes merge."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from chronotrace_desktop.analysis.detection.tiling import Tile, cover_tiles, cut_by_border, fine_tiles, merge


@pytest.mark.parametrize(
    ("width", "height", "count"), [(640, 360, 2), (360, 640, 2), (640, 640, 1), (320, 240, 2), (1280, 360, 4)]
)
def test_cover_tiles_are_squares_of_the_short_side_covering_the_frame(
    width: int, height: int, count: int
) -> None:
    tiles = cover_tiles(width, height)
    assert len(tiles) == count
    side = min(width, height)
    assert all(t.side == side for t in tiles)
    assert min(t.x0 for t in tiles) == 0
    assert max(t.x1 for t in tiles) == width
    assert min(t.y0 for t in tiles) == 0
    assert max(t.y1 for t in tiles) == height


def test_fine_tiles_overlap_and_cover_the_whole_frame() -> None:
    tiles = fine_tiles(640, 360, 0.5)
    assert all(t.side == 180 for t in tiles)
    covered = np.zeros((360, 640), dtype=bool)
    for t in tiles:
        covered[t.y0 : t.y1, t.x0 : t.x1] = True
    assert covered.all()
    xs = sorted({t.x0 for t in tiles})
    assert all(b - a <= 180 * 0.8 + 1 for a, b in itertools.pairwise(xs))


def test_merge_keeps_the_surer_of_two_overlapping_boxes_and_drops_parts_inside_a_larger_one() -> None:
    xyxy = np.array(
        [
            [10, 10, 50, 110],  # person
            [12, 12, 52, 108],  # the same person from another tile
            [15, 15, 45, 55],  # their upper half, found in a zoomed tile
            [200, 10, 240, 110],  # someone else
            [10, 10, 50, 110],  # a car at the same place: another class, kept
        ],
        dtype=float,
    )
    classes = np.array([0, 0, 0, 0, 2])
    scores = np.array([0.9, 0.6, 0.5, 0.4, 0.5])
    assert merge(xyxy, classes, scores, iou=0.5).tolist() == [0, 3, 4]


def test_a_box_cut_by_an_inner_tile_border_gives_way_to_the_tile_that_holds_it_whole() -> None:
    left, right = Tile(0, 0, 360), Tile(280, 0, 360)
    boxes = np.array([[300, 50, 360, 150], [100, 50, 150, 150], [330, 0, 359, 100]], dtype=float)
    cut = cut_by_border(boxes, left, 640, 360, [left, right])
    # Touches the left tile's right border and lies whole in the right tile: dropped; inner box kept; a box
    # touching the top border (the frame's own edge) is not cut.
    assert cut.tolist() == [True, False, True]
    assert not cut_by_border(boxes[:1], right, 640, 360, [left, right]).any()
