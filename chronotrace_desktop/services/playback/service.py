"""Which footage of each camera covers a wall-clock moment, for players locked to one clock.

Only dated footage takes part: a video of a camera (``camera_id``) with a known corrected start
(``recorded_at``) that is not deleted. A segment covers the wall-clock window ``[recorded_at + start_time,
recorded_at + end_time)``. Where two videos of one camera overlap, the one that started first is chosen (then
the lower video id); see ``domain.playback``. With a ``case_id`` only the case's videos count.

Reading cameras and spans needs ``VIEW_LIBRARY``; asking what a camera shows at a moment needs
``VIEW_REDACTED_MEDIA`` (the media itself is then fetched through ``MediaAccessService``, redacted unless a
reveal is made); a case also needs ``VIEW_CASES``. Nothing here changes data, so nothing is audited but
refusals.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from chronotrace_desktop.domain.errors import InvalidInputError
from chronotrace_desktop.domain.playback import (
    CameraFootage,
    CameraMoment,
    FootageAt,
    NoFootage,
    WallSpan,
    merge_spans,
    union_span,
)
from chronotrace_desktop.domain.roles import Action
from chronotrace_desktop.services.cases import case_video_ids
from chronotrace_desktop.storage.orm import Camera, Video, VideoSegment

if TYPE_CHECKING:
    from collections.abc import Sequence

    from sqlalchemy.orm import Session

    from chronotrace_desktop.domain.users import Actor
    from chronotrace_desktop.services.access import Authorizer
    from chronotrace_desktop.storage.database import Database

logger = logging.getLogger(__name__)

MAX_CAMERAS = 16  # one call answers for a grid; more is a mistake, not a grid


def _wall(seconds: Any) -> Any:
    """SQL: the wall-clock time ``seconds`` (a column) into the video."""
    return Video.recorded_at + sa.func.make_interval(0, 0, 0, 0, 0, 0, seconds)


def _window() -> tuple[Any, Any]:
    """SQL: a segment's wall-clock window ``[start, end)``."""
    return _wall(VideoSegment.start_time), _wall(VideoSegment.end_time)


def _offset_s(video: Video) -> float | None:
    """The correction applied to the recorder's clock, when one applies."""
    if video.recorded_at is None or video.recorder_recorded_at is None:
        return None
    offset = (video.recorded_at - video.recorder_recorded_at).total_seconds()
    return offset or None


class PlaybackService:
    def __init__(self, database: Database, authorizer: Authorizer) -> None:
        self._db = database
        self._authorizer = authorizer

    def cameras(self, actor: Actor, case_id: str | None = None) -> list[CameraFootage]:
        """Cameras with dated footage (in the case), by camera id, each with the wall-clock spans it covers."""
        self._require(actor, Action.VIEW_LIBRARY, case_id)
        with self._db.transaction() as session:
            return self._cameras(session, None, case_id)

    def common_span(
        self, actor: Actor, camera_ids: Sequence[str], case_id: str | None = None
    ) -> WallSpan | None:
        """What a grid's slider covers: from the first footage of any of the cameras to the last one's end
        (their union, gaps included: a camera without footage at a moment says so). None without footage."""
        self._require(actor, Action.VIEW_LIBRARY, case_id)
        wanted = _check_cameras(camera_ids)
        with self._db.transaction() as session:
            found = self._cameras(session, wanted, case_id)
        return union_span([span for camera in found for span in camera.spans])

    def footage_at(
        self,
        actor: Actor,
        camera_ids: Sequence[str],
        wall_time: datetime,
        case_id: str | None = None,
    ) -> list[CameraMoment]:
        """For each camera (in the order given): the segment covering ``wall_time`` (naive UTC), or no footage
        with where its footage before ended and where the next starts."""
        self._require(actor, Action.VIEW_REDACTED_MEDIA, case_id)
        wanted = _check_cameras(camera_ids)
        if wall_time.tzinfo is not None:
            raise InvalidInputError("a wall-clock time is naive UTC here")
        with self._db.transaction() as session:
            scope = self._scope(session, case_id)
            return [self._moment(session, scope, camera_id, wall_time) for camera_id in wanted]

    # ------------------------------------------------------------------ queries
    def _require(self, actor: Actor, action: Action, case_id: str | None) -> None:
        self._authorizer.require(actor, action, resource_type="segment")
        if case_id is not None:
            self._authorizer.require(actor, Action.VIEW_CASES, resource_type="case")

    @staticmethod
    def _scope(session: Session, case_id: str | None) -> list[Any]:
        """The conditions every footage query shares: dated, on a camera, not deleted (in the case)."""
        conditions: list[Any] = [
            Video.deleted_at.is_(None),
            Video.recorded_at.is_not(None),
            Video.camera_id.is_not(None),
        ]
        if case_id is not None:
            conditions.append(Video.id.in_(case_video_ids(session, case_id)))
        return conditions

    def _cameras(
        self, session: Session, wanted: list[str] | None, case_id: str | None
    ) -> list[CameraFootage]:
        conditions = self._scope(session, case_id)
        if wanted is not None:
            conditions.append(Video.camera_id.in_(wanted))
        seg_start, seg_end = _window()
        rows = session.execute(
            sa.select(Video, sa.func.min(seg_start), sa.func.max(seg_end))
            .join(VideoSegment, VideoSegment.video_id == Video.id)
            .where(*conditions)
            .group_by(Video.id)
        ).all()
        by_camera: dict[str, list[tuple[Video, WallSpan]]] = defaultdict(list)
        for video, start, end in rows:
            assert video.camera_id is not None
            by_camera[video.camera_id].append((video, WallSpan(start, end)))
        names = {
            row.camera_id: row
            for row in session.scalars(sa.select(Camera).where(Camera.camera_id.in_(list(by_camera))))
        }
        found = []
        for camera_id in sorted(by_camera):
            videos = by_camera[camera_id]
            config = names.get(camera_id)
            found.append(
                CameraFootage(
                    camera_id=camera_id,
                    name=config.name if config is not None else None,
                    location=config.location if config is not None else videos[0][0].location,
                    spans=merge_spans([span for _, span in videos]),
                    video_count=len(videos),
                    has_offset=any(_offset_s(video) is not None for video, _ in videos),
                )
            )
        return found

    @staticmethod
    def _moment(session: Session, scope: list[Any], camera_id: str, wall_time: datetime) -> CameraMoment:
        on_camera = [*scope, Video.camera_id == camera_id]
        seg_start, seg_end = _window()
        covering = session.execute(
            sa.select(VideoSegment, Video)
            .join(Video, Video.id == VideoSegment.video_id)
            .where(*on_camera, seg_start <= wall_time, seg_end > wall_time)
            # overlapping videos of one camera: the one that started first, then the lower id
            .order_by(Video.recorded_at, Video.id, VideoSegment.segment_index)
            .limit(1)
        ).first()
        if covering is not None:
            segment, video = covering
            return _footage(camera_id, wall_time, segment, video)
        segments = sa.select().select_from(VideoSegment).join(Video, Video.id == VideoSegment.video_id)
        next_start = session.scalar(
            segments.add_columns(sa.func.min(seg_start)).where(*on_camera, seg_start > wall_time)
        )
        previous_end = session.scalar(
            segments.add_columns(sa.func.max(seg_end)).where(*on_camera, seg_end <= wall_time)
        )
        return NoFootage(camera_id, wall_time, previous_end=previous_end, next_start=next_start)


def _footage(camera_id: str, wall_time: datetime, segment: VideoSegment, video: Video) -> FootageAt:
    assert video.recorded_at is not None
    start_s, end_s = float(segment.start_time), float(segment.end_time)
    start = video.recorded_at + timedelta(seconds=start_s)
    clip_start = float(segment.clip_start_time) if segment.clip_start_time is not None else start_s
    return FootageAt(
        camera_id=camera_id,
        wall_time=wall_time,
        segment_id=segment.id,
        video_id=video.id,
        segment_index=segment.segment_index,
        filename=video.filename,
        into_s=(wall_time - start).total_seconds(),
        start=start,
        end=video.recorded_at + timedelta(seconds=end_s),
        video_offset_s=start_s,
        clip_start_s=clip_start,
        fps=float(video.fps) if video.fps else None,
        clock_offset_s=_offset_s(video),
    )


def _check_cameras(camera_ids: Sequence[str]) -> list[str]:
    wanted = list(dict.fromkeys(c.strip() for c in camera_ids if c.strip()))
    if not wanted:
        raise InvalidInputError("choose at least one camera")
    if len(wanted) > MAX_CAMERAS:
        raise InvalidInputError(f"at most {MAX_CAMERAS} cameras at once")
    return wanted
