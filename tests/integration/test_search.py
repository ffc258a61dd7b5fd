"""Search on a real ingested library (embedded profile): ranking, filters, deleted videos, the search log,
the query cache, roles, find-similar and query by image.

Four shared clips are ingested once for the module, each as its own camera: car-detection.mp4 (a car park
from above, recorded at a known time), classroom.gif (seated people facing the camera), one-by-one-person-
detection.mp4 (one person at a time at a table, 10 segments) and video03.avi (traffic on a road).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import av
import cv2
import pytest
import sqlalchemy as sa

from chronotrace_desktop.domain.errors import InvalidInputError, NotFoundError
from chronotrace_desktop.domain.ingest import IngestOptions, IngestStatus
from chronotrace_desktop.domain.roles import Role
from chronotrace_desktop.domain.search import QueryType, SearchFilters, SearchResult, SegmentQuery
from chronotrace_desktop.domain.tasks import Unattended
from chronotrace_desktop.storage.orm import AuditLog, Search, Video, VideoSegment
from tests.conftest import VIDEOS_DIR
from tests.integration.conftest import Installation, new_installation

CAR = "car-detection.mp4"
ROOM = "classroom.gif"
HALL = "one-by-one-person-detection.mp4"
ROAD = "video03.avi"
CLIPS = {
    CAR: IngestOptions("CAM-LOT", "North car park", datetime(2024, 2, 9, 14, 30)),
    ROOM: IngestOptions("CAM-ROOM", "Classroom"),
    HALL: IngestOptions("CAM-HALL", "Hall"),
    ROAD: IngestOptions("CAM-ROAD", "Overpass"),
}


@dataclass
class Library:
    inst: Installation
    videos: dict[str, uuid.UUID]

    def search(self, text: str, **filters: object) -> SearchResult:
        limit = int(filters.pop("limit", 20))  # type: ignore[call-overload]
        query = SegmentQuery(text=text, filters=SearchFilters(**filters), limit=limit)  # type: ignore[arg-type]
        return self.inst.services.search.search(self.inst.admin, query)

    def segments(self, filename: str) -> list[VideoSegment]:
        with self.inst.services.database.transaction() as session:
            rows = session.scalars(
                sa.select(VideoSegment)
                .where(VideoSegment.video_id == self.videos[filename])
                .order_by(VideoSegment.segment_index)
            ).all()
            session.expunge_all()
            return list(rows)


@pytest.fixture(scope="module")
def library() -> Iterator[Library]:
    with new_installation("embedded") as inst:
        videos: dict[str, uuid.UUID] = {}
        for name, options in CLIPS.items():
            (result,) = inst.services.ingest.ingest_paths(
                inst.admin, [VIDEOS_DIR / name], options, Unattended()
            )
            assert result.status is IngestStatus.COMPLETED, result.error
            assert result.video_id is not None
            videos[name] = result.video_id
        yield Library(inst, videos)


def files(result: SearchResult) -> list[str]:
    return [h.video_filename for h in result.hits]


def test_car_ranks_the_car_park_at_the_top(library: Library) -> None:
    result = library.search("car", limit=10)
    names = files(result)
    assert names[0] in (CAR, ROAD)
    cars = [i for i, name in enumerate(names) if name == CAR]
    people = [i for i, name in enumerate(names) if name in (ROOM, HALL)]
    assert len(cars) == len(library.segments(CAR))
    assert max(cars) < min(people), names  # every car-park segment above every segment of people
    top = result.hits[0]
    assert "car detected" in top.why
    assert result.understood == ("car",)
    assert result.fused


def test_people_queries_find_people(library: Library) -> None:
    names = files(library.search("person in a grey top", limit=5))
    assert set(names) <= {HALL, ROOM}
    faces = library.search("faces", limit=1).hits[0]
    assert faces.video_filename == ROOM
    assert any("face" in reason for reason in faces.why)


def test_hits_carry_what_the_front_ends_show(library: Library) -> None:
    hit = library.search("car", limit=20, camera_ids=("CAM-LOT",)).hits[0]
    segment = next(s for s in library.segments(CAR) if s.id == hit.segment_id)
    assert (hit.video_filename, hit.segment_index) == (CAR, segment.segment_index)
    assert (hit.start_time, hit.end_time) == (float(segment.start_time), float(segment.end_time))
    assert (hit.camera_id, hit.location) == ("CAM-LOT", "North car park")
    assert hit.recorded_start == datetime(2024, 2, 9, 14, 30) + timedelta(seconds=hit.start_time)
    assert hit.thumbnail_key == segment.redacted_thumbnail_path
    assert hit.privacy_applied is True
    assert hit.caption == segment.caption


@pytest.mark.parametrize(
    ("filters", "allowed"),
    [
        ({"camera_ids": ("CAM-ROOM", "CAM-ROAD")}, {ROOM, ROAD}),
        ({"location": "Hall"}, {HALL}),
        ({"objects": ("car",)}, {CAR, ROAD}),
        ({"objects": ("person", "chair")}, {ROOM}),
        ({"motion": False}, {ROOM}),
    ],
)
def test_payload_filters(library: Library, filters: dict[str, object], allowed: set[str]) -> None:
    result = library.search("people or vehicles", **filters)
    assert result.hits
    assert set(files(result)) <= allowed


def test_faces_filter_matches_the_stored_flag(library: Library) -> None:
    with_faces = library.search("person", has_faces=True)
    assert with_faces.hits
    assert all(h.has_faces for h in with_faces.hits)
    without = library.search("person", has_faces=False)
    assert without.hits
    assert not any(h.has_faces for h in without.hits)


def test_video_and_time_offset_filters(library: Library) -> None:
    hall = library.videos[HALL]
    result = library.search("person", video_ids=(hall,), start_from=100.0, start_to=125.0)
    # Segments overlapping 100-125 s: 90-105, 105-120 and 120-135.
    assert sorted(h.segment_index for h in result.hits) == [6, 7, 8]


def test_recorded_time_filter(library: Library) -> None:
    start = datetime(2024, 2, 9, 14, 30)
    late = library.search(
        "car", recorded_from=start + timedelta(seconds=20), recorded_to=start + timedelta(hours=1)
    )
    assert [(h.video_filename, h.segment_index) for h in late.hits] == [(CAR, 1)]
    # one-by-one-person-detection.mp4 carries its own recording time (2017) in the container: it is the only
    # earlier video; the classroom and the road have none, so no wall-clock range can match them.
    early = library.search("car", recorded_to=datetime(2020, 1, 1))
    assert set(files(early)) == {HALL}
    assert all(h.recorded_start is not None and h.recorded_start.year == 2017 for h in early.hits)
    assert library.search("car", recorded_from=datetime(2025, 1, 1)).hits == ()


def test_min_score(library: Library) -> None:
    everything = library.search("car", limit=50)
    cut = everything.hits[3].score
    kept = library.search("car", limit=50, min_score=cut)
    assert kept.hits
    assert all(h.score >= cut for h in kept.hits)
    assert len(kept.hits) < len(everything.hits)


def test_soft_deleted_videos_never_appear(library: Library) -> None:
    database = library.inst.services.database
    road = library.videos[ROAD]
    with database.transaction() as session:
        session.get_one(Video, road).deleted_at = datetime(2024, 3, 1)
    try:
        result = library.search("car", limit=50)
        assert ROAD not in files(result)
        assert CAR in files(result)
        similar = library.segments(ROAD)[0].id
        with pytest.raises(NotFoundError):
            library.inst.services.search.search(library.inst.admin, SegmentQuery(similar_to=similar))
    finally:
        with database.transaction() as session:
            session.get_one(Video, road).deleted_at = None
    assert ROAD in files(library.search("car", limit=50))


def test_every_search_is_logged_with_timings_and_audited(library: Library) -> None:
    text = f"white car {uuid.uuid4().hex[:6]}"
    result = library.search(text, camera_ids=("CAM-LOT",), limit=5)
    with library.inst.services.database.transaction() as session:
        row = session.get_one(Search, result.search_id)
        audit = session.scalars(sa.select(AuditLog).where(AuditLog.resource_id == result.search_id)).one()
        assert row.user_id == library.inst.admin.user_id
        assert (row.query_text, row.query_type) == (text, "text")
        assert row.filters == {"camera_id": ["CAM-LOT"]}
        assert row.result_count == len(result.hits) > 0
        assert float(row.top_score or 0) == pytest.approx(result.hits[0].score, abs=1e-4)
        for value in (row.execution_time_ms, row.nova_time_ms, row.qdrant_time_ms, row.db_time_ms):
            assert value is not None
            assert value >= 0
        assert row.execution_time_ms >= (row.nova_time_ms or 0)
        assert row.cache_hit is False
        assert (row.meta or {})["timings_ms"]["total"] > 0
        assert audit.action == "search_query"
        assert audit.user_id == library.inst.admin.user_id
        assert (audit.meta or {})["query_text"] == text


def test_repeated_query_hits_the_embedding_cache(library: Library) -> None:
    text = f"red car {uuid.uuid4().hex[:6]}"
    first = library.search(text)
    second = library.search(f"  {text} ")
    assert (first.cache_hit, second.cache_hit) == (False, True)
    assert second.timings.embed_ms < first.timings.embed_ms
    with library.inst.services.database.transaction() as session:
        logged = session.get_one(Search, second.search_id)
        assert logged.cache_hit is True


def test_batch_search_logs_each_query(library: Library) -> None:
    queries = [SegmentQuery(text=t, limit=3) for t in ("car", "people sitting", "person alone")]
    results = library.inst.services.search.search_batch(library.inst.admin, queries)
    assert [r.query_text for r in results] == ["car", "people sitting", "person alone"]
    assert files(results[1])[0] == ROOM
    ids = [r.search_id for r in results]
    with library.inst.services.database.transaction() as session:
        rows = session.scalars(sa.select(Search).where(Search.id.in_(ids))).all()
        assert len(rows) == 3
        assert all((r.meta or {}).get("batch") == 3 for r in rows)


def test_a_viewer_may_search_and_sees_only_redacted_thumbnails(library: Library) -> None:
    _email, viewer = library.inst.add_user(Role.VIEWER)
    result = library.inst.services.search.search(viewer, SegmentQuery(text="person", limit=50))
    assert result.hits
    originals = {s.thumbnail_path for name in CLIPS for s in library.segments(name)}
    for hit in result.hits:
        assert hit.thumbnail_key is not None
        assert hit.thumbnail_key.endswith(".redacted.jpg")
        assert hit.thumbnail_key not in originals
    with library.inst.services.database.transaction() as session:
        assert session.get_one(Search, result.search_id).user_id == viewer.user_id


def test_malformed_input_is_refused(library: Library) -> None:
    with pytest.raises(InvalidInputError):
        library.search("")
    with pytest.raises(InvalidInputError, match="unknown object class"):
        library.search("car", objects=("spaceship",))
    with pytest.raises(InvalidInputError):
        library.search("car", min_score=3.0)
    with pytest.raises(NotFoundError):
        library.inst.services.search.search(library.inst.admin, SegmentQuery(similar_to=uuid.uuid4()))


def test_find_similar_returns_the_source_segments_neighbours(library: Library) -> None:
    source = library.segments(HALL)[7]  # one person in grey at the table
    result = library.inst.services.search.search(
        library.inst.admin, SegmentQuery(similar_to=source.id, limit=5)
    )
    assert result.query_type is QueryType.SIMILAR
    assert source.id not in [h.segment_id for h in result.hits]
    assert files(result) == [HALL] * 5
    assert result.hits[0].caption == source.caption  # another grey-top visit to the same table
    assert result.hits[0].vector_score > 0.95
    with library.inst.services.database.transaction() as session:
        row = session.get_one(Search, result.search_id)
        assert (row.query_type, row.query_text) == ("similar", f"similar to segment {source.id}")


def _frame(path: Path, at: float, dest: Path) -> Path:
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        for frame in container.decode(stream):
            if frame.pts is not None and float(frame.pts * stream.time_base) >= at:
                cv2.imwrite(str(dest), frame.to_ndarray(format="bgr24"))
                return dest
    raise AssertionError(f"no frame at {at} s in {path}")


def test_query_by_image(library: Library, tmp_path: Path) -> None:
    still = _frame(VIDEOS_DIR / CAR, 27.0, tmp_path / "white-car.png")  # a white car from above
    result = library.inst.services.search.search(library.inst.admin, SegmentQuery(image_path=still, limit=4))
    assert result.query_type is QueryType.IMAGE
    assert "car" in result.understood
    assert set(files(result)) <= {CAR, ROAD}
    with library.inst.services.database.transaction() as session:
        row = session.get_one(Search, result.search_id)
        assert (row.query_type, row.query_text) == ("image", "image: white-car.png")
    not_an_image = tmp_path / "notes.png"
    not_an_image.write_text("hello", encoding="utf-8")
    with pytest.raises(InvalidInputError):
        library.inst.services.search.search(library.inst.admin, SegmentQuery(image_path=not_an_image))
