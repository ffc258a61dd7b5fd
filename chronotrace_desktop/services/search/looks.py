"""Criteria on how a person or a vehicle looks: clothing colours, gender, age, posture, worn and carried
things, vehicle type, colour and state (moving or parked); and a colour said of neither.

Each scores the best-matching person or vehicle followed through the segment, with partial credit for near
values (``weights``); a segment whose person or vehicle was detected but not followed counts as one unknown.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from chronotrace_desktop.services.search.criteria import Criterion, partly
from chronotrace_desktop.services.search.segment_attributes import PersonSeen, SegmentAttributes
from chronotrace_desktop.services.search.weights import (
    AGE_MATCH,
    POSTURE_MATCH,
    STILL_FOR_POSTURE,
    TAG_FROM_OBJECT,
    TAG_MATCH,
    TAG_OBJECTS,
    TYPE_NEAR,
    W_AGE,
    W_COLOUR,
    W_GENDER,
    W_POSTURE,
    W_STATE,
    W_TAG,
    colour_match,
)

if TYPE_CHECKING:
    from chronotrace_desktop.services.search.segment_attributes import VehicleSeen

_GENDER_NOUNS: dict[tuple[str | None, bool], str] = {
    ("female", False): "woman",
    ("male", False): "man",
    ("female", True): "girl",
    ("male", True): "boy",
}


def _tag_score(tag: str, p: PersonSeen, seg: SegmentAttributes) -> float:
    table = TAG_MATCH.get(tag, {tag: 1.0})
    best = max((table.get(t, 0.0) for t in p.tags), default=0.0)
    if best < TAG_FROM_OBJECT and TAG_OBJECTS.get(tag, frozenset()) & seg.objects:
        return TAG_FROM_OBJECT
    return best


@dataclass(frozen=True, slots=True)
class PersonLook(Criterion):
    """One person showing all of these parts, each with its own weight (the best-matching person counts).

    Colours: ``upper`` and/or ``lower`` (one part), or each of ``anywhere`` (either half; a part each).
    ``age`` is an ``AGE_MATCH`` key, ``tags`` are ``TAG_MATCH`` keys (a part each). Build with :meth:`of`,
    which sets ``weight`` to the sum of the parts' weights.
    """

    upper: str | None = None
    lower: str | None = None
    anywhere: tuple[str, ...] = ()
    gender: str | None = None
    age: str | None = None
    posture: str | None = None
    motion: str | None = None
    tags: tuple[str, ...] = ()

    @classmethod
    def of(cls, label: str, **parts: Any) -> PersonLook:
        made = cls(label, 0.0, **parts)
        return cls(label, sum(w for w, _, _ in made._parts(PersonSeen(), SegmentAttributes())), **parts)

    def _parts(self, p: PersonSeen, seg: SegmentAttributes) -> list[tuple[float, float, str]]:
        """(weight, score, what matched) per part, for person ``p``."""
        out: list[tuple[float, float, str]] = []
        if self.gender:
            noun = _GENDER_NOUNS.get((p.gender, p.age == "child"), "")
            out.append((W_GENDER, float(p.gender == self.gender), f"{noun} (face: {p.gender})"))
        if self.age:
            out.append((W_AGE, AGE_MATCH[self.age].get(p.age or "", 0.0), f"age: {p.age}"))
        if self.upper or self.lower:
            pairs = ((self.upper, p.upper, "top"), (self.lower, p.lower, "trousers"))
            halves = [(want, seen, word) for want, seen, word in pairs if want]
            value = sum(colour_match(w, s) for w, s, _ in halves) / len(halves)
            text = " and ".join(f"{s or '?'} {word}" for _, s, word in halves)
            out.append((W_COLOUR, value, text))
        for colour in self.anywhere:
            value = max(colour_match(colour, p.upper), colour_match(colour, p.lower))
            out.append((W_COLOUR, value, f"{colour} clothes"))
        for tag in self.tags:
            value = _tag_score(tag, p, seg)
            held = sorted(t for t in p.tags if TAG_MATCH.get(tag, {tag: 1.0}).get(t))
            out.append((W_TAG, value, ", ".join(held) if held else f"{tag} in view"))
        if self.posture:
            value = POSTURE_MATCH[self.posture].get(p.posture or "", 0.0)
            if p.posture is None and self.posture != "lying" and self._still(p, seg):
                value = STILL_FOR_POSTURE
            out.append((W_POSTURE, value, p.posture or "still"))
        if self.motion:
            value = 1.0 if p.motion == self.motion else 0.0
            if p.motion is None and self.motion == "still" and seg.motion is False:
                value = 0.5  # nothing moved in the whole segment
            out.append((W_STATE, value, "not moving" if self.motion == "still" else "moving"))
        return out

    @staticmethod
    def _still(p: PersonSeen, seg: SegmentAttributes) -> bool:
        return p.motion == "still" or (p.motion is None and seg.motion is False)

    def _value(self, p: PersonSeen, seg: SegmentAttributes) -> float:
        parts = self._parts(p, seg)
        total = sum(w for w, _, _ in parts)
        return sum(w * s for w, s, _ in parts) / total if total > 0 else 0.0

    def _best(self, seg: SegmentAttributes) -> tuple[float, PersonSeen | None]:
        return max(
            ((self._value(p, seg), p) for p in seg.people_or_unseen()),
            key=lambda vp: vp[0],
            default=(0.0, None),
        )

    def score(self, seg: SegmentAttributes) -> float:
        return self._best(seg)[0]

    def reason(self, seg: SegmentAttributes, score: float) -> str:
        person = self._best(seg)[1] or PersonSeen()
        matched = [partly(text, s) for _, s, text in self._parts(person, seg) if s > 0]
        return ", ".join(matched) if matched else partly(self.label, score)


def type_match(kinds: frozenset[str], v: VehicleSeen) -> float:
    """How surely vehicle ``v`` is one of ``kinds`` (vehicle types or COCO classes; empty: any vehicle)."""
    if not kinds or v.label in kinds or v.detector_class in kinds:
        return 1.0
    return max((TYPE_NEAR.get(k, {}).get(v.label, 0.0) for k in kinds), default=0.0)


@dataclass(frozen=True, slots=True)
class VehicleKind(Criterion):
    """A vehicle of a type the detector does not name (van, pickup): the classifier's label, or a COCO car
    or truck it left unrefined, partly."""

    kinds: frozenset[str] = frozenset()

    def score(self, seg: SegmentAttributes) -> float:
        return max((type_match(self.kinds, v) for v in seg.vehicles_or_unseen()), default=0.0)

    def reason(self, seg: SegmentAttributes, score: float) -> str:
        if score >= 1.0:
            return f"{self.label} detected"
        near = sorted({v.label for v in seg.vehicles_or_unseen() if type_match(self.kinds, v) == score})
        return f"{self.label} (partly: {', '.join(near)})"


@dataclass(frozen=True, slots=True)
class VehicleLook(Criterion):
    """A vehicle of ``classes`` (types or COCO classes; any vehicle when empty) in ``colour`` and/or
    ``motion`` ("moving", "still" = parked/stopped), times how surely it is of that type."""

    colour: str | None = None
    classes: frozenset[str] = frozenset()
    motion: str | None = None

    @classmethod
    def of(cls, label: str, **parts: Any) -> VehicleLook:
        weight = (W_COLOUR if parts.get("colour") else 0.0) + (W_STATE if parts.get("motion") else 0.0)
        return cls(label, weight, **parts)

    def _one(self, v: VehicleSeen, seg: SegmentAttributes) -> float:
        parts: list[tuple[float, float]] = []
        if self.colour:
            parts.append((W_COLOUR, colour_match(self.colour, v.colour)))
        if self.motion:
            value = 1.0 if v.motion == self.motion else 0.0
            if v.motion is None and self.motion == "still" and seg.motion is False:
                value = 0.5  # nothing moved in the whole segment
            parts.append((W_STATE, value))
        total = sum(w for w, _ in parts)
        return type_match(self.classes, v) * sum(w * s for w, s in parts) / total if total > 0 else 0.0

    def score(self, seg: SegmentAttributes) -> float:
        return max((self._one(v, seg) for v in seg.vehicles_or_unseen()), default=0.0)


@dataclass(frozen=True, slots=True)
class AnyColour(Criterion):
    """A colour with nothing to attach it to: a person's clothes or a vehicle."""

    colour: str = ""

    def score(self, seg: SegmentAttributes) -> float:
        people = max(
            (max(colour_match(self.colour, p.upper), colour_match(self.colour, p.lower)) for p in seg.people),
            default=0.0,
        )
        return max(people, max((colour_match(self.colour, v.colour) for v in seg.vehicles), default=0.0))
