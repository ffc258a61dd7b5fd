"""Queries that start from pictures: a still image (query by image) or a stored segment (find similar).

Both end in the caption space every segment is indexed in. The offline engine has no image-text model
(DESIGN.md), and MobileNet's 1280-d image vectors live in another space than the 384-d caption vectors,
so an image is turned into what ingestion would have said about it: the same detectors (objects, faces,
clothing and vehicle colours) → the same caption → the text vector, plus the detected attributes as exact
criteria. That finds "a person in a red top" or "a white car" on any camera, which is what an investigator
holding a still usually wants. A segment brings its stored caption vector and its stored attributes.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

import cv2

from chronotrace_desktop.analysis.caption import caption
from chronotrace_desktop.analysis.segment import SegmentAnalyzer
from chronotrace_desktop.domain.media import Window
from chronotrace_desktop.embedding.mobilenet import read_image_file
from chronotrace_desktop.services.search_criteria import (
    VEHICLE_CLASSES,
    W_COLOUR,
    W_FACES,
    W_OBJECT,
    W_SCENE,
    Criterion,
    Faces,
    HasObject,
    Lighting,
    PersonColour,
    SegmentAttributes,
    VehicleColour,
)

if TYPE_CHECKING:
    from pathlib import Path

    import numpy as np

logger = logging.getLogger(__name__)

MAX_APPEARANCES = 3
ANALYSIS_MAX_SIDE = 640  # as ingest_segments samples frames


@dataclass(frozen=True, slots=True)
class _Still:
    t: float
    image: np.ndarray


@dataclass(frozen=True, slots=True)
class ImageDescription:
    caption: str
    attributes: SegmentAttributes


def describe_image(path: Path) -> ImageDescription:
    """Run the ingest detectors on one still: its caption and attributes (``InvalidInputError`` if unreadable)."""
    image = read_image_file(path)
    height, width = image.shape[:2]
    if max(height, width) > ANALYSIS_MAX_SIDE:  # the size ingestion analyses frames at
        scale = ANALYSIS_MAX_SIDE / max(height, width)
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
        image = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
    analysis = SegmentAnalyzer().analyze(Window(0, 0.0, 1.0), [_Still(0.0, image)])
    text = caption(analysis)
    logger.debug("image %s reads as %r", path.name, text)
    attributes = SegmentAttributes.from_meta(
        analysis.metadata(),
        face_count=analysis.face_count,
        lighting=analysis.lighting_condition.value if analysis.lighting_condition else None,
    )
    return ImageDescription(text, attributes)


def criteria_from(attrs: SegmentAttributes) -> tuple[Criterion, ...]:
    """What a segment or a still shows, as criteria another segment can match."""
    out: list[Criterion] = [
        HasObject(name, W_OBJECT, classes=frozenset({name})) for name in sorted(attrs.objects)
    ]
    people = list(dict.fromkeys(p for p in attrs.people if p[0] or p[1]))[:MAX_APPEARANCES]
    for upper, lower in people:
        label = " and ".join(
            x for x in (f"{upper} top" if upper else "", f"{lower} trousers" if lower else "") if x
        )
        out.append(PersonColour(label, W_COLOUR / len(people), upper=upper, lower=lower))
    vehicles = list(dict.fromkeys(v for v in attrs.vehicles if v[1] and v[0] in VEHICLE_CLASSES))
    for label, colour in vehicles[:MAX_APPEARANCES]:
        assert colour is not None
        weight = W_COLOUR / min(len(vehicles), MAX_APPEARANCES)
        out.append(VehicleColour(f"{colour} {label}", weight, colour=colour, classes=frozenset({label})))
    if attrs.face_count > 0:
        out.append(Faces("faces", W_FACES, present=True))
    if attrs.lighting in ("night", "low-light"):
        out.append(Lighting(attrs.lighting, W_SCENE, values=frozenset({"night", "low-light"})))
    return tuple(out)
