"""A query's words: lower-case tokens with known phrases joined, and table look-ups that accept plurals."""

from __future__ import annotations

import re
from typing import TypeVar

from chronotrace_desktop.services.search import vocabulary as vocab

_WORD = re.compile(r"[a-z0-9]+")
_T = TypeVar("_T")


def tokenize(text: str) -> list[str]:
    words = _WORD.findall(text.lower().replace("'", ""))
    joined = f" {' '.join(words)} "
    for phrase, token in vocab.PHRASES:
        joined = joined.replace(f" {phrase} ", f" {token} ").replace(f" {phrase}s ", f" {token}s ")
    return joined.split()


def lookup(word: str, table: dict[str, _T]) -> _T | None:
    """``table[word]``, also for regular plurals (cars, buses, bottles)."""
    for candidate in (
        word,
        word[:-1] if word.endswith("s") else None,
        word[:-2] if word.endswith("es") else None,
    ):
        if candidate and candidate in table:
            return table[candidate]
    return None
