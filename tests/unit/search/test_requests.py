"""Search requests: validation, filters as payload filters, JSON for the search log."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from chronotrace_desktop.domain.errors import InvalidInputError
from chronotrace_desktop.domain.search import QueryType, SearchFilters, SegmentQuery
from chronotrace_desktop.services.search.filters import object_classes, to_vector_filter
from chronotrace_desktop.storage.vectors import AnyOf, Equals, Flag, NumberRange, TimeRange


def test_a_query_is_exactly_one_kind() -> None:
    assert SegmentQuery(text="  red   car ").text == "red car"
    assert SegmentQuery(text="x").query_type is QueryType.TEXT
    assert SegmentQuery(image_path=Path("a.png")).query_type is QueryType.IMAGE
    sid = uuid.uuid4()
    assert SegmentQuery(similar_to=sid).query_type is QueryType.SIMILAR
    assert SegmentQuery(similar_to=sid).display_text == f"similar to segment {sid}"
    for bad in ({}, {"text": "x", "similar_to": sid}, {"text": "   "}, {"text": "x" * 501}):
        with pytest.raises(InvalidInputError):
            SegmentQuery(**bad)  # type: ignore[arg-type]


@pytest.mark.parametrize("limit", [0, -1, 501, True])
def test_limit_is_checked(limit: int) -> None:
    with pytest.raises(InvalidInputError):
        SegmentQuery(text="car", limit=limit)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"start_from": 60.0, "start_to": 30.0},
        {"start_from": -1.0},
        {"recorded_from": datetime(2024, 1, 2), "recorded_to": datetime(2024, 1, 1)},
        {"min_score": 2.0},
        {"min_score": float("nan")},
        {"camera_ids": ("",)},
        {"objects": (" ",)},
        {"location": "  "},
    ],
)
def test_malformed_filters(kwargs: dict[str, object]) -> None:
    with pytest.raises(InvalidInputError):
        SearchFilters(**kwargs)  # type: ignore[arg-type]


def test_filters_become_payload_conditions() -> None:
    vid = uuid.uuid4()
    when = datetime(2024, 2, 9, 14, 0)
    filters = SearchFilters(
        camera_ids=("CAM-1", "CAM-2", "CAM-1"),
        location="Lobby",
        video_ids=(vid,),
        start_from=30.0,
        start_to=90.0,
        recorded_from=when,
        recorded_to=when + timedelta(hours=1),
        has_faces=True,
        motion=False,
        objects=("Bike", "person"),
    )
    vector_filter = to_vector_filter(filters)
    assert vector_filter is not None
    must = vector_filter.must
    assert AnyOf("camera_id", ("CAM-1", "CAM-2")) in must
    assert Equals("location", "Lobby") in must
    assert AnyOf("video_id", (str(vid),)) in must
    assert NumberRange("end_time", gt=30.0) in must
    assert NumberRange("start_time", lte=90.0) in must
    assert TimeRange("timestamp", gte=when - timedelta(seconds=60), lte=when + timedelta(hours=1)) in must
    assert Flag("has_faces", True) in must
    assert Flag("motion_detected", False) in must
    assert AnyOf("objects_detected", ("bicycle",)) in must
    assert AnyOf("objects_detected", ("person",)) in must
    assert to_vector_filter(SearchFilters()) is None
    assert to_vector_filter(SearchFilters(min_score=0.5)) is None  # applied to the ranked score instead


def test_filters_json_for_the_search_log() -> None:
    assert SearchFilters().as_json() == {}
    assert SearchFilters().is_empty
    data = SearchFilters(camera_ids=("CAM-1",), recorded_from=datetime(2024, 2, 9), has_faces=False).as_json()
    assert data == {"camera_id": ["CAM-1"], "start_time": "2024-02-09T00:00:00Z", "has_faces": False}


@pytest.mark.parametrize(
    ("word", "classes"),
    [("car", {"car"}), ("cell phone", {"cell phone"}), ("Motorbike", {"motorbike"}), ("lorry", {"truck"}),
     ("people", {"person"}), ("bag", {"backpack", "handbag", "suitcase"}), ("dining table", {"diningtable"})],
)  # fmt: skip
def test_object_classes(word: str, classes: set[str]) -> None:
    assert object_classes(word) == frozenset(classes)


def test_unknown_object_class() -> None:
    with pytest.raises(InvalidInputError, match="unknown object class 'spaceship'"):
        object_classes("spaceship")
