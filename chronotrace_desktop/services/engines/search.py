"""What the multimodal engines answer to a search, and how their answers are fused with the default's.

Each configured engine embeds the query its own way (text through its text side, a query image through its
image side, "find similar" from the segment's own vector in its collection) and searches its collection with
the same payload filter as the default. An engine that cannot answer (no credentials, throttled, model files
gone) is left out of that search and named; the search itself never fails for it.

Fusion is reciprocal-rank (Cormack et al. 2009, k = 60) over the default's ranking and each engine's: the
engines' cosine scores live on different scales (CLIP's sit near 0.3, MiniLM's spread to 0.8), ranks do not.
The fused value is scaled so that a segment ranked first by every engine scores 1.0; search then combines it
with the attribute score exactly as it combines the default's vector score alone.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from chronotrace_desktop.domain.errors import EnvironmentProblemError, InvalidInputError
from chronotrace_desktop.media.stills import read_still
from chronotrace_desktop.storage.vectors import VectorQuery

if TYPE_CHECKING:
    import uuid
    from collections.abc import Callable, Mapping, Sequence
    from pathlib import Path

    from chronotrace_desktop.embedding.port import Vector
    from chronotrace_desktop.embedding.segment_port import SegmentEngine
    from chronotrace_desktop.services.engines.catalog import EngineCatalog
    from chronotrace_desktop.services.engines.indexes import EngineIndexes
    from chronotrace_desktop.storage.vectors import VectorFilter
    from chronotrace_desktop.storage.vectors.port import VectorLike

logger = logging.getLogger(__name__)

RRF_K = 60
DEFAULT_ENGINE = "offline"


@dataclass(frozen=True, slots=True)
class EngineAnswer:
    engine: str
    scores: dict[uuid.UUID, float]  # candidate -> the engine's cosine score, best first
    embed_ms: float
    vector_ms: float


@dataclass(frozen=True, slots=True)
class EngineAnswers:
    answers: tuple[EngineAnswer, ...]
    failed: tuple[str, ...]  # "nova: why", for the engines that could not answer

    @property
    def embed_ms(self) -> float:
        return sum(a.embed_ms for a in self.answers)

    @property
    def vector_ms(self) -> float:
        return sum(a.vector_ms for a in self.answers)

    @property
    def engines(self) -> tuple[str, ...]:
        return tuple(a.engine for a in self.answers)


class EngineSearch:
    def __init__(self, catalog: EngineCatalog, indexes: EngineIndexes) -> None:
        self._catalog = catalog
        self._indexes = indexes

    @property
    def active(self) -> bool:
        return bool(self._catalog.configured)

    def for_text(self, text: str, vector_filter: VectorFilter | None, size: int) -> EngineAnswers:
        return self._ask(lambda engine: engine.embed_text_query(text), vector_filter, size)

    def for_image(self, path: Path, vector_filter: VectorFilter | None, size: int) -> EngineAnswers:
        image = read_still(path)  # refused (size, pixels, not an image) before any engine sees it
        return self._ask(lambda engine: engine.embed_image(image), vector_filter, size)

    def for_similar(
        self, segment_id: uuid.UUID, vector_filter: VectorFilter | None, size: int
    ) -> EngineAnswers:
        def own_vector(engine: SegmentEngine) -> VectorLike:
            stored = self._indexes.index_for(engine).retrieve([segment_id], with_vectors=True)
            if not stored or stored[0].vector is None:
                raise InvalidInputError(
                    f"segment {segment_id} has no {engine.name} vector yet (chronotrace reembed)"
                )
            return stored[0].vector

        return self._ask(own_vector, vector_filter, size, exclude=segment_id)

    def _ask(
        self,
        embed: Callable[[SegmentEngine], Vector | VectorLike],
        vector_filter: VectorFilter | None,
        size: int,
        *,
        exclude: uuid.UUID | None = None,
    ) -> EngineAnswers:
        answers: list[EngineAnswer] = []
        failed: list[str] = []
        for name in self._catalog.configured:
            try:
                engine = self._catalog.engine(name)
                started = time.perf_counter()
                vector = embed(engine)
                embedded = time.perf_counter()
                hits = self._indexes.index_for(engine).search_batch(
                    [VectorQuery(vector, size + (1 if exclude else 0), vector_filter)]
                )[0]
                done = time.perf_counter()
            except (EnvironmentProblemError, InvalidInputError) as exc:
                logger.warning("Engine %s did not answer: %s", name, exc)
                failed.append(f"{name}: {exc}")
                continue
            scores = {h.id: h.score for h in hits if h.id != exclude}
            answers.append(EngineAnswer(name, scores, (embedded - started) * 1000, (done - embedded) * 1000))
        return EngineAnswers(tuple(answers), tuple(failed))


def fuse_ranks(rankings: Sequence[Mapping[uuid.UUID, float]], k: int = RRF_K) -> dict[uuid.UUID, float]:
    """Reciprocal-rank fusion of score maps (each ranked by its own scores), scaled to at most 1.0."""
    fused: dict[uuid.UUID, float] = {}
    for scores in rankings:
        ordered = sorted(scores, key=lambda key: scores[key], reverse=True)
        for position, key in enumerate(ordered, start=1):
            fused[key] = fused.get(key, 0.0) + 1.0 / (k + position)
    if not fused:
        return {}
    best = sum(1 for scores in rankings if scores) / (k + 1)  # an engine with nothing to say dilutes nothing
    return {key: value / best for key, value in fused.items()}
