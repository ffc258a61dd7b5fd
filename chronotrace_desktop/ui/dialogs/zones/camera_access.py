"""The zones dialog's calls into the camera and media services (run in workers) and what they hand back.

Edits are staged in the dialog and written by :func:`save_camera`: the clock offset is checked first, then the
camera update (the service checks every value and writes nothing if one is wrong), the zones removed, the zones
added, and last the recorder clock (``services.clock``: offset, then date order).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from chronotrace_desktop.domain.errors import NotFoundError, PermissionDeniedError, UserFacingError
from chronotrace_desktop.services.cameras import CameraChanges, parse_hours
from chronotrace_desktop.ui.dialogs.zones.rules_form import split_addresses
from chronotrace_desktop.ui.qt import QImage

if TYPE_CHECKING:
    from chronotrace_desktop.domain.anomalies import CameraConfig, Zone
    from chronotrace_desktop.domain.users import Actor
    from chronotrace_desktop.services.app import AppServices
    from chronotrace_desktop.ui.dialogs.zones.clock_form import ClockEdits
    from chronotrace_desktop.ui.dialogs.zones.rules_form import CameraFields
    from chronotrace_desktop.workers.task_state import TaskState


@dataclass(frozen=True, slots=True)
class CameraView:
    config: CameraConfig
    image: QImage | None
    note: str  # why there is no picture
    clock_offset_s: float | None = None  # the camera's recorder clock offset (None: not set)


@dataclass(frozen=True, slots=True)
class CameraEdits:
    fields: CameraFields
    thresholds: dict[str, dict[str, Any]]
    removed: tuple[str, ...]
    added: tuple[Zone, ...]
    clock: ClockEdits

    def empty(self) -> bool:
        return not (self.fields.any() or self.thresholds or self.removed or self.added or self.clock.any())


@dataclass(frozen=True, slots=True)
class SaveOutcome:
    config: CameraConfig  # what the service holds after the writes that went through
    error: UserFacingError | None  # a later write failed (e.g. someone else changed the zones meanwhile)
    clock_offset_s: float | None = None  # the camera's offset after the writes


def list_cameras(state: TaskState, services: AppServices, actor: Actor) -> list[CameraConfig]:
    return services.cameras.list_cameras(actor)


def load_camera(state: TaskState, services: AppServices, actor: Actor, camera_id: str) -> CameraView:
    config = services.cameras.get(actor, camera_id)
    offset = services.clock.camera_offset(actor, camera_id)
    state.check_cancelled()
    segment_id = services.cameras.sample_segment(actor, camera_id)
    if segment_id is None:
        return CameraView(
            config, None, f"No video of camera {camera_id} in the library yet: no picture.", offset
        )
    try:
        path = services.media.redacted_thumbnail(actor, segment_id)
    except (NotFoundError, PermissionDeniedError) as exc:
        return CameraView(config, None, str(exc), offset)
    image = QImage(str(path))  # QImage (unlike QPixmap) may be loaded off the UI thread
    if image.isNull():
        return CameraView(config, None, "The camera's thumbnail could not be read.", offset)
    return CameraView(config, image, "", offset)


def save_camera(
    state: TaskState, services: AppServices, actor: Actor, camera_id: str, edits: CameraEdits
) -> SaveOutcome:
    cameras, clock = services.cameras, services.clock
    offset = edits.clock.offset_s()  # a wrong offset is refused before anything is written
    fields = edits.fields
    changes = CameraChanges(
        name=fields.name,
        location=fields.location,
        timezone=fields.timezone,
        business_hours=parse_hours(fields.hours) if fields.hours is not None else None,
        thresholds=edits.thresholds or None,
        alert_recipients=split_addresses(fields.recipients) if fields.recipients is not None else None,
    )
    wrote = False
    if fields.any() or edits.thresholds:
        cameras.update(actor, camera_id, changes)  # checks everything; writes nothing if wrong
        wrote = True
    error: UserFacingError | None = None
    try:
        for name in edits.removed:
            cameras.remove_zone(actor, camera_id, name)
            wrote = True
        for zone in edits.added:
            cameras.add_zone(actor, camera_id, zone)
            wrote = True
        if edits.clock.writes_offset():
            clock.set_camera_offset(actor, camera_id, offset, apply_to_videos=edits.clock.apply_to_videos)
            wrote = True
        if edits.clock.date_order is not None:
            clock.set_camera_date_order(actor, camera_id, edits.clock.date_order or None)
            wrote = True
    except UserFacingError as exc:
        if not wrote:
            raise
        error = exc
    # Read back: the clock's writes are not in the camera service's answers.
    return SaveOutcome(cameras.get(actor, camera_id), error, clock.camera_offset(actor, camera_id))


def camera_label(config: CameraConfig) -> str:
    """``CAM-07 \u2014 Crossing \u00b7 Station Road``; ``(default rules)`` for a camera nobody configured."""
    detail = " \u00b7 ".join(v for v in (config.name, config.location) if v)
    text = f"{config.camera_id} \u2014 {detail}" if detail else config.camera_id
    return text if config.stored else f"{text} (default rules)"
