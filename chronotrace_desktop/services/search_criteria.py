"""Exact attributes a query asks for, and how well a segment's detected attributes satisfy each of them.

A :class:`Criterion` scores a segment's :class:`SegmentAttributes` from 0 (absent) to 1 (present) and says
why it matched. Weights follow what was measured on the shared clips (DESIGN.md): COCO classes are the
strongest signal, then people's upper/lower colours and vehicle colours, then faces; counts, light and
motion are weak hints. Colour names are compared with a little slack where the colour namer is known to
confuse them under real light (white/grey/silver, blue/black, orange/yellow...).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

W_OBJECT = 1.0
W_COLOUR = 0.8
W_FACES = 0.6
W_COUNT = 0.5
W_NO_PEOPLE = 1.0
W_SCENE = 0.3

PERSON = "person"
VEHICLE_CLASSES = frozenset({"car", "truck", "bus", "motorbike", "bicycle"})

# Symmetric partial credit between colour names the namer confuses (1.0 for the same name).
_NEAR: dict[frozenset[str], float] = {
    frozenset({"white", "grey"}): 0.5,
    frozenset({"grey", "black"}): 0.3,
    frozenset({"blue", "black"}): 0.4,
    frozenset({"blue", "grey"}): 0.3,
    frozenset({"orange", "yellow"}): 0.5,
    frozenset({"orange", "red"}): 0.4,
    frozenset({"orange", "brown"}): 0.4,
    frozenset({"red", "pink"}): 0.5,
    frozenset({"red", "brown"}): 0.3,
    frozenset({"pink", "purple"}): 0.4,
    frozenset({"purple", "blue"}): 0.3,
    frozenset({"green", "blue"}): 0.3,
    frozenset({"yellow", "brown"}): 0.3,
}


def colour_match(wanted: str, seen: str | None) -> float:
    if seen is None:
        return 0.0
    if wanted == seen:
        return 1.0
    return _NEAR.get(frozenset({wanted, seen}), 0.0)


@dataclass(frozen=True, slots=True)
class SegmentAttributes:
    """What ingestion detected in one segment (from ``video_segments``; see ``ingest_segments``)."""

    objects: frozenset[str] = frozenset()
    object_counts: Mapping[str, int] | None = None
    people: tuple[tuple[str | None, str | None], ...] = ()  # (upper, lower) per person followed
    vehicles: tuple[tuple[str, str | None], ...] = ()  # (class, colour) per vehicle followed
    people_count: int | None = None
    face_count: int = 0
    lighting: str | None = None
    motion: bool | None = None
    activity: str | None = None

    @classmethod
    def from_meta(
        cls,
        meta: Mapping[str, Any] | None,
        *,
        objects: list[str] | tuple[str, ...] | None = None,
        people_count: int | None = None,
        face_count: int | None = None,
        lighting: str | None = None,
        motion: bool | None = None,
        activity: str | None = None,
    ) -> SegmentAttributes:
        """From the metadata JSON ingestion stores (``people``, ``vehicles``, ``object_counts``...)."""
        meta = meta or {}
        counts = {str(k): int(v) for k, v in (meta.get("object_counts") or {}).items()}
        found = objects if objects is not None else meta.get("objects_detected") or list(counts)
        people = tuple(
            (p.get("upper"), p.get("lower")) for p in meta.get("people") or () if isinstance(p, Mapping)
        )
        vehicles = tuple(
            (str(v.get("label")), v.get("color"))
            for v in meta.get("vehicles") or ()
            if isinstance(v, Mapping)
        )
        if people_count is None:
            people_count = meta.get("people_count")
        return cls(
            objects=frozenset(str(o) for o in found),
            object_counts=counts,
            people=people,
            vehicles=vehicles,
            people_count=people_count,
            face_count=face_count or 0,
            lighting=lighting,
            motion=motion,
            activity=activity,
        )

    def count_of(self, classes: frozenset[str]) -> int:
        if classes == {PERSON} and self.people_count is not None:
            return self.people_count
        counts = self.object_counts or {}
        return sum(counts.get(c, 1 if c in self.objects else 0) for c in classes)


@dataclass(frozen=True, slots=True)
class Criterion:
    """Base: ``weight`` in the attribute score, ``label`` for people ("red top"), ``text`` for captions."""

    label: str
    weight: float

    def score(self, seg: SegmentAttributes) -> float:
        raise NotImplementedError

    def reason(self, seg: SegmentAttributes, score: float) -> str:
        return self.label if score >= 1.0 else f"{self.label} (partly)"


@dataclass(frozen=True, slots=True)
class HasObject(Criterion):
    """Any of ``classes`` was detected (``vehicle`` = car, truck, bus, motorbike or bicycle)."""

    classes: frozenset[str] = frozenset()

    def score(self, seg: SegmentAttributes) -> float:
        return 1.0 if self.classes & seg.objects else 0.0

    def reason(self, seg: SegmentAttributes, score: float) -> str:
        found = sorted(self.classes & seg.objects)
        if len(self.classes) > 1 and found:
            return f"{self.label} detected ({', '.join(found)})"
        return f"{self.label} detected"


@dataclass(frozen=True, slots=True)
class PersonColour(Criterion):
    """One person wearing ``upper`` and/or ``lower`` colours, or ``anywhere`` (either part)."""

    upper: str | None = None
    lower: str | None = None
    anywhere: str | None = None

    def _one(self, upper: str | None, lower: str | None) -> float:
        if self.anywhere is not None:
            return max(colour_match(self.anywhere, upper), colour_match(self.anywhere, lower))
        parts = [
            colour_match(want, seen) for want, seen in ((self.upper, upper), (self.lower, lower)) if want
        ]
        return sum(parts) / len(parts) if parts else 0.0

    def score(self, seg: SegmentAttributes) -> float:
        return max((self._one(u, lo) for u, lo in seg.people), default=0.0)


@dataclass(frozen=True, slots=True)
class VehicleColour(Criterion):
    """A vehicle of ``classes`` (any vehicle when empty) in ``colour``."""

    colour: str = ""
    classes: frozenset[str] = frozenset()

    def score(self, seg: SegmentAttributes) -> float:
        return max(
            (
                colour_match(self.colour, colour)
                for label, colour in seg.vehicles
                if not self.classes or label in self.classes
            ),
            default=0.0,
        )


@dataclass(frozen=True, slots=True)
class AnyColour(Criterion):
    """A colour with nothing to attach it to: a person's clothes or a vehicle."""

    colour: str = ""

    def score(self, seg: SegmentAttributes) -> float:
        people = PersonColour(self.label, self.weight, anywhere=self.colour).score(seg)
        return max(people, VehicleColour(self.label, self.weight, colour=self.colour).score(seg))


@dataclass(frozen=True, slots=True)
class Count(Criterion):
    """``n`` of ``classes`` seen at once; more than ``n`` still counts half (they are in view too).

    ``at_least``: ``n`` or more is a full match ("a crowd", "several cars").
    """

    classes: frozenset[str] = frozenset()
    n: int = 1
    at_least: bool = False

    def score(self, seg: SegmentAttributes) -> float:
        seen = seg.count_of(self.classes)
        if self.at_least:
            return 1.0 if seen >= self.n else 0.5 * seen / self.n
        if seen == self.n:
            return 1.0
        return 0.5 if seen > self.n else 0.0

    def reason(self, seg: SegmentAttributes, score: float) -> str:
        return f"{self.label} ({seg.count_of(self.classes)} seen at once)"


@dataclass(frozen=True, slots=True)
class Faces(Criterion):
    present: bool = True

    def score(self, seg: SegmentAttributes) -> float:
        return 1.0 if (seg.face_count > 0) == self.present else 0.0

    def reason(self, seg: SegmentAttributes, score: float) -> str:
        if not self.present:
            return "no faces detected"
        return "1 face detected" if seg.face_count == 1 else f"{seg.face_count} faces detected"


@dataclass(frozen=True, slots=True)
class NoPeople(Criterion):
    def score(self, seg: SegmentAttributes) -> float:
        return 1.0 if seg.people_count == 0 else 0.0


@dataclass(frozen=True, slots=True)
class Lighting(Criterion):
    values: frozenset[str] = frozenset()

    def score(self, seg: SegmentAttributes) -> float:
        return 1.0 if seg.lighting in self.values else 0.0

    def reason(self, seg: SegmentAttributes, score: float) -> str:
        return f"lighting: {seg.lighting}"


@dataclass(frozen=True, slots=True)
class Motion(Criterion):
    """``level``: "any" (something moved), "high" (fast, busy) or "none" (still)."""

    level: str = "any"

    def score(self, seg: SegmentAttributes) -> float:
        if self.level == "none":
            if seg.motion is False:
                return 1.0
            return 0.5 if seg.activity == "low" else 0.0
        if not seg.motion:
            return 0.0
        if self.level == "high":
            return {"high": 1.0, "medium": 0.5}.get(seg.activity or "", 0.0)
        return 1.0

    def reason(self, seg: SegmentAttributes, score: float) -> str:
        if self.level == "none":
            return "no motion" if seg.motion is False else "little motion"
        return f"{seg.activity} motion" if seg.activity else "motion"


def attribute_value(criteria: tuple[Criterion, ...], seg: SegmentAttributes) -> float:
    """The weighted share of ``criteria`` that ``seg`` satisfies (0..1)."""
    total = sum(c.weight for c in criteria)
    return sum(c.weight * c.score(seg) for c in criteria) / total if total > 0 else 0.0


def attribute_score(criteria: tuple[Criterion, ...], seg: SegmentAttributes) -> tuple[float, tuple[str, ...]]:
    """The weighted share of ``criteria`` that ``seg`` satisfies (0..1) and the reasons of those it does."""
    total = sum(c.weight for c in criteria)
    if total <= 0:
        return 0.0, ()
    got = 0.0
    reasons: list[str] = []
    for criterion in criteria:
        value = criterion.score(seg)
        if value > 0:
            got += criterion.weight * value
            reasons.append(criterion.reason(seg, value))
    return got / total, tuple(dict.fromkeys(reasons))
