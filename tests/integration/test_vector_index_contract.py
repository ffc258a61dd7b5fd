"""The vector index contract, run against both adapters on real engines (no mocks).

``edge``: ``EdgeVectorIndex`` on Qdrant's in-process engine in a temp folder. ``client``:
``QdrantClientIndex`` over ``QdrantClient(path=...)`` local mode (the same client API a Qdrant server
answers). The data: 1,500 random 48-d vectors (fixed seed) with payloads shaped like the schema document's
``video_segments`` points.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import qdrant_edge as qe
from qdrant_client import QdrantClient

from chronotrace_desktop.domain.errors import EnvironmentProblemError, InvalidInputError
from chronotrace_desktop.storage.vectors import (
    DEFAULT_PAYLOAD_INDEXES,
    AnyOf,
    CollectionSpec,
    Equals,
    Flag,
    NumberRange,
    TimeRange,
    VectorFilter,
    VectorIndex,
    VectorPoint,
    VectorQuery,
    open_vector_index,
)
from chronotrace_desktop.storage.vectors.client import QdrantClientIndex
from chronotrace_desktop.storage.vectors.edge import EdgeVectorIndex
from chronotrace_desktop.storage.vectors.export import write_export

DIM = 48
N = 1500
SEED = 20240209
SPEC = CollectionSpec("video_segments", dimension=DIM)
CAMERAS = [f"CAM-{i:02d}" for i in range(6)]
LOCATIONS = ["North Parking Lot", "Mall Entrance", "Loading Bay"]
OBJECTS = ["person", "car", "bicycle", "dog", "truck", "backpack"]
BASE_TIME = datetime(2024, 2, 9, 14, 0, tzinfo=UTC)
KINDS = ["edge", "client"]


@dataclass
class Dataset:
    ids: list[uuid.UUID]
    vectors: np.ndarray
    payloads: list[dict[str, Any]]

    def points(self, start: int = 0, stop: int | None = None) -> list[VectorPoint]:
        rows = range(start, len(self.ids) if stop is None else stop)
        return [VectorPoint(self.ids[i], self.vectors[i], self.payloads[i]) for i in rows]

    def where(self, predicate: Callable[[dict[str, Any]], bool]) -> set[uuid.UUID]:
        return {i for i, p in zip(self.ids, self.payloads, strict=True) if predicate(p)}


def make_dataset(n: int = N, seed: int = SEED) -> Dataset:
    rng = np.random.default_rng(seed)
    vectors = rng.standard_normal((n, DIM)).astype(np.float32)
    ids = [uuid.UUID(bytes=rng.bytes(16), version=4) for _ in range(n)]
    payloads = []
    for i, point_id in enumerate(ids):
        when = BASE_TIME + timedelta(seconds=15 * i)
        objects = [o for o in OBJECTS if rng.random() < 0.3]
        payloads.append(
            {
                "segment_id": str(point_id),
                "video_id": str(uuid.UUID(int=i // 40)),
                "start_time": float((i % 40) * 15),
                "end_time": float((i % 40) * 15 + 15),
                "timestamp": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "camera_id": CAMERAS[int(rng.integers(len(CAMERAS)))],
                "location": LOCATIONS[int(rng.integers(len(LOCATIONS)))],
                "has_faces": bool(rng.random() < 0.4),
                "face_count": int(rng.integers(0, 4)),
                "has_vehicles": bool(rng.random() < 0.5),
                "motion_detected": bool(rng.random() < 0.6),
                "privacy_applied": bool(rng.random() < 0.5),
                "objects_detected": objects,
                "average_brightness": round(float(rng.random()), 3),
            }
        )
    return Dataset(ids, vectors, payloads)


DATA = make_dataset()


def open_index(kind: str, root: Path) -> VectorIndex:
    """A new adapter over the storage in ``root`` (same root = same data, for reopen tests)."""
    if kind == "edge":
        return EdgeVectorIndex(root / "vectors")
    client = QdrantClient(path=str(root / "qdrant-local"), force_disable_check_same_thread=True)
    return QdrantClientIndex(client=client)


def cosine_top(query: np.ndarray, k: int) -> list[uuid.UUID]:
    unit = DATA.vectors / np.linalg.norm(DATA.vectors, axis=1, keepdims=True)
    scores = unit @ (query / np.linalg.norm(query))
    return [DATA.ids[i] for i in np.argsort(-scores)[:k]]


@pytest.fixture(scope="module", params=KINDS)
def loaded(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[VectorIndex]:
    """A read-only index holding the whole dataset."""
    index = open_index(request.param, tmp_path_factory.mktemp(f"loaded-{request.param}"))
    index.ensure_collection(SPEC)
    index.upsert(DATA.points())
    yield index
    index.close()


@pytest.fixture(params=KINDS)
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def small(kind: str, tmp_path: Path) -> Iterator[VectorIndex]:
    """A writable index with the first 300 points."""
    index = open_index(kind, tmp_path)
    index.ensure_collection(SPEC)
    index.upsert(DATA.points(0, 300))
    yield index
    index.close()


# ---------------------------------------------------------------- collection


def test_adapters_implement_the_port(loaded: VectorIndex) -> None:
    assert isinstance(loaded, VectorIndex)
    assert loaded.spec.dimension == DIM


def test_collection_has_the_schema_payload_indexes(loaded: VectorIndex) -> None:
    info = loaded.info()
    assert (info.name, info.dimension, info.distance, info.points_count) == (
        "video_segments",
        DIM,
        "cosine",
        N,
    )
    expected = {index.field: index.kind for index in DEFAULT_PAYLOAD_INDEXES}
    if isinstance(loaded, EdgeVectorIndex):
        assert info.payload_indexes == expected
    else:  # local mode has no payload indexes and says so
        assert info.payload_indexes is None


def test_ensure_collection_twice_is_harmless(small: VectorIndex) -> None:
    small.ensure_collection(SPEC)
    assert small.count() == 300


def test_dimension_mismatch_is_an_input_error(kind: str, tmp_path: Path) -> None:
    index = open_index(kind, tmp_path)
    index.ensure_collection(SPEC)
    index.upsert(DATA.points(0, 10))
    wrong = CollectionSpec(SPEC.name, dimension=DIM + 16)
    with pytest.raises(InvalidInputError, match=r"dimension|-d"):
        index.ensure_collection(wrong)
    with pytest.raises(InvalidInputError, match="dimension"):
        index.upsert([VectorPoint(uuid.uuid4(), np.ones(DIM + 1), {})])
    with pytest.raises(InvalidInputError, match="dimension"):
        index.search(np.ones(DIM - 1), limit=3)
    index.close()
    reopened = open_index(kind, tmp_path)
    with pytest.raises(InvalidInputError):
        reopened.ensure_collection(wrong)
    reopened.ensure_collection(SPEC)
    assert reopened.count() == 10
    reopened.close()


# ---------------------------------------------------------------- points


def test_retrieve_returns_payloads_with_real_booleans(loaded: VectorIndex) -> None:
    missing = uuid.uuid4()
    points = loaded.retrieve([DATA.ids[7], missing, DATA.ids[3]], with_vectors=True)
    assert [p.id for p in points] == [DATA.ids[7], DATA.ids[3]]
    for point, row in zip(points, (7, 3), strict=True):
        assert dict(point.payload) == DATA.payloads[row]
        for name in ("has_faces", "has_vehicles", "motion_detected", "privacy_applied"):
            assert type(point.payload[name]) is bool
        unit = DATA.vectors[row] / np.linalg.norm(DATA.vectors[row])
        assert point.vector is not None
        np.testing.assert_allclose(point.vector, unit, atol=1e-5)
    assert loaded.retrieve([DATA.ids[1]])[0].vector is None


def test_upsert_updates_and_delete_removes(small: VectorIndex) -> None:
    target = DATA.ids[5]
    changed = {**DATA.payloads[5], "has_faces": not DATA.payloads[5]["has_faces"], "camera_id": "CAM-NEW"}
    new_vector = np.full(DIM, 0.5, dtype=np.float32)
    small.upsert([VectorPoint(target, new_vector, changed)])
    assert small.count() == 300
    assert dict(small.retrieve([target])[0].payload) == changed
    assert small.search(new_vector, limit=1)[0].id == target
    assert small.count(VectorFilter.all_of(Equals("camera_id", "CAM-NEW"))) == 1

    doomed = DATA.ids[10:20]
    small.delete([*doomed, uuid.uuid4()])
    assert small.count() == 290
    assert small.retrieve(doomed) == []
    assert not {h.id for h in small.search(DATA.vectors[12], limit=300)} & set(doomed)


def test_iter_points_reads_everything(small: VectorIndex) -> None:
    seen = list(small.iter_points(batch_size=64))
    assert {p.id for p in seen} == set(DATA.ids[:300])
    assert all(p.vector is None for p in seen)
    with_vectors = next(small.iter_points(batch_size=5, with_vectors=True))
    assert with_vectors.vector is not None
    assert len(with_vectors.vector) == DIM


# ---------------------------------------------------------------- search


def test_search_ranks_nearest_first(loaded: VectorIndex) -> None:
    rng = np.random.default_rng(1)
    for row in (0, 321, 1499):
        query = DATA.vectors[row] + 0.05 * rng.standard_normal(DIM).astype(np.float32)
        hits = loaded.search(query, limit=10)
        assert [h.id for h in hits] == cosine_top(query, 10)
        assert hits[0].id == DATA.ids[row]
        assert all(a.score >= b.score for a, b in itertools.pairwise(hits))
        assert hits[0].payload["segment_id"] == str(DATA.ids[row])
        assert type(hits[0].payload["has_faces"]) is bool


def test_score_threshold_cuts_weak_hits(loaded: VectorIndex) -> None:
    query = DATA.vectors[42]
    hits = loaded.search(query, limit=50)
    threshold = hits[9].score
    kept = loaded.search(query, limit=50, score_threshold=threshold)
    assert [h.id for h in kept] == [h.id for h in hits if h.score > threshold]  # strictly better, as Qdrant
    assert len(kept) == 9
    assert loaded.search(query, limit=5, score_threshold=1.01) == []


def _ts(i: int) -> datetime:
    return BASE_TIME + timedelta(seconds=15 * i)


FILTERS: list[tuple[str, VectorFilter, Callable[[dict[str, Any]], bool]]] = [
    ("faces true", VectorFilter.all_of(Flag("has_faces", True)), lambda p: p["has_faces"]),
    ("faces false", VectorFilter.all_of(Flag("has_faces", False)), lambda p: not p["has_faces"]),
    ("motion true", VectorFilter.all_of(Flag("motion_detected", True)), lambda p: p["motion_detected"]),
    ("motion false", VectorFilter.all_of(Flag("motion_detected", False)), lambda p: not p["motion_detected"]),
    ("vehicles (no index)", VectorFilter.all_of(Flag("has_vehicles", True)), lambda p: p["has_vehicles"]),
    (
        "privacy false",
        VectorFilter.all_of(Flag("privacy_applied", False)),
        lambda p: not p["privacy_applied"],
    ),
    ("not faces true", VectorFilter(must_not=(Flag("has_faces", True),)), lambda p: not p["has_faces"]),
    (
        "not motion false",
        VectorFilter(must_not=(Flag("motion_detected", False),)),
        lambda p: p["motion_detected"],
    ),
    ("camera", VectorFilter.all_of(Equals("camera_id", "CAM-03")), lambda p: p["camera_id"] == "CAM-03"),
    (
        "location",
        VectorFilter.all_of(Equals("location", "Loading Bay")),
        lambda p: p["location"] == "Loading Bay",
    ),
    (
        "any of cameras",
        VectorFilter.all_of(AnyOf("camera_id", ("CAM-00", "CAM-04"))),
        lambda p: p["camera_id"] in ("CAM-00", "CAM-04"),
    ),
    ("integer", VectorFilter.all_of(Equals("face_count", 2)), lambda p: p["face_count"] == 2),
    (
        "start_time range",
        VectorFilter.all_of(NumberRange("start_time", gte=60.0, lte=180.0)),
        lambda p: 60.0 <= p["start_time"] <= 180.0,
    ),
    (
        "start_time open range",
        VectorFilter.all_of(NumberRange("start_time", gt=300.0)),
        lambda p: p["start_time"] > 300.0,
    ),
    (
        "timestamp datetimes",
        VectorFilter.all_of(TimeRange("timestamp", gte=_ts(200), lt=_ts(650))),
        lambda p: _ts(200) <= datetime.fromisoformat(p["timestamp"]) < _ts(650),
    ),
    (
        "timestamp ISO strings with offsets",
        # 16:00+02:00 is 14:00Z = row 0; 15:15Z is row 300
        VectorFilter.all_of(
            TimeRange("timestamp", gt="2024-02-09T16:00:00+02:00", lte="2024-02-09T15:15:00Z")
        ),
        lambda p: _ts(0) < datetime.fromisoformat(p["timestamp"]) <= _ts(300),
    ),
    (
        "timestamp naive string is UTC",
        VectorFilter.all_of(TimeRange("timestamp", lte="2024-02-09 14:30:00")),
        lambda p: datetime.fromisoformat(p["timestamp"]) <= _ts(120),
    ),
    (
        "objects contain any",
        VectorFilter.all_of(AnyOf("objects_detected", ("dog", "truck"))),
        lambda p: bool({"dog", "truck"} & set(p["objects_detected"])),
    ),
    (
        "must_not objects",
        VectorFilter(must_not=(AnyOf("objects_detected", ("person",)),)),
        lambda p: "person" not in p["objects_detected"],
    ),
    (
        "everything at once",
        VectorFilter(
            must=(
                AnyOf("camera_id", ("CAM-01", "CAM-02", "CAM-05")),
                Flag("motion_detected", True),
                NumberRange("start_time", lte=450.0),
                TimeRange("timestamp", gte=_ts(100)),
            ),
            must_not=(Flag("has_faces", False), Equals("location", "Mall Entrance")),
        ),
        lambda p: (
            p["camera_id"] in ("CAM-01", "CAM-02", "CAM-05")
            and p["motion_detected"]
            and p["start_time"] <= 450.0
            and datetime.fromisoformat(p["timestamp"]) >= _ts(100)
            and p["has_faces"]
            and p["location"] != "Mall Entrance"
        ),
    ),
]


@pytest.mark.parametrize(("name", "vector_filter", "predicate"), FILTERS, ids=[f[0] for f in FILTERS])
def test_filters_select_exactly_the_matching_points(
    loaded: VectorIndex, name: str, vector_filter: VectorFilter, predicate: Callable[[dict[str, Any]], bool]
) -> None:
    expected = DATA.where(predicate)
    assert 0 < len(expected) < N, f"filter {name!r} should split the data"
    assert loaded.count(vector_filter) == len(expected)
    hits = loaded.search(DATA.vectors[0], limit=N, filter=vector_filter)
    assert {h.id for h in hits} == expected
    assert all(predicate(dict(h.payload)) for h in hits)


def test_filter_composes_with_and(loaded: VectorIndex) -> None:
    cameras = VectorFilter.all_of(AnyOf("camera_id", ("CAM-00", "CAM-01")))
    combined = cameras.and_(VectorFilter.all_of(Flag("has_faces", True))).and_(None)
    expected = DATA.where(lambda p: p["camera_id"] in ("CAM-00", "CAM-01") and p["has_faces"])
    assert loaded.count(combined) == len(expected)


def test_count_without_filter(loaded: VectorIndex) -> None:
    assert loaded.count() == N
    assert loaded.count(VectorFilter()) == N


def test_booleans_must_be_declared_and_filtered_with_flag(loaded: VectorIndex) -> None:
    with pytest.raises(InvalidInputError, match="not a boolean field"):
        loaded.count(VectorFilter.all_of(Flag("camera_id", True)))
    with pytest.raises(InvalidInputError, match="Flag"):
        loaded.count(VectorFilter.all_of(Equals("has_faces", 1)))
    with pytest.raises(InvalidInputError):
        Equals("has_faces", True)


def test_search_batch_matches_single_searches(loaded: VectorIndex) -> None:
    queries = [
        VectorQuery(DATA.vectors[1], limit=5),
        VectorQuery(DATA.vectors[2], limit=8, filter=VectorFilter.all_of(Flag("has_faces", False))),
        VectorQuery(DATA.vectors[3], limit=3, score_threshold=0.2),
    ]
    batch = loaded.search_batch(queries)
    assert len(batch) == 3
    for query, hits in zip(queries, batch, strict=True):
        single = loaded.search(
            query.vector, limit=query.limit, filter=query.filter, score_threshold=query.score_threshold
        )
        assert [h.id for h in hits] == [h.id for h in single]
    assert loaded.search_batch([]) == []


def test_concurrent_searches_and_upserts(small: VectorIndex) -> None:
    faces = VectorFilter.all_of(Flag("has_faces", True))

    def searcher(seed: int) -> int:
        return sum(
            len(small.search(DATA.vectors[row], limit=5, filter=faces)) for row in range(seed, seed + 20)
        )

    with ThreadPoolExecutor(max_workers=4) as pool:
        futures = [pool.submit(searcher, s * 20) for s in range(4)]
        for start in range(300, 500, 50):
            small.upsert(DATA.points(start, start + 50))
        assert [f.result() for f in futures] == [100] * 4  # .result() re-raises a worker's exception
    assert small.count() == 500


def test_optimize_keeps_results(small: VectorIndex) -> None:
    before = [h.id for h in small.search(DATA.vectors[9], limit=10)]
    small.optimize()
    assert [h.id for h in small.search(DATA.vectors[9], limit=10)] == before


# ---------------------------------------------------------------- persistence and snapshots


def test_data_survives_close_and_reopen(kind: str, tmp_path: Path) -> None:
    first = open_index(kind, tmp_path)
    first.ensure_collection(SPEC)
    first.upsert(DATA.points(0, 300))
    first.close()

    again = open_index(kind, tmp_path)
    again.ensure_collection(SPEC)
    assert again.count() == 300
    assert dict(again.retrieve([DATA.ids[17]])[0].payload) == DATA.payloads[17]
    faces = VectorFilter.all_of(Flag("has_faces", True))
    assert again.count(faces) == sum(p["has_faces"] for p in DATA.payloads[:300])
    assert again.search(DATA.vectors[17], limit=1)[0].id == DATA.ids[17]
    again.close()


def test_snapshot_round_trip(kind: str, small: VectorIndex, tmp_path: Path) -> None:
    snapshot = small.snapshot(tmp_path / "snapshots")
    assert snapshot.is_file()
    assert snapshot.parent == tmp_path / "snapshots"
    deleted = DATA.ids[:100]
    small.delete(deleted)
    small.upsert(DATA.points(300, 310))
    assert small.count() == 210

    small.restore_snapshot(snapshot)

    assert small.count() == 300
    assert [p.id for p in small.retrieve(deleted)] == deleted
    assert small.retrieve(DATA.ids[300:310]) == []
    assert dict(small.retrieve([DATA.ids[0]])[0].payload) == DATA.payloads[0]
    faces = VectorFilter.all_of(Flag("has_faces", False))
    assert small.count(faces) == sum(not p["has_faces"] for p in DATA.payloads[:300])
    assert small.search(DATA.vectors[50], limit=1)[0].id == DATA.ids[50]
    small.upsert(DATA.points(300, 301))  # still writable
    assert small.count() == 301
    small.close()
    reopened = open_index(kind, tmp_path)  # the restored store opens again
    reopened.ensure_collection(SPEC)
    assert reopened.count() == 301
    reopened.close()


def test_restore_refuses_bad_snapshots_and_leaves_the_data(kind: str, tmp_path: Path) -> None:
    other = open_index(kind, tmp_path / "other")
    other.ensure_collection(CollectionSpec(SPEC.name, dimension=8))
    other.upsert([VectorPoint(uuid.uuid4(), np.ones(8), {})])
    snapshot = other.snapshot(tmp_path / "snapshots")
    other.close()
    index = open_index(kind, tmp_path / "main")
    index.ensure_collection(SPEC)
    index.upsert(DATA.points(0, 5))
    with pytest.raises(InvalidInputError):
        index.restore_snapshot(snapshot)
    assert index.count() == 5
    with pytest.raises(InvalidInputError):
        index.restore_snapshot(tmp_path / "no-such.snapshot")
    garbage = tmp_path / "garbage.snapshot"
    garbage.write_bytes(b"not a snapshot at all" * 100)
    with pytest.raises(InvalidInputError):
        index.restore_snapshot(garbage)
    good = write_export(index, tmp_path / "exports")
    truncated = tmp_path / "truncated.vectors.jsonl.gz"
    truncated.write_bytes(good.read_bytes()[:-30])
    with pytest.raises(InvalidInputError):
        index.restore_snapshot(truncated)
    assert index.count() == 5
    assert index.search(DATA.vectors[2], limit=1)[0].id == DATA.ids[2]
    index.close()


@pytest.mark.parametrize("source_kind", KINDS)
def test_portable_export_moves_a_collection_between_engines(
    kind: str, source_kind: str, tmp_path: Path
) -> None:
    source = open_index(source_kind, tmp_path / "source")
    source.ensure_collection(SPEC)
    source.upsert(DATA.points(0, 200))
    export = write_export(source, tmp_path / "exports")
    source.close()

    target = open_index(kind, tmp_path / "target")
    target.ensure_collection(SPEC)
    target.upsert(DATA.points(500, 520))
    target.restore_snapshot(export)
    assert target.count() == 200
    assert dict(target.retrieve([DATA.ids[99]])[0].payload) == DATA.payloads[99]
    assert target.search(DATA.vectors[99], limit=1)[0].id == DATA.ids[99]
    assert target.count(VectorFilter.all_of(Flag("motion_detected", True))) == sum(
        p["motion_detected"] for p in DATA.payloads[:200]
    )
    target.close()


# ---------------------------------------------------------------- environment problems


def test_a_store_that_cannot_be_opened_is_an_environment_problem(kind: str, tmp_path: Path) -> None:
    if kind == "edge":
        holder = EdgeVectorIndex(tmp_path)
        holder.ensure_collection(SPEC)
        with pytest.raises(EnvironmentProblemError, match="in use by another ChronoTrace"):
            EdgeVectorIndex(tmp_path).ensure_collection(SPEC)
        holder.close()
        (tmp_path / "blocked").write_text("a file where a folder should be")
        with pytest.raises(EnvironmentProblemError):
            EdgeVectorIndex(tmp_path / "blocked").ensure_collection(SPEC)
    else:
        unreachable = QdrantClientIndex(url="http://127.0.0.1:9", timeout=2)
        with pytest.raises(EnvironmentProblemError, match="cannot be reached"):
            unreachable.ensure_collection(SPEC)
        unreachable.close()
        holder_client = QdrantClient(path=str(tmp_path / "local"))
        with pytest.raises(EnvironmentProblemError, match="local Qdrant"):
            open_vector_index("server", path=tmp_path / "local")
        holder_client.close()


def test_factory_builds_both_adapters(tmp_path: Path) -> None:
    edge = open_vector_index("edge", path=tmp_path / "vectors")
    assert isinstance(edge, EdgeVectorIndex)
    server = open_vector_index("server", path=tmp_path / "qdrant-local")
    assert isinstance(server, QdrantClientIndex)
    server.close()
    with pytest.raises(InvalidInputError):
        open_vector_index("edge")
    with pytest.raises(InvalidInputError):
        open_vector_index("cloud", path=tmp_path)  # type: ignore[arg-type]


# ---------------------------------------------------------------- the edge engine's boolean bug


def test_edge_engine_still_cannot_match_booleans(tmp_path: Path) -> None:
    """Canary: when this fails, qdrant-edge matches booleans again and the 0/1 encoding may go."""
    assert qe.MatchValue(True).value == 1  # the binding turns True into the integer 1
    shard = qe.EdgeShard.create(
        str(tmp_path / "raw"), qe.EdgeConfig(vectors=qe.EdgeVectorParams(size=2, distance=qe.Distance.Cosine))
    )
    points = [qe.Point(uuid.uuid4(), [1.0, float(i)], {"b": i % 2 == 0}) for i in range(10)]
    shard.update(qe.UpdateOperation.upsert_points(points))
    for value in (True, False):
        condition = qe.FieldCondition("b", match=qe.MatchValue(value))
        assert shard.count(qe.CountRequest(filter=qe.Filter(must=[condition]))) == 0
    shard.close()


def test_edge_stores_booleans_as_integers(tmp_path: Path) -> None:
    index = EdgeVectorIndex(tmp_path)
    index.ensure_collection(SPEC)
    index.upsert(DATA.points(0, 3))
    index.close()
    shard = qe.EdgeShard.load(str(tmp_path / SPEC.name))
    raw = shard.retrieve([DATA.ids[0]], True, False)[0].payload or {}
    shard.close()
    assert raw["has_faces"] == int(DATA.payloads[0]["has_faces"])
    assert type(raw["has_faces"]) is int
