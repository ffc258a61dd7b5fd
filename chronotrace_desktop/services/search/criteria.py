"""Exact attributes a query asks for, and how well a segment's detected attributes satisfy each of them.

A :class:`Criterion` scores a segment's :class:`SegmentAttributes` from 0 (absent) to 1 (present) and says
why it matched; ``attribute_score`` weighs them (``weights``: what each weighs, what a near value earns). An
attribute ingestion did not record (``None``: an old row, or not seen well enough) scores 0, never less; a
value that contradicts the query scores 0 too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from chronotrace_desktop.services.search.segment_attributes import PLACE_NAMES, SETTING_NAMES
from chronotrace_desktop.services.search.weights import (
    PLACE_FROM_SETTING,
    PLACE_NEAR,
    PLACE_SETTING,
    SETTING_FROM_PLACE,
    SETTING_FROM_SURFACE,
    SURFACE_SETTING,
)

if TYPE_CHECKING:
    from chronotrace_desktop.services.search.segment_attributes import SegmentAttributes


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


def partly(text: str, value: float) -> str:
    """``text``, marked "(partly)" unless ``value`` is a full match."""
    return text if value >= 1.0 else f"{text} (partly)"


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


@dataclass(frozen=True, slots=True)
class Where(Criterion):
    """The scene: a ``place`` among ``places``, a surface among ``surfaces`` or the ``setting``
    (indoor/outdoor, also implied by a known place or surface); the best of those the query names."""

    places: frozenset[str] = frozenset()
    surfaces: frozenset[str] = frozenset()
    setting: str | None = None

    def _setting(self, seg: SegmentAttributes) -> float:
        if self.setting is None:
            return 0.0
        if seg.setting is not None:
            return float(seg.setting == self.setting)
        if seg.place is not None and seg.place in PLACE_SETTING:
            return SETTING_FROM_PLACE if PLACE_SETTING[seg.place] == self.setting else 0.0
        implied = {SURFACE_SETTING.get(s) for s in seg.surfaces}
        return SETTING_FROM_SURFACE if self.setting in implied else 0.0

    def _place(self, seg: SegmentAttributes) -> float:
        if seg.place is not None:
            if seg.place in self.places:
                return 1.0
            return max((PLACE_NEAR.get(frozenset({p, seg.place}), 0.0) for p in self.places), default=0.0)
        # No place decided (most indoor places never are): the setting such a place needs is some evidence.
        needs = {PLACE_SETTING.get(p) for p in self.places}
        return PLACE_FROM_SETTING if seg.setting is not None and seg.setting in needs else 0.0

    def score(self, seg: SegmentAttributes) -> float:
        surface = 1.0 if self.surfaces & seg.surfaces else 0.0
        return max(self._setting(seg), self._place(seg), surface)

    def reason(self, seg: SegmentAttributes, score: float) -> str:
        needs = {self.setting} | {PLACE_SETTING.get(p) for p in self.places}
        if seg.setting is not None and seg.setting in needs:
            head = SETTING_NAMES[seg.setting]
        elif self.setting is not None and self._setting(seg):
            head = SETTING_NAMES[self.setting]  # implied by the place or a surface, named below
        else:
            head = ""
        details = [PLACE_NAMES.get(seg.place, seg.place)] if seg.place and self._place(seg) else []
        details += sorted(self.surfaces & seg.surfaces)
        if not details and self.setting and seg.setting is None:
            details = [PLACE_NAMES.get(seg.place, seg.place)] if seg.place else sorted(seg.surfaces)
        text = f"{head}: {', '.join(details)}" if head and details else head or ", ".join(details)
        return partly(text, score)


@dataclass(frozen=True, slots=True)
class Event(Criterion):
    """An anomaly of one of ``types`` (not marked false positive) overlapping the segment."""

    types: frozenset[str] = frozenset()

    def score(self, seg: SegmentAttributes) -> float:
        return 1.0 if any(a.type in self.types for a in seg.anomalies) else 0.0

    def reason(self, seg: SegmentAttributes, score: float) -> str:
        spans = [a.describe() for a in seg.anomalies if a.type in self.types]
        return "anomaly: " + ", ".join(dict.fromkeys(spans[:2]))


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
