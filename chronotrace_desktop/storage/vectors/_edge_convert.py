"""Port values to and from ``qdrant_edge`` types, including the boolean work-around.

The boolean bug, checked here against qdrant-edge-py 0.9.0 (and still in upstream qdrant's
``lib/edge/python/src/types/filter/match.rs`` in August 2026): ``MatchValue`` converts its argument with a
PyO3 ``FromPyObject`` enum tried in the order String, Integer, Bool. A Python ``bool`` is an ``int``, so
``MatchValue(True)`` becomes the *integer* 1 (``MatchValue(True).value == 1``) and the engine compares that
integer with the stored JSON ``true``: no match. Measured on 10 points, half ``true``: ``MatchValue(True)``
and ``MatchValue(False)`` both counted 0 with and without a BOOL index, ``MatchAny([1])`` also 0, and
``must_not=[MatchValue(True)]`` counted all 10. There is no other way to express a boolean match through
these bindings. So the boolean fields (``CollectionSpec.bool_fields``) are stored as integers 0/1, indexed
as INTEGER, filtered with integer matches, and turned back into ``bool`` on the way out.
"""

from __future__ import annotations

from typing import Any

import qdrant_edge as qe

from chronotrace_desktop.storage.vectors._common import iso
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

DISTANCES: dict[Distance, qe.Distance] = {
    Distance.COSINE: qe.Distance.Cosine,
    Distance.DOT: qe.Distance.Dot,
    Distance.EUCLID: qe.Distance.Euclid,
    Distance.MANHATTAN: qe.Distance.Manhattan,
}

# BOOL is stored as 0/1 (see the module docstring), so its index is an INTEGER index.
INDEX_TYPES: dict[PayloadIndexKind, qe.PayloadSchemaType] = {
    PayloadIndexKind.KEYWORD: qe.PayloadSchemaType.Keyword,
    PayloadIndexKind.INTEGER: qe.PayloadSchemaType.Integer,
    PayloadIndexKind.FLOAT: qe.PayloadSchemaType.Float,
    PayloadIndexKind.BOOL: qe.PayloadSchemaType.Integer,
    PayloadIndexKind.DATETIME: qe.PayloadSchemaType.Datetime,
    PayloadIndexKind.UUID: qe.PayloadSchemaType.Uuid,
}

_KINDS: dict[qe.PayloadSchemaType, PayloadIndexKind] = {
    qe.PayloadSchemaType.Keyword: PayloadIndexKind.KEYWORD,
    qe.PayloadSchemaType.Integer: PayloadIndexKind.INTEGER,
    qe.PayloadSchemaType.Float: PayloadIndexKind.FLOAT,
    qe.PayloadSchemaType.Bool: PayloadIndexKind.BOOL,
    qe.PayloadSchemaType.Datetime: PayloadIndexKind.DATETIME,
    qe.PayloadSchemaType.Uuid: PayloadIndexKind.UUID,
}


def index_kind(
    data_type: qe.PayloadSchemaType, field_name: str, spec: CollectionSpec
) -> PayloadIndexKind | None:
    """The port's kind of an engine index (an INTEGER index on a boolean field is that field's BOOL index)."""
    kind = _KINDS.get(data_type)
    if kind is PayloadIndexKind.INTEGER and field_name in spec.bool_fields:
        return PayloadIndexKind.BOOL
    return kind


def encode_payload(payload: dict[str, Any], spec: CollectionSpec) -> dict[str, Any]:
    """A normalised payload as stored: boolean fields as 0/1."""
    for name in spec.bool_fields:
        value = payload.get(name)
        if isinstance(value, bool):
            payload[name] = int(value)
    return payload


def _condition(condition: Condition) -> qe.FieldCondition:
    match condition:
        case Flag(field=name, value=value):
            return qe.FieldCondition(name, match=qe.MatchValue(1 if value else 0))
        case Equals(field=name, value=value):
            return qe.FieldCondition(name, match=qe.MatchValue(value))
        case AnyOf(field=name, values=values):
            if all(isinstance(v, str) for v in values):
                return qe.FieldCondition(name, match=qe.MatchAny([str(v) for v in values]))
            return qe.FieldCondition(name, match=qe.MatchAny([int(v) for v in values]))
        case NumberRange(field=name, gte=gte, gt=gt, lte=lte, lt=lt):
            return qe.FieldCondition(name, range=qe.RangeFloat(gte=gte, gt=gt, lte=lte, lt=lt))
        case TimeRange(field=name, gte=gte, gt=gt, lte=lte, lt=lt):
            return qe.FieldCondition(
                name, range=qe.RangeDateTime(gte=iso(gte), gt=iso(gt), lte=iso(lte), lt=iso(lt))
            )
    raise TypeError(f"unknown filter condition {condition!r}")


def to_filter(vector_filter: VectorFilter | None) -> qe.Filter | None:
    if vector_filter is None or vector_filter.is_empty:
        return None
    must: list[qe.ConditionType] = [_condition(c) for c in vector_filter.must]
    must_not: list[qe.ConditionType] = [_condition(c) for c in vector_filter.must_not]
    return qe.Filter(must=must or None, must_not=must_not or None)
