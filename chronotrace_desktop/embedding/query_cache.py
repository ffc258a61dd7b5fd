"""A small LRU cache of query embeddings in front of a text engine (search logs ``cache_hit``)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from chronotrace_desktop.embedding.port import TextEmbedder, Vector

DEFAULT_CAPACITY = 512


def cache_key(text: str) -> str:
    """Runs of whitespace and the ends do not change a query's tokens, so they do not split the cache."""
    return " ".join(text.split())


class CachedQueryEmbedder:
    """Wraps a ``TextEmbedder``; thread-safe. Cached vectors are read-only arrays shared between callers."""

    def __init__(self, embedder: TextEmbedder, capacity: int = DEFAULT_CAPACITY) -> None:
        self._embedder = embedder
        self._capacity = max(1, capacity)
        self._entries: OrderedDict[str, Vector] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    @property
    def embedder(self) -> TextEmbedder:
        return self._embedder

    def cached_query_embedding(self, text: str) -> tuple[Vector, bool]:
        """The query's vector and whether it came from the cache. Bad input raises ``InvalidInputError``."""
        key = cache_key(text)
        with self._lock:
            cached = self._entries.get(key)
            if cached is not None:
                self._entries.move_to_end(key)
                self.hits += 1
                return cached, True
        # Embed outside the lock: two threads may embed the same new query once each, which is harmless.
        vector = self._embedder.embed_query(key)
        vector.setflags(write=False)
        with self._lock:
            self.misses += 1
            self._entries[key] = vector
            self._entries.move_to_end(key)
            while len(self._entries) > self._capacity:
                self._entries.popitem(last=False)
        return vector, False

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
