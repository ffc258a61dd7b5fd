"""Appearance vectors of one video's tracks: crops from the stored segment cuts, embedded, pooled, upserted.

Frames come from the segment cuts in the media store (the original file is not kept after ingest), so ingest
and the backfill share one path. A cut starts on the keyframe at or before its window: a frame at ``t`` in
the cut is at ``clip_start + t`` in the video. Each cut holding chosen points is decoded once, over the span
of those points only, at ``DECODE_FPS`` (the tracker's points sit on the 2 fps ingest grid; the nearest
frame within ``MATCH_TOLERANCE`` is used).

Point ids derive from (video id, track key), so indexing a video again overwrites its points; points of
tracks that no longer exist (tracks rebuilt with fewer ids) are deleted.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from chronotrace_desktop.analysis.appearance import CropPlan, choose_points, crop, letterbox, pool
from chronotrace_desktop.domain.clock import utc_iso
from chronotrace_desktop.media.frames import sample_frames
from chronotrace_desktop.services.appearance import store
from chronotrace_desktop.storage.vectors import (
    CollectionSpec,
    Equals,
    PayloadIndex,
    PayloadIndexKind,
    VectorFilter,
    VectorPoint,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    import numpy.typing as npt

    from chronotrace_desktop.analysis.appearance import CropEmbedder
    from chronotrace_desktop.domain.analysis import TrackPoint
    from chronotrace_desktop.storage.blobs import BlobStore
    from chronotrace_desktop.storage.database import Database
    from chronotrace_desktop.storage.vectors import VectorIndex

logger = logging.getLogger(__name__)

APPEARANCE_DIMENSION = 1280  # MobileNetV2's penultimate layer
DECODE_FPS = 8.0
MATCH_TOLERANCE = 0.15  # seconds between a track point and the decoded frame used for it
DECODE_MAX_SIDE = 960  # crops are cut from frames at most this large (boxes are normalised)
_POINT_NAMESPACE = uuid.UUID("6b1d3c52-5a0e-4f7e-9d55-3a1c0f2e7a11")

_KEYWORD, _DATETIME = PayloadIndexKind.KEYWORD, PayloadIndexKind.DATETIME
PAYLOAD_INDEXES = tuple(
    PayloadIndex(name, _DATETIME if name.endswith("_at") else _KEYWORD)
    for name in ("video_id", "camera_id", "label_group", "first_seen_at", "last_seen_at")
)


def appearance_spec(base_collection: str) -> CollectionSpec:
    return CollectionSpec(
        f"{base_collection}__appearance",
        dimension=APPEARANCE_DIMENSION,
        payload_indexes=PAYLOAD_INDEXES,
        bool_fields=(),
    )


def point_id(video_id: uuid.UUID, track_key: int) -> uuid.UUID:
    return uuid.uuid5(_POINT_NAMESPACE, f"{video_id}:{track_key}")


@dataclass(frozen=True, slots=True)
class VideoIndexed:
    tracks: int
    skipped: int


class TrackIndexer:
    """Builds and stores the appearance vectors of a video's tracks."""

    def __init__(
        self,
        database: Database,
        blobs: BlobStore,
        index: Callable[[], VectorIndex],
        embedder: Callable[[], CropEmbedder],
        model: tuple[str, str] = ("mobilenet_v2-imagenet1k_v1", ""),
    ) -> None:
        self._db = database
        self._blobs = blobs
        self._index = index
        self._embedder = embedder
        self._model = model

    def index_video(self, video_id: uuid.UUID, check: Callable[[], None]) -> VideoIndexed:
        started = time.perf_counter()
        with self._db.transaction() as session:
            tracks = store.tracks_of(session, video_id)
            spans = store.segments_of(session, video_id)
        frame_size = self._frame_size(spans)
        plans = {
            s.info.track_key: choose_points(s.track, s.info.group, *frame_size) for s in tracks if frame_size
        }
        crops, owners = self._crops(spans, list(plans.values()), check)
        embedder = self._embedder()
        vectors = np.zeros((0, APPEARANCE_DIMENSION), dtype=np.float32)
        if crops:
            vectors = np.asarray(embedder.embed_images(crops), dtype=np.float32)
        by_track: dict[int, list[int]] = defaultdict(list)
        for row, key in enumerate(owners):
            by_track[key].append(row)
        points: list[VectorPoint] = []
        for stored in tracks:
            rows = by_track.get(stored.info.track_key)
            pooled = pool(vectors[rows]) if rows else None
            if pooled is None:
                continue
            plan = plans[stored.info.track_key]
            points.append(
                VectorPoint(
                    point_id(video_id, stored.info.track_key),
                    pooled,
                    self._payload(stored, plan, spans, len(rows or [])),
                )
            )
        index = self._index()
        self._drop_stale(index, video_id, {p.id for p in points})
        if points:
            index.upsert(points)
        logger.info(
            "appearance: video %s, %d of %d tracks indexed from %d crops in %.2f s",
            video_id,
            len(points),
            len(tracks),
            len(crops),
            time.perf_counter() - started,
        )
        return VideoIndexed(len(points), len(tracks) - len(points))

    def _frame_size(self, spans: list[store.SegmentSpan]) -> tuple[int, int] | None:
        """The decoded frame size (from the first cut that decodes), for the crop-size floor."""
        for span in spans:
            if span.key is None or not self._blobs.exists(span.key):
                continue
            for frame in sample_frames(
                self._blobs.readable(span.key), fps=1.0, max_side=DECODE_MAX_SIDE, end=1.0
            ):
                height, width = frame.image.shape[:2]
                return width, height
        return None

    def _crops(
        self, spans: list[store.SegmentSpan], plans: list[CropPlan], check: Callable[[], None]
    ) -> tuple[list[npt.NDArray[np.uint8]], list[int]]:
        """Every chosen point's crop and the track key it belongs to, decoding each cut once."""
        wanted: dict[int, list[tuple[int, TrackPoint]]] = defaultdict(list)
        for plan in plans:
            for point in plan.points:
                span = store.segment_at(spans, point.t)
                if span is not None:
                    wanted[span.index].append((plan.track_id, point))
        crops: list[npt.NDArray[np.uint8]] = []
        owners: list[int] = []
        for span in spans:
            items = wanted.get(span.index)
            if not items or span.key is None or not self._blobs.exists(span.key):
                continue
            check()
            low = max(0.0, min(p.t for _, p in items) - span.clip_start - MATCH_TOLERANCE)
            high = max(p.t for _, p in items) - span.clip_start + MATCH_TOLERANCE
            frames = list(
                sample_frames(
                    self._blobs.readable(span.key),
                    fps=DECODE_FPS,
                    max_side=DECODE_MAX_SIDE,
                    start=low,
                    end=high + 1e-3,
                    should_stop=None,
                )
            )
            if not frames:
                continue
            times = np.array([span.clip_start + f.t for f in frames])
            for key, point in items:
                nearest = int(np.argmin(np.abs(times - point.t)))
                if abs(times[nearest] - point.t) > MATCH_TOLERANCE:
                    continue
                piece = crop(frames[nearest].image, point.box)
                if piece is not None:
                    crops.append(letterbox(piece))
                    owners.append(key)
        return crops, owners

    def _payload(
        self, stored: store.StoredTrack, plan: CropPlan, spans: list[store.SegmentSpan], crops: int
    ) -> dict[str, Any]:
        info = stored.info
        best = max(plan.points, key=lambda p: p.box.area * max(p.box.score, 0.05)).t
        best_span = store.segment_at(spans, best)
        covered = [s for s in spans if s.end > info.first_seen and s.start <= info.last_seen]
        payload: dict[str, Any] = {
            "track_id": str(info.track_id),
            "video_id": str(info.video_id),
            "track_key": info.track_key,
            "camera_id": info.camera_id,
            "label": info.label,
            "label_group": info.group,
            "first_seen": round(info.first_seen, 3),
            "last_seen": round(info.last_seen, 3),
            "best_t": round(best, 3),
            "best_segment_id": str(best_span.id) if best_span else None,
            "segment_ids": [str(s.id) for s in covered],
            "crops": crops,
            "embedding_model": self._model[0],
            "embedding_version": self._model[1],
        }
        first_at = store.wall_clock(stored.recorded_at, info.first_seen)
        last_at = store.wall_clock(stored.recorded_at, info.last_seen)
        if first_at is not None and last_at is not None:
            payload["first_seen_at"] = utc_iso(first_at)
            payload["last_seen_at"] = utc_iso(last_at)
        return payload

    def _drop_stale(self, index: VectorIndex, video_id: uuid.UUID, keep: set[uuid.UUID]) -> None:
        """Delete this video's points that are not in ``keep`` (found by a filtered search)."""
        video_filter = VectorFilter.all_of(Equals("video_id", str(video_id)))
        count = index.count(video_filter)
        if count == 0:
            return
        probe = np.zeros(APPEARANCE_DIMENSION, dtype=np.float32)
        probe[0] = 1.0
        stale = [h.id for h in index.search(probe, limit=count, filter=video_filter) if h.id not in keep]
        if stale:
            index.delete(stale)

    def delete_video(self, video_id: uuid.UUID) -> None:
        self._drop_stale(self._index(), video_id, set())
