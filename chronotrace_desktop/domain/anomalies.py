"""Anomalies and camera rules as every layer sees them. Plain data and pure checks; no I/O.

Types, severities and statuses are the ``anomalies`` table's CHECK values (schema-reference.md). The review
workflow is the table below (``TRANSITIONS``); ``services.anomalies`` enforces it, with roles and audit.

A camera's configuration holds its zones (polygons in normalised 0..1 frame coordinates), business hours in
its own time zone, the thresholds of each rule (only what differs from the defaults is stored) and the
e-mail recipients of its alerts.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from datetime import time
from enum import StrEnum
from typing import Any

from chronotrace_desktop.domain.errors import InvalidInputError
from chronotrace_desktop.domain.identifiers import check_identifier, one_line


class AnomalyType(StrEnum):
    LOITERING = "loitering"
    CROWD_FORMATION = "crowd_formation"
    OBJECT_ABANDONMENT = "object_abandonment"
    UNUSUAL_MOVEMENT = "unusual_movement"
    AFTER_HOURS_ACCESS = "after_hours_access"
    FALL_DETECTION = "fall_detection"
    VEHICLE_STOPPED = "vehicle_stopped"
    PERIMETER_BREACH = "perimeter_breach"


class Severity(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return _SEVERITY_ORDER.index(self)

    def raised(self, steps: int = 1) -> Severity:
        return _SEVERITY_ORDER[min(len(_SEVERITY_ORDER) - 1, self.rank + steps)]


_SEVERITY_ORDER = (Severity.LOW, Severity.MEDIUM, Severity.HIGH, Severity.CRITICAL)
ALERT_SEVERITIES = frozenset({Severity.HIGH, Severity.CRITICAL})


class AnomalyStatus(StrEnum):
    NEW = "new"
    ACKNOWLEDGED = "acknowledged"
    INVESTIGATING = "investigating"
    RESOLVED = "resolved"
    FALSE_POSITIVE = "false_positive"


CLOSED = frozenset({AnomalyStatus.RESOLVED, AnomalyStatus.FALSE_POSITIVE})
# The review workflow. Reopening (closed -> investigating) needs a note, like closing does.
TRANSITIONS: dict[AnomalyStatus, frozenset[AnomalyStatus]] = {
    AnomalyStatus.NEW: frozenset({AnomalyStatus.ACKNOWLEDGED, AnomalyStatus.FALSE_POSITIVE}),
    AnomalyStatus.ACKNOWLEDGED: frozenset(
        {AnomalyStatus.INVESTIGATING, AnomalyStatus.RESOLVED, AnomalyStatus.FALSE_POSITIVE}
    ),
    AnomalyStatus.INVESTIGATING: frozenset({AnomalyStatus.RESOLVED, AnomalyStatus.FALSE_POSITIVE}),
    AnomalyStatus.RESOLVED: frozenset({AnomalyStatus.INVESTIGATING}),
    AnomalyStatus.FALSE_POSITIVE: frozenset({AnomalyStatus.INVESTIGATING}),
}


def transition_problem(current: AnomalyStatus, target: AnomalyStatus, note: str | None) -> str | None:
    """Why ``current -> target`` is not allowed (or needs a note), else ``None``."""
    if target not in TRANSITIONS[current]:
        allowed = ", ".join(sorted(s.value for s in TRANSITIONS[current])) or "nothing"
        return f"an anomaly that is {current.value} can only become: {allowed}"
    if (target in CLOSED or current in CLOSED) and not (note and note.strip()):
        word = "reopening" if current in CLOSED else f"marking it {target.value}"
        return f"{word} needs a note (--note) saying why"
    return None


class AlertState(StrEnum):
    """Where an anomaly's e-mail alert stands (``metadata.alert.state``; ``alert_sent`` is the schema's flag)."""

    NOT_REQUIRED = "not_required"  # below high severity, or the camera has no recipients
    PENDING = "pending"
    RETRYING = "retrying"  # a send failed; the next attempt is due at ``next_attempt_at``
    SENT = "sent"
    FAILED = "failed"  # every attempt failed: in the queue; ``send-alerts --retry-failed`` sends it again


class AlertOutcome(StrEnum):
    """What one pass of the sender did with one due alert (``AlertReport`` counts the first four)."""

    SENT = "sent"
    RETRYING = "retrying"  # the send failed; tried again later
    FAILED = "failed"  # the send failed for the last time
    WAITING = "waiting"  # no SMTP server or no recipients: it stays pending
    SKIPPED = "skipped"  # sent or locked by another process, not due yet, or closed before it was sent


class ScanStatus(StrEnum):
    """How the last run of the rules over a video ended (``anomaly_scans.status``: the schema's CHECK values)."""

    COMPLETED = "completed"
    FAILED = "failed"  # the reason is in ``error_message``; ``anomalies rescan`` runs it again


class ZoneKind(StrEnum):
    RESTRICTED = "restricted"  # entering it is a perimeter breach
    WATCH = "watch"  # loitering and stopped vehicles are measured inside it


@dataclass(frozen=True, slots=True)
class Zone:
    name: str
    polygon: tuple[tuple[float, float], ...]
    kind: ZoneKind = ZoneKind.WATCH
    labels: tuple[str, ...] = ("person", "vehicle")  # track groups it applies to

    def __post_init__(self) -> None:
        if not check_identifier("zone name", self.name).strip() or len(self.name) > 100:
            raise InvalidInputError("a zone needs a name of 1 to 100 characters")
        if len(self.polygon) < 3:
            raise InvalidInputError(f"zone {self.name!r}: a polygon needs at least 3 points")
        for x, y in self.polygon:
            if not (0.0 <= x <= 1.0 and 0.0 <= y <= 1.0):
                raise InvalidInputError(f"zone {self.name!r}: points are normalised (0..1), not {x}, {y}")
        unknown = set(self.labels) - {"person", "vehicle", "bag"}
        if unknown or not self.labels:
            raise InvalidInputError(f"zone {self.name!r}: labels are person, vehicle, bag")

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind.value,
            "labels": list(self.labels),
            "polygon": [[round(x, 4), round(y, 4)] for x, y in self.polygon],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Zone:
        """A stored zone; a name stored before control characters were refused loads on one line."""
        try:
            return cls(
                one_line(str(data["name"])),
                tuple((float(x), float(y)) for x, y in data["polygon"]),
                ZoneKind(data.get("kind", "watch")),
                tuple(str(v) for v in data.get("labels", ("person", "vehicle"))),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise InvalidInputError(f"not a zone: {data!r} ({exc})") from None


@dataclass(frozen=True, slots=True)
class HoursSpan:
    """Open on ``weekdays`` (0 = Monday) from ``start`` to ``end`` local time; ``end <= start`` runs overnight."""

    weekdays: frozenset[int]
    start: time
    end: time

    def to_json(self) -> dict[str, Any]:
        return {
            "weekdays": sorted(self.weekdays),
            "start": self.start.strftime("%H:%M"),
            "end": self.end.strftime("%H:%M"),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> HoursSpan:
        try:
            days = frozenset(int(d) for d in data["weekdays"])
            if not days or not days <= set(range(7)):
                raise ValueError("weekdays are 0 (Monday) to 6")
            return cls(days, time.fromisoformat(data["start"]), time.fromisoformat(data["end"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise InvalidInputError(f"not business hours: {data!r} ({exc})") from None


# ------------------------------------------------------------------------------------------ rule thresholds
@dataclass(frozen=True, slots=True)
class LoiteringRule:
    enabled: bool = True
    min_seconds: float = 10.0  # a person stays this long ...
    radius: float = 0.75  # ... with their feet within this many body heights of one spot (or inside a zone)
    max_people: int = 6  # whole-frame loitering is not reported while this many people are in view


@dataclass(frozen=True, slots=True)
class CrowdRule:
    enabled: bool = True
    min_people: int = 10  # people counted at once
    min_seconds: float = 4.0  # held this long
    rise_people: int = 6  # or the count rises by this many ...
    rise_seconds: float = 10.0  # ... within this time
    merge_gap: float = 15.0  # episodes closer than this are one anomaly


@dataclass(frozen=True, slots=True)
class AbandonmentRule:
    enabled: bool = True
    min_seconds: float = 30.0  # a bag stays unattended this long after its owner left
    owner_distance: float = 1.5  # person heights: the owner is this close when the bag is first seen
    leave_distance: float = 2.5  # person heights: the owner is gone once farther than this (or out of view)
    static_tolerance: float = 0.5  # bag sizes it may shift (detector jitter) and still be "static"


@dataclass(frozen=True, slots=True)
class UnusualMovementRule:
    enabled: bool = True
    person_min_speed: float = 2.5  # body heights per second: running
    speed_factor: float = 3.0  # and this many times the camera's normal person speed
    # Vehicles: this many times the camera's normal vehicle speed; 0 = off (default: on an uncalibrated view
    # perspective alone makes an approaching car 5x "faster" than a receding one).
    vehicle_speed_factor: float = 0.0
    min_seconds: float = 2.0  # sustained this long
    direction_deg: float | None = None  # normal direction of travel (0 = right, 90 = down); None = any
    direction_tolerance: float = 60.0  # degrees either side of the opposite direction that count as wrong-way


@dataclass(frozen=True, slots=True)
class AfterHoursRule:
    enabled: bool = True
    min_seconds: float = 2.0  # a person in view this long (or motion in a segment) outside business hours
    include_motion: bool = True


@dataclass(frozen=True, slots=True)
class FallRule:
    enabled: bool = True
    upright_ratio: float = 1.3  # box height / width before the fall (aspect-corrected)
    down_ratio: float = 0.9  # box height / width at or below this is "down" (near horizontal)
    drop_seconds: float = 2.5  # the change from upright to down happens within this time
    min_down_seconds: float = 2.0  # and the person stays down this long


@dataclass(frozen=True, slots=True)
class VehicleStoppedRule:
    enabled: bool = True
    min_seconds: float = 30.0
    tolerance: float = 0.25  # vehicle sizes it may move and still count as stopped
    zone_only: bool = False  # only stops inside a watch or restricted zone


@dataclass(frozen=True, slots=True)
class PerimeterRule:
    enabled: bool = True
    min_seconds: float = 0.0  # time inside a restricted zone before it counts (0: the first sighting)


RULE_CLASSES: dict[AnomalyType, type[Any]] = {
    AnomalyType.LOITERING: LoiteringRule,
    AnomalyType.CROWD_FORMATION: CrowdRule,
    AnomalyType.OBJECT_ABANDONMENT: AbandonmentRule,
    AnomalyType.UNUSUAL_MOVEMENT: UnusualMovementRule,
    AnomalyType.AFTER_HOURS_ACCESS: AfterHoursRule,
    AnomalyType.FALL_DETECTION: FallRule,
    AnomalyType.VEHICLE_STOPPED: VehicleStoppedRule,
    AnomalyType.PERIMETER_BREACH: PerimeterRule,
}


@dataclass(frozen=True, slots=True)
class RuleSettings:
    loitering: LoiteringRule = field(default_factory=LoiteringRule)
    crowd_formation: CrowdRule = field(default_factory=CrowdRule)
    object_abandonment: AbandonmentRule = field(default_factory=AbandonmentRule)
    unusual_movement: UnusualMovementRule = field(default_factory=UnusualMovementRule)
    after_hours_access: AfterHoursRule = field(default_factory=AfterHoursRule)
    fall_detection: FallRule = field(default_factory=FallRule)
    vehicle_stopped: VehicleStoppedRule = field(default_factory=VehicleStoppedRule)
    perimeter_breach: PerimeterRule = field(default_factory=PerimeterRule)

    def of(self, kind: AnomalyType) -> Any:
        return getattr(self, kind.value)

    @classmethod
    def from_overrides(cls, overrides: dict[str, dict[str, Any]]) -> RuleSettings:
        """Defaults with ``{"loitering": {"min_seconds": 20}, ...}`` applied (validated)."""
        values: dict[str, Any] = {}
        for name, changes in overrides.items():
            try:
                kind = AnomalyType(name)
            except ValueError:
                raise InvalidInputError(f"unknown anomaly type {name!r}") from None
            values[name] = _apply(RULE_CLASSES[kind](), kind, changes)
        return cls(**values)

    def overrides(self) -> dict[str, dict[str, Any]]:
        """What differs from the defaults, in the same shape ``from_overrides`` takes."""
        result: dict[str, dict[str, Any]] = {}
        for kind, rule_class in RULE_CLASSES.items():
            current, default = self.of(kind), rule_class()
            changed = {
                f.name: getattr(current, f.name)
                for f in dataclasses.fields(current)
                if getattr(current, f.name) != getattr(default, f.name)
            }
            if changed:
                result[kind.value] = changed
        return result


def _apply(rule: Any, kind: AnomalyType, changes: dict[str, Any]) -> Any:
    names = {f.name for f in dataclasses.fields(rule)}
    typed: dict[str, Any] = {}
    for key, value in changes.items():
        if key not in names:
            raise InvalidInputError(
                f"{kind.value} has no threshold {key!r}; it has: {', '.join(sorted(names))}"
            )
        typed[key] = _coerce(kind, key, getattr(type(rule)(), key), value)
    return dataclasses.replace(rule, **typed)


def _coerce(kind: AnomalyType, key: str, default: Any, value: Any) -> Any:
    where = f"{kind.value}.{key}"
    if isinstance(default, bool) or key in ("enabled", "include_motion", "zone_only"):
        if isinstance(value, bool):
            return value
        if str(value).lower() in ("true", "yes", "on", "1"):
            return True
        if str(value).lower() in ("false", "no", "off", "0"):
            return False
        raise InvalidInputError(f"{where} is true or false, not {value!r}")
    if value is None or (isinstance(value, str) and value.lower() in ("none", "null", "")):
        if default is None:
            return None
        raise InvalidInputError(f"{where} needs a number")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InvalidInputError(f"{where} needs a number, not {value!r}") from None
    if not math.isfinite(number) or number < 0 or (key == "direction_deg" and number > 360):
        raise InvalidInputError(f"{where} must be a non-negative number, not {value!r}")
    if isinstance(default, int):
        if number != int(number) or number < 1:
            raise InvalidInputError(f"{where} needs a whole number of at least 1, not {value!r}")
        return int(number)
    return number


@dataclass(frozen=True, slots=True)
class CameraConfig:
    """One camera's rules. ``business_hours`` empty: hours not configured (after-hours rule stays quiet)."""

    camera_id: str
    name: str | None = None
    location: str | None = None
    timezone: str = "UTC"
    business_hours: tuple[HoursSpan, ...] = ()
    zones: tuple[Zone, ...] = ()
    rules: RuleSettings = field(default_factory=RuleSettings)
    alert_recipients: tuple[str, ...] = ()
    stored: bool = False  # False: the defaults of a camera nobody configured
    # How its recorder writes dates on screen ("dmy", "mdy", "ymd"), for a clock whose readings cannot tell
    # 05/03 from 03/05; None: not set (such a reading is reported ambiguous, never guessed).
    clock_date_order: str | None = None

    def zone(self, name: str) -> Zone | None:
        return next((z for z in self.zones if z.name.lower() == name.lower()), None)

    def as_json(self) -> dict[str, Any]:
        return {
            "camera_id": self.camera_id,
            "name": self.name,
            "location": self.location,
            "timezone": self.timezone,
            "business_hours": [h.to_json() for h in self.business_hours],
            "zones": [z.to_json() for z in self.zones],
            "thresholds": self.rules.overrides(),
            "effective_thresholds": {k.value: dataclasses.asdict(self.rules.of(k)) for k in AnomalyType},
            "alert_recipients": list(self.alert_recipients),
            "configured": self.stored,
        }


@dataclass(frozen=True, slots=True)
class AnomalyCandidate:
    """What a rule found in one video, before it becomes an ``anomalies`` row.

    ``start``/``end`` are seconds from the start of the video; ``key`` identifies the same finding across
    rescans (so a rescan updates a row instead of replacing it); ``metadata`` holds the evidence (boxes,
    durations, counts, track ids) as plain JSON values.
    """

    type: AnomalyType
    start: float
    end: float
    confidence: float
    severity: Severity
    title: str
    description: str
    key: str
    metadata: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not 0.0 <= self.confidence <= 1.0:
            raise ValueError(f"confidence {self.confidence} is outside 0..1")
