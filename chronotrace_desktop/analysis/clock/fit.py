"""The recording start that readings of a whole-second clock agree on (pure: parsing only, no OCR)."""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from typing import TYPE_CHECKING

from chronotrace_desktop.analysis.clock.parse import ParsedClock, digits_of, parse_clock_text

if TYPE_CHECKING:
    from collections.abc import Sequence

DAY_S = 86_400


def wrap(delta: float) -> float:
    """``delta`` seconds brought into (-12 h, 12 h]: readings either side of midnight compare correctly."""
    return (delta + DAY_S / 2) % DAY_S - DAY_S / 2


@dataclass(frozen=True, slots=True)
class Fit:
    """Where the readings put the clock: ``start_s`` is its time of day at video time 0 in seconds (may fall
    outside one day: not wrapped), ``consistent`` the indices of the readings that agree with it, ``residuals``
    each parsed reading's ``(reading - t) - start_s`` (None where a text did not parse), ``support`` how many
    readings' digits the start explains (fractions count: misread digits still vote)."""

    start_s: float
    consistent: tuple[int, ...]
    residuals: tuple[float | None, ...]
    spread_s: float
    support: float


def _edit_distance(a: str, b: str) -> int:
    row = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        prev, row[0] = row[0], i
        for j, cb in enumerate(b, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (ca != cb))
    return row[-1]


def _support(start_s: float, like: ParsedClock, readings: Sequence[tuple[float, str]]) -> float:
    """How well a start explains every reading's digits, parsed or not: sum of 1 - edit distance / length."""
    total = 0.0
    for t, text in readings:
        expected = like.display_digits(math.floor(start_s + t))
        got = digits_of(text)
        if got:
            total += max(0.0, 1.0 - _edit_distance(expected, got) / len(expected))
    return total


def fit_start(readings: Sequence[tuple[float, str]], tolerance_s: float) -> Fit | None:
    """The clock's start that best explains ``readings`` (video time, OCR text), or None when fewer than two
    parsed readings agree on one. Pure.

    Each group of parsed readings whose ``reading - t`` agree within ``tolerance_s`` proposes a start (the middle
    of the intersection of their whole-second intervals); the proposal that explains the most digits over all
    readings wins (``_support``): two misreads that agree with each other (``04`` read as ``06`` twice) lose to
    the many partial readings that show ``04``."""
    parsed = [(i, t, p) for i, (t, text) in enumerate(readings) if (p := parse_clock_text(text)) is not None]
    if len(parsed) < 2:
        return None
    bases = [p.seconds_of_day - t for _, t, p in parsed]
    best: Fit | None = None
    seen: set[tuple[int, ...]] = set()
    for ref in bases:
        group = tuple(k for k, b in enumerate(bases) if abs(wrap(b - ref)) <= tolerance_s)
        if len(group) < 2 or group in seen:
            continue
        seen.add(group)
        values = [ref + wrap(bases[k] - ref) for k in group]
        centre = statistics.median(values)
        kept = [(k, v) for k, v in zip(group, values, strict=True) if abs(v - centre) <= tolerance_s]
        if len(kept) < 2:
            continue
        lo, hi = max(v for _, v in kept), min(v for _, v in kept) + 1.0
        start = (lo + hi) / 2 if lo < hi else statistics.median(v for _, v in kept) + 0.5
        like = parsed[kept[0][0]][2]
        support = _support(start, like, readings)
        spread = max(v for _, v in kept) - min(v for _, v in kept)
        if best is None or (support, len(kept), -spread) > (
            best.support,
            len(best.consistent),
            -best.spread_s,
        ):
            residuals: list[float | None] = [None] * len(readings)
            for (index, _, _), b in zip(parsed, bases, strict=True):
                residuals[index] = wrap(b - start)
            consistent = tuple(index for index, _, _ in parsed if abs(residuals[index] or 0.0) <= tolerance_s)
            best = Fit(start, consistent, tuple(residuals), spread, support)
    return best


def spread_of(values: list[float]) -> float:
    return max(values) - min(values) if values else 0.0
