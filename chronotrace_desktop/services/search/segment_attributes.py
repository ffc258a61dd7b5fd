"""What ingestion detected in one segment, as the search criteria read it, and the names reasons give it.

:class:`SegmentAttributes` is built from a ``video_segments`` row's metadata JSON (``from_meta``) and the
anomalies overlapping the segment. An attribute ingestion did not record (``None``: an old row, or not seen
well enough) stays ``None`` or empty here; the criteria score it 0, never less.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from chronotrace_desktop.domain.analysis import AgeGroup, Gender, Posture, SceneCues
from chronotrace_desktop.domain.analysis import Motion as Moving

PERSON = "person"
VEHICLE_CLASSES = frozenset({"car", "truck", "bus", "motorbike", "bicycle"})
PLACE_NAMES = {"parking": "car park"}
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
    anomalies overlapping it (``store``)."""

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
