"""Camera configuration for the anomaly rules: zones, business hours, time zone, thresholds, alert recipients.

Anyone who may see anomalies may read a camera's rules; changing them needs ``CONFIGURE_CAMERAS``, and every
change is audited (``camera_configured``, with the configuration before and after). A camera nobody has
configured runs the defaults (``CameraConfig.stored`` is False).
"""

from __future__ import annotations

import dataclasses
import logging
import re
from dataclasses import dataclass
from datetime import time
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa

from chronotrace_desktop.domain.anomalies import CameraConfig, HoursSpan, RuleSettings, Zone
from chronotrace_desktop.domain.audit import AuditAction
from chronotrace_desktop.domain.errors import InvalidInputError, NotFoundError
from chronotrace_desktop.domain.identifiers import check_identifier
from chronotrace_desktop.domain.roles import Action
from chronotrace_desktop.domain.users import email_problem, normalise_email
from chronotrace_desktop.services.access import AuditEvent
from chronotrace_desktop.storage.orm import Camera, Video, VideoSegment

if TYPE_CHECKING:
    import uuid

    from sqlalchemy.orm import Session

    from chronotrace_desktop.domain.users import Actor
    from chronotrace_desktop.services.access import AuditService, Authorizer
    from chronotrace_desktop.storage.database import Database

logger = logging.getLogger(__name__)

_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True, slots=True)
class CameraChanges:
    """What to change; ``None`` leaves a field as it is (``business_hours=()`` clears the hours)."""

    name: str | None = None
    location: str | None = None
    timezone: str | None = None
    business_hours: tuple[HoursSpan, ...] | None = None
    thresholds: dict[str, dict[str, Any]] | None = None  # merged into the stored overrides
    reset_thresholds: bool = False
    alert_recipients: tuple[str, ...] | None = None


def load_config(session: Session, camera_id: str | None) -> CameraConfig:
    """The camera's rules, or the defaults when it has no row (or the video names no camera)."""
    row = session.get(Camera, camera_id) if camera_id else None
    if row is None:
        return CameraConfig(camera_id or "")
    return _config(row)


def _config(row: Camera) -> CameraConfig:
    return CameraConfig(
        camera_id=row.camera_id,
        name=row.name,
        location=row.location,
        timezone=row.timezone,
        business_hours=tuple(HoursSpan.from_json(h) for h in row.business_hours or []),
        zones=tuple(Zone.from_json(z) for z in row.zones or []),
        rules=RuleSettings.from_overrides(row.thresholds or {}),
        alert_recipients=tuple(row.alert_recipients or ()),
        stored=True,
        clock_date_order=(row.meta or {}).get("clock_date_order"),
    )


def check_timezone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInputError(
            f"unknown time zone {name!r}; use an IANA name such as Europe/London"
        ) from None
    return name


def check_camera_id(camera_id: str) -> str:
    """``camera_id`` without surrounding spaces; refused with a control character (even a final line feed)."""
    cleaned = check_identifier("camera id", camera_id).strip()
    if not cleaned or len(cleaned) > 100:
        raise InvalidInputError("a camera id has 1 to 100 characters")
    return cleaned


def _one_line_name(field: str, value: str) -> str | None:
    return check_identifier(field, value).strip() or None


def parse_hours(text: str) -> tuple[HoursSpan, ...]:
    """``"mon-fri 08:00-18:00; sat 10:00-14:00"`` (``"none"`` clears); ``end <= start`` runs overnight."""
    if text.strip().lower() in ("", "none", "off"):
        return ()
    spans: list[HoursSpan] = []
    for part in text.split(";"):
        match = re.fullmatch(r"\s*([a-z,\-]+)\s+(\d{1,2}:\d{2})\s*-\s*(\d{1,2}:\d{2})\s*", part.lower())
        if not match:
            raise InvalidInputError(f"business hours look like 'mon-fri 08:00-18:00', not {part.strip()!r}")
        days: set[int] = set()
        for item in match[1].split(","):
            ends = item.split("-")
            if not all(e in _DAYS for e in ends) or len(ends) > 2:
                raise InvalidInputError(f"unknown day(s) {item!r}: use {', '.join(_DAYS)}")
            first, last = _DAYS.index(ends[0]), _DAYS.index(ends[-1])
            days.update(range(first, last + 1) if first <= last else [*range(first, 7), *range(last + 1)])
        try:
            start, end = time.fromisoformat(match[2].zfill(5)), time.fromisoformat(match[3].zfill(5))
        except ValueError:
            raise InvalidInputError(f"not a time of day in {part.strip()!r}") from None
        spans.append(HoursSpan(frozenset(days), start, end))
    return tuple(spans)


def parse_polygon(text: str) -> tuple[tuple[float, float], ...]:
    """``"0.1,0.2 0.6,0.2 0.6,0.9"`` (normalised x,y pairs separated by spaces or semicolons)."""
    points: list[tuple[float, float]] = []
    for pair in re.split(r"[\s;]+", text.strip()):
        try:
            x, y = (float(v) for v in pair.split(","))
        except ValueError:
            raise InvalidInputError(f"polygon points are 'x,y' pairs (0..1), not {pair!r}") from None
        points.append((x, y))
    return tuple(points)


def check_recipients(addresses: tuple[str, ...]) -> tuple[str, ...]:
    cleaned = tuple(dict.fromkeys(normalise_email(a) for a in addresses if a.strip()))
    for address in cleaned:
        problem = email_problem(address)
        if problem:
            raise InvalidInputError(problem)
    return cleaned


class CameraService:
    def __init__(self, database: Database, authorizer: Authorizer, audit: AuditService) -> None:
        self._db = database
        self._authorizer = authorizer
        self._audit = audit

    def list_cameras(self, actor: Actor) -> list[CameraConfig]:
        """Configured cameras and every camera id the library's videos name (those with default rules)."""
        self._authorizer.require(actor, Action.VIEW_ANOMALIES, resource_type="camera")
        with self._db.transaction() as session:
            stored = {row.camera_id: _config(row) for row in session.scalars(sa.select(Camera))}
            seen = session.scalars(
                sa.select(Video.camera_id)
                .where(Video.camera_id.is_not(None), Video.deleted_at.is_(None))
                .distinct()
            )
            for camera_id in seen:
                if camera_id and camera_id not in stored:
                    stored[camera_id] = CameraConfig(camera_id)
        return [stored[k] for k in sorted(stored)]

    def get(self, actor: Actor, camera_id: str) -> CameraConfig:
        self._authorizer.require(actor, Action.VIEW_ANOMALIES, resource_type="camera")
        with self._db.transaction() as session:
            return load_config(session, check_camera_id(camera_id))

    def update(self, actor: Actor, camera_id: str, changes: CameraChanges) -> CameraConfig:
        camera_id = check_camera_id(camera_id)

        def apply(config: CameraConfig) -> CameraConfig:
            rules = RuleSettings() if changes.reset_thresholds else config.rules
            if changes.thresholds:
                merged = rules.overrides()
                for kind, values in changes.thresholds.items():
                    merged.setdefault(kind, {}).update(values)
                rules = RuleSettings.from_overrides(merged)
            return dataclasses.replace(
                config,
                name=config.name if changes.name is None else _one_line_name("camera name", changes.name),
                location=config.location
                if changes.location is None
                else _one_line_name("location", changes.location),
                timezone=config.timezone if changes.timezone is None else check_timezone(changes.timezone),
                business_hours=config.business_hours
                if changes.business_hours is None
                else changes.business_hours,
                rules=rules,
                alert_recipients=config.alert_recipients
                if changes.alert_recipients is None
                else check_recipients(changes.alert_recipients),
            )

        return self._change(actor, camera_id, "update", apply)

    def add_zone(self, actor: Actor, camera_id: str, zone: Zone, *, replace: bool = False) -> CameraConfig:
        def apply(config: CameraConfig) -> CameraConfig:
            existing = config.zone(zone.name)
            if existing is not None and not replace:
                raise InvalidInputError(
                    f"camera {camera_id} already has a zone {zone.name!r} (use --replace)"
                )
            others = tuple(z for z in config.zones if z is not existing)
            return dataclasses.replace(config, zones=(*others, zone))

        return self._change(actor, check_camera_id(camera_id), "add_zone", apply)

    def remove_zone(self, actor: Actor, camera_id: str, name: str) -> CameraConfig:
        def apply(config: CameraConfig) -> CameraConfig:
            zone = config.zone(name)
            if zone is None:
                raise NotFoundError(f"camera {camera_id} has no zone {name!r}")
            return dataclasses.replace(config, zones=tuple(z for z in config.zones if z is not zone))

        return self._change(actor, check_camera_id(camera_id), "remove_zone", apply)

    def _change(self, actor: Actor, camera_id: str, what: str, apply: Any) -> CameraConfig:
        actor = self._authorizer.require(actor, Action.CONFIGURE_CAMERAS, resource_type="camera")
        with self._db.transaction() as session:
            row = session.get(Camera, camera_id, with_for_update=True)
            before = _config(row) if row is not None else CameraConfig(camera_id)
            after: CameraConfig = apply(before)
            if row is None:
                row = Camera(camera_id=camera_id)
                session.add(row)
            row.name = after.name
            row.location = after.location
            row.timezone = after.timezone
            row.business_hours = [h.to_json() for h in after.business_hours]
            row.zones = [z.to_json() for z in after.zones]
            row.thresholds = after.rules.overrides()
            row.alert_recipients = list(after.alert_recipients)
            row.updated_by = actor.user_id
            row.updated_at = sa.func.now()
            self._audit.record_in(
                session,
                AuditEvent(
                    AuditAction.CAMERA_CONFIGURED,
                    actor=actor,
                    resource_type="camera",
                    metadata={
                        "camera_id": camera_id,
                        "change": what,
                        "before": _summary(before),
                        "after": _summary(after),
                    },
                ),
            )
        logger.info("Camera %s configured (%s) by %s", camera_id, what, actor.email)
        return dataclasses.replace(after, stored=True)

    def sample_segment(self, actor: Actor, camera_id: str) -> uuid.UUID | None:
        """A segment that shows the camera's view (for drawing zones on its redacted thumbnail): the first
        segment with a redacted thumbnail of the camera's latest video, or ``None`` if it has none."""
        self._authorizer.require(actor, Action.VIEW_LIBRARY, resource_type="camera")
        query = (
            sa.select(VideoSegment.id)
            .join(Video, Video.id == VideoSegment.video_id)
            .where(
                Video.camera_id == check_camera_id(camera_id),
                Video.deleted_at.is_(None),
                VideoSegment.redacted_thumbnail_path.is_not(None),
            )
            .order_by(
                Video.recorded_at.desc().nulls_last(),
                Video.uploaded_at.desc().nulls_last(),
                Video.id,
                VideoSegment.segment_index,
            )
            .limit(1)
        )
        with self._db.transaction() as session:
            return session.scalars(query).first()


def _summary(config: CameraConfig) -> dict[str, Any]:
    data = config.as_json()
    data.pop("effective_thresholds", None)
    return data
