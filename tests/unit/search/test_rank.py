"""Ranking: fusion of the vector score with attribute matches, filters applied after the join, the why."""

from __future__ import annotations

import uuid
from datetime import datetime

import pytest

from chronotrace_desktop.domain.search import SearchFilters
from chronotrace_desktop.services.search.parse import parse_query
from chronotrace_desktop.services.search.rank import caption_words, rank
from chronotrace_desktop.services.search.segment_attributes import SegmentAttributes
from chronotrace_desktop.services.search.store import SegmentRow


def row(name: str, caption: str, meta: dict[str, object], objects: list[str], **kw: object) -> SegmentRow:
    return SegmentRow(
        id=uuid.uuid5(uuid.NAMESPACE_URL, name),
        video_id=uuid.uuid5(uuid.NAMESPACE_DNS, name),
        filename=f"{name}.mp4",
        segment_index=0,
        start_time=15.0,
        end_time=30.0,
        recorded_at=kw.get("recorded_at"),  # type: ignore[arg-type]
        camera_id="CAM-1",
        location=None,
        thumbnail_key=f"{name}/thumbnails/0000.redacted.jpg",
        has_faces=False,
        privacy_applied=True,
        caption=caption,
        attributes=SegmentAttributes.from_meta(meta, objects=objects, people_count=kw.get("people", 0)),  # type: ignore[arg-type]
    )


RED = row("red", "a red car; day", {"vehicles": [{"label": "car", "color": "red"}]}, ["car"])
WHITE = row("white", "a white car; day", {"vehicles": [{"label": "car", "color": "white"}]}, ["car"])
PERSON = row(
    "person", "1 person in a red top", {"people": [{"upper": "red", "lower": None}]}, ["person"], people=1
)
ROWS = {r.id: r for r in (RED, WHITE, PERSON)}


def test_fusion_lets_exact_attributes_beat_a_closer_caption() -> None:
    # The vector engine prefers the white car and the person; "red car" is what the detectors saw in RED.
    scores = {WHITE.id: 0.70, PERSON.id: 0.65, RED.id: 0.55}
    parsed = parse_query("red car")
    fused = rank("red car", parsed.criteria, scores, ROWS, SearchFilters(), 10)
    assert [h.video_filename for h in fused] == ["red.mp4", "white.mp4", "person.mp4"]
    assert fused[0].score == pytest.approx(0.5 * 0.55 + 0.5 * 1.0)
    assert fused[0].attribute_score == pytest.approx(1.0)
    assert fused[0].why[:2] == ("car detected", "red car")
    assert "caption mentions red, car" in fused[0].why
    plain = rank("red car", (), scores, ROWS, SearchFilters(), 10)
    assert [h.video_filename for h in plain] == ["white.mp4", "person.mp4", "red.mp4"]
    assert plain[0].score == plain[0].vector_score == 0.70
    assert plain[0].attribute_score is None


def test_deleted_or_missing_rows_excluded_and_limit() -> None:
    scores = {WHITE.id: 0.7, RED.id: 0.6, uuid.uuid4(): 0.99}
    hits = rank("car", (), scores, ROWS, SearchFilters(), 1)
    assert [h.segment_id for h in hits] == [WHITE.id]
    assert rank("car", (), scores, ROWS, SearchFilters(), 5, exclude=WHITE.id)[0].segment_id == RED.id


def test_min_score_applies_to_the_ranked_score() -> None:
    scores = {WHITE.id: 0.7, RED.id: 0.6}
    hits = rank("car", (), scores, ROWS, SearchFilters(min_score=0.65), 5)
    assert [h.segment_id for h in hits] == [WHITE.id]


def test_recorded_time_range_checks_the_real_overlap() -> None:
    timed = row("timed", "a car", {}, ["car"], recorded_at=datetime(2024, 2, 9, 14, 0, 0))
    rows = {timed.id: timed, RED.id: RED}  # RED has no recorded time: it can never match
    scores = {timed.id: 0.5, RED.id: 0.9}
    inside = SearchFilters(
        recorded_from=datetime(2024, 2, 9, 14, 0, 20), recorded_to=datetime(2024, 2, 9, 15)
    )
    hits = rank("car", (), scores, rows, inside, 5)
    assert [h.segment_id for h in hits] == [timed.id]
    assert hits[0].recorded_start == datetime(2024, 2, 9, 14, 0, 15)
    after = SearchFilters(recorded_from=datetime(2024, 2, 9, 14, 0, 31))
    assert rank("car", (), scores, rows, after, 5) == []


def test_why_is_never_empty() -> None:
    hits = rank("zebra crossing", (), {WHITE.id: 0.3}, ROWS, SearchFilters(), 5)
    assert hits[0].why == ("similar description: a white car; day",)


def test_caption_words() -> None:
    assert caption_words("two white cars in the rain", "8 cars (white, blue); day") == ["white", "cars"]
    assert caption_words("anything", None) == []
