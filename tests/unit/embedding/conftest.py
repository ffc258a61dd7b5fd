"""One real text engine per test session (loading takes a few hundred ms)."""

from __future__ import annotations

import pytest

from chronotrace_desktop.embedding.minilm import MiniLMTextEmbedder


@pytest.fixture(scope="session")
def minilm() -> MiniLMTextEmbedder:
    return MiniLMTextEmbedder()
