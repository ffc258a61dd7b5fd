"""Ranking candidates: the caption-vector score fused with exact attribute matches, and why each hit matched.

``score = (1 - ATTRIBUTE_WEIGHT) * vector + ATTRIBUTE_WEIGHT * attributes`` when the query named attributes
the detectors can see (``parse``), else the vector score alone. The 50/50 split is the one measured
on the shared clips before this engine (DESIGN.md) and again on ``eval/dev_queries.json`` (README "Search").
Each hit's ``why`` lists what it satisfied ("woman (face: female), red top", "parked white van", "outdoors:
grass", "anomaly: loitering 0:12-0:31"), then the query words its caption uses.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import TYPE_CHECKING

from chronotrace_desktop.domain.search import SearchHit
from chronotrace_desktop.services.search.criteria import attribute_score, attribute_value

if TYPE_CHECKING:
    import uuid
    from collections.abc import Mapping, Sequence
    from datetime import datetime

    from chronotrace_desktop.domain.search import SearchFilters
    from chronotrace_desktop.services.search.criteria import Criterion
    from chronotrace_desktop.services.search.store import SegmentRow

ATTRIBUTE_WEIGHT = 0.5
MAX_REASONS = 6

_STOP = frozenset(
    {
        "a", "an", "the", "in", "on", "at", "of", "to", "with", "and", "or", "for", "from", "by", "near",
        "into", "onto", "over", "under", "up", "down", "is", "are", "was", "were", "be", "who", "that",
        "this", "these", "those", "some", "any", "his", "her", "their", "its", "wearing", "dressed", "seen",
        "shown", "visible", "person", "people", "one", "two", "three", "four", "five", "six", "seven",
        "eight", "nine", "ten", "day", "motion", "high", "medium", "low", "activity", "detected", "carrying",
        "holding", "has", "having", "while",
    }
)  # fmt: skip
_WORD = re.compile(r"[a-z]+")


def _stem(word: str) -> str:
    for suffix in ("es", "s"):
        if word.endswith(suffix) and len(word) > len(suffix) + 2:
            return word[: -len(suffix)]
    return word


def caption_words(query: str, caption: str | None) -> list[str]:
    """Query words (not stop words) that the segment's caption also uses, in query order."""
    if not caption:
        return []
    seen = {_stem(w) for w in _WORD.findall(caption.lower())}
    words = [w for w in _WORD.findall(query.lower()) if w not in _STOP and len(w) > 2]
    return list(dict.fromkeys(w for w in words if _stem(w) in seen))


def recorded_overlaps(row: SegmentRow, start: datetime | None, end: datetime | None) -> bool:
    """Whether the segment's wall-clock span overlaps [start, end] (False when recorded_at is unknown)."""
    if row.recorded_at is None:
        return False
    seg_start = row.recorded_at + timedelta(seconds=row.start_time)
    seg_end = row.recorded_at + timedelta(seconds=row.end_time)
    return (start is None or seg_end >= start) and (end is None or seg_start <= end)


def rank(
    query_text: str,
    criteria: Sequence[Criterion],
    vector_scores: Mapping[uuid.UUID, float],
    rows: Mapping[uuid.UUID, SegmentRow],
    filters: SearchFilters,
    limit: int,
    *,
    fuse: bool = True,
    exclude: uuid.UUID | None = None,
) -> list[SearchHit]:
    """The best ``limit`` hits among the candidates that have a live row, best first."""
    wanted = tuple(criteria) if fuse else ()
    scored: list[tuple[float, float, float | None, SegmentRow]] = []
    for segment_id, vector in vector_scores.items():
        row = rows.get(segment_id)
        if row is None or segment_id == exclude:
            continue
        if (filters.recorded_from or filters.recorded_to) and not recorded_overlaps(
            row, filters.recorded_from, filters.recorded_to
        ):
            continue
        attrs = attribute_value(wanted, row.attributes) if wanted else None
        score = vector if attrs is None else (1 - ATTRIBUTE_WEIGHT) * vector + ATTRIBUTE_WEIGHT * attrs
        if filters.min_score is not None and score < filters.min_score:
            continue
        scored.append((score, vector, attrs, row))
    scored.sort(key=lambda s: (-s[0], -s[1], s[3].filename, s[3].segment_index))
    # The reasons are worked out for the hits shown only.
    return [
        segment_hit(row, score, vector, attrs, _why(query_text, wanted, row))
        for score, vector, attrs, row in scored[:limit]
    ]


def _why(query_text: str, criteria: tuple[Criterion, ...], row: SegmentRow) -> tuple[str, ...]:
    why = list(attribute_score(criteria, row.attributes)[1]) if criteria else []
    words = caption_words(query_text, row.caption)
    if words:
        why.append("caption mentions " + ", ".join(words))
    if not why:
        why.append(f"similar description: {row.caption}" if row.caption else "similar description")
    return tuple(why[:MAX_REASONS])


def segment_hit(
    row: SegmentRow, score: float, vector: float, attrs: float | None, why: tuple[str, ...]
) -> SearchHit:
    recorded = row.recorded_at + timedelta(seconds=row.start_time) if row.recorded_at else None
    return SearchHit(
        segment_id=row.id,
        video_id=row.video_id,
        video_filename=row.filename,
        segment_index=row.segment_index,
        start_time=row.start_time,
        end_time=row.end_time,
        recorded_start=recorded,
        camera_id=row.camera_id,
        location=row.location,
        score=score,
        vector_score=vector,
        attribute_score=attrs,
        thumbnail_key=row.thumbnail_key,
        has_faces=row.has_faces,
        privacy_applied=row.privacy_applied,
        caption=row.caption,
        why=why,
        clock_offset_s=row.clock_offset_s,
    )
