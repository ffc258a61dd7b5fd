"""Search filters as payload filters of the vector search (the indexed fields of the point payload)."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from chronotrace_desktop.domain.errors import InvalidInputError
from chronotrace_desktop.services.search import vocabulary as vocab
from chronotrace_desktop.services.search.words import lookup
from chronotrace_desktop.storage.vectors import (
    AnyOf,
    Condition,
    Equals,
    Flag,
    NumberRange,
    TimeRange,
    VectorFilter,
)

if TYPE_CHECKING:
    from chronotrace_desktop.domain.search import SearchFilters

# The payload's ``timestamp`` is the segment's START in wall-clock time; a segment that began up to this long
# before the range can still overlap it. The ranking step then checks the real overlap (``rank``).
MAX_SEGMENT_SPAN = timedelta(seconds=60)


def object_classes(word: str) -> frozenset[str]:
    """The COCO classes a filter word names: a class itself (``cell phone``) or a word for it (``bike``)."""
    name = " ".join(word.strip().lower().replace("_", " ").split())
    if name in vocab.COCO_CLASSES:
        return frozenset({name})
    if name.replace(" ", "") in vocab.COCO_CLASSES:
        return frozenset({name.replace(" ", "")})
    token = name.replace(" ", "")
    if token in vocab.PERSON_WORDS or token in vocab.PERSON_PLURALS:
        return frozenset({"person"})
    found = lookup(token, vocab.VEHICLE_WORDS) or lookup(token, vocab.OBJECT_WORDS)
    if found is None:
        raise InvalidInputError(
            f"unknown object class {word!r}: use a detected class such as person, car, truck, bus, "
            "motorbike, bicycle, backpack, handbag, suitcase, bottle (the 80 COCO classes)"
        )
    return found


def to_vector_filter(filters: SearchFilters) -> VectorFilter | None:
    """Every filter as a payload condition (``None`` when nothing filters). ``min_score`` is not one."""
    must: list[Condition] = []
    if filters.camera_ids:
        must.append(AnyOf("camera_id", filters.camera_ids))
    if filters.location is not None:
        must.append(Equals("location", filters.location.strip()))
    if filters.video_ids:
        must.append(AnyOf("video_id", tuple(str(v) for v in filters.video_ids)))
    if filters.start_from is not None:
        must.append(NumberRange("end_time", gt=filters.start_from))
    if filters.start_to is not None:
        must.append(NumberRange("start_time", lte=filters.start_to))
    if filters.recorded_from is not None or filters.recorded_to is not None:
        low = filters.recorded_from - MAX_SEGMENT_SPAN if filters.recorded_from is not None else None
        must.append(TimeRange("timestamp", gte=low, lte=filters.recorded_to))
    if filters.has_faces is not None:
        must.append(Flag("has_faces", filters.has_faces))
    if filters.motion is not None:
        must.append(Flag("motion_detected", filters.motion))
    for word in filters.objects:
        must.append(AnyOf("objects_detected", tuple(sorted(object_classes(word)))))
    return VectorFilter(must=tuple(must)) if must else None
