"""The query-embedding LRU cache in front of the real text engine."""

from __future__ import annotations

import numpy as np
import pytest

from chronotrace_desktop.domain.errors import InvalidInputError
from chronotrace_desktop.embedding.minilm import MiniLMTextEmbedder
from chronotrace_desktop.embedding.query_cache import CachedQueryEmbedder


def test_second_query_is_a_cache_hit(minilm: MiniLMTextEmbedder) -> None:
    cache = CachedQueryEmbedder(minilm)
    first, hit_first = cache.cached_query_embedding("person in red jacket")
    second, hit_second = cache.cached_query_embedding("person in red jacket")
    assert (hit_first, hit_second) == (False, True)
    assert second is first
    np.testing.assert_array_equal(first, minilm.embed_query("person in red jacket"))
    assert (cache.hits, cache.misses) == (1, 1)


def test_whitespace_does_not_split_the_cache(minilm: MiniLMTextEmbedder) -> None:
    cache = CachedQueryEmbedder(minilm)
    cache.cached_query_embedding("white car")
    _, hit = cache.cached_query_embedding("  white \t car\n")
    assert hit


def test_least_recently_used_query_is_evicted(minilm: MiniLMTextEmbedder) -> None:
    cache = CachedQueryEmbedder(minilm, capacity=2)
    cache.cached_query_embedding("car")
    cache.cached_query_embedding("bus")
    cache.cached_query_embedding("car")  # bus is now the oldest
    cache.cached_query_embedding("truck")
    assert len(cache) == 2
    assert cache.cached_query_embedding("car")[1]
    assert not cache.cached_query_embedding("bus")[1]


def test_cached_vectors_are_read_only(minilm: MiniLMTextEmbedder) -> None:
    vector, _ = CachedQueryEmbedder(minilm).cached_query_embedding("bicycle")
    with pytest.raises(ValueError, match="read-only"):
        vector[0] = 0.0


def test_bad_query_is_not_cached(minilm: MiniLMTextEmbedder) -> None:
    cache = CachedQueryEmbedder(minilm)
    with pytest.raises(InvalidInputError):
        cache.cached_query_embedding("   ")
    assert len(cache) == 0
