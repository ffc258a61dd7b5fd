"""The vector index port: what services may ask of a vector store, in engine-neutral terms.

Two adapters implement it: ``edge.EdgeVectorIndex`` (Qdrant's in-process engine, workstation profile)
and ``client.QdrantClientIndex`` (a Qdrant server through ``qdrant-client``, team profile). Everything here
is plain data; no engine type crosses this boundary.

Point ids are UUIDs: the PostgreSQL ``video_segments.id`` of the segment the vector describes.

Booleans: fields named in ``CollectionSpec.bool_fields`` are booleans. Filter them only with :class:`Flag`;
payloads come back with real Python ``bool`` values there, whatever encoding the engine needs underneath.

Expected failures raise ``EnvironmentProblemError`` (store unreachable, locked, unreadable) or
``InvalidInputError`` (wrong vector dimension, malformed filter, a snapshot that does not fit); anything else
that escapes an adapter is a bug.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol, TypeAlias, runtime_checkable

import numpy as np
import numpy.typing as npt

from chronotrace_desktop.domain.errors import InvalidInputError

if TYPE_CHECKING:
    import uuid
    from pathlib import Path

VectorLike: TypeAlias = Sequence[float] | npt.NDArray[np.floating[Any]]

_NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")


class Distance(StrEnum):
    COSINE = "cosine"
    DOT = "dot"
    EUCLID = "euclid"
    MANHATTAN = "manhattan"


class PayloadIndexKind(StrEnum):
    KEYWORD = "keyword"
    INTEGER = "integer"
    FLOAT = "float"
    BOOL = "bool"
    DATETIME = "datetime"
    UUID = "uuid"


@dataclass(frozen=True, slots=True)
class PayloadIndex:
    field: str
    kind: PayloadIndexKind


# The schema document's payload indexes on ``video_segments``.
DEFAULT_PAYLOAD_INDEXES: tuple[PayloadIndex, ...] = (
    PayloadIndex("camera_id", PayloadIndexKind.KEYWORD),
    PayloadIndex("start_time", PayloadIndexKind.FLOAT),
    PayloadIndex("has_faces", PayloadIndexKind.BOOL),
    PayloadIndex("location", PayloadIndexKind.KEYWORD),
    PayloadIndex("timestamp", PayloadIndexKind.DATETIME),
    PayloadIndex("motion_detected", PayloadIndexKind.BOOL),
)

# The boolean fields of the schema document's point payload.
DEFAULT_BOOL_FIELDS: tuple[str, ...] = (
    "has_audio",
    "has_faces",
    "has_vehicles",
    "motion_detected",
    "privacy_applied",
)


@dataclass(frozen=True, slots=True)
class CollectionSpec:
    """A collection's shape. ``dimension`` comes from the embedder (384 for MiniLM, 1024 for Nova).

    ``bool_fields`` always includes the fields of BOOL payload indexes (added here if missing).
    """

    name: str
    dimension: int
    distance: Distance = Distance.COSINE
    payload_indexes: tuple[PayloadIndex, ...] = DEFAULT_PAYLOAD_INDEXES
    bool_fields: tuple[str, ...] = DEFAULT_BOOL_FIELDS

    def __post_init__(self) -> None:
        if not _NAME_PATTERN.match(self.name):
            raise InvalidInputError(
                f"{self.name!r} is not a valid collection name (letters, digits, _ and -)"
            )
        if isinstance(self.dimension, bool) or not isinstance(self.dimension, int) or self.dimension < 1:
            raise InvalidInputError(
                f"the vector dimension must be a positive integer, not {self.dimension!r}"
            )
        try:
            object.__setattr__(self, "distance", Distance(self.distance))
        except ValueError:
            raise InvalidInputError(f"unknown distance {self.distance!r}") from None
        seen: dict[str, PayloadIndexKind] = {}
        for index in self.payload_indexes:
            if seen.setdefault(index.field, index.kind) != index.kind:
                raise InvalidInputError(f"payload field {index.field!r} is indexed with two different kinds")
        indexed_bools = {i.field for i in self.payload_indexes if i.kind is PayloadIndexKind.BOOL}
        object.__setattr__(self, "bool_fields", tuple(sorted(set(self.bool_fields) | indexed_bools)))


@dataclass(frozen=True, slots=True)
class VectorPoint:
    id: uuid.UUID
    vector: VectorLike
    payload: Mapping[str, Any] = dataclasses.field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class StoredPoint:
    """A point as stored; ``vector`` only when asked for (normalised to unit length under cosine)."""

    id: uuid.UUID
    payload: Mapping[str, Any]
    vector: tuple[float, ...] | None = None


@dataclass(frozen=True, slots=True)
class VectorHit:
    id: uuid.UUID
    score: float
    payload: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class CollectionInfo:
    name: str
    dimension: int
    distance: Distance
    points_count: int
    # None where the engine cannot report its payload indexes (qdrant-client local mode has none).
    payload_indexes: Mapping[str, PayloadIndexKind] | None


# ---------------------------------------------------------------- filters


@dataclass(frozen=True, slots=True)
class Equals:
    """``field == value`` on a keyword or integer field (not a boolean: use :class:`Flag`)."""

    field: str
    value: str | int

    def __post_init__(self) -> None:
        if isinstance(self.value, bool) or not isinstance(self.value, str | int):
            raise InvalidInputError(
                f"Equals({self.field!r}) takes a string or an integer; use Flag for booleans"
            )


@dataclass(frozen=True, slots=True)
class AnyOf:
    """The field equals one of ``values``; on an array field (``objects_detected``): contains any of them."""

    field: str
    values: tuple[str, ...] | tuple[int, ...]

    def __post_init__(self) -> None:
        values = tuple(self.values)
        if not values:
            raise InvalidInputError(f"AnyOf({self.field!r}) needs at least one value")
        if not (all(isinstance(v, str) for v in values) or all(type(v) is int for v in values)):
            raise InvalidInputError(f"AnyOf({self.field!r}) takes only strings or only integers")
        object.__setattr__(self, "values", values)


@dataclass(frozen=True, slots=True)
class Flag:
    """A boolean field is ``value`` (the field must be one of the collection's ``bool_fields``)."""

    field: str
    value: bool

    def __post_init__(self) -> None:
        if not isinstance(self.value, bool):
            raise InvalidInputError(f"Flag({self.field!r}) takes True or False")


@dataclass(frozen=True, slots=True)
class NumberRange:
    """A numeric field within bounds (``start_time`` gte/lte...); at least one bound."""

    field: str
    gte: float | None = None
    gt: float | None = None
    lte: float | None = None
    lt: float | None = None

    def __post_init__(self) -> None:
        if self.gte is None and self.gt is None and self.lte is None and self.lt is None:
            raise InvalidInputError(f"NumberRange({self.field!r}) needs at least one bound")


@dataclass(frozen=True, slots=True)
class TimeRange:
    """A datetime field (``timestamp``) within bounds: datetimes or ISO 8601 strings; naive means UTC."""

    field: str
    gte: datetime | str | None = None
    gt: datetime | str | None = None
    lte: datetime | str | None = None
    lt: datetime | str | None = None

    def __post_init__(self) -> None:
        bounds = (self.gte, self.gt, self.lte, self.lt)
        if all(b is None for b in bounds):
            raise InvalidInputError(f"TimeRange({self.field!r}) needs at least one bound")
        for name in ("gte", "gt", "lte", "lt"):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, rfc3339(value))


Condition: TypeAlias = Equals | AnyOf | Flag | NumberRange | TimeRange


@dataclass(frozen=True, slots=True)
class VectorFilter:
    """All of ``must`` hold and none of ``must_not`` does (each ``must_not`` condition excludes alone)."""

    must: tuple[Condition, ...] = ()
    must_not: tuple[Condition, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "must", tuple(self.must))
        object.__setattr__(self, "must_not", tuple(self.must_not))

    @classmethod
    def all_of(cls, *conditions: Condition) -> VectorFilter:
        return cls(must=conditions)

    def and_(self, other: VectorFilter | None) -> VectorFilter:
        if other is None:
            return self
        return VectorFilter(must=self.must + other.must, must_not=self.must_not + other.must_not)

    @property
    def is_empty(self) -> bool:
        return not self.must and not self.must_not

    def conditions(self) -> Iterator[Condition]:
        yield from self.must
        yield from self.must_not


@dataclass(frozen=True, slots=True)
class VectorQuery:
    """One search of a batch."""

    vector: VectorLike
    limit: int
    filter: VectorFilter | None = None
    score_threshold: float | None = None


def rfc3339(value: datetime | str) -> str:
    """``value`` as an RFC 3339 UTC string; naive datetimes (and strings without an offset) are UTC."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError:
            raise InvalidInputError(f"{value!r} is not an ISO 8601 date and time") from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


# ---------------------------------------------------------------- the port


@runtime_checkable
class VectorIndex(Protocol):
    """One collection of a vector store. Call :meth:`ensure_collection` first; it selects the collection.

    Adapters are safe to call from worker threads.
    """

    @property
    def spec(self) -> CollectionSpec:
        """The active collection's spec (as stored: indexes and bool fields merged over reopenings)."""
        ...

    def ensure_collection(self, spec: CollectionSpec) -> None:
        """Create the collection with its payload indexes if missing, else check its dimension and distance
        (``InvalidInputError`` on a mismatch) and add missing payload indexes."""
        ...

    def info(self) -> CollectionInfo: ...

    def upsert(self, points: Sequence[VectorPoint]) -> None: ...

    def delete(self, ids: Iterable[uuid.UUID]) -> None:
        """Delete these points; ids that do not exist are ignored."""
        ...

    def search(
        self,
        vector: VectorLike,
        *,
        limit: int,
        filter: VectorFilter | None = None,
        score_threshold: float | None = None,
    ) -> list[VectorHit]:
        """Nearest first. ``score_threshold``: keep only hits scoring strictly better (as Qdrant does)."""
        ...

    def search_batch(self, queries: Sequence[VectorQuery]) -> list[list[VectorHit]]: ...

    def count(self, filter: VectorFilter | None = None) -> int: ...

    def retrieve(self, ids: Sequence[uuid.UUID], *, with_vectors: bool = False) -> list[StoredPoint]:
        """The points that exist, in the order asked; missing ids are left out."""
        ...

    def iter_points(self, *, batch_size: int = 256, with_vectors: bool = False) -> Iterator[StoredPoint]:
        """Every point, in id order, read in batches (reconcile and portable exports use it)."""
        ...

    def snapshot(self, dest_dir: Path) -> Path:
        """Write a restorable snapshot file into ``dest_dir``; its path."""
        ...

    def restore_snapshot(self, path: Path) -> None:
        """Replace the collection's content with a file from :meth:`snapshot` or a portable export."""
        ...

    def optimize(self) -> None:
        """Build the HNSW index now (blocking); a no-op where the engine does it by itself."""
        ...

    def close(self) -> None: ...
