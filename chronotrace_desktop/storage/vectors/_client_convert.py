"""Port values to and from ``qdrant_client.models``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from qdrant_client import models

from chronotrace_desktop.domain.errors import InvalidInputError
from chronotrace_desktop.storage.vectors._common import iso
from chronotrace_desktop.storage.vectors.export import spec_from_json
from chronotrace_desktop.storage.vectors.port import (
    AnyOf,
    CollectionSpec,
    Condition,
    Distance,
    Equals,
    Flag,
    NumberRange,
    PayloadIndexKind,
    TimeRange,
    VectorFilter,
)

if TYPE_CHECKING:
    from collections.abc import Mapping

DISTANCES: dict[Distance, models.Distance] = {
    Distance.COSINE: models.Distance.COSINE,
    Distance.DOT: models.Distance.DOT,
    Distance.EUCLID: models.Distance.EUCLID,
    Distance.MANHATTAN: models.Distance.MANHATTAN,
}
_FROM_DISTANCE = {engine: port for port, engine in DISTANCES.items()}

INDEX_TYPES: dict[PayloadIndexKind, models.PayloadSchemaType] = {
    PayloadIndexKind.KEYWORD: models.PayloadSchemaType.KEYWORD,
    PayloadIndexKind.INTEGER: models.PayloadSchemaType.INTEGER,
    PayloadIndexKind.FLOAT: models.PayloadSchemaType.FLOAT,
    PayloadIndexKind.BOOL: models.PayloadSchemaType.BOOL,
    PayloadIndexKind.DATETIME: models.PayloadSchemaType.DATETIME,
    PayloadIndexKind.UUID: models.PayloadSchemaType.UUID,
}
_FROM_INDEX_TYPE = {engine: port for port, engine in INDEX_TYPES.items()}


def collection_spec(name: str, info: models.CollectionInfo) -> CollectionSpec:
    """What the server holds: dimension and distance from its config, the rest from ChronoTrace metadata."""
    vectors = info.config.params.vectors
    if not isinstance(vectors, models.VectorParams):
        raise InvalidInputError(f"collection {name!r} uses named vectors: it is not a ChronoTrace collection")
    distance = _FROM_DISTANCE[vectors.distance]
    metadata = (info.config.metadata or {}).get("chronotrace")
    if isinstance(metadata, dict):
        stored = spec_from_json(metadata)
        return CollectionSpec(
            name=name,
            dimension=vectors.size,
            distance=distance,
            payload_indexes=stored.payload_indexes,
            bool_fields=stored.bool_fields,
        )
    return CollectionSpec(
        name=name, dimension=vectors.size, distance=distance, payload_indexes=(), bool_fields=()
    )


def index_kinds(schema: Mapping[str, models.PayloadIndexInfo]) -> dict[str, PayloadIndexKind]:
    kinds: dict[str, PayloadIndexKind] = {}
    for name, item in schema.items():
        kind = _FROM_INDEX_TYPE.get(models.PayloadSchemaType(item.data_type))
        if kind is not None:
            kinds[name] = kind
    return kinds


def _condition(condition: Condition) -> models.FieldCondition:
    match condition:
        case Flag(field=name, value=value):
            return models.FieldCondition(key=name, match=models.MatchValue(value=value))
        case Equals(field=name, value=value):
            return models.FieldCondition(key=name, match=models.MatchValue(value=value))
        case AnyOf(field=name, values=values):
            return models.FieldCondition(key=name, match=models.MatchAny(any=list(values)))
        case NumberRange(field=name, gte=gte, gt=gt, lte=lte, lt=lt):
            return models.FieldCondition(key=name, range=models.Range(gte=gte, gt=gt, lte=lte, lt=lt))
        case TimeRange(field=name, gte=gte, gt=gt, lte=lte, lt=lt):
            bounds = models.DatetimeRange(gte=iso(gte), gt=iso(gt), lte=iso(lte), lt=iso(lt))
            return models.FieldCondition(key=name, range=bounds)
    raise TypeError(f"unknown filter condition {condition!r}")


def to_filter(vector_filter: VectorFilter | None) -> models.Filter | None:
    if vector_filter is None or vector_filter.is_empty:
        return None
    must: list[models.Condition] = [_condition(c) for c in vector_filter.must]
    must_not: list[models.Condition] = [_condition(c) for c in vector_filter.must_not]
    return models.Filter(must=must or None, must_not=must_not or None)
