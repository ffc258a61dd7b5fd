"""The search command's argument handling (no installation needed)."""

from __future__ import annotations

import uuid
from datetime import datetime

import pytest

from chronotrace_desktop.cli.commands_search import build_query, parse_time
from chronotrace_desktop.cli.main import build_parser
from chronotrace_desktop.domain.errors import InvalidInputError


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("90", 90.0),
        ("1:30", 90.0),
        ("0:01:30", 90.0),
        ("12.5", 12.5),
        ("2024-02-09T14:30:00", datetime(2024, 2, 9, 14, 30)),
    ],
)
def test_parse_time(text: str, value: object) -> None:
    assert parse_time(text) == value


def test_parse_time_refuses_other_text() -> None:
    with pytest.raises(InvalidInputError, match="neither an offset"):
        parse_time("yesterday")


def args(*argv: str) -> object:
    return build_parser().parse_args(["search", *argv, "--user", "a@b.cc"])


def test_build_query_with_every_filter() -> None:
    vid = uuid.uuid4()
    query = build_query(
        args("red car", "--camera-id", "A", "--camera-id", "B", "--from", "30", "--to", "1:00", "--has-faces",
             "--no-motion", "--object", "car", "--video", str(vid), "--min-score", "0.2", "--limit", "7")
    )  # fmt: skip
    f = query.filters
    assert query.text == "red car"
    assert query.limit == 7
    assert (f.camera_ids, f.start_from, f.start_to, f.has_faces, f.motion) == (
        ("A", "B"),
        30.0,
        60.0,
        True,
        False,
    )
    assert (f.objects, f.video_ids, f.min_score) == (("car",), (vid,), 0.2)
    timed = build_query(args("x", "--from", "2024-02-09T14:00", "--to", "2024-02-09T15:00")).filters
    assert timed.recorded_from == datetime(2024, 2, 9, 14)
    assert timed.start_from is None


@pytest.mark.parametrize(
    "argv",
    [
        (),
        ("x", "--from", "30", "--to", "2024-02-09T15:00"),
        ("--similar-to", "not-a-uuid"),
        ("x", "--video", "nope"),
        ("x", "--limit", "0"),
        ("x", "--from", "90", "--to", "30"),
    ],
)
def test_malformed_arguments(argv: tuple[str, ...]) -> None:
    with pytest.raises(InvalidInputError):
        build_query(args(*argv))
