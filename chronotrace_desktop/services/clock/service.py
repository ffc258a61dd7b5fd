"""The recorder's clock corrected per video and per camera (issue 15 item 3).

``videos.recorder_recorded_at`` keeps what the recorder said; ``videos.recorded_at`` is the corrected start
(the recorder's time plus ``videos.clock_offset_s``), so search filters, the after-hours rule, reports and
mail follow the correction without knowing of it. A camera's offset (``cameras.clock_offset_s``) is copied
onto each of its new videos at ingest (``clock_source`` ``camera``); changing it later does not move videos
already in unless asked (:meth:`ClockService.set_camera_offset` ``apply_to_videos``).

:meth:`ClockService.set_video_time` (``CORRECT_VIDEO_TIME``: analysts and administrators) writes the new start
and a ``video_time_changed`` audit row with the times before and after in one transaction, moves the
``detected_at`` of the video's anomalies by the same amount, then (after the commit) rewrites the
``timestamp`` of the video's vector points, in the default collection and in each engine's, and runs the
anomaly rules again so that after-hours follows the corrected time. A vector store or a rule failure after
the commit is reported as a warning of the change, never undoes it: ingest's reconcile and ``anomalies
rescan`` repair those.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from chronotrace_desktop.analysis.clock import DATE_ORDERS
from chronotrace_desktop.domain.audit import AuditAction
from chronotrace_desktop.domain.clock import utc_iso
from chronotrace_desktop.domain.errors import InvalidInputError, NotFoundError, UserFacingError
from chronotrace_desktop.domain.ingest import VideoStatus
from chronotrace_desktop.domain.recorder_time import ClockSource, VideoClock, check_offset, corrected
from chronotrace_desktop.domain.roles import Action
from chronotrace_desktop.services.access import AuditEvent
from chronotrace_desktop.services.cameras import check_camera_id
from chronotrace_desktop.storage.orm import Anomaly, Camera, Video, VideoSegment
from chronotrace_desktop.storage.vectors import VectorPoint

if TYPE_CHECKING:
    import uuid
    from collections.abc import Callable, Sequence
    from datetime import datetime

    from sqlalchemy.orm import Session

    from chronotrace_desktop.domain.users import Actor
    from chronotrace_desktop.services.access import AuditService, Authorizer
    from chronotrace_desktop.services.anomalies import ScanResult
    from chronotrace_desktop.storage.database import Database
    from chronotrace_desktop.storage.vectors import VectorIndex

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class TimeChange:
    """What :meth:`ClockService.set_video_time` did."""

    video_id: uuid.UUID
    filename: str
    before: VideoClock
    after: VideoClock
    points_updated: int = 0
    anomalies_found: int | None = None  # the rescan's findings (None: not rescanned, e.g. not ingested yet)
    warnings: tuple[str, ...] = ()

    def as_json(self) -> dict[str, Any]:
        return {
            "video_id": str(self.video_id),
            "filename": self.filename,
            "before": clock_json(self.before),
            "after": clock_json(self.after),
            "points_updated": self.points_updated,
            "anomalies_found": self.anomalies_found,
            "warnings": list(self.warnings),
        }


@dataclass(frozen=True, slots=True)
class CameraClockChange:
    camera_id: str
    before: float | None
    after: float | None
    videos: tuple[TimeChange, ...] = ()

    def as_json(self) -> dict[str, Any]:
        return {
            "camera_id": self.camera_id,
            "clock_offset_s_before": self.before,
            "clock_offset_s": self.after,
            "videos": [v.as_json() for v in self.videos],
        }


def clock_json(clock: VideoClock) -> dict[str, Any]:
    return {
        "recorded_at": utc_iso(clock.recorded_at) if clock.recorded_at else None,
        "recorder_recorded_at": utc_iso(clock.recorder_recorded_at) if clock.recorder_recorded_at else None,
        "clock_offset_s": clock.offset_s,
        "clock_source": clock.source,
    }


def video_clock(video: Video) -> VideoClock:
    return VideoClock(
        recorded_at=video.recorded_at,
        recorder_recorded_at=video.recorder_recorded_at,
        offset_s=float(video.clock_offset_s or 0.0),
        source=video.clock_source,
    )


class ClockService:
    def __init__(
        self,
        database: Database,
        vectors: VectorIndex,
        authorizer: Authorizer,
        audit: AuditService,
        *,
        engine_indexes: Callable[[], Sequence[VectorIndex]] | None = None,
        rescan: Callable[[Actor, uuid.UUID], ScanResult] | None = None,
    ) -> None:
        self._db = database
        self._vectors = vectors
        self._authorizer = authorizer
        self._audit = audit
        self._engine_indexes = engine_indexes
        self._rescan = rescan

    def video_clock(self, actor: Actor, video_id: uuid.UUID) -> VideoClock:
        self._authorizer.require(actor, Action.VIEW_LIBRARY, resource_type="video", resource_id=video_id)
        with self._db.transaction() as session:
            return video_clock(_live(session.get(Video, video_id)))

    def set_video_time(
        self,
        actor: Actor,
        video_id: uuid.UUID,
        *,
        recorded_at: datetime | None = None,
        offset_s: float | None = None,
        source: ClockSource = ClockSource.MANUAL,
        note: str | None = None,
    ) -> TimeChange:
        """Correct a video's start: the true start (``recorded_at``, naive UTC; the offset is what separates
        it from the recorder's time) or the offset itself (``offset_s``). Exactly one of the two."""
        if (recorded_at is None) == (offset_s is None):
            raise InvalidInputError("give the true recording start or the clock offset (one of the two)")
        actor = self._authorizer.require(
            actor, Action.CORRECT_VIDEO_TIME, resource_type="video", resource_id=video_id
        )
        with self._db.transaction() as session:
            video = _live(session.get(Video, video_id, with_for_update=True))
            before = video_clock(video)
            recorder = video.recorder_recorded_at
            if offset_s is not None:
                offset: float | None = check_offset(offset_s)
                if recorder is None:
                    raise InvalidInputError(
                        f"{video.filename} has no recorder time to correct: give its start (--recorded-at)"
                    )
            elif recorder is not None:
                assert recorded_at is not None
                offset = check_offset((recorded_at - recorder).total_seconds())
            else:  # no recorder time was ever known: the given start is the video's time, uncorrected
                offset = None
                # The on-screen clock IS the recorder's: later offsets apply to it.
                if source is ClockSource.OCR:
                    video.recorder_recorded_at = recorded_at
                    recorder = recorded_at
            new_start = corrected(recorder, offset) if recorder is not None else recorded_at
            video.clock_offset_s = offset
            video.clock_source = source.value
            video.recorded_at = new_start
            after = video_clock(video)
            _shift_anomalies(session, video_id, before.recorded_at, new_start, offset)
            self._audit.record_in(
                session,
                AuditEvent(
                    AuditAction.VIDEO_TIME_CHANGED,
                    actor=actor,
                    resource_type="video",
                    resource_id=video_id,
                    metadata={
                        "filename": video.filename,
                        "before": clock_json(before),
                        "after": clock_json(after),
                        **({"note": note} if note else {}),
                    },
                ),
            )
            filename = video.filename
            completed = video.processing_status == VideoStatus.COMPLETED.value
            starts = {
                sid: float(start)
                for sid, start in session.execute(
                    sa.select(VideoSegment.id, VideoSegment.start_time).where(
                        VideoSegment.video_id == video_id
                    )
                )
            }
        logger.info(
            "%s corrected the clock of %s: offset %s s, start %s", actor.email, filename, offset, new_start
        )
        return self._follow(actor, video_id, filename, before, after, starts, completed)

    def set_camera_date_order(self, actor: Actor, camera_id: str, order: str | None) -> str | None:
        """How the camera's recorder writes dates on screen ("dmy", "mdy", "ymd"; ``None`` clears it): decides
        a clock reading the digits cannot (05/03/24). Administrators; audited with before and after. The
        order before the change is returned."""
        camera_id = check_camera_id(camera_id)
        if order is not None and order not in DATE_ORDERS:
            raise InvalidInputError(f"a date order is one of {', '.join(DATE_ORDERS)}, not {order!r}")
        actor = self._authorizer.require(actor, Action.CONFIGURE_CAMERAS, resource_type="camera")
        with self._db.transaction() as session:
            row = _camera_for_change(session, camera_id, actor)
            meta = dict(row.meta or {})
            before = meta.get("clock_date_order")
            if order is None:
                meta.pop("clock_date_order", None)
            else:
                meta["clock_date_order"] = order
            row.meta = meta
            self._audit_camera_clock(
                session, actor, {"camera_id": camera_id, "date_order_before": before, "date_order": order}
            )
        return before

    def set_camera_offset(
        self, actor: Actor, camera_id: str, offset_s: float | None, *, apply_to_videos: bool = False
    ) -> CameraClockChange:
        """A camera's recorder clock offset (``None`` clears it) for its new videos; ``apply_to_videos`` also
        corrects its videos already in whose offset came from the camera or was never set. Administrators
        (``CONFIGURE_CAMERAS``); audited ``camera_clock_changed`` with the offset before and after."""
        camera_id = check_camera_id(camera_id)
        value = None if offset_s is None else check_offset(offset_s)
        actor = self._authorizer.require(actor, Action.CONFIGURE_CAMERAS, resource_type="camera")
        with self._db.transaction() as session:
            row = _camera_for_change(session, camera_id, actor)
            before = row.clock_offset_s
            row.clock_offset_s = value
            self._audit_camera_clock(
                session,
                actor,
                {
                    "camera_id": camera_id,
                    "clock_offset_s_before": before,
                    "clock_offset_s": value,
                    "apply_to_videos": apply_to_videos,
                },
            )
            inheriting = (
                list(
                    session.scalars(
                        sa.select(Video.id).where(
                            Video.camera_id == camera_id,
                            Video.deleted_at.is_(None),
                            Video.recorder_recorded_at.is_not(None),
                            sa.or_(
                                Video.clock_offset_s.is_(None),
                                Video.clock_source == ClockSource.CAMERA.value,
                            ),
                        )
                    )
                )
                if apply_to_videos
                else []
            )
        logger.info("%s set the clock offset of camera %s to %s s", actor.email, camera_id, value)
        changes = tuple(
            self.set_video_time(actor, vid, offset_s=value or 0.0, source=ClockSource.CAMERA)
            for vid in inheriting
        )
        return CameraClockChange(camera_id, before, value, changes)

    def _audit_camera_clock(self, session: Session, actor: Actor, metadata: dict[str, Any]) -> None:
        self._audit.record_in(
            session,
            AuditEvent(
                AuditAction.CAMERA_CLOCK_CHANGED, actor=actor, resource_type="camera", metadata=metadata
            ),
        )

    def camera_offset(self, actor: Actor, camera_id: str) -> float | None:
        self._authorizer.require(actor, Action.VIEW_LIBRARY, resource_type="camera")
        with self._db.transaction() as session:
            return session.scalar(
                sa.select(Camera.clock_offset_s).where(Camera.camera_id == check_camera_id(camera_id))
            )

    # ------------------------------------------------------------------ after the commit
    def _follow(
        self,
        actor: Actor,
        video_id: uuid.UUID,
        filename: str,
        before: VideoClock,
        after: VideoClock,
        starts: dict[uuid.UUID, float],
        completed: bool,
    ) -> TimeChange:
        warnings: list[str] = []
        updated = 0
        indexes: list[tuple[str, VectorIndex]] = [("default", self._vectors)]
        if self._engine_indexes is not None:
            try:
                indexes += [(f"engine {i.spec.name}", i) for i in self._engine_indexes()]
            except UserFacingError as exc:
                warnings.append(f"the engines' collections were not updated: {exc}")
        for label, index in indexes:
            try:
                updated += _restamp(index, starts, after.recorded_at)
            except UserFacingError as exc:
                warnings.append(f"the {label} vector collection was not updated: {exc}")
        found: int | None = None
        if completed and self._rescan is not None:
            result = self._rescan(actor, video_id)
            found = result.found
            if result.error:
                warnings.append(f"the anomaly rules could not run again: {result.error}")
        for warning in warnings:
            logger.warning("Clock change of %s: %s", filename, warning)
        return TimeChange(video_id, filename, before, after, updated, found, tuple(warnings))


def _camera_for_change(session: Session, camera_id: str, actor: Actor) -> Camera:
    """The camera's row, locked (made when the camera has none), stamped as changed by ``actor``."""
    row = session.get(Camera, camera_id, with_for_update=True)
    if row is None:
        row = Camera(camera_id=camera_id)
        session.add(row)
    row.updated_by = actor.user_id
    row.updated_at = sa.func.now()
    return row


def _live(video: Video | None) -> Video:
    if video is None or video.deleted_at is not None:
        raise NotFoundError("No such video (it may have been deleted).")
    return video


def _shift_anomalies(
    session: Any, video_id: uuid.UUID, old: datetime | None, new: datetime | None, offset: float | None
) -> None:
    """Anomaly times dated from the old start move with it, and carry the offset now in them (the rescan then
    rewrites the machine-made ones; the ones a person touched keep their status and move too)."""
    if old is None or new is None:
        return
    delta = new - old
    for row in session.scalars(sa.select(Anomaly).where(Anomaly.video_id == video_id)):
        meta = dict(row.meta or {})
        if meta.get("detected_at_source") != "recorded_at" or row.detected_at is None:
            continue
        row.detected_at = row.detected_at + delta
        meta["clock_offset_s"] = offset
        row.meta = meta


def _restamp(index: VectorIndex, starts: dict[uuid.UUID, float], start: datetime | None) -> int:
    """Rewrite the ``timestamp`` of these segments' points (dropped when the start is unknown)."""
    points = index.retrieve(list(starts), with_vectors=True)
    fresh: list[VectorPoint] = []
    for point in points:
        payload = dict(point.payload)
        offset = starts.get(point.id, float(payload.get("start_time") or 0.0))
        if start is None:
            payload.pop("timestamp", None)
        else:
            payload["timestamp"] = utc_iso(start + timedelta(seconds=offset))
        assert point.vector is not None
        fresh.append(VectorPoint(point.id, point.vector, payload))
    if fresh:
        index.upsert(fresh)
    return len(fresh)
