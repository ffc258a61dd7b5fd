"""Find this person (or vehicle) elsewhere: nearest tracks by pooled appearance vector, as search hits.

The query track's stored vector is searched in the appearance collection (``<collection>__appearance``),
filtered in the vector store to the same label group (people find people), the wanted wall-clock window
(tracks overlapping it; only videos with a known start can match one), a case's videos and, when asked,
other cameras. Each matched track becomes one hit: the segment where that track is seen best, with
``why`` = "appearance: …". Every call is logged as a search (``searches.query_type = 'appearance'``).

Permissions: searching needs SEARCH (viewers may); indexing (the backfill) needs INGEST_VIDEO, because it
writes to the library's vector store the way ingest does.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from typing import TYPE_CHECKING

from chronotrace_desktop.domain.appearance import (
    AppearanceIndexReport,
    AppearanceQuery,
    PickedTrack,
    TrackInfo,
    TrackMatch,
)
from chronotrace_desktop.domain.errors import (
    EnvironmentProblemError,
    NotFoundError,
    OperationCancelledError,
)
from chronotrace_desktop.domain.roles import Action
from chronotrace_desktop.domain.search import DEFAULT_LIMIT, QueryType, SearchResult, SearchTimings
from chronotrace_desktop.services.appearance import store
from chronotrace_desktop.services.appearance.index import TrackIndexer, appearance_spec, point_id
from chronotrace_desktop.services.cases import case_video_ids
from chronotrace_desktop.services.search.rank import segment_hit
from chronotrace_desktop.services.search.store import fetch_segments, log_searches
from chronotrace_desktop.storage.vectors import AnyOf, Condition, Equals, TimeRange, VectorFilter

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from sqlalchemy.orm import Session

    from chronotrace_desktop.analysis.appearance import CropEmbedder
    from chronotrace_desktop.domain.appearance import TimeWindow, TrackRef
    from chronotrace_desktop.domain.media import Box
    from chronotrace_desktop.domain.search import SearchHit
    from chronotrace_desktop.domain.tasks import ProgressCallback, TaskControl
    from chronotrace_desktop.domain.users import Actor
    from chronotrace_desktop.services.access import AuditService, Authorizer
    from chronotrace_desktop.services.search.store import SegmentRow
    from chronotrace_desktop.storage.blobs import BlobStore
    from chronotrace_desktop.storage.database import Database
    from chronotrace_desktop.storage.vectors import CollectionSpec, VectorHit, VectorIndex

logger = logging.getLogger(__name__)

ENGINE = "appearance"
MIN_PICK_IOU = 0.1  # a clicked box must overlap the track's box at least this much
PICK_TIME_TOLERANCE = 1.5
CANDIDATES_PER_HIT = 4
MAX_CANDIDATES = 1000  # seconds between the clicked moment and the track point used


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000.0


def _default_embedder() -> CropEmbedder:
    from chronotrace_desktop.embedding.mobilenet import imagenet_classifier

    return imagenet_classifier()


class AppearanceService:
    def __init__(
        self,
        database: Database,
        blobs: BlobStore,
        authorizer: Authorizer,
        audit: AuditService,
        open_index: Callable[[CollectionSpec], VectorIndex],
        base_collection: str,
        *,
        embedder: Callable[[], CropEmbedder] = _default_embedder,
    ) -> None:
        self._db = database
        self._authorizer = authorizer
        self._audit = audit
        self._open = open_index
        self._spec = appearance_spec(base_collection)
        self._index: VectorIndex | None = None
        self._lock = threading.Lock()
        self._indexer = TrackIndexer(database, blobs, self.index, embedder)

    def index(self) -> VectorIndex:
        """The appearance collection, opened on first use."""
        with self._lock:
            if self._index is None:
                self._index = self._open(self._spec)
            return self._index

    def close(self) -> None:
        with self._lock:
            index, self._index = self._index, None
        if index is not None:
            index.close()

    # ------------------------------------------------------------------ indexing

    def at_ingest(self, actor: Actor, video_id: uuid.UUID, task: TaskControl) -> list[str]:
        """Index one freshly ingested video; never raises for a missing model or store (a warning, and the
        state in ``videos.metadata['appearance']``, say so; ``chronotrace appearance index`` repairs it)."""
        self._authorizer.require(actor, Action.INGEST_VIDEO, resource_type="video", resource_id=video_id)
        state = self._index_one(video_id, task)
        if state["state"] == "indexed":
            return []
        return [f"appearance vectors not built ({state['state']}); 'chronotrace appearance index' retries"]

    def index_videos(
        self,
        actor: Actor,
        video_ids: Sequence[uuid.UUID] | None,
        task: TaskControl,
        *,
        progress: ProgressCallback[str] | None = None,
    ) -> AppearanceIndexReport:
        """The backfill: these videos (None: every completed one), one after the other."""
        self._authorizer.require(actor, Action.INGEST_VIDEO, resource_type="video")
        started = time.perf_counter()
        if video_ids is None:
            with self._db.transaction() as session:
                video_ids = store.indexable_videos(session)
        tracks = skipped = 0
        states: list[str] = []
        for number, video_id in enumerate(video_ids, start=1):
            task.check_cancelled()
            state = self._index_one(video_id, task)
            tracks += int(str(state.get("tracks", 0)))
            skipped += int(str(state.get("skipped", 0)))
            states.append(str(state["state"]))
            if progress is not None:
                progress(number, len(video_ids), f"{video_id}: {state['state']}")
        problems = [s for s in states if s != "indexed"]
        summary = problems[0] if problems else "indexed"
        return AppearanceIndexReport(len(video_ids), tracks, skipped, time.perf_counter() - started, summary)

    def _index_one(self, video_id: uuid.UUID, task: TaskControl) -> dict[str, object]:
        started = time.perf_counter()
        try:
            done = self._indexer.index_video(video_id, task.check_cancelled)
            state: dict[str, object] = {
                "state": "indexed",
                "tracks": done.tracks,
                "skipped": done.skipped,
                "seconds": round(time.perf_counter() - started, 2),
            }
        except EnvironmentProblemError as exc:  # the model or the vector store is missing or broken
            logger.warning("appearance vectors of video %s not built: %s", video_id, exc)
            state = {"state": f"not built: {exc}"}
        except OperationCancelledError:
            state = {"state": "cancelled"}
        with self._db.transaction() as session:
            store.record_state(session, video_id, state)
        return state

    # ------------------------------------------------------------------ searching

    def track(self, actor: Actor, ref: TrackRef) -> TrackInfo:
        self._authorizer.require(actor, Action.SEARCH, resource_type="search")
        with self._db.transaction() as session:
            return store.resolve(session, ref).info

    def like_track(
        self,
        actor: Actor,
        ref: TrackRef,
        *,
        window: TimeWindow | None = None,
        other_cameras_only: bool = False,
        case_id: str | None = None,
        limit: int = DEFAULT_LIMIT,
    ) -> SearchResult:
        """Segments where tracks that look like ``ref`` are best seen, most alike first (see the module)."""
        query = AppearanceQuery(ref, window, other_cameras_only, case_id, limit)
        return self.similar_tracks(actor, query)[0]

    def similar_tracks(
        self, actor: Actor, query: AppearanceQuery
    ) -> tuple[SearchResult, tuple[TrackMatch, ...]]:
        """:meth:`like_track` with the matched tracks themselves (one per track, best first)."""
        started = time.perf_counter()
        actor = self._authorizer.require(actor, Action.SEARCH, resource_type="search")
        t0 = time.perf_counter()
        with self._db.transaction() as session:
            source = store.resolve(session, query.track)
            in_case = case_video_ids(session, query.case_id) if query.case_id is not None else None
        db_ms = _ms(t0)
        t0 = time.perf_counter()
        own = point_id(source.info.video_id, source.info.track_key)
        stored = self.index().retrieve([own], with_vectors=True)
        if not stored or stored[0].vector is None:
            raise NotFoundError(
                f"Track {source.info.track_key} of {source.info.video_filename} has no appearance vector "
                "(too small to see, or not indexed yet: chronotrace appearance index)."
            )
        vector_filter = self._filter(source.info, query, in_case)
        # Several matched tracks may share a segment (one hit each): look further than ``limit`` tracks.
        wanted = min(query.limit * CANDIDATES_PER_HIT, MAX_CANDIDATES) + 1
        found = self.index().search(stored[0].vector, limit=wanted, filter=vector_filter)
        vector_ms = _ms(t0)
        t0 = time.perf_counter()
        with self._db.transaction() as session:
            matches = self._matches(session, [h for h in found if h.id != own], query.window)
            rows = fetch_segments(session, [m.segment_id for m in matches])
            timing = (db_ms + _ms(t0), vector_ms)
            result = self._result(source, matches, rows, started, timing, query.limit)
            extra = {"track": str(source.info.ref), "other_cameras_only": query.other_cameras_only}
            log_searches(session, self._audit, actor, [(query, result)], extra)
        logger.info(
            "appearance search by %s for track %s: %d hits in %.1f ms",
            actor.email,
            source.info.ref,
            len(result.hits),
            result.timings.total_ms,
        )
        return result, tuple(m for m in matches if m.segment_id in rows)[: query.limit]

    def _filter(
        self, source: TrackInfo, query: AppearanceQuery, in_case: list[uuid.UUID] | None
    ) -> VectorFilter:
        window = query.window
        must: list[Condition] = [Equals("label_group", source.group)]
        must_not: list[Condition] = []
        if window is not None and window.end is not None:
            must.append(TimeRange("first_seen_at", lte=window.end))
        if window is not None and window.start is not None:
            must.append(TimeRange("last_seen_at", gte=window.start))
        if in_case is not None:  # a case without videos matches nothing (the nil id), never everything
            must.append(AnyOf("video_id", tuple(str(v) for v in in_case) or (str(uuid.UUID(int=0)),)))
        if query.other_cameras_only:
            if source.camera_id:
                must_not.append(Equals("camera_id", source.camera_id))
            else:
                must_not.append(Equals("video_id", str(source.video_id)))
        return VectorFilter(must=tuple(must), must_not=tuple(must_not))

    def _matches(
        self, session: Session, hits: list[VectorHit], window: TimeWindow | None
    ) -> list[TrackMatch]:
        """The hits whose track still exists (and, with a window, still overlaps it by the video's current
        start: a clock corrected since indexing re-dates the track; ``appearance index`` re-stamps it)."""
        keys = [(uuid.UUID(str(h.payload["video_id"])), int(str(h.payload["track_key"]))) for h in hits]
        live = store.tracks_by_key(session, keys)
        out: list[TrackMatch] = []
        for hit, key in zip(hits, keys, strict=True):
            stored = live.get(key)
            best = hit.payload.get("best_segment_id")
            if stored is None or not best:  # deleted video, or tracks rebuilt since indexing
                continue
            if window is not None and not _overlaps(stored, window):
                continue
            best_t = float(hit.payload.get("best_t", stored.info.first_seen))
            seen_at = store.wall_clock(stored.recorded_at, best_t)
            out.append(TrackMatch(stored.info, float(hit.score), uuid.UUID(str(best)), best_t, seen_at))
        return out

    def _result(
        self,
        query: store.StoredTrack,
        matches: list[TrackMatch],
        rows: dict[uuid.UUID, SegmentRow],
        started: float,
        times: tuple[float, float],
        limit: int,
    ) -> SearchResult:
        info = query.info
        where = info.camera_id or info.video_filename
        when = store.wall_clock(query.recorded_at, info.first_seen)
        at = when.strftime("%Y-%m-%d %H:%M:%S") if when else f"{info.first_seen:.0f} s"
        hits: list[SearchHit] = []
        seen: set[uuid.UUID] = set()
        for match in matches:
            row = rows.get(match.segment_id)
            if row is None or row.id in seen:
                continue
            seen.add(row.id)
            m = match.track
            why = (
                f"appearance: {match.score:.2f} similar to track {info.track_key} of {where} at {at}",
                f"{m.noun} track {m.track_key}, seen best {match.best_t:.0f} s into {m.video_filename}",
            )
            hits.append(segment_hit(row, match.score, match.score, None, why))
            if len(hits) == limit:
                break
        db_ms, vector_ms = times
        return SearchResult(
            search_id=uuid.uuid4(),
            query_text=f"like {info.noun} track {info.track_key} of {info.video_filename} ({info.ref})",
            query_type=QueryType.APPEARANCE,
            hits=tuple(hits),
            cache_hit=False,
            timings=SearchTimings(_ms(started), 0.0, vector_ms, db_ms),
            understood=(f"{info.noun} appearance",),
            engines=(ENGINE,),
        )

    # ------------------------------------------------------------------ box picking

    def track_at(self, actor: Actor, segment_id: uuid.UUID, seconds: float, box: Box) -> PickedTrack:
        """The person or vehicle track whose box, near ``seconds`` after the segment's start (its redacted
        clip's own time), best overlaps ``box`` (normalised); ``NotFoundError`` when none overlaps it."""
        self._authorizer.require(actor, Action.SEARCH, resource_type="search")
        with self._db.transaction() as session:
            video_id, span = store.segment_by_id(session, segment_id)
            tracks = store.tracks_of(session, video_id)
        t = span.start + seconds
        best: PickedTrack | None = None
        for stored in tracks:
            near = [p for p in stored.track.points if abs(p.t - t) <= PICK_TIME_TOLERANCE]
            if not near:
                continue
            point = min(near, key=lambda p: abs(p.t - t))
            overlap = point.box.iou(box)
            if overlap >= MIN_PICK_IOU and (best is None or overlap > best.overlap):
                best = PickedTrack(stored.info, segment_id, point.t, point.box, overlap)
        if best is None:
            raise NotFoundError("No tracked person or vehicle under that box at this moment.")
        return best


def _overlaps(stored: store.StoredTrack, window: TimeWindow) -> bool:
    first = store.wall_clock(stored.recorded_at, stored.info.first_seen)
    last = store.wall_clock(stored.recorded_at, stored.info.last_seen)
    if first is None or last is None:
        return False
    return (window.end is None or first <= window.end) and (window.start is None or last >= window.start)
