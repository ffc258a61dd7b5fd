"""The search join on a real PostgreSQL (both backends, the session's migrated database): each candidate
segment comes back with the anomalies overlapping its time span (false positives and deleted videos left
out) and its scene cues, in ONE statement. Rows are written by hand in a transaction rolled back at the end:
no clip is ingested here (tests/integration/test_search.py covers search over ingested clips)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from chronotrace_desktop.domain.search import SearchFilters
from chronotrace_desktop.services.search.parse import parse_query
from chronotrace_desktop.services.search.rank import rank
from chronotrace_desktop.services.search.segment_attributes import AnomalySpan
from chronotrace_desktop.services.search.store import fetch_segments
from chronotrace_desktop.storage.orm import Anomaly, Video, VideoSegment

NEW_META = {
    "people": [{"upper": "red", "lower": None, "seen": 5, "gender": "female", "posture": "standing",
                "motion": "still", "tags": ["backpack"]}],
    "vehicles": [{"label": "van", "color": "white", "seen": 4, "motion": "still", "coco_label": "car"}],
    "object_counts": {"person": 1, "car": 1, "backpack": 1},
    "scene": {"setting": "outdoor", "place": "street", "surfaces": ["pavement"]},
    "people_count": 1,
    "people_mean": 0.8,
    "detections": [{"t": 0.0, "objects": [], "faces": []}],
}  # fmt: skip
OLD_META = {"people": [{"upper": "grey", "lower": "black", "seen": 3}], "object_counts": {"person": 1}}


@dataclass
class Library:
    session: Session
    segments: dict[str, uuid.UUID]  # "<video>/<index>" -> segment id
    videos: dict[str, uuid.UUID]


def _video(session: Session, name: str, *, deleted: bool = False) -> Video:
    video = Video(
        filename=f"{name}-{uuid.uuid4().hex[:6]}.mp4",
        original_path=f"/evidence/{name}.mp4",
        processing_status="completed",
        deleted_at=datetime(2024, 3, 1) if deleted else None,
    )
    session.add(video)
    session.flush()
    return video


def _segment(session: Session, video: Video, index: int, meta: dict[str, Any], **extra: Any) -> VideoSegment:
    segment = VideoSegment(
        video_id=video.id,
        segment_index=index,
        start_time=Decimal(15 * index),
        end_time=Decimal(15 * index + 15),
        objects_detected=sorted(meta.get("object_counts", {})),
        people_count=meta.get("people_count", 1),
        caption="a segment",
        meta=meta,
        **extra,
    )
    session.add(segment)
    session.flush()
    return segment


def _anomaly(
    session: Session, segment: VideoSegment, kind: str, span: tuple[Any, Any] | None, status: str = "new"
) -> None:
    meta = {} if span is None else {"video_offset_start": span[0], "video_offset_end": span[1]}
    session.add(
        Anomaly(
            segment_id=segment.id,
            video_id=segment.video_id,
            anomaly_type=kind,
            confidence=Decimal("0.9"),
            detected_at=datetime(2024, 2, 9, 14, 0),
            status=status,
            meta=meta,
        )
    )


@pytest.fixture
def library(migrated_engine: Engine) -> Iterator[Library]:
    with migrated_engine.connect() as conn:
        outer = conn.begin()
        session = Session(bind=conn)
        try:
            yard = _video(session, "yard")
            seg = [_segment(session, yard, i, NEW_META if i == 0 else OLD_META) for i in range(3)]
            _anomaly(session, seg[0], "loitering", (12.0, 29.5))  # seg 0 and 1
            _anomaly(session, seg[2], "fall_detection", (40.0, 40.0))  # a moment, in seg 2
            _anomaly(session, seg[2], "vehicle_stopped", (44.9, None))  # no end: a moment at 44.9
            _anomaly(session, seg[0], "crowd_formation", (0.0, 44.0), status="false_positive")
            _anomaly(session, seg[2], "object_abandonment", (31.0, 44.0), status="resolved")
            _anomaly(session, seg[1], "perimeter_breach", None)  # filed by hand: its own segment only
            _anomaly(session, seg[0], "after_hours_access", ("soon", "later"))  # unreadable: its own segment
            other = _video(session, "other")
            other_seg = _segment(session, other, 0, OLD_META, scene_type="corridor")
            _anomaly(session, other_seg, "crowd_formation", (0.0, 15.0))
            gone = _video(session, "gone", deleted=True)
            gone_seg = _segment(session, gone, 0, NEW_META)
            _anomaly(session, gone_seg, "loitering", (0.0, 15.0))
            session.flush()
            ids = {f"yard/{i}": s.id for i, s in enumerate(seg)} | {
                "other/0": other_seg.id,
                "gone/0": gone_seg.id,
            }
            yield Library(session, ids, {"yard": yard.id, "other": other.id, "gone": gone.id})
        finally:
            session.close()
            outer.rollback()


def test_anomalies_overlapping_each_segment_are_attached(library: Library) -> None:
    rows = fetch_segments(library.session, library.segments.values())
    spans = {name: rows[sid].attributes.anomalies for name, sid in library.segments.items() if sid in rows}
    assert spans["yard/0"] == (AnomalySpan("loitering", 12.0, 29.5), AnomalySpan("after_hours_access"))
    assert spans["yard/1"] == (AnomalySpan("loitering", 12.0, 29.5), AnomalySpan("perimeter_breach"))
    assert spans["yard/2"] == (
        AnomalySpan("object_abandonment", 31.0, 44.0),  # resolved: it happened
        AnomalySpan("fall_detection", 40.0, 40.0),
        AnomalySpan("vehicle_stopped", 44.9, 44.9),
    )
    assert spans["other/0"] == (AnomalySpan("crowd_formation", 0.0, 15.0),)  # another video's times
    assert "gone/0" not in spans  # a deleted video: neither the segment nor its anomalies


def test_scene_cues_and_issue_11_attributes_come_back(library: Library) -> None:
    rows = fetch_segments(library.session, library.segments.values())
    new = rows[library.segments["yard/0"]].attributes
    assert (new.setting, new.place, new.surfaces) == ("outdoor", "street", frozenset({"pavement"}))
    assert new.people[0].gender == "female"
    assert new.vehicles[0].label == "van"
    old = rows[library.segments["yard/1"]].attributes
    assert (old.setting, old.place, old.surfaces) == (None, None, frozenset())
    assert old.people[0].upper == "grey"
    assert rows[library.segments["other/0"]].attributes.place == "corridor"  # from the scene_type column


def test_one_statement_per_candidate_set(library: Library) -> None:
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    connection = library.session.connection()
    sa.event.listen(connection, "before_cursor_execute", count)
    try:
        rows = fetch_segments(library.session, library.segments.values())
    finally:
        sa.event.remove(connection, "before_cursor_execute", count)
    assert len(rows) == 4
    assert len(statements) == 1


def test_a_hit_says_which_anomaly_matched(library: Library) -> None:
    rows = fetch_segments(library.session, library.segments.values())
    scores = dict.fromkeys(rows, 0.5)
    parsed = parse_query("woman loitering")
    hits = rank("woman loitering", parsed.criteria, scores, rows, SearchFilters(), 5)
    assert hits[0].segment_id == library.segments["yard/0"]
    assert "anomaly: loitering 0:12-0:30" in hits[0].why
    assert any(r.startswith("woman (face: female)") for r in hits[0].why)
    assert hits[1].segment_id == library.segments["yard/1"]  # loitering too, but nobody known to be a woman
    stopped = rank(
        "parked white van", parse_query("parked white van").criteria, scores, rows, SearchFilters(), 1
    )
    assert stopped[0].segment_id == library.segments["yard/0"]
    assert stopped[0].why[:2] == ("van detected", "parked white van")
