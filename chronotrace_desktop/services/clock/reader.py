"""Reading a video's on-screen recorder clock on demand and, when asked, accepting it as the video's start.

``chronotrace videos read-clock ID [--accept]``. The clock is read (``services.clock.reading``) from the
video's original file where this machine has it, else from its first segment's original cut. The on-screen
clock shows the camera's local time: it is taken in the camera's time zone (``cameras.timezone``, UTC by
default) and turned into UTC. Accepting sets the video's start through :meth:`ClockService.set_video_time`
with ``clock_source`` ``ocr`` (so the offset against the recorder's time from the container or the flag is
what moves), audited there with the reading's summary as the note. An ambiguous date order or no clock is
never accepted: the reading says why.

Reading needs ``CORRECT_VIDEO_TIME`` (analysts and administrators): it decodes the original pixels, which
viewers never get; nothing but the clock's text leaves this module.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from chronotrace_desktop.analysis.clock import DATE_ORDERS
from chronotrace_desktop.domain.clock import utc_iso
from chronotrace_desktop.domain.errors import InvalidInputError, NotFoundError, UserFacingError
from chronotrace_desktop.domain.recorder_time import ClockSource
from chronotrace_desktop.domain.roles import Action, is_allowed
from chronotrace_desktop.services.cameras import load_config
from chronotrace_desktop.storage.orm import Video, VideoSegment

if TYPE_CHECKING:
    import uuid
    from collections.abc import Callable

    from chronotrace_desktop.analysis.clock import ClockEstimate, DateOrder
    from chronotrace_desktop.domain.users import Actor
    from chronotrace_desktop.services.access import Authorizer
    from chronotrace_desktop.services.clock.service import ClockService, TimeChange
    from chronotrace_desktop.storage.blobs import BlobStore
    from chronotrace_desktop.storage.database import Database

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ClockRead:
    video_id: uuid.UUID
    filename: str
    read_from: str  # "original file" or "first segment"
    summary: str
    timezone: str
    recording_start_local: datetime | None  # as the clock shows it
    recording_start: datetime | None  # UTC
    recorder_recorded_at: datetime | None  # the recorder's time the video has (container or flag)
    confidence: float
    warnings: tuple[str, ...]
    change: TimeChange | None = None

    @property
    def implied_offset_s(self) -> float | None:
        if self.recording_start is None or self.recorder_recorded_at is None:
            return None
        return round((self.recording_start - self.recorder_recorded_at).total_seconds(), 3)

    def as_json(self) -> dict[str, Any]:
        local = self.recording_start_local
        return {
            "video_id": str(self.video_id),
            "filename": self.filename,
            "read_from": self.read_from,
            "summary": self.summary,
            "timezone": self.timezone,
            "recording_start_local": local.isoformat(timespec="seconds") if local else None,
            "recording_start": utc_iso(self.recording_start) if self.recording_start else None,
            "recorder_recorded_at": utc_iso(self.recorder_recorded_at) if self.recorder_recorded_at else None,
            "implied_offset_s": self.implied_offset_s,
            "confidence": round(self.confidence, 3),
            "warnings": list(self.warnings),
            "accepted": self.change.as_json() if self.change else None,
        }


def _default_reader(path: Path, duration_s: float, date_order: DateOrder | None = None) -> ClockEstimate:
    from chronotrace_desktop.services.clock.reading import read_video_clock

    return read_video_clock(path, duration_s, date_order_hint=date_order)


class ClockReader:
    def __init__(
        self,
        database: Database,
        blobs: BlobStore,
        authorizer: Authorizer,
        clock: ClockService,
        read: Callable[[Path, float, DateOrder | None], ClockEstimate] | None = None,
    ) -> None:
        self._db = database
        self._blobs = blobs
        self._authorizer = authorizer
        self._clock = clock
        self._read = read or _default_reader

    def read(self, actor: Actor, video_id: uuid.UUID, *, accept: bool = False) -> ClockRead:
        actor = self._authorizer.require(
            actor, Action.CORRECT_VIDEO_TIME, resource_type="video", resource_id=video_id
        )
        with self._db.transaction() as session:
            video = session.get(Video, video_id)
            if video is None or video.deleted_at is not None:
                raise NotFoundError("No such video (it may have been deleted).")
            camera = load_config(session, video.camera_id)
            timezone, date_order = camera.timezone, _date_order(camera.clock_date_order)
            meta = video.meta or {}
            duration = float(meta.get("duration_exact") or video.duration_seconds or 0.0)
            original = Path(video.original_path)
            first = session.execute(
                sa.select(VideoSegment.segment_path, VideoSegment.clip_start_time, VideoSegment.clip_end_time)
                .where(VideoSegment.video_id == video_id, VideoSegment.segment_path.is_not(None))
                .order_by(VideoSegment.segment_index)
                .limit(1)
            ).first()
            filename, recorder = video.filename, video.recorder_recorded_at
        if original.is_file():
            path, read_from = original, "original file"
        elif first is not None and first.segment_path:
            path, read_from = self._blobs.readable(first.segment_path), "first segment"
            duration = float((first.clip_end_time or 0) - (first.clip_start_time or 0)) or duration
        else:
            raise NotFoundError(f"{filename}: neither its original file nor a segment cut is on this machine")
        estimate = self._read(path, duration, date_order)
        local = estimate.recording_start.replace(microsecond=0) if estimate.recording_start else None
        start = _to_utc(local, timezone) if local is not None else None
        reading = ClockRead(
            video_id, filename, read_from, estimate.summary(), timezone, local, start, recorder,
            float(estimate.confidence), tuple(estimate.warnings),
        )  # fmt: skip
        logger.info("Clock of %s read from its %s: %s", filename, read_from, reading.summary)
        if not accept:
            return reading
        if start is None:
            raise InvalidInputError(
                f"{filename}: the clock reading cannot be accepted ({reading.summary}). Set the time by hand: "
                "chronotrace videos set-time ID --recorded-at ISO8601"
            )
        note = f"on-screen clock read from the {read_from} ({timezone}): {reading.summary}"
        change = self._clock.set_video_time(
            actor, video_id, recorded_at=start, source=ClockSource.OCR, note=note[:500]
        )
        return dataclasses.replace(reading, change=change)

    def at_ingest(self, actor: Actor, video_id: uuid.UUID, source: Path, duration_s: float) -> list[str]:
        """After an ingest: read the on-screen clock from the file just ingested (held open by the ingest).

        The reading is kept in the video's metadata (``clock_reading``). A video whose start nobody knew
        (no ``--recorded-at``, nothing in the container) takes an unambiguous reading as its start (source
        ``ocr``, audited) when the ingesting user may correct times; otherwise the reading only informs, and
        a disagreement with the known start of more than :data:`CLOCK_DISAGREES_S` is a warning. Never fails
        the ingest: what goes wrong is a warning. Cost: bounded by the reader's OCR call cap."""
        with self._db.transaction() as session:
            video = session.get(Video, video_id)
            camera = load_config(session, video.camera_id if video is not None else None)
        try:
            estimate = self._read(source, duration_s, _date_order(camera.clock_date_order))
        except UserFacingError as exc:
            return [f"the on-screen clock could not be read ({exc})"]
        with self._db.transaction() as session:
            video = session.get(Video, video_id, with_for_update=True)
            if video is None:
                return []
            timezone = camera.timezone
            local = estimate.recording_start.replace(microsecond=0) if estimate.recording_start else None
            start = _to_utc(local, timezone) if local is not None else None
            known = video.recorder_recorded_at
            video.meta = {
                **(video.meta or {}),
                "clock_reading": _reading_json(estimate, local, start, timezone),
            }
        if start is None:
            ambiguous = [w for w in estimate.warnings if "dd/mm" in w or "ambiguous" in w.lower()]
            return [f"on-screen clock: {ambiguous[0]}"] if ambiguous else []
        if known is None and is_allowed(actor.role, Action.CORRECT_VIDEO_TIME):
            note = f"on-screen clock read at ingest ({timezone}): {estimate.summary()}"
            self._clock.set_video_time(
                actor, video_id, recorded_at=start, source=ClockSource.OCR, note=note[:500]
            )
            return []
        if known is not None and abs((start - known).total_seconds()) > CLOCK_DISAGREES_S:
            return [
                f"the on-screen clock says the recording started {start:%Y-%m-%d %H:%M:%S} UTC, the file "
                f"{known:%Y-%m-%d %H:%M:%S}: 'chronotrace videos read-clock {video_id} --accept' takes the clock's"
            ]
        return []


CLOCK_DISAGREES_S = 2.0


def _date_order(setting: str | None) -> DateOrder | None:
    """The camera's date order setting as the reader takes it (anything else: not set)."""
    for order in DATE_ORDERS:
        if setting == order:
            return order
    return None


def _reading_json(
    estimate: ClockEstimate, local: datetime | None, start: datetime | None, timezone: str
) -> dict[str, Any]:
    return {
        "summary": estimate.summary(),
        "recording_start_local": local.isoformat(timespec="seconds") if local else None,
        "recording_start": utc_iso(start) if start else None,
        "timezone": timezone,
        "date_order": estimate.date_order,
        "confidence": round(float(estimate.confidence), 3),
        "ocr_calls": estimate.ocr_calls,
        "seconds": round(estimate.seconds_spent, 2),
    }


def _to_utc(local: datetime, timezone: str) -> datetime:
    return local.replace(tzinfo=ZoneInfo(timezone)).astimezone(UTC).replace(tzinfo=None)
