"""Exact attributes a query asks for, and how well a segment's detected attributes satisfy each of them.

A :class:`Criterion` scores a segment's :class:`SegmentAttributes` from 0 (absent) to 1 (present) and says
why it matched. Weights follow what was measured on the shared clips (DESIGN.md): COCO classes are the
strongest signal, then people's upper/lower colours and vehicle colours, then faces; counts, light and
motion are weak hints. Anomalies the rules found weigh like a COCO class; the classifier outputs of issue 11
(gender and age from faces, posture, garment tags, vehicle types, scene cues) sit between colours and light.
Where a detector is known to confuse two values (white/grey, van/car, sitting/lying...) the near value
counts partly. An attribute ingestion did not record (``None``: an old row, or not seen well enough) scores
0, never less; a value that contradicts the query scores 0 too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from chronotrace_desktop.domain.analysis import AgeGroup, Gender, Posture, SceneCues
from chronotrace_desktop.domain.analysis import Motion as Moving

W_OBJECT = 1.0
W_COLOUR = 0.8
W_FACES = 0.6
W_COUNT = 0.5
W_NO_PEOPLE = 1.0
W_SCENE = 0.3
W_GENDER = 0.6
W_AGE = 0.5
W_POSTURE = 0.5
W_STATE = 0.4  # a person or vehicle moving / still (parked) over the segment
W_TAG = 0.4
W_PLACE = 0.6
W_SURFACE = 0.4
W_SETTING = 0.3
W_ANOMALY = 1.0

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
# Wanted age (a query's word) -> stored AgeGroup -> credit. "juvenile": girl/boy, a child or a teenager.
AGE_MATCH: dict[str, dict[str, float]] = {
    "child": {"child": 1.0, "young": 0.4},
    "juvenile": {"child": 1.0, "young": 0.7},
    "teen": {"young": 1.0, "child": 0.5},
    "young": {"young": 1.0, "adult": 0.4, "child": 0.3},
    "adult": {"adult": 1.0, "young": 0.5, "senior": 0.4},
    "senior": {"senior": 1.0, "adult": 0.4},
}
# A box's shape tells sitting from lying badly (both low and wide); standing is well apart.
POSTURE_MATCH: dict[str, dict[str, float]] = {
    "sitting": {"sitting": 1.0, "lying": 0.3},
    "lying": {"lying": 1.0, "sitting": 0.3},
    "standing": {"standing": 1.0},
}
STILL_FOR_POSTURE = 0.3  # posture unknown, the person still: sitting or standing is likelier
# Wanted tag -> stored tag -> credit (a tag not listed matches only itself).
TAG_MATCH: dict[str, dict[str, float]] = {
    "hat": {"hat": 1.0, "cap": 0.5, "helmet": 0.5, "hood": 0.3},
    "cap": {"cap": 1.0, "hat": 0.5, "helmet": 0.3},
    "helmet": {"helmet": 1.0, "hardhat": 1.0, "hat": 0.5, "cap": 0.3},
    "hood": {"hood": 1.0, "hat": 0.3},
    "backpack": {"backpack": 1.0, "bag": 0.5},
    "bag": {"bag": 1.0, "backpack": 1.0, "handbag": 1.0, "suitcase": 1.0},
    "suitcase": {"suitcase": 1.0, "bag": 0.5},
    "jacket": {"jacket": 1.0, "coat": 1.0},
    "dress": {"dress": 1.0, "skirt": 0.5},
    "skirt": {"skirt": 1.0, "dress": 0.5},
    "glasses": {"glasses": 1.0, "sunglasses": 1.0},
}
# Carried tags a COCO detection in the same segment vouches for partly (whose it is, the detector cannot say).
TAG_OBJECTS: dict[str, frozenset[str]] = {
    "backpack": frozenset({"backpack"}),
    "bag": frozenset({"backpack", "handbag", "suitcase"}),
    "suitcase": frozenset({"suitcase"}),
    "umbrella": frozenset({"umbrella"}),
}
TAG_FROM_OBJECT = 0.5
# Wanted vehicle type -> what the detector or classifier said -> credit. An unrefined COCO car or truck may be
# a van or a pickup the classifier was not sure of (every row ingested before vehicle types were refined).
TYPE_NEAR: dict[str, dict[str, float]] = {
    "van": {"car": 0.5, "truck": 0.5, "pickup": 0.3},
    "pickup": {"truck": 0.5, "car": 0.5, "van": 0.3},
}
# What a place or a surface says about indoor/outdoor when the setting itself was not recorded.
PLACE_SETTING = {
    "street": "outdoor",
    "parking": "outdoor",
    "shop": "indoor",
    "corridor": "indoor",
    "sports hall": "indoor",
    "classroom": "indoor",
    "office": "indoor",
}
SURFACE_SETTING = {"grass": "outdoor", "road": "outdoor", "pavement": "outdoor", "water": "outdoor"}
SETTING_FROM_PLACE = 0.8
SETTING_FROM_SURFACE = 0.6
PLACE_FROM_SETTING = 0.3  # a place not decided, in the setting it needs (a gym asked for, an indoor view)
PLACE_NAMES = {"parking": "car park"}
PLACE_NEAR: dict[frozenset[str], float] = {
    frozenset({"street", "parking"}): 0.3,
    frozenset({"shop", "corridor"}): 0.3,
    frozenset({"classroom", "office"}): 0.3,
}
SETTING_NAMES = {"indoor": "indoors", "outdoor": "outdoors"}
ANOMALY_NAMES = {
    "object_abandonment": "object left behind",
    "crowd_formation": "crowd forming",
    "fall_detection": "fall",
    "vehicle_stopped": "vehicle stopped",
    "unusual_movement": "unusual movement",
    "after_hours_access": "after-hours access",
    "perimeter_breach": "perimeter breach",
}


def colour_match(wanted: str, seen: str | None) -> float:
    if seen is None:
        return 0.0
    if wanted == seen:
        return 1.0
    return _NEAR.get(frozenset({wanted, seen}), 0.0)


def _enum(value: Any, allowed: type[Gender | AgeGroup | Posture | Moving]) -> str | None:
    return value if isinstance(value, str) and value in {e.value for e in allowed} else None


@dataclass(frozen=True, slots=True)
class PersonSeen:
    """One person followed through a segment; ``None``/empty: not recorded (old row) or not seen well."""

    upper: str | None = None
    lower: str | None = None
    gender: str | None = None
    age: str | None = None
    posture: str | None = None
    motion: str | None = None
    tags: frozenset[str] = frozenset()

    @classmethod
    def from_dict(cls, p: Mapping[str, Any]) -> PersonSeen:
        return cls(
            p.get("upper"),
            p.get("lower"),
            _enum(p.get("gender"), Gender),
            _enum(p.get("age"), AgeGroup),
            _enum(p.get("posture"), Posture),
            _enum(p.get("motion"), Moving),
            frozenset(str(t) for t in p.get("tags") or () if t),
        )


@dataclass(frozen=True, slots=True)
class VehicleSeen:
    """``label``: the vehicle type; ``coco_label``: the detector's class (``None`` on rows before types)."""

    label: str
    colour: str | None = None
    motion: str | None = None
    coco_label: str | None = None

    @property
    def detector_class(self) -> str:
        return self.coco_label or self.label

    @property
    def refined(self) -> bool:
        return self.coco_label is not None and self.label != self.coco_label


@dataclass(frozen=True, slots=True)
class AnomalySpan:
    """An anomaly overlapping the segment; ``start``/``end`` in seconds into the video when known."""

    type: str
    start: float | None = None
    end: float | None = None

    def describe(self) -> str:
        name = ANOMALY_NAMES.get(self.type, self.type.replace("_", " "))
        if self.start is None:
            return name
        end = self.end if self.end is not None else self.start
        return f"{name} {clock(self.start)}-{clock(end)}"


def clock(seconds: float) -> str:
    """``m:ss`` (``h:mm:ss`` from an hour on)."""
    total = max(0, round(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


@dataclass(frozen=True, slots=True)
class SegmentAttributes:
    """What ingestion detected in one segment (from ``video_segments``; see ``ingest_segments``), and the
    anomalies overlapping it (``search_store``)."""

    objects: frozenset[str] = frozenset()
    object_counts: Mapping[str, int] | None = None
    people: tuple[PersonSeen, ...] = ()
    vehicles: tuple[VehicleSeen, ...] = ()
    people_count: int | None = None
    face_count: int = 0
    lighting: str | None = None
    motion: bool | None = None
    activity: str | None = None
    setting: str | None = None
    place: str | None = None
    surfaces: frozenset[str] = frozenset()
    anomalies: tuple[AnomalySpan, ...] = ()

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
        scene_type: str | None = None,
        anomalies: tuple[AnomalySpan, ...] = (),
    ) -> SegmentAttributes:
        """From the metadata JSON ingestion stores (``people``, ``vehicles``, ``object_counts``, ``scene``...).

        Rows written before a key existed simply lack it; ``scene_type`` (the column) stands in for a
        missing ``scene``."""
        meta = meta or {}
        counts = {str(k): int(v) for k, v in (meta.get("object_counts") or {}).items()}
        found = objects if objects is not None else meta.get("objects_detected") or list(counts)
        people = tuple(PersonSeen.from_dict(p) for p in meta.get("people") or () if isinstance(p, Mapping))
        vehicles = tuple(
            VehicleSeen(
                str(v.get("label")),
                v.get("color"),
                _enum(v.get("motion"), Moving),
                str(v["coco_label"]) if v.get("coco_label") else None,
            )
            for v in meta.get("vehicles") or ()
            if isinstance(v, Mapping)
        )
        if people_count is None:
            people_count = meta.get("people_count")
        raw_scene = meta.get("scene")
        scene = SceneCues.from_dict(raw_scene if isinstance(raw_scene, dict) else None)
        setting = scene.setting.value if scene.setting else None
        place = scene.place
        if raw_scene is None and scene_type:
            if scene_type in SETTING_NAMES:
                setting = scene_type
            else:
                place = scene_type
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
            setting=setting,
            place=place,
            surfaces=frozenset(scene.surfaces),
            anomalies=anomalies,
        )

    def count_of(self, classes: frozenset[str]) -> int:
        if classes == {PERSON} and self.people_count is not None:
            return self.people_count
        if classes == {"face"}:
            return self.face_count
        counts = self.object_counts or {}
        return sum(counts.get(c, 1 if c in self.objects else 0) for c in classes)

    def people_or_unseen(self) -> tuple[PersonSeen, ...]:
        """The people followed, or one unknown person when a person was detected but not followed."""
        if self.people:
            return self.people
        return (PersonSeen(),) if PERSON in self.objects or (self.people_count or 0) > 0 else ()

    def vehicles_or_unseen(self) -> tuple[VehicleSeen, ...]:
        """The vehicles followed, or one unknown vehicle per detected vehicle class when none was followed."""
        if self.vehicles:
            return self.vehicles
        return tuple(VehicleSeen(c) for c in sorted(self.objects & VEHICLE_CLASSES))


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


_GENDER_NOUNS: dict[tuple[str | None, bool], str] = {
    ("female", False): "woman",
    ("male", False): "man",
    ("female", True): "girl",
    ("male", True): "boy",
}


def _partly(text: str, value: float) -> str:
    return text if value >= 1.0 else f"{text} (partly)"


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
        matched = [_partly(text, s) for _, s, text in self._parts(person, seg) if s > 0]
        return ", ".join(matched) if matched else _partly(self.label, score)


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
        return _partly(text, score)


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
