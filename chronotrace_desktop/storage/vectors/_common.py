"""Checks and conversions both adapters share, so the contract is the same whatever the engine."""

from __future__ import annotations

import math
import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from enum import Enum
from typing import TYPE_CHECKING, Any

import numpy as np

from chronotrace_desktop.domain.errors import EnvironmentProblemError, InvalidInputError
from chronotrace_desktop.storage.vectors.port import (
    CollectionSpec,
    Flag,
    VectorFilter,
    VectorLike,
    VectorQuery,
    rfc3339,
)

if TYPE_CHECKING:
    from pathlib import Path

UPSERT_BATCH = 512


def coerce_vector(vector: VectorLike, dimension: int) -> list[float]:
    """``vector`` as a list of floats after checking its length and values (``InvalidInputError``)."""
    array = np.asarray(vector, dtype=np.float32)
    if array.ndim != 1 or array.shape[0] != dimension:
        got = array.shape[-1] if array.ndim else 0
        raise InvalidInputError(f"the vector has dimension {got}, the collection expects {dimension}")
    if not np.isfinite(array).all():
        raise InvalidInputError("the vector contains NaN or infinite values")
    values: list[float] = array.tolist()
    return values


def check_query(query: VectorQuery, spec: CollectionSpec) -> list[float]:
    if isinstance(query.limit, bool) or not isinstance(query.limit, int) or query.limit < 1:
        raise InvalidInputError(f"the search limit must be a positive integer, not {query.limit!r}")
    if query.score_threshold is not None and not math.isfinite(query.score_threshold):
        raise InvalidInputError("the score threshold must be a finite number")
    check_filter(query.filter, spec)
    return coerce_vector(query.vector, spec.dimension)


def check_filter(vector_filter: VectorFilter | None, spec: CollectionSpec) -> None:
    """Booleans are declared: a :class:`Flag` only on ``bool_fields``, nothing else on them."""
    if vector_filter is None:
        return
    bools = set(spec.bool_fields)
    for condition in vector_filter.conditions():
        is_bool_field = condition.field in bools
        if isinstance(condition, Flag) and not is_bool_field:
            raise InvalidInputError(
                f"{condition.field!r} is not a boolean field of collection {spec.name!r} "
                f"(declared: {', '.join(spec.bool_fields) or 'none'})"
            )
        if is_bool_field and not isinstance(condition, Flag):
            raise InvalidInputError(f"{condition.field!r} is a boolean field: filter it with Flag")


def jsonable(value: Any) -> Any:
    """Payload values as JSON: datetimes to RFC 3339 UTC strings, UUIDs to strings, tuples to lists."""
    if value is None or isinstance(value, bool | int | float | str):
        return value.value if isinstance(value, Enum) else value
    if isinstance(value, datetime):
        return rfc3339(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, Enum):
        return jsonable(value.value)
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, bytes | bytearray):
        raise InvalidInputError("binary payload values cannot be stored")
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, Sequence | set | frozenset | np.ndarray):
        return [jsonable(v) for v in value]
    raise InvalidInputError(f"a payload value of type {type(value).__name__} cannot be stored")


def normalise_payload(payload: Mapping[str, Any], spec: CollectionSpec) -> dict[str, Any]:
    """JSON-ready payload with real bools in the boolean fields (0/1 accepted, anything else refused)."""
    result: dict[str, Any] = jsonable(payload)
    for name in spec.bool_fields:
        value = result.get(name)
        if value is None or isinstance(value, bool):
            continue
        if type(value) is int and value in (0, 1):
            result[name] = bool(value)
        else:
            raise InvalidInputError(f"payload field {name!r} is boolean, got {value!r}")
    return result


def iso(value: datetime | str | None) -> str | None:
    return None if value is None else rfc3339(value)


def point_uuid(raw: object) -> uuid.UUID:
    return raw if isinstance(raw, uuid.UUID) else uuid.UUID(str(raw))


def snapshot_file(dest_dir: Path, collection: str, suffix: str) -> Path:
    """A fresh file name ``<collection>-<UTC time><suffix>`` in ``dest_dir`` (created if needed)."""
    try:
        dest_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise EnvironmentProblemError(
            f"cannot create the snapshot folder {dest_dir}: {exc.strerror}"
        ) from exc
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    return dest_dir / f"{collection}-{stamp}{suffix}"


def batched(items: Sequence[Any], size: int = UPSERT_BATCH) -> list[Sequence[Any]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def merge_specs(stored: CollectionSpec, wanted: CollectionSpec) -> CollectionSpec:
    if (stored.dimension, stored.distance) != (wanted.dimension, wanted.distance):
        raise InvalidInputError(
            f"collection {wanted.name!r} holds {stored.dimension}-d {stored.distance} vectors, "
            f"not {wanted.dimension}-d {wanted.distance}: re-embed into a new collection or restore a "
            "snapshot"
        )
    return CollectionSpec(
        name=wanted.name,
        dimension=stored.dimension,
        distance=stored.distance,
        payload_indexes=tuple(dict.fromkeys(stored.payload_indexes + wanted.payload_indexes)),
        bool_fields=tuple(set(stored.bool_fields) | set(wanted.bool_fields)),
    )


def decode_payload(payload: Mapping[str, Any] | None, spec: CollectionSpec) -> dict[str, Any]:
    """A stored payload as callers see it: boolean fields as ``bool``."""
    result = dict(payload or {})
    for name in spec.bool_fields:
        value = result.get(name)
        if type(value) is int and value in (0, 1):
            result[name] = bool(value)
    return result


def as_vector(raw: object) -> tuple[float, ...] | None:
    """The default (unnamed) dense vector of a record, if it carries one."""
    if isinstance(raw, dict):
        raw = raw.get("")
    if isinstance(raw, list) and all(isinstance(x, float | int) for x in raw):
        return tuple(float(x) for x in raw)
    return None
