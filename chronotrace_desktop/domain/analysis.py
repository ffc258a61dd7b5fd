"""What frame analysis found in one segment, and the tracks of people and vehicles over a video. No I/O here.

Boxes are ``domain.media.Box`` (normalised 0..1 coordinates, ``label`` = COCO class or ``"face"``). Every type
that the lead stores as JSON(B) has ``to_dict``/``from_dict`` with plain numbers, strings and lists.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from chronotrace_desktop.domain.media import Box, RedactionPlan, TimedBoxes

_ROUND = 4  # decimals kept in JSON for normalised coordinates and times (1/10 000 of the frame: sub-pixel)


class ActivityLevel(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class Lighting(StrEnum):
    DAY = "day"  # well lit: daylight or bright artificial light (indoor and outdoor are not told apart)
    LOW_LIGHT = "low-light"
    NIGHT = "night"


def box_to_list(box: Box) -> list[Any]:
    return [
        round(box.x, _ROUND),
        round(box.y, _ROUND),
        round(box.w, _ROUND),
        round(box.h, _ROUND),
        box.label,
        round(box.score, 3),
    ]


def box_from_list(data: list[Any]) -> Box:
    x, y, w, h, label, score = data
    return Box(float(x), float(y), float(w), float(h), str(label), float(score))


@dataclass(frozen=True, slots=True)
class FrameDetections:
    """Detector output for one sampled frame: COCO objects (people included) and faces.

    ``reused`` is true when the frame was static and the previous frame's detections were carried over
    instead of running the detectors again. ``unsure`` holds people the detector scored under its counting
    floor: redaction fails closed, so they are blurred though nothing else uses them.
    """

    t: float
    objects: tuple[Box, ...] = ()
    faces: tuple[Box, ...] = ()
    reused: bool = False
    unsure: tuple[Box, ...] = ()  # people scored below the counting floor: never counted, always blurred

    def labelled(self, *labels: str) -> tuple[Box, ...]:
        return tuple(b for b in self.objects if b.label in labels)

    @property
    def to_blur(self) -> tuple[Box, ...]:
        """Every person box redaction covers: the counted people and the unsure ones."""
        return self.labelled("person") + self.unsure

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "t": round(self.t, 3),
            "objects": [box_to_list(b) for b in self.objects],
            "faces": [box_to_list(b) for b in self.faces],
            "reused": self.reused,
        }
        if self.unsure:
            data["unsure"] = [box_to_list(b) for b in self.unsure]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FrameDetections:
        return cls(
            t=float(data["t"]),
            objects=tuple(box_from_list(b) for b in data.get("objects", [])),
            faces=tuple(box_from_list(b) for b in data.get("faces", [])),
            reused=bool(data.get("reused", False)),
            unsure=tuple(box_from_list(b) for b in data.get("unsure", [])),
        )


@dataclass(frozen=True, slots=True)
class TrackPoint:
    t: float
    box: Box


@dataclass(frozen=True, slots=True)
class Track:
    """One object followed over sampled frames: ``label`` is the majority COCO class of its points."""

    track_id: int
    label: str
    points: tuple[TrackPoint, ...]

    @property
    def start(self) -> float:
        return self.points[0].t

    @property
    def end(self) -> float:
        return self.points[-1].t

    @property
    def duration(self) -> float:
        return self.end - self.start

    def to_dict(self) -> dict[str, Any]:
        return {
            "track_id": self.track_id,
            "label": self.label,
            # [t, x, y, w, h, label, score]: the point's own class can differ from the track's (car/truck).
            "points": [[round(p.t, 3), *box_to_list(p.box)] for p in self.points],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Track:
        points = tuple(TrackPoint(float(p[0]), box_from_list(p[1:])) for p in data["points"])
        return cls(int(data["track_id"]), str(data["label"]), points)


class Gender(StrEnum):
    FEMALE = "female"
    MALE = "male"


class AgeGroup(StrEnum):
    CHILD = "child"  # under ~13
    YOUNG = "young"  # ~13-29
    ADULT = "adult"  # ~30-59
    SENIOR = "senior"  # 60 and over


class Posture(StrEnum):
    STANDING = "standing"
    SITTING = "sitting"
    LYING = "lying"


class Motion(StrEnum):
    """Whether a tracked person or vehicle moved over the segment (from its track, not one frame)."""

    MOVING = "moving"
    STILL = "still"  # a vehicle: parked or stopped; a person: standing or sitting still


@dataclass(frozen=True, slots=True)
class PersonAppearance:
    """One person followed through a segment. Every attribute is ``None`` (or empty) when not seen well
    enough to say; a value is only set when its classifier passed the measured confidence floor.

    ``tags``: garment and accessory tags (``analysis.people.tags.PERSON_TAGS``: those whose precision was
    measured at 0.8 or more — hat, hivis, jacket, tshirt today) seen on a quarter of the person's frames.
    """

    upper: str | None
    lower: str | None
    seen: int = 1  # sampled frames the person was followed over in the segment
    gender: Gender | None = None
    age: AgeGroup | None = None
    posture: Posture | None = None
    motion: Motion | None = None
    tags: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "upper": self.upper,
            "lower": self.lower,
            "seen": self.seen,
            "gender": self.gender.value if self.gender else None,
            "age": self.age.value if self.age else None,
            "posture": self.posture.value if self.posture else None,
            "motion": self.motion.value if self.motion else None,
            "tags": list(self.tags),
        }


@dataclass(frozen=True, slots=True)
class VehicleAppearance:
    """``label``: the vehicle type — car, van, pickup, truck, bus, motorbike, bicycle (the COCO class
    refined by an ImageNet classifier on the crop where it is sure); ``motion``: parked/stopped or moving."""

    label: str
    color: str | None
    seen: int = 1
    motion: Motion | None = None
    coco_label: str | None = None  # what the detector said (car, truck, bus, motorbike, bicycle)

    def to_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "color": self.color,
            "seen": self.seen,
            "motion": self.motion.value if self.motion else None,
            "coco_label": self.coco_label,
        }


class Setting(StrEnum):
    INDOOR = "indoor"
    OUTDOOR = "outdoor"


@dataclass(frozen=True, slots=True)
class SceneCues:
    """Where a segment was filmed, each cue ``None``/empty unless its rule is sure (README "Scene").

    ``place``: street, parking, shop, corridor, sports hall, classroom, office...; ``surfaces``: grass, road,
    pavement, water — those visible over a measurable share of the frame.
    """

    setting: Setting | None = None
    place: str | None = None
    surfaces: tuple[str, ...] = ()

    @property
    def scene_type(self) -> str | None:
        """The schema's ``scene_type``: the place when known, else indoor/outdoor."""
        if self.place is not None:
            return self.place
        return self.setting.value if self.setting is not None else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "setting": self.setting.value if self.setting else None,
            "place": self.place,
            "surfaces": list(self.surfaces),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> SceneCues:
        data = data or {}
        setting = data.get("setting")
        return cls(
            Setting(setting) if setting in {s.value for s in Setting} else None,
            data.get("place"),
            tuple(str(v) for v in data.get("surfaces") or ()),
        )


@dataclass(frozen=True, slots=True)
class SegmentAnalysis:
    """Attributes of one segment from its sampled frames. ``None`` means "no evidence", never "no".

    Counts are the most seen at once in one sampled frame. ``face_boxes`` are the detected faces per sampled
    time; ``redaction`` is what must be blurred (faces and the head region of every person, swept between
    samples). ``detections`` are kept for tracking over the whole video (``analysis.tracking.build_tracks``).
    """

    start: float
    end: float
    frames_sampled: int
    frames_detected: int  # sampled frames the detectors ran on (the rest reused a static frame's result)
    face_count: int | None
    has_faces: bool | None
    face_boxes: tuple[TimedBoxes, ...]
    redaction: RedactionPlan
    people_count: int | None
    vehicle_count: int | None
    has_vehicles: bool | None
    objects_detected: tuple[str, ...]
    object_counts: dict[str, int]
    motion_detected: bool | None
    motion_score: float | None  # mean fraction of pixels changed between consecutive samples
    activity_level: ActivityLevel | None
    lighting_condition: Lighting | None
    average_brightness: float | None
    dominant_colors: tuple[str, ...]
    people: tuple[PersonAppearance, ...] = ()
    vehicles: tuple[VehicleAppearance, ...] = ()
    detections: tuple[FrameDetections, ...] = field(default=(), repr=False)
    people_mean: float | None = None  # people per analysed frame, on average over the segment
    scene: SceneCues = field(default_factory=SceneCues)

    @property
    def analysed(self) -> bool:
        """Whether any frame was decoded for this segment."""
        return self.frames_sampled > 0

    def metadata(self) -> dict[str, Any]:
        """The JSON-friendly attributes for ``video_segments.metadata`` (no per-frame data)."""
        return {
            "objects_detected": list(self.objects_detected),
            "object_counts": dict(self.object_counts),
            "people_count": self.people_count,
            "people_mean": self.people_mean,
            "scene": self.scene.to_dict(),
            "dominant_colors": list(self.dominant_colors),
            "average_brightness": self.average_brightness,
            "motion_score": self.motion_score,
            "people": [p.to_dict() for p in self.people],
            "vehicles": [v.to_dict() for v in self.vehicles],
            "frames_sampled": self.frames_sampled,
            "frames_detected": self.frames_detected,
        }
