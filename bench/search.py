"""Search latency benchmark on a synthetic library, workstation profile, in an isolated temp data dir.

    .venv/bin/python bench/search.py [--segments 100000] [--queries 40] [--rounds 3] [--no-hnsw] [--keep DIR]

Build: ``segments`` segments over videos of 20 segments each (50 cameras, 20 locations, half the videos with
a recording time), with attributes drawn like ingestion's (people and clothing colours, vehicles and their
colours, bags, faces, light, motion), their real captions (``analysis.caption``) embedded with the real
MiniLM engine (a pool of distinct captions; each segment's vector is its caption's plus a little noise, so no
two are equal), payloads as ingestion writes them, and PostgreSQL rows with metadata of ingestion's size.

Measure: ``SearchService.search`` end to end (sign-in check, query embedding, vector search with payload
filters, PostgreSQL join, ranking, and the search-log write) for new queries (cache cleared before each),
with and without filters, first on exact vector search, then again after building the HNSW index
(``optimize()``: done here in the build step, as the product must do it in the background after ingest,
never on the search path). Prints the machine, p50/p95 and the median share of the vector search.
"""

from __future__ import annotations

import argparse
import logging
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _machine import describe

from chronotrace_desktop.analysis.caption import attribute_terms, caption
from chronotrace_desktop.config import load_settings, resolve_paths
from chronotrace_desktop.domain.analysis import (
    ActivityLevel,
    Lighting,
    PersonAppearance,
    SegmentAnalysis,
    VehicleAppearance,
)
from chronotrace_desktop.domain.media import RedactionPlan
from chronotrace_desktop.domain.search import SearchFilters, SegmentQuery
from chronotrace_desktop.embedding.registry import default_text_embedder
from chronotrace_desktop.services.app import open_app
from chronotrace_desktop.storage.orm import Video, VideoSegment
from chronotrace_desktop.storage.vectors import VectorPoint

COLOURS = ["red", "orange", "yellow", "green", "blue", "purple", "pink", "brown", "black", "white", "grey"]
CLOTHES = ["black"] * 6 + ["grey"] * 4 + ["blue"] * 3 + ["white"] * 2 + ["brown", "red", "green", "orange"]
CARS = ["white"] * 5 + ["grey"] * 4 + ["black"] * 3 + ["blue"] * 2 + ["red"] * 2 + ["brown", "green"]
SEGS_PER_VIDEO = 20
QUERIES = [
    "man in a red jacket", "woman in a grey cardigan", "white car", "red car at night", "two people walking",
    "person with a backpack", "white van", "crowd of people", "cyclist", "faces visible", "bus",
    "person in black trousers and a blue top", "empty car park at night", "motorbike", "truck on the road",
    "someone running", "people sitting", "person with a suitcase", "black car", "three cars",
    "man in a white shirt", "person carrying a handbag", "blue car parked", "child with a dog",
    "person in orange hi-vis vest", "woman in a pink top", "grey truck", "silver car", "pedestrian at night",
    "group of people with bags", "person on a bicycle", "green jacket", "people near a bus",
    "man in dark clothes", "lone person at night", "yellow car", "person in a brown coat", "van and a truck",
    "someone with an umbrella", "busy road",
]  # fmt: skip


def random_analysis(rng: random.Random) -> SegmentAnalysis:
    scene = rng.choices(["street", "indoor", "road", "empty", "car park"], [3, 3, 3, 1, 2])[0]
    people_n = {"street": rng.randint(1, 8), "indoor": rng.randint(1, 6), "road": rng.randint(0, 2)}.get(
        scene, 0
    )
    cars_n = {"road": rng.randint(1, 9), "car park": rng.randint(1, 12), "street": rng.randint(0, 3)}.get(
        scene, 0
    )
    counts: dict[str, int] = {}
    if people_n:
        counts["person"] = people_n
    if cars_n:
        counts["car"] = cars_n
    for label, p in (("truck", 0.2), ("bus", 0.05), ("motorbike", 0.05), ("bicycle", 0.08)):
        if scene in ("road", "street", "car park") and rng.random() < p:
            counts[label] = rng.randint(1, 2)
    for label, p in (
        ("backpack", 0.15),
        ("handbag", 0.1),
        ("suitcase", 0.04),
        ("umbrella", 0.03),
        ("chair", 0.1),
    ):
        if people_n and rng.random() < p:
            counts[label] = 1
    people = tuple(
        PersonAppearance(rng.choice(CLOTHES), rng.choice([*CLOTHES, None]), rng.randint(1, 15))
        for _ in range(min(people_n, 4))
    )
    vehicles = tuple(
        VehicleAppearance(label, rng.choice([*CARS, None]), rng.randint(1, 15))
        for label in counts
        if label in ("car", "truck", "bus", "motorbike", "bicycle")
        for _ in range(min(counts[label], 3))
    )
    faces = rng.randint(0, min(people_n, 3)) if scene in ("indoor", "street") and rng.random() < 0.4 else 0
    lighting = rng.choices([Lighting.DAY, Lighting.LOW_LIGHT, Lighting.NIGHT], [6, 1, 2])[0]
    activity = rng.choice(list(ActivityLevel))
    motion = scene != "empty" or rng.random() < 0.3
    vehicle_n = sum(counts.get(v, 0) for v in ("car", "truck", "bus", "motorbike"))
    return SegmentAnalysis(
        start=0.0,
        end=15.0,
        frames_sampled=30,
        frames_detected=15,
        face_count=faces,
        has_faces=faces > 0,
        face_boxes=(),
        redaction=RedactionPlan(),
        people_count=people_n,
        vehicle_count=vehicle_n,
        has_vehicles=vehicle_n > 0,
        objects_detected=tuple(sorted(counts)),
        object_counts=dict(sorted(counts.items())),
        motion_detected=motion,
        motion_score=round(rng.random() * 0.1, 4),
        activity_level=activity if motion else ActivityLevel.LOW,
        lighting_condition=lighting,
        average_brightness=round(rng.random(), 3),
        dominant_colors=tuple(f"#{rng.randrange(1 << 24):06X}" for _ in range(4)),
        people=people,
        vehicles=vehicles,
    )


def fake_detections(rng: random.Random, a: SegmentAnalysis) -> list[dict[str, Any]]:
    """Per-frame boxes of ingestion's size (kept in metadata for tracking; search never reads them)."""
    labels = [label for label, n in a.object_counts.items() for _ in range(n)][:12]
    return [
        {
            "t": float(t),
            "objects": [[round(rng.random(), 4) for _ in range(4)] + [label, 0.8] for label in labels],
            "faces": [],
            "reused": False,
        }
        for t in range(15)
    ]


def build(app: Any, admin_id: uuid.UUID, n_segments: int, pool_size: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    np_rng = np.random.default_rng(seed)
    pool = [random_analysis(rng) for _ in range(pool_size)]
    started = time.perf_counter()
    embedder = default_text_embedder()
    captions = [caption(a) for a in pool]
    vectors = embedder.embed_texts(captions)
    print(f"  embedded {len(set(captions))} distinct captions in {time.perf_counter() - started:.1f} s")
    cameras = [f"CAM-{i:03d}" for i in range(50)]
    locations = [f"Site {i}" for i in range(20)]
    n_videos = (n_segments + SEGS_PER_VIDEO - 1) // SEGS_PER_VIDEO
    base = datetime(2024, 1, 1)
    started = time.perf_counter()
    done = 0
    for first in range(0, n_videos, 250):
        videos, segments, points = [], [], []
        for v in range(first, min(n_videos, first + 250)):
            vid = uuid.uuid4()
            camera, location = cameras[v % len(cameras)], locations[v % len(locations)]
            recorded = base + timedelta(minutes=7 * v) if v % 2 == 0 else None
            videos.append(
                {"id": vid, "filename": f"cam{v % 50:03d}_{v:06d}.mp4", "original_path": f"/evidence/{v:06d}.mp4",
                 "camera_id": camera, "location": location, "recorded_at": recorded, "uploaded_by": admin_id,
                 "processing_status": "completed", "duration_seconds": 300, "meta": {"sha256": uuid.uuid4().hex}}
            )  # fmt: skip
            for index in range(min(SEGS_PER_VIDEO, n_segments - v * SEGS_PER_VIDEO)):
                k = rng.randrange(pool_size)
                a = pool[k]
                sid = uuid.uuid4()
                start, end = index * 15.0, index * 15.0 + 15.0
                meta = a.metadata() | {
                    "attribute_terms": attribute_terms(a),
                    "detections": fake_detections(rng, a),
                    "redaction": {"margin": 1.3, "tracks": []},
                }
                segments.append(
                    {"id": sid, "video_id": vid, "segment_index": index, "start_time": start, "end_time": end,
                     "segment_path": f"{vid}/segments/{index:04d}.mp4",
                     "thumbnail_path": f"{vid}/thumbnails/{index:04d}.jpg",
                     "redacted_thumbnail_path": f"{vid}/thumbnails/{index:04d}.redacted.jpg",
                     "embedding_id": str(sid), "has_faces": a.has_faces, "face_count": a.face_count,
                     "has_vehicles": a.has_vehicles, "vehicle_count": a.vehicle_count, "people_count": a.people_count,
                     "privacy_applied": True, "camera_id": camera, "location": location,
                     "lighting_condition": a.lighting_condition.value if a.lighting_condition else None,
                     "motion_detected": a.motion_detected,
                     "activity_level": a.activity_level.value if a.activity_level else None,
                     "objects_detected": list(a.objects_detected), "caption": captions[k], "meta": meta}
                )  # fmt: skip
                vec = vectors[k] + np_rng.normal(0, 0.02, vectors.shape[1]).astype(np.float32)
                payload = {
                    "segment_id": str(sid), "video_id": str(vid), "start_time": start, "end_time": end,
                    "duration": 15.0, "camera_id": camera, "location": location, "has_faces": a.has_faces,
                    "face_count": a.face_count, "has_vehicles": a.has_vehicles, "vehicle_count": a.vehicle_count,
                    "has_audio": False, "privacy_applied": True, "motion_detected": a.motion_detected,
                    "activity_level": a.activity_level.value if a.activity_level else None,
                    "lighting_condition": a.lighting_condition.value if a.lighting_condition else None,
                    "thumbnail_url": f"{vid}/thumbnails/{index:04d}.redacted.jpg",
                    "segment_url": f"chronotrace://segments/{sid}/redacted",
                    "objects_detected": list(a.objects_detected), "embedding_model": embedder.model_name,
                    "dominant_colors": list(a.dominant_colors), "average_brightness": a.average_brightness,
                    "caption": captions[k], "people_count": a.people_count, "segment_index": index,
                    "video_filename": videos[-1]["filename"],
                }  # fmt: skip
                if recorded is not None:
                    payload["timestamp"] = (recorded + timedelta(seconds=start)).isoformat() + "Z"
                points.append(VectorPoint(sid, vec / np.linalg.norm(vec), payload))
        with app.database.transaction() as session:
            session.execute(sa.insert(Video), videos)
            session.execute(sa.insert(VideoSegment), segments)
        app.vectors.upsert(points)
        done += len(segments)
        if first % 2500 == 0:
            rate = done / (time.perf_counter() - started)
            print(f"  {done:,} segments written ({rate:,.0f}/s)", flush=True)
    with app.database.transaction() as session:
        session.execute(sa.text("ANALYZE videos; ANALYZE video_segments"))
    print(f"  library built: {done:,} segments in {time.perf_counter() - started:.0f} s")
    return cameras


def filter_sets(cameras: list[str]) -> list[SearchFilters]:
    return [
        SearchFilters(camera_ids=tuple(cameras[:3])),
        SearchFilters(has_faces=True),
        SearchFilters(motion=True, start_from=30.0, start_to=120.0),
        SearchFilters(objects=("car",)),
        SearchFilters(recorded_from=datetime(2024, 1, 3), recorded_to=datetime(2024, 1, 6)),
        SearchFilters(camera_ids=(cameras[7],), has_faces=False, objects=("person",)),
    ]


def measure(
    app: Any, actor: Any, queries: list[SegmentQuery], rounds: int, cold: bool
) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {"total": [], "embed": [], "vector": [], "db": []}
    search = app.search
    for _ in range(rounds):
        for query in queries:
            if cold:
                search.embedder.clear()
            started = time.perf_counter()
            result = search.search(actor, query)
            out["total"].append((time.perf_counter() - started) * 1000)
            out["embed"].append(result.timings.embed_ms)
            out["vector"].append(result.timings.vector_ms)
            out["db"].append(result.timings.db_ms)
    return out


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def report(label: str, m: dict[str, list[float]]) -> None:
    total = statistics.median(m["total"])
    vector = statistics.median(m["vector"])
    print(
        f"  {label:34} p50 {total:6.1f} ms  p95 {pct(m['total'], 0.95):6.1f} ms  | medians: embed "
        f"{statistics.median(m['embed']):5.1f}  vector {vector:5.1f}  sql {statistics.median(m['db']):5.1f}  "
        f"| vector share {vector / total:4.0%}  (n={len(m['total'])})"
    )


def run_all(app: Any, actor: Any, cameras: list[str], n_queries: int, rounds: int, title: str) -> None:
    texts = (QUERIES * (n_queries // len(QUERIES) + 1))[:n_queries]
    plain = [SegmentQuery(text=t, limit=20) for t in texts]
    sets = filter_sets(cameras)
    filtered = [SegmentQuery(text=t, limit=20, filters=sets[i % len(sets)]) for i, t in enumerate(texts)]
    measure(app, actor, plain[:5], 1, cold=True)  # warm-up: model, pools, caches of the engines
    print(title)
    report("no filters, new queries", measure(app, actor, plain, rounds, cold=True))
    report("with filters, new queries", measure(app, actor, filtered, rounds, cold=True))
    report("no filters, repeated (cache hit)", measure(app, actor, plain, rounds, cold=False))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--segments", type=int, default=100_000)
    parser.add_argument("--pool", type=int, default=4000, help="distinct synthetic captions")
    parser.add_argument("--queries", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--no-hnsw", action="store_true", help="measure exact search only (skip optimize)")
    parser.add_argument("--keep", type=Path, help="build in (or reuse) this data dir instead of a temp one")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    print(f"machine: {describe()}")
    with tempfile.TemporaryDirectory(prefix="ct-bench-search-") as tmp:
        data_dir = args.keep or Path(tmp) / "data"
        reuse = args.keep is not None and (data_dir / "postgres").exists()
        paths = resolve_paths(data_dir)
        app = open_app(load_settings(paths), paths)
        try:
            if not reuse:
                app.installation.create_first_admin("bench@chronotrace.test", "benchmark password")
            actor = app.auth.login("bench@chronotrace.test", "benchmark password")
            count = app.vectors.info().points_count
            print(f"library: {args.segments:,} segments (workstation profile, data dir {data_dir})")
            if reuse and count >= args.segments:
                cameras = [f"CAM-{i:03d}" for i in range(50)]
                run_all(
                    app,
                    actor,
                    cameras,
                    args.queries,
                    args.rounds,
                    "reused library (index as left by --keep):",
                )
                return 0
            cameras = build(app, actor.user_id, args.segments, args.pool, args.seed)
            run_all(
                app, actor, cameras, args.queries, args.rounds, "exact vector search (no HNSW index yet):"
            )
            if not args.no_hnsw:
                started = time.perf_counter()
                app.vectors.optimize()
                print(f"HNSW index built (optimize, build step) in {time.perf_counter() - started:.0f} s")
                run_all(app, actor, cameras, args.queries, args.rounds, "after the HNSW index build:")
        finally:
            app.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
