"""One vector collection per engine and model: ``<collection>__<engine>_<digest of model, version, size>``.

An engine's vectors never share a collection with another engine's, nor with another model or dimension of the
same engine (a new CLIP folder, Nova at 3072 instead of 1024): a changed model starts an empty collection that
``chronotrace reembed`` fills; until then that engine finds only what was embedded since. Point ids are
segment ids, as in the default collection, and every payload carries ``embedding_model`` and
``embedding_version``.
"""

from __future__ import annotations

import hashlib
import threading
from typing import TYPE_CHECKING

from chronotrace_desktop.storage.vectors import CollectionSpec

if TYPE_CHECKING:
    from collections.abc import Callable

    from chronotrace_desktop.embedding.segment_port import SegmentEngine
    from chronotrace_desktop.storage.vectors import PayloadIndex, VectorIndex


def engine_collection(base: str, engine: SegmentEngine) -> str:
    identity = f"{engine.model_name}|{engine.model_version}|{engine.dimension}"
    return f"{base}__{engine.name}_{hashlib.sha256(identity.encode()).hexdigest()[:10]}"


class EngineIndexes:
    """The engines' collections, opened on first use with ``open_index(spec)`` (the profile's vector store)."""

    def __init__(
        self,
        base: str,
        payload_indexes: tuple[PayloadIndex, ...],
        open_index: Callable[[CollectionSpec], VectorIndex],
    ) -> None:
        self._base = base
        self._payload_indexes = payload_indexes
        self._open = open_index
        self._open_indexes: dict[str, VectorIndex] = {}
        self._lock = threading.Lock()

    def index_for(self, engine: SegmentEngine) -> VectorIndex:
        name = engine_collection(self._base, engine)
        with self._lock:
            index = self._open_indexes.get(name)
            if index is None:
                spec = CollectionSpec(name, dimension=engine.dimension, payload_indexes=self._payload_indexes)
                index = self._open_indexes[name] = self._open(spec)
            return index

    def close(self) -> None:
        with self._lock:
            indexes, self._open_indexes = list(self._open_indexes.values()), {}
        for index in indexes:
            index.close()
