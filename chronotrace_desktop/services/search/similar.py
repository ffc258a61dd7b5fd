"""Queries that start from pictures: a still image (query by image) or a stored segment (find similar).

Both end in the caption space every segment is indexed in. The offline engine has no image-text model
(DESIGN.md), and MobileNet's 1280-d image vectors live in another space than the 384-d caption vectors,
so an image is turned into what ingestion would have said about it: the same detectors (objects, faces,
clothing and vehicle colours) → the same caption → the text vector, plus the detected attributes as exact
criteria. That finds "a person in a red top" or "a white car" on any camera, which is what an investigator
holding a still usually wants. A segment brings its stored caption vector and its stored attributes (people
with their colours, gender, age, garment tags and posture; vehicle types and colours; the scene; and the
anomalies overlapping it, so a loitering segment finds other loitering).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import cv2

from chronotrace_desktop.analysis.caption import caption
from chronotrace_desktop.analysis.segment import SegmentAnalyzer
from chronotrace_desktop.domain.media import Window
from chronotrace_desktop.media.stills import read_still
from chronotrace_desktop.services.search.criteria import Criterion, Event, Faces, HasObject, Lighting, Where
from chronotrace_desktop.services.search.looks import PersonLook, VehicleKind, VehicleLook
from chronotrace_desktop.services.search.segment_attributes import (
    ANOMALY_NAMES,
    SETTING_NAMES,
    VEHICLE_CLASSES,
    PersonSeen,
    SegmentAttributes,
    VehicleSeen,
)
from chronotrace_desktop.services.search.weights import (
    W_ANOMALY,
    W_FACES,
    W_OBJECT,
    W_PLACE,
    W_SCENE,
    W_SETTING,
    W_SURFACE,
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
    image = read_still(path)
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


def _person_label(p: PersonSeen) -> str:
    words = [p.gender or "", p.age or ""]
    words += [f"{p.upper} top" if p.upper else "", f"{p.lower} trousers" if p.lower else ""]
    words += [*sorted(p.tags), p.posture or ""]
    return ", ".join(w for w in words if w)


def _person(p: PersonSeen, share: int) -> Criterion:
    look = PersonLook.of(
        _person_label(p),
        upper=p.upper,
        lower=p.lower,
        gender=p.gender,
        age=p.age,
        posture=p.posture,
        tags=tuple(sorted(p.tags)),
    )
    return replace(look, weight=look.weight / share)


def _vehicles(vehicles: list[VehicleSeen]) -> list[Criterion]:
    out: list[Criterion] = []
    for kind in dict.fromkeys(v.label for v in vehicles if v.refined):
        out.append(VehicleKind(kind, W_OBJECT, kinds=frozenset({kind})))
    coloured = list(dict.fromkeys((v.label, v.colour) for v in vehicles if v.colour))[:MAX_APPEARANCES]
    for label, colour in coloured:
        look = VehicleLook.of(f"{colour} {label}", colour=colour, classes=frozenset({label}))
        out.append(replace(look, weight=look.weight / len(coloured)))
    return out


def criteria_from(attrs: SegmentAttributes) -> tuple[Criterion, ...]:
    """What a segment or a still shows, as criteria another segment can match."""
    out: list[Criterion] = [
        HasObject(name, W_OBJECT, classes=frozenset({name})) for name in sorted(attrs.objects)
    ]
    people = [p for p in dict.fromkeys(replace(p, motion=None) for p in attrs.people) if _person_label(p)][
        :MAX_APPEARANCES
    ]
    out += [_person(p, len(people)) for p in people]
    out += _vehicles([v for v in attrs.vehicles if v.detector_class in VEHICLE_CLASSES])
    if attrs.face_count > 0:
        out.append(Faces("faces", W_FACES, present=True))
    if attrs.lighting in ("night", "low-light"):
        out.append(Lighting(attrs.lighting, W_SCENE, values=frozenset({"night", "low-light"})))
    if attrs.place:
        out.append(Where(attrs.place, W_PLACE, places=frozenset({attrs.place})))
    if attrs.setting:
        out.append(Where(SETTING_NAMES[attrs.setting], W_SETTING, setting=attrs.setting))
    for surface in sorted(attrs.surfaces):
        out.append(Where(surface, W_SURFACE, surfaces=frozenset({surface})))
    for kind in dict.fromkeys(a.type for a in attrs.anomalies):
        label = "anomaly: " + ANOMALY_NAMES.get(kind, kind)
        out.append(Event(label, W_ANOMALY, types=frozenset({kind})))
    return tuple(out)
