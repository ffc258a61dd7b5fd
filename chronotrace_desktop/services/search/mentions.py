"""People and vehicles as a query describes them, and the criterion and caption words each makes.

The reader (``reader``) fills these in word by word; ``parse`` turns them into criteria and a caption rewrite.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from chronotrace_desktop.domain.analysis import AgeGroup, Gender, Motion, PersonAppearance, Posture
from chronotrace_desktop.services.search import vocabulary as vocab
from chronotrace_desktop.services.search.looks import PersonLook

if TYPE_CHECKING:
    from chronotrace_desktop.services.search.criteria import Criterion

_DISPLAY = {"diningtable": "table", "tvmonitor": "TV", "pottedplant": "plant", "aeroplane": "plane"}
# An age said in the query -> the AgeGroup the caption rewrite uses for it.
_CAPTION_AGE = {"child": "child", "juvenile": "child", "teen": "young", "young": "young", "senior": "senior"}
_TAG_LABELS = {"hivis": "hi-vis"}
Counted = tuple[int, bool]  # n, at least


def caption_name(classes: frozenset[str]) -> str:
    """One class for the caption rewrite: "car" for any group holding it (a vehicle)."""
    return "car" if "car" in classes else _DISPLAY.get(min(classes), min(classes))


def display_name(classes: frozenset[str]) -> str:
    """How a label and a reason name a group of classes: "vehicle", "bag", or the classes ("table/chair")."""
    if classes == vocab.MOTOR_VEHICLES:
        return "vehicle"
    if classes == vocab.BAGS:
        return "bag"
    return "/".join(sorted(_DISPLAY.get(c, c) for c in classes))


@dataclass
class PersonMention:
    """One person the query describes: clothing colours, gender, age, posture, state and tags."""

    upper: str | None = None
    lower: str | None = None
    anywhere: list[str] = field(default_factory=list)
    gender: str | None = None
    age: str | None = None  # a weights.AGE_MATCH key
    posture: str | None = None
    motion: str | None = None
    tags: list[str] = field(default_factory=list)
    noun: str | None = None  # the query's person word, when it said more than "person"

    @property
    def described(self) -> bool:
        return bool(
            self.upper or self.lower or self.anywhere or self.gender or self.age or self.posture
        ) or bool(self.motion or self.tags)

    def criterion(self) -> Criterion | None:
        if not self.described:
            return None
        words = [self.noun] if self.noun else []
        halves = [f"{self.upper} top" if self.upper else "", f"{self.lower} trousers" if self.lower else ""]
        if self.upper or self.lower:
            words.append(" and ".join(h for h in halves if h))
        words += [f"{c} clothes" for c in dict.fromkeys(self.anywhere)]
        words += [_TAG_LABELS.get(t, t) for t in dict.fromkeys(self.tags)]
        words += [w for w in (self.posture, {"still": "not moving"}.get(self.motion or "", self.motion)) if w]
        return PersonLook.of(
            ", ".join(words),
            upper=self.upper,
            lower=self.lower,
            anywhere=tuple(dict.fromkeys(self.anywhere)),
            gender=self.gender,
            age=self.age,
            posture=self.posture,
            motion=self.motion,
            tags=tuple(dict.fromkeys(self.tags)),
        )

    def appearance(self) -> PersonAppearance:
        """The person as ingestion would have recorded them, for the caption rewrite."""
        age = _CAPTION_AGE.get(self.age or "")
        return PersonAppearance(
            self.upper or (self.anywhere[0] if self.anywhere else None),
            self.lower,
            gender=Gender(self.gender) if self.gender else None,
            age=AgeGroup(age) if age else None,
            posture=Posture(self.posture) if self.posture else None,
            motion=Motion(self.motion) if self.motion else None,
            tags=tuple(dict.fromkeys(self.tags)),
        )


@dataclass
class VehicleMention:
    """One vehicle (or group of them) the query names, with its type, colour, count and state."""

    classes: frozenset[str]  # COCO classes
    kind: str | None = None  # a type the classifier refines into: van, pickup
    colour: str | None = None
    count: Counted | None = None
    motion: str | None = None
    plural: bool = False

    @property
    def name(self) -> str:
        return self.kind or display_name(self.classes)

    @property
    def wanted(self) -> frozenset[str]:
        return frozenset({self.kind}) if self.kind else self.classes
