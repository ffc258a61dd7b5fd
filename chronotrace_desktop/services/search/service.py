"""Search: words, a still image or a stored segment → ranked segments, each with why it matched.

Data flow (DESIGN.md "Search data flow"): query → embedding (cached) → vector search with payload filters
→ PostgreSQL join of ``video_segments`` and ``videos`` (soft-deleted videos dropped) → ranking (caption
vector fused with exact attribute matches, ``rank``) → a ``searches`` row and a ``search_query``
audit row per search. Every hit points at the REDACTED thumbnail only, whatever the role.

Latency: the vector search is exact until the engine's HNSW index is built (``optimize()``, which holds the
GIL for minutes at 100k points): never call it here; it belongs to a background job after ingest.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from dataclasses import dataclass, field, replace
from itertools import chain
from typing import TYPE_CHECKING, Literal

from chronotrace_desktop.domain.errors import InvalidInputError, NotFoundError
from chronotrace_desktop.domain.roles import Action
from chronotrace_desktop.domain.search import QueryType, SearchHit, SearchResult, SearchTimings
from chronotrace_desktop.embedding.query_cache import CachedQueryEmbedder
from chronotrace_desktop.embedding.registry import default_text_embedder
from chronotrace_desktop.services.cases import case_video_ids
from chronotrace_desktop.services.engines.search import DEFAULT_ENGINE, EngineAnswers, fuse_ranks
from chronotrace_desktop.services.search import store
from chronotrace_desktop.services.search.filters import to_vector_filter
from chronotrace_desktop.services.search.parse import parse_query
from chronotrace_desktop.services.search.rank import ATTRIBUTE_WEIGHT, rank
from chronotrace_desktop.services.search.similar import criteria_from, describe_image
from chronotrace_desktop.storage.vectors import VectorQuery

if TYPE_CHECKING:
    from collections.abc import Sequence

    from sqlalchemy.orm import Session

    from chronotrace_desktop.domain.search import PastSearch, RequestContext, SegmentQuery
    from chronotrace_desktop.domain.users import Actor
    from chronotrace_desktop.services.access import AuditService, Authorizer
    from chronotrace_desktop.services.engines.search import EngineAnswer, EngineSearch
    from chronotrace_desktop.services.search.criteria import Criterion
    from chronotrace_desktop.storage.database import Database
    from chronotrace_desktop.storage.vectors import VectorFilter, VectorIndex
    from chronotrace_desktop.storage.vectors.port import VectorLike

logger = logging.getLogger(__name__)

MIN_CANDIDATES = 100
CANDIDATES_PER_HIT = 5
MAX_CANDIDATES = 2000
MAX_HISTORY = 500
EmbedText = Literal["query", "caption", "both"]


@dataclass
class _Prepared:
    """One query turned into a vector, its criteria and its filter, before the vector search."""

    query: SegmentQuery
    text: str  # words compared with captions for the "why"
    vector: VectorLike
    criteria: tuple[Criterion, ...]
    vector_filter: VectorFilter | None
    cache_hit: bool = False
    embed_ms: float = 0.0
    vector_ms: float = 0.0
    db_ms: float = 0.0
    exclude: uuid.UUID | None = None
    understood: tuple[str, ...] = field(default_factory=tuple)
    engines: EngineAnswers | None = None  # what the multimodal engines answered, when any are configured


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000.0


class SearchService:
    """``fuse`` and ``embed_text`` exist for the evaluation (vector-only vs fused); defaults are the product."""

    def __init__(
        self,
        database: Database,
        vectors: VectorIndex,
        authorizer: Authorizer,
        audit: AuditService,
        *,
        embedder: CachedQueryEmbedder | None = None,
        fuse: bool = True,
        embed_text: EmbedText = "both",
        engines: EngineSearch | None = None,
    ) -> None:
        self._db = database
        self._engines = engines if engines is not None and engines.active else None
        self._vectors = vectors
        self._authorizer = authorizer
        self._audit = audit
        self._embedder = embedder
        self._embedder_lock = threading.Lock()
        self.fuse = fuse
        self.embed_text = embed_text

    @property
    def embedder(self) -> CachedQueryEmbedder:
        with self._embedder_lock:
            if self._embedder is None:  # loaded on first search, not when the app opens
                self._embedder = CachedQueryEmbedder(default_text_embedder())
            return self._embedder

    def search(
        self, actor: Actor, query: SegmentQuery, *, context: RequestContext | None = None
    ) -> SearchResult:
        return self.search_batch(actor, [query], context=context)[0]

    def search_batch(
        self,
        actor: Actor,
        queries: Sequence[SegmentQuery],
        *,
        log_metadata: dict[str, object] | None = None,
        context: RequestContext | None = None,
    ) -> list[SearchResult]:
        """Run several searches with one vector batch and one SQL join; one log row each, in one transaction.

        ``context``: where a network request came from, kept in the ``searches`` rows (the integration API)."""
        started = time.perf_counter()
        actor = self._authorizer.require(actor, Action.SEARCH, resource_type="search")
        if not queries:
            return []
        prepared = [self._prepare(q) for q in self._in_cases(queries)]  # logged as asked, with the case id
        # One transaction for the join and the log: one connection checkout, one commit per call.
        with self._db.transaction() as session:
            results = self._run(prepared, started, session)
            extra = {"batch": len(queries)} if len(queries) > 1 else {}
            entries = list(zip(queries, results, strict=True))
            store.log_searches(
                session, self._audit, actor, entries, {**(log_metadata or {}), **extra}, context=context
            )
        first = results[0]
        logger.info(
            "%d search(es) by %s in %.1f ms; first: %s (%s), %d hits (embed %.1f, vector %.1f, db %.1f ms, cache %s)",
            len(results),
            actor.email,
            (time.perf_counter() - started) * 1000,
            first.search_id,
            first.query_type.value,
            len(first.hits),
            first.timings.embed_ms,
            first.timings.vector_ms,
            first.timings.db_ms,
            first.cache_hit,
        )
        return results

    # ------------------------------------------------------------ the user's own search log

    def history(self, actor: Actor, *, limit: int = 50, offset: int = 0) -> list[PastSearch]:
        """The actor's own past searches, newest first."""
        actor = self._authorizer.require(actor, Action.SEARCH, resource_type="search")
        if not 1 <= limit <= MAX_HISTORY or offset < 0:
            raise InvalidInputError(
                f"the limit is between 1 and {MAX_HISTORY} and the offset is not negative"
            )
        with self._db.transaction() as session:
            return store.past_searches(session, actor.user_id, limit=limit, offset=offset)

    def past(self, actor: Actor, search_id: uuid.UUID) -> PastSearch:
        """One of the actor's own past searches; another user's is "not found"."""
        actor = self._authorizer.require(actor, Action.SEARCH, resource_type="search", resource_id=search_id)
        with self._db.transaction() as session:
            found = store.past_search(session, actor.user_id, search_id)
        if found is None:
            raise NotFoundError(f"No search {search_id} of yours.")
        return found

    # ------------------------------------------------------------ preparing queries

    def _in_cases(self, queries: Sequence[SegmentQuery]) -> list[SegmentQuery]:
        """Queries made in a case narrowed to the case's videos (with any video filter they had); a case with
        none of the wanted videos matches nothing (the nil id), never everything."""
        if not any(q.filters.case_id for q in queries):
            return list(queries)
        scoped: list[SegmentQuery] = []
        with self._db.transaction() as session:
            for query in queries:
                case_id = query.filters.case_id
                if case_id is None:
                    scoped.append(query)
                    continue
                in_case = case_video_ids(session, case_id)
                wanted = query.filters.video_ids
                ids = tuple(v for v in in_case if not wanted or v in wanted) or (uuid.UUID(int=0),)
                scoped.append(replace(query, filters=replace(query.filters, video_ids=ids)))
        return scoped

    def _prepare(self, query: SegmentQuery) -> _Prepared:
        prepared = self._prepare_default(query)
        if self._engines is not None:
            size, vector_filter = self._candidates(query), prepared.vector_filter
            if query.query_type is QueryType.TEXT:
                assert query.text is not None
                prepared.engines = self._engines.for_text(query.text, vector_filter, size)
            elif query.query_type is QueryType.IMAGE:
                assert query.image_path is not None
                prepared.engines = self._engines.for_image(query.image_path, vector_filter, size)
            else:
                assert query.similar_to is not None
                prepared.engines = self._engines.for_similar(query.similar_to, vector_filter, size)
            prepared.embed_ms += prepared.engines.embed_ms
            prepared.vector_ms += prepared.engines.vector_ms
        return prepared

    def _prepare_default(self, query: SegmentQuery) -> _Prepared:
        vector_filter = to_vector_filter(query.filters)
        if query.query_type is QueryType.TEXT:
            assert query.text is not None
            parsed = parse_query(query.text)
            started = time.perf_counter()
            vector, hit = self.embedder.cached_query_embedding(
                self._embedding_text(query.text, parsed.caption)
            )
            criteria = parsed.criteria
            return _Prepared(
                query,
                query.text,
                vector,
                criteria,
                vector_filter,
                hit,
                _ms(started),
                understood=parsed.understood,
            )
        if query.query_type is QueryType.IMAGE:
            assert query.image_path is not None
            started = time.perf_counter()
            described = describe_image(query.image_path)
            vector, hit = self.embedder.cached_query_embedding(described.caption)
            criteria = criteria_from(described.attributes)
            understood = tuple(c.label for c in criteria)
            return _Prepared(
                query,
                described.caption,
                vector,
                criteria,
                vector_filter,
                hit,
                _ms(started),
                understood=understood,
            )
        assert query.similar_to is not None
        return self._prepare_similar(query, query.similar_to, vector_filter)

    def _embedding_text(self, text: str, caption: str) -> str:
        if not caption or self.embed_text == "query":
            return text
        if self.embed_text == "caption":
            return caption
        return f"{text}; {caption}"

    def _prepare_similar(
        self, query: SegmentQuery, segment_id: uuid.UUID, vector_filter: VectorFilter | None
    ) -> _Prepared:
        started = time.perf_counter()
        with self._db.transaction() as session:
            source = store.segment_source(session, segment_id)
        db_ms = _ms(started)
        if source is None:
            raise NotFoundError(f"No segment {segment_id} (it may belong to a deleted video).")
        started = time.perf_counter()
        stored = self._vectors.retrieve([segment_id], with_vectors=True)
        vector_ms = _ms(started)
        if not stored or stored[0].vector is None:
            raise NotFoundError(f"Segment {segment_id} has no vector yet; re-ingest its video.")
        criteria = criteria_from(source.attributes)
        return _Prepared(
            query,
            source.caption or "",
            stored[0].vector,
            criteria,
            vector_filter,
            vector_ms=vector_ms,
            db_ms=db_ms,
            exclude=segment_id,
            understood=tuple(c.label for c in criteria),
        )

    # ------------------------------------------------------------ vector search, join, ranking

    def _candidates(self, query: SegmentQuery) -> int:
        wanted = query.limit * CANDIDATES_PER_HIT + (1 if query.similar_to else 0)
        return min(MAX_CANDIDATES, max(MIN_CANDIDATES, wanted))

    def _threshold(self, query: SegmentQuery) -> float | None:
        """A vector-score bound no hit above ``min_score`` can be under (fusion adds at most the attributes).
        None with engines: a candidate the default scores low may rank high in an engine."""
        low = query.filters.min_score
        if low is None or self._engines is not None:
            return None
        if self.fuse:
            low = (low - ATTRIBUTE_WEIGHT) / (1 - ATTRIBUTE_WEIGHT)
        return low if low > -1.0 else None

    def _run(self, prepared: list[_Prepared], started: float, session: Session) -> list[SearchResult]:
        sizes = [self._candidates(p.query) for p in prepared]
        pending = list(range(len(prepared)))
        results: dict[int, SearchResult] = {}
        while pending:
            share = 1.0 / len(pending)  # one vector batch and one join serve every pending query
            t0 = time.perf_counter()
            batch = self._vectors.search_batch(
                [
                    VectorQuery(
                        prepared[i].vector,
                        sizes[i],
                        prepared[i].vector_filter,
                        self._threshold(prepared[i].query),
                    )
                    for i in pending
                ]
            )
            vector_ms = _ms(t0)
            t0 = time.perf_counter()
            engine_ids = (key for i in pending for answer in _answers(prepared[i]) for key in answer.scores)
            rows = store.fetch_segments(session, chain((h.id for hits in batch for h in hits), engine_ids))
            db_ms = _ms(t0)
            again: list[int] = []
            for i, vector_hits in zip(pending, batch, strict=True):
                p = prepared[i]
                p.vector_ms += vector_ms * share
                p.db_ms += db_ms * share
                scores = {h.id: h.score for h in vector_hits}
                if _answers(p):  # the default's ranking and each engine's, fused by rank
                    scores = fuse_ranks([scores, *(answer.scores for answer in _answers(p))])
                ranked = rank(
                    p.text,
                    p.criteria if self.fuse else (),
                    scores,
                    rows,
                    p.query.filters,
                    p.query.limit,
                    exclude=p.exclude,
                )
                short = (
                    len(ranked) < p.query.limit and len(vector_hits) >= sizes[i] and sizes[i] < MAX_CANDIDATES
                )
                if short:  # deleted videos or the recorded-time filter took candidates: look further
                    sizes[i] = min(MAX_CANDIDATES, sizes[i] * 4)
                    again.append(i)
                    continue
                results[i] = self._result(p, ranked, started)
            pending = again
        return [results[i] for i in range(len(prepared))]

    def _result(self, p: _Prepared, ranked: list[SearchHit], started: float) -> SearchResult:
        timings = SearchTimings(_ms(started), p.embed_ms, p.vector_ms, p.db_ms)
        return SearchResult(
            search_id=uuid.uuid4(),
            query_text=p.query.display_text,
            query_type=p.query.query_type,
            hits=tuple(ranked),
            cache_hit=p.cache_hit,
            timings=timings,
            understood=p.understood,
            fused=self.fuse and bool(p.criteria),
            engines=(DEFAULT_ENGINE, *(p.engines.engines if p.engines else ())),
            engines_failed=p.engines.failed if p.engines else (),
        )


def _answers(p: _Prepared) -> tuple[EngineAnswer, ...]:
    return p.engines.answers if p.engines is not None else ()
