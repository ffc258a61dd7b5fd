"""A caption and exact-match search terms from a segment's attributes. Deterministic; says only what was seen.

    "2 people, one in a red top and blue trousers, one in a black top; 2 faces; a white car; a backpack;
     day, high motion"

Parts, in this order and separated by "; ": people (count, then up to that many appearances with colours,
most seen first), faces, vehicles (colour + class, most seen first), other objects (count + class), then
lighting and motion. Unknown attributes (None) are left out, never guessed; a segment with no decoded frame
is "no frames decoded".
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from chronotrace_desktop.analysis.objects import PERSON, VEHICLES

if TYPE_CHECKING:
    from chronotrace_desktop.domain.analysis import PersonAppearance, SegmentAnalysis

# coco.names of the darknet release uses VOC spellings: show them as people say them.
DISPLAY_NAMES = {
    "tvmonitor": "TV monitor",
    "diningtable": "dining table",
    "pottedplant": "potted plant",
    "aeroplane": "aeroplane",
    "motorbike": "motorbike",
    "sofa": "sofa",
}
_PLURALS = {
    PERSON: "people",
    "mouse": "mice",
    "knife": "knives",
    "sheep": "sheep",
    "skis": "skis",
    "scissors": "scissors",
}
MAX_APPEARANCES = 4
VEHICLE_LABELS = VEHICLES  # bicycles are described with their colour too


def display_name(label: str) -> str:
    return DISPLAY_NAMES.get(label, label)


def plural(label: str) -> str:
    if label in _PLURALS:
        return _PLURALS[label]
    name = display_name(label)
    if name.endswith(("s", "sh", "ch", "x")):
        return name + "es"
    return name + "s"


def _article(phrase: str) -> str:
    return f"an {phrase}" if phrase[0].lower() in "aeiou" else f"a {phrase}"


def counted(n: int, label: str) -> str:
    """'a car', 'an umbrella', '3 cars'."""
    return _article(display_name(label)) if n == 1 else f"{n} {plural(label)}"


def _wearing(p: PersonAppearance) -> str | None:
    parts = []
    if p.upper:
        parts.append(_article(f"{p.upper} top"))
    if p.lower:
        parts.append(f"{p.lower} trousers")
    return " and ".join(parts) if parts else None


def _people_part(analysis: SegmentAnalysis) -> str | None:
    n = analysis.people_count or 0
    if n == 0:
        return None
    shown = [w for w in (_wearing(p) for p in analysis.people[: min(n, MAX_APPEARANCES)]) if w]
    if n == 1:
        return f"1 person in {shown[0]}" if shown else "1 person"
    same = Counter(shown)  # insertion order: most seen first
    if len(same) == 1 and next(iter(same.values())) == n:
        return f"{n} people in {shown[0]}"
    return ", ".join([f"{n} people", *(f"{'one' if k == 1 else k} in {w}" for w, k in same.items())])


def _vehicles_part(analysis: SegmentAnalysis) -> list[str]:
    """Per vehicle class, most first: "a white car", or "3 cars (white, red)" with the colours seen."""
    out = []
    labels = [label for label in analysis.object_counts if label in VEHICLE_LABELS]
    for label in sorted(labels, key=lambda lb: -analysis.object_counts[lb]):
        n = analysis.object_counts[label]
        colors = Counter(v.color for v in analysis.vehicles if v.label == label and v.color)
        named = [c for c, _ in colors.most_common(3)]
        if n == 1:
            out.append(_article(f"{named[0]} {display_name(label)}") if named else counted(1, label))
        else:
            out.append(f"{n} {plural(label)}" + (f" ({', '.join(named)})" if named else ""))
    return out


def _objects_part(analysis: SegmentAnalysis) -> list[str]:
    skip = {PERSON, *VEHICLE_LABELS}
    return [counted(n, label) for label, n in analysis.object_counts.items() if label not in skip]


def _scene_part(analysis: SegmentAnalysis) -> str | None:
    parts = []
    if analysis.lighting_condition is not None:
        parts.append(analysis.lighting_condition.value.replace("-", " "))
    if analysis.motion_detected is False:
        parts.append("no motion")
    elif analysis.activity_level is not None:
        parts.append(f"{analysis.activity_level.value} motion")
    return ", ".join(parts) if parts else None


def caption(analysis: SegmentAnalysis) -> str:
    if not analysis.analysed:
        return "no frames decoded"
    parts: list[str] = []
    people = _people_part(analysis)
    if people:
        parts.append(people)
    if analysis.face_count:
        parts.append("1 face" if analysis.face_count == 1 else f"{analysis.face_count} faces")
    parts.extend(_vehicles_part(analysis))
    parts.extend(_objects_part(analysis))
    if not parts:
        parts.append("no people, vehicles or objects detected")
    scene_text = _scene_part(analysis)
    if scene_text:
        parts.append(scene_text)
    return "; ".join(parts)


def attribute_terms(analysis: SegmentAnalysis) -> list[str]:
    """Flat lowercase terms for exact-match search ("person", "red top", "car", "white car", "night"...)."""
    terms: list[str] = []
    if analysis.people_count:
        terms += ["person", "people"]
    for p in analysis.people:
        if p.upper:
            terms.append(f"{p.upper} top")
        if p.lower:
            terms.append(f"{p.lower} trousers")
    if analysis.has_faces:
        terms.append("face")
    if analysis.has_vehicles:
        terms.append("vehicle")
    for v in analysis.vehicles:
        terms.append(display_name(v.label).lower())
        if v.color:
            terms.append(f"{v.color} {display_name(v.label).lower()}")
    terms += [display_name(label).lower() for label in analysis.objects_detected]
    if analysis.lighting_condition is not None:
        terms.append(analysis.lighting_condition.value)
    if analysis.motion_detected:
        terms.append("motion")
    if analysis.activity_level is not None:
        terms.append(f"{analysis.activity_level.value} activity")
    return list(dict.fromkeys(terms))
