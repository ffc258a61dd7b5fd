"""The vector port's plain values: validation and normalisation, no engine involved."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone

import numpy as np
import pytest

from chronotrace_desktop.domain.errors import InvalidInputError
from chronotrace_desktop.storage.vectors import (
    DEFAULT_PAYLOAD_INDEXES,
    AnyOf,
    CollectionSpec,
    Distance,
    Equals,
    Flag,
    NumberRange,
    PayloadIndex,
    PayloadIndexKind,
    TimeRange,
    VectorFilter,
)
from chronotrace_desktop.storage.vectors._common import coerce_vector, jsonable, normalise_payload
from chronotrace_desktop.storage.vectors.port import rfc3339


def test_default_spec_matches_the_schema_document() -> None:
    spec = CollectionSpec("video_segments", dimension=1024)
    assert spec.distance is Distance.COSINE
    assert {(i.field, i.kind) for i in DEFAULT_PAYLOAD_INDEXES} == {
        ("camera_id", PayloadIndexKind.KEYWORD),
        ("start_time", PayloadIndexKind.FLOAT),
        ("has_faces", PayloadIndexKind.BOOL),
        ("location", PayloadIndexKind.KEYWORD),
        ("timestamp", PayloadIndexKind.DATETIME),
        ("motion_detected", PayloadIndexKind.BOOL),
    }
    assert {"has_faces", "motion_detected", "has_vehicles", "privacy_applied", "has_audio"} <= set(
        spec.bool_fields
    )


def test_spec_validation() -> None:
    assert CollectionSpec("x", dimension=3, distance="dot").distance is Distance.DOT  # type: ignore[arg-type]
    spec = CollectionSpec(
        "x", 3, payload_indexes=(PayloadIndex("night", PayloadIndexKind.BOOL),), bool_fields=()
    )
    assert spec.bool_fields == ("night",)
    for bad in (
        lambda: CollectionSpec("x", 0),
        lambda: CollectionSpec("x", True),  # type: ignore[arg-type]
        lambda: CollectionSpec("../etc", 3),
        lambda: CollectionSpec("x", 3, distance="hamming"),  # type: ignore[arg-type]
        lambda: CollectionSpec(
            "x",
            3,
            payload_indexes=(PayloadIndex("a", PayloadIndexKind.KEYWORD), PayloadIndex("a", "float")),  # type: ignore[arg-type]
        ),
    ):
        with pytest.raises(InvalidInputError):
            bad()


def test_conditions_refuse_malformed_input() -> None:
    with pytest.raises(InvalidInputError):
        Equals("has_faces", True)
    with pytest.raises(InvalidInputError):
        AnyOf("camera_id", ())
    with pytest.raises(InvalidInputError):
        AnyOf("camera_id", ("a", 1))  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError):
        Flag("has_faces", 1)  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError):
        NumberRange("start_time")
    with pytest.raises(InvalidInputError):
        TimeRange("timestamp")
    with pytest.raises(InvalidInputError):
        TimeRange("timestamp", gte="yesterday")
    assert AnyOf("camera_id", ["a", "b"]).values == ("a", "b")  # type: ignore[arg-type]


def test_time_bounds_become_utc_rfc3339() -> None:
    plus_two = timezone(timedelta(hours=2))
    expected = "2024-02-09T14:30:00.000000Z"
    assert rfc3339(datetime(2024, 2, 9, 16, 30, tzinfo=plus_two)) == expected
    assert rfc3339(datetime(2024, 2, 9, 14, 30)) == expected  # naive is UTC
    assert rfc3339("2024-02-09T14:30:00Z") == expected
    assert rfc3339("2024-02-09 16:30:00+02:00") == expected
    assert TimeRange("timestamp", lt=datetime(2024, 2, 9, 14, 30, tzinfo=UTC)).lt == expected


def test_filters_compose() -> None:
    a = VectorFilter.all_of(Flag("has_faces", True))
    b = VectorFilter(must=(Equals("camera_id", "C1"),), must_not=(Flag("motion_detected", False),))
    both = a.and_(b)
    assert both.must == (Flag("has_faces", True), Equals("camera_id", "C1"))
    assert both.must_not == (Flag("motion_detected", False),)
    assert a.and_(None) is a
    assert VectorFilter().is_empty


def test_vectors_and_payloads_are_checked() -> None:
    assert coerce_vector(np.arange(3, dtype=np.float64), 3) == [0.0, 1.0, 2.0]
    with pytest.raises(InvalidInputError, match="dimension 2"):
        coerce_vector([1.0, 2.0], 3)
    with pytest.raises(InvalidInputError, match="NaN"):
        coerce_vector([1.0, float("nan"), 0.0], 3)
    spec = CollectionSpec("x", 3)
    point_id = uuid.uuid4()
    payload = normalise_payload(
        {
            "has_faces": 1,
            "segment_id": point_id,
            "when": datetime(2024, 1, 1, tzinfo=UTC),
            "tags": ("a", "b"),
        },
        spec,
    )
    assert payload == {
        "has_faces": True,
        "segment_id": str(point_id),
        "when": "2024-01-01T00:00:00.000000Z",
        "tags": ["a", "b"],
    }
    with pytest.raises(InvalidInputError, match="boolean"):
        normalise_payload({"has_faces": "yes"}, spec)
    with pytest.raises(InvalidInputError):
        jsonable(object())
