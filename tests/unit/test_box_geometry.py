"""The one geometry home: ``Box`` edges, centre, containment, overlap, intersection, IoU, hull."""

from __future__ import annotations

import pytest

from chronotrace_desktop.domain.media import Box


def test_edges_centre_and_area() -> None:
    box = Box(0.2, 0.1, 0.4, 0.6)
    assert box.right == pytest.approx(0.6)
    assert box.bottom == pytest.approx(0.7)
    assert box.centre == pytest.approx((0.4, 0.4))
    assert box.area == pytest.approx(0.24)


def test_contains_counts_the_edge() -> None:
    box = Box(0, 0, 10, 10)
    assert box.contains(0, 0)
    assert box.contains(10, 10)
    assert box.contains(5, 5)
    assert not box.contains(10.5, 5)


def test_iou_of_identical_half_shifted_and_apart_boxes() -> None:
    a = Box(0, 0, 2, 2)
    assert a.iou(a) == pytest.approx(1.0)
    assert a.iou(Box(1, 0, 2, 2)) == pytest.approx(2 / 6)  # 2 shared of 4 + 4 - 2
    assert a.iou(Box(3, 3, 1, 1)) == 0.0


def test_touching_boxes_do_not_overlap_or_intersect() -> None:
    a, b = Box(0, 0, 1, 1), Box(1, 0, 1, 1)
    assert not a.overlaps(b)
    assert a.intersection(b) is None
    assert a.iou(b) == 0.0


def test_a_flat_box_inside_another_overlaps_it_without_an_intersection() -> None:
    outer, flat = Box(0, 0, 4, 4), Box(1, 1, 0, 2)
    assert outer.overlaps(flat)
    assert flat.overlaps(outer)
    assert outer.intersection(flat) is None


def test_intersection_is_the_shared_part() -> None:
    shared = Box(0, 0, 4, 4).intersection(Box(2, 1, 4, 4))
    assert shared == Box(2, 1, 2, 3)


def test_hull_keeps_this_label_and_the_higher_score() -> None:
    hull = Box(0, 0, 1, 1, "person", 0.4).hull(Box(2, 3, 1, 1, "car", 0.9))
    assert hull == Box(0, 0, 3, 4, "person", 0.9)


def test_pixel_rectangles_use_the_same_formulas() -> None:
    a, b = Box(10, 10, 20, 20), Box(20, 20, 20, 20)
    assert a.intersection(b) == Box(20, 20, 10, 10)
    assert a.iou(b) == pytest.approx(100 / 700)
    assert a.shifted(5, -5) == Box(15, 5, 20, 20)
