"""Search requests and results as the front ends see them. Plain data; no I/O.

A :class:`SegmentQuery` is one of three kinds: words (``text``), a still image (``image_path``: query by
image) or a stored segment (``similar_to``: find similar). Its :class:`SearchFilters` narrow the library
before ranking; everything they name is a payload filter of the vector search (see ``services.search``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chronotrace_desktop.domain.cases import parse_case_id
from chronotrace_desktop.domain.clock import utc_iso
from chronotrace_desktop.domain.errors import InvalidInputError

if TYPE_CHECKING:
    import uuid
    from datetime import datetime

MAX_QUERY_CHARS = 500
MAX_LIMIT = 500
DEFAULT_LIMIT = 20


class QueryType(StrEnum):
    """``searches.query_type``: the schema names text, voice and image; find-similar is ``similar``."""

    TEXT = "text"
    IMAGE = "image"
    SIMILAR = "similar"
    APPEARANCE = "appearance"  # the same person or vehicle elsewhere: a track's pooled appearance vector


def _finite(name: str, value: float | None) -> None:
    if value is not None and (isinstance(value, bool) or not math.isfinite(value)):
        raise InvalidInputError(f"{name} must be a finite number, not {value!r}")


@dataclass(frozen=True, slots=True)
class SearchFilters:
    """What a hit must satisfy. Empty fields do not filter.

    ``start_from``/``start_to``: seconds from the start of each video; a segment passes when it overlaps
    that range. ``recorded_from``/``recorded_to``: wall-clock time (naive UTC); only segments of videos with
    a known ``recorded_at`` can pass. ``objects``: COCO classes that must ALL have been detected.
    ``min_score``: the lowest ranking score shown (the score the hits carry). ``case_id``: only the videos
    the case holds (the search is recorded in the case).
    """

    camera_ids: tuple[str, ...] = ()
    location: str | None = None
    video_ids: tuple[uuid.UUID, ...] = ()
    start_from: float | None = None
    start_to: float | None = None
    recorded_from: datetime | None = None
    recorded_to: datetime | None = None
    has_faces: bool | None = None
    motion: bool | None = None
    objects: tuple[str, ...] = ()
    min_score: float | None = None
    case_id: str | None = None

    def __post_init__(self) -> None:
        if self.case_id is not None:
            object.__setattr__(self, "case_id", parse_case_id(self.case_id))
        cameras = tuple(dict.fromkeys(c.strip() for c in self.camera_ids))
        if any(not c or len(c) > 100 for c in cameras):
            raise InvalidInputError("camera ids must be 1 to 100 characters long")
        object.__setattr__(self, "camera_ids", cameras)
        if self.location is not None and not (0 < len(self.location.strip()) <= 255):
            raise InvalidInputError("a location filter must be 1 to 255 characters long")
        object.__setattr__(self, "video_ids", tuple(dict.fromkeys(self.video_ids)))
        objects = tuple(dict.fromkeys(o.strip().lower() for o in self.objects))
        if any(not o for o in objects):
            raise InvalidInputError("an object class filter cannot be empty")
        object.__setattr__(self, "objects", objects)
        for name in ("start_from", "start_to", "min_score"):
            _finite(name.replace("_", " "), getattr(self, name))
        if self.start_from is not None and self.start_from < 0:
            raise InvalidInputError("the start of a time range cannot be negative")
        if self.start_from is not None and self.start_to is not None and self.start_from > self.start_to:
            raise InvalidInputError("the time range ends before it starts")
        if (
            self.recorded_from is not None
            and self.recorded_to is not None
            and self.recorded_from > self.recorded_to
        ):
            raise InvalidInputError("the recorded-time range ends before it starts")
        if self.min_score is not None and not -1.0 <= self.min_score <= 1.0:
            raise InvalidInputError("the minimum score must be between -1 and 1")

    @property
    def is_empty(self) -> bool:
        return not self.as_json()

    def as_json(self) -> dict[str, Any]:
        """The filters as ``searches.filters`` stores them (only those that are set)."""
        values: dict[str, Any] = {
            "camera_id": list(self.camera_ids) or None,
            "location": self.location,
            "video_id": [str(v) for v in self.video_ids] or None,
            "start_from_s": self.start_from,
            "start_to_s": self.start_to,
            "start_time": utc_iso(self.recorded_from) if self.recorded_from else None,
            "end_time": utc_iso(self.recorded_to) if self.recorded_to else None,
            "has_faces": self.has_faces,
            "motion_detected": self.motion,
            "objects": list(self.objects) or None,
            "min_score": self.min_score,
            "case_id": self.case_id,
        }
        return {key: value for key, value in values.items() if value is not None}


@dataclass(frozen=True, slots=True)
class SegmentQuery:
    """One search: exactly one of ``text``, ``image_path`` or ``similar_to``."""

    text: str | None = None
    image_path: Path | None = None
    similar_to: uuid.UUID | None = None
    filters: SearchFilters = field(default_factory=SearchFilters)
    limit: int = DEFAULT_LIMIT

    def __post_init__(self) -> None:
        given = [x for x in (self.text, self.image_path, self.similar_to) if x is not None]
        if len(given) != 1:
            raise InvalidInputError("a search needs exactly one of: words, an image file or a segment id")
        if self.text is not None:
            text = " ".join(self.text.split())
            if not text:
                raise InvalidInputError("the search text is empty: type what to look for")
            if len(text) > MAX_QUERY_CHARS:
                raise InvalidInputError(f"search text is limited to {MAX_QUERY_CHARS} characters")
            object.__setattr__(self, "text", text)
        if self.image_path is not None:
            object.__setattr__(self, "image_path", Path(self.image_path))
        if (
            isinstance(self.limit, bool)
            or not isinstance(self.limit, int)
            or not 1 <= self.limit <= MAX_LIMIT
        ):
            raise InvalidInputError(f"the number of results must be between 1 and {MAX_LIMIT}")

    @property
    def query_type(self) -> QueryType:
        if self.image_path is not None:
            return QueryType.IMAGE
        if self.similar_to is not None:
            return QueryType.SIMILAR
        return QueryType.TEXT

    @property
    def display_text(self) -> str:
        """What ``searches.query_text`` records."""
        if self.image_path is not None:
            return f"image: {self.image_path.name}"
        if self.similar_to is not None:
            return f"similar to segment {self.similar_to}"
        return self.text or ""


@dataclass(frozen=True, slots=True)
class SearchHit:
    """One matching segment. ``thumbnail_key`` is the media-store key of the REDACTED thumbnail only."""

    segment_id: uuid.UUID
    video_id: uuid.UUID
    video_filename: str
    segment_index: int
    start_time: float
    end_time: float
    recorded_start: datetime | None  # wall clock of start_time when the video's recorded_at is known
    camera_id: str | None
    location: str | None
    score: float  # the ranking score (fused, or the vector score alone)
    vector_score: float
    attribute_score: float | None  # share of the query's attributes found; None when it named none
    thumbnail_key: str | None
    has_faces: bool
    privacy_applied: bool
    caption: str | None
    why: tuple[str, ...]
    clock_offset_s: float | None = None  # the recorder's clock correction in recorded_start (None: none)

    @property
    def recorder_start(self) -> datetime | None:
        """The recorder's own clock at start_time, when an offset corrects it (shown beside the true time)."""
        if not self.clock_offset_s or self.recorded_start is None:
            return None
        return self.recorded_start - timedelta(seconds=self.clock_offset_s)

    def as_json(self) -> dict[str, Any]:
        recorder = self.recorder_start
        return {
            "segment_id": str(self.segment_id),
            "video_id": str(self.video_id),
            "video_filename": self.video_filename,
            "segment_index": self.segment_index,
            "start_time": self.start_time,
            "end_time": self.end_time,
            "recorded_start": utc_iso(self.recorded_start) if self.recorded_start else None,
            "recorder_start": utc_iso(recorder) if recorder else None,
            "clock_offset_s": self.clock_offset_s,
            "camera_id": self.camera_id,
            "location": self.location,
            "score": round(self.score, 4),
            "vector_score": round(self.vector_score, 4),
            "attribute_score": None if self.attribute_score is None else round(self.attribute_score, 4),
            "thumbnail_key": self.thumbnail_key,
            "has_faces": self.has_faces,
            "privacy_applied": self.privacy_applied,
            "caption": self.caption,
            "why": list(self.why),
        }


@dataclass(frozen=True, slots=True)
class SearchTimings:
    """Milliseconds: the whole call, the query embedding, the vector search and PostgreSQL."""

    total_ms: float
    embed_ms: float
    vector_ms: float
    db_ms: float


@dataclass(frozen=True, slots=True)
class SearchResult:
    search_id: uuid.UUID
    query_text: str
    query_type: QueryType
    hits: tuple[SearchHit, ...]
    cache_hit: bool
    timings: SearchTimings
    understood: tuple[str, ...] = ()  # the attributes read from the query ("person", "red top"...)
    fused: bool = False  # whether attribute matches took part in the ranking
    engines: tuple[str, ...] = ("offline",)  # the embedding engines whose rankings were fused
    engines_failed: tuple[str, ...] = ()  # "nova: why" for a configured engine that could not answer

    @property
    def top_score(self) -> float | None:
        return self.hits[0].score if self.hits else None


@dataclass(frozen=True, slots=True)
class RequestContext:
    """Where a search arrived from over the network (the integration API): kept in its ``searches`` row."""

    ip_address: str | None = None
    user_agent: str | None = None
    session_id: str | None = None  # the API's request id; a desktop search has none


@dataclass(frozen=True, slots=True)
class PastSearch:
    """A ``searches`` row as its author reads it back (never another user's)."""

    id: uuid.UUID
    query_text: str
    query_type: str
    filters: dict[str, Any]
    case_id: str | None
    result_count: int | None
    top_score: float | None
    execution_time_ms: int | None
    created_at: datetime | None

    def as_json(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "query_text": self.query_text,
            "query_type": self.query_type,
            "filters": self.filters,
            "case_id": self.case_id,
            "result_count": self.result_count,
            "top_score": self.top_score,
            "execution_time_ms": self.execution_time_ms,
            "created_at": utc_iso(self.created_at) if self.created_at else None,
        }


@dataclass(frozen=True, slots=True)
class EvalQuery:
    """One labelled query: the (video filename, segment index) pairs that answer it."""

    query: str
    relevant: frozenset[tuple[str, int]]


@dataclass(frozen=True, slots=True)
class QueryMetrics:
    query: str
    relevant: int
    recall_at_5: float
    recall_at_10: float
    precision_at_5: float
    mrr: float
    ndcg_at_10: float
    retrieved: tuple[tuple[str, int], ...] = ()

    def as_json(self) -> dict[str, Any]:
        return {
            "query": self.query,
            "relevant": self.relevant,
            "recall@5": round(self.recall_at_5, 4),
            "recall@10": round(self.recall_at_10, 4),
            "precision@5": round(self.precision_at_5, 4),
            "mrr": round(self.mrr, 4),
            "ndcg@10": round(self.ndcg_at_10, 4),
            "retrieved": [[name, index] for name, index in self.retrieved],
        }


@dataclass(frozen=True, slots=True)
class EvalReport:
    overall: dict[str, float]
    per_query: tuple[QueryMetrics, ...]

    def as_json(self) -> dict[str, Any]:
        return {
            "overall": {key: round(value, 4) for key, value in self.overall.items()},
            "per_query": [m.as_json() for m in self.per_query],
        }
