"""Crop choice, crops, letterboxing and pooling of track appearance vectors; track references."""

from __future__ import annotations

import uuid
from datetime import datetime

import numpy as np
import pytest

from chronotrace_desktop.analysis.appearance import (
    MIN_PERSON_PX,
    big_enough,
    choose_points,
    crop,
    letterbox,
    pool,
    track_vector,
)
from chronotrace_desktop.domain.analysis import Track, TrackPoint
from chronotrace_desktop.domain.appearance import AppearanceQuery, TimeWindow, TrackRef
from chronotrace_desktop.domain.errors import InvalidInputError
from chronotrace_desktop.domain.media import Box
from chronotrace_desktop.domain.search import QueryType


def _track(heights: list[float], *, score: float = 0.9, start: float = 0.0) -> Track:
    points = tuple(
        TrackPoint(start + i, Box(0.4, 0.1, h / 2.5, h, "person", score)) for i, h in enumerate(heights)
    )
    return Track(1, "person", points)


def test_small_boxes_are_never_cropped() -> None:
    tiny = (MIN_PERSON_PX - 1) / 480
    plan = choose_points(_track([tiny] * 10), "person", 640, 480)
    assert plan.points == ()
    assert not big_enough(Box(0, 0, 0.01, tiny, "person"), "person", 640, 480)
    assert big_enough(Box(0, 0, 0.01, MIN_PERSON_PX / 480, "person"), "person", 640, 480)
    assert not big_enough(Box(0, 0, 0.5, 0.03, "car"), "vehicle", 640, 480)  # short side 14 px


def test_points_spread_over_the_life_and_the_biggest_of_each_span_wins() -> None:
    heights = [0.3, 0.5, 0.4, 0.3, 0.6, 0.2, 0.3, 0.7]  # one point a second for 8 s
    plan = choose_points(_track(heights), "person", 640, 480, k=4)
    assert [p.t for p in plan.points] == [1.0, 2.0, 4.0, 7.0]  # spans of 1.75 s: best of each
    assert len(choose_points(_track(heights), "person", 640, 480, k=20).points) == len(heights)


def test_one_moment_gives_the_best_boxes_and_edge_cut_boxes_rank_lower() -> None:
    inside = TrackPoint(0.0, Box(0.3, 0.1, 0.2, 0.5, "person", 0.9))
    cut = TrackPoint(0.0, Box(0.9, 0.1, 0.3, 0.6, "person", 0.9))  # half outside the frame
    plan = choose_points(Track(1, "person", (cut, inside)), "person", 640, 480, k=1)
    assert plan.points == (inside,)


def test_crop_widens_by_the_margin_and_stays_in_the_frame() -> None:
    image = np.arange(100 * 200 * 3, dtype=np.uint8).reshape(100, 200, 3)
    piece = crop(image, Box(0.25, 0.2, 0.5, 0.6, "person"), margin=0.1)
    assert piece is not None
    assert piece.shape == (72, 120, 3)
    edge = crop(image, Box(0.9, 0.9, 0.5, 0.5, "person"))
    assert edge is not None
    assert edge.shape[:2] == (12, 25)  # widened up and left only: the frame ends right and below
    assert crop(image, Box(1.2, 0.5, 0.1, 0.1, "person")) is None


def test_letterbox_keeps_the_proportions_on_grey() -> None:
    tall = np.full((60, 20, 3), 255, dtype=np.uint8)
    square = letterbox(tall)
    assert square.shape == (60, 60, 3)
    assert (square[:, 20:40] == 255).all()
    assert (square[:, :20] == 124).all()


def test_pool_is_the_normalised_mean_of_unit_rows() -> None:
    rows = np.array([[2.0, 0.0], [0.0, 5.0]], dtype=np.float32)
    pooled = pool(rows)
    assert pooled is not None
    assert np.allclose(pooled, [np.sqrt(0.5), np.sqrt(0.5)])
    assert pool(np.zeros((0, 2), dtype=np.float32)) is None
    assert pool(np.array([[1.0, 0.0], [-1.0, 0.0]], dtype=np.float32)) is None


def test_track_vector_embeds_all_crops_in_one_call() -> None:
    calls: list[int] = []

    class Fake:
        def embed_images(self, images):  # type: ignore[no-untyped-def]
            calls.append(len(images))
            return np.eye(3, dtype=np.float32)[: len(images)]

    vector = track_vector(Fake(), [np.zeros((4, 4, 3), np.uint8)] * 2)
    assert calls == [2]
    assert vector is not None
    assert np.isclose(np.linalg.norm(vector), 1.0)
    assert track_vector(Fake(), []) is None


def test_track_references_parse_ids_and_video_keys() -> None:
    video, track = uuid.uuid4(), uuid.uuid4()
    assert TrackRef.parse(str(track)) == TrackRef(track_id=track)
    assert TrackRef.parse(f" {video}:7 ") == TrackRef(video_id=video, track_key=7)
    assert str(TrackRef(video_id=video, track_key=7)) == f"{video}:7"
    for bad in ("", "nope", f"{video}:x", "1:2"):
        with pytest.raises(InvalidInputError):
            TrackRef.parse(bad)
    with pytest.raises(InvalidInputError):
        TrackRef(track_id=track, video_id=video, track_key=1)


def test_a_window_and_a_query_check_themselves() -> None:
    with pytest.raises(InvalidInputError):
        TimeWindow(datetime(2024, 1, 2), datetime(2024, 1, 1))
    query = AppearanceQuery(
        TrackRef(track_id=uuid.uuid4()), TimeWindow(datetime(2024, 1, 1), None), case_id=None
    )
    assert query.query_type is QueryType.APPEARANCE
    assert query.filters.recorded_from == datetime(2024, 1, 1)
    assert query.display_text.startswith("appearance like track ")
    for limit in (0, 501, True):
        with pytest.raises(InvalidInputError):
            AppearanceQuery(TrackRef(track_id=uuid.uuid4()), limit=limit)  # type: ignore[arg-type]
