"""Engines by name: the offline defaults, sharing, and a plug-in engine."""

from __future__ import annotations

import hashlib
import uuid
from typing import TYPE_CHECKING

import numpy as np
import pytest

from chronotrace_desktop.domain.errors import InvalidInputError
from chronotrace_desktop.embedding import registry
from chronotrace_desktop.embedding.defaults import (
    DEFAULT_EMBEDDING_DIMENSION,
    DEFAULT_IMAGE_ENGINE,
    DEFAULT_TEXT_ENGINE,
)
from chronotrace_desktop.embedding.port import TextEmbedder, Vector, Vectors, l2_normalise, validate_texts

if TYPE_CHECKING:
    from collections.abc import Sequence


class HashingTextEmbedder:
    """A real, if crude, engine: hashed bag of words. Stands for a future CLIP or Bedrock engine."""

    model_name = "hashing-bow"
    model_version = "1"
    dimension = 64

    def embed_texts(self, texts: Sequence[str]) -> Vectors:
        matrix = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(validate_texts(texts)):
            for word in text.lower().split():
                matrix[row, hashlib.sha256(word.encode()).digest()[0] % self.dimension] += 1
        return l2_normalise(matrix)

    def embed_query(self, text: str) -> Vector:
        vector: Vector = self.embed_texts([text])[0]
        return vector


def test_defaults_are_registered() -> None:
    assert {DEFAULT_TEXT_ENGINE, DEFAULT_IMAGE_ENGINE} <= set(registry.engine_names())


def test_default_text_embedder_is_shared_and_matches_the_collection() -> None:
    embedder = registry.default_text_embedder()
    assert embedder is registry.embedder_for(DEFAULT_TEXT_ENGINE)
    assert embedder.dimension == DEFAULT_EMBEDDING_DIMENSION


def test_unknown_engine_is_invalid_input_listing_the_known_ones() -> None:
    with pytest.raises(InvalidInputError, match=DEFAULT_TEXT_ENGINE):
        registry.embedder_for("no-such-engine")


def test_asking_an_engine_for_a_capability_it_lacks() -> None:
    with pytest.raises(InvalidInputError, match="does not embed images"):
        registry.image_embedder_for(DEFAULT_TEXT_ENGINE)
    with pytest.raises(InvalidInputError, match="does not embed text"):
        registry.embedder_for(DEFAULT_IMAGE_ENGINE)


def test_a_plugged_in_engine_is_found_by_name() -> None:
    name = f"test-hashing-{uuid.uuid4().hex[:8]}"
    created: list[HashingTextEmbedder] = []

    def factory() -> TextEmbedder:
        created.append(HashingTextEmbedder())
        return created[-1]

    registry.register_engine(registry.Engine(name, "hashed bag of words", text=factory))
    embedder = registry.embedder_for(name)
    assert registry.embedder_for(name) is embedder
    assert len(created) == 1
    assert embedder.embed_texts(["white car", "red jacket"]).shape == (2, 64)
    with pytest.raises(ValueError, match="already registered"):
        registry.register_engine(registry.Engine(name, "again", text=factory))
    registry.register_engine(registry.Engine(name, "replaced", text=factory), replace=True)
    assert registry.embedder_for(name) is not embedder


def test_an_engine_must_embed_something() -> None:
    with pytest.raises(ValueError, match="neither"):
        registry.register_engine(registry.Engine("empty", "nothing"))
