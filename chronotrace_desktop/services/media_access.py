"""Handing segment media to people: redacted by default, the original only through an audited reveal.

* ``redacted_thumbnail`` / ``redacted_clip``: what every role that may view media gets. The redacted clip
  is rendered from the stored redaction plan on first use and cached in the media store (rendering at
  ingest would cost more than the whole analysis; see README "Ingestion").
* ``reveal``: the original clip or thumbnail, for roles allowed to reveal faces, with a written
  justification; the ``pii_reveal`` audit row is committed BEFORE the path is returned.

No code path returns an original file otherwise; a segment without a redaction plan is not shown at all.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING, Literal

import sqlalchemy as sa

from chronotrace_desktop.domain.audit import AuditAction
from chronotrace_desktop.domain.errors import InvalidInputError, NotFoundError
from chronotrace_desktop.domain.media import plan_from_json
from chronotrace_desktop.domain.roles import Action
from chronotrace_desktop.domain.tasks import Unattended
from chronotrace_desktop.media.redaction import render_redacted_clip
from chronotrace_desktop.services.audit import AuditEvent
from chronotrace_desktop.storage.orm import Video, VideoSegment

if TYPE_CHECKING:
    import uuid
    from collections.abc import Sequence
    from pathlib import Path

    from chronotrace_desktop.domain.tasks import TaskControl
    from chronotrace_desktop.domain.users import Actor
    from chronotrace_desktop.services.audit import AuditService
    from chronotrace_desktop.services.authorization import Authorizer
    from chronotrace_desktop.storage.blobs import BlobStore
    from chronotrace_desktop.storage.database import Database

logger = logging.getLogger(__name__)

MIN_JUSTIFICATION_CHARS = 20


class MediaAccessService:
    def __init__(
        self, database: Database, blobs: BlobStore, authorizer: Authorizer, audit: AuditService
    ) -> None:
        self._db = database
        self._blobs = blobs
        self._authorizer = authorizer
        self._audit = audit
        self._render_locks: dict[uuid.UUID, threading.Lock] = {}
        self._locks_guard = threading.Lock()

    def redacted_thumbnail(self, actor: Actor, segment_id: uuid.UUID) -> Path:
        self._authorizer.require(
            actor, Action.VIEW_REDACTED_MEDIA, resource_type="segment", resource_id=segment_id
        )
        segment = self._segment(segment_id)
        if not segment.redacted_thumbnail_path or not self._blobs.exists(segment.redacted_thumbnail_path):
            raise NotFoundError("This segment has no redacted thumbnail; ingest its video again.")
        return self._blobs.readable(segment.redacted_thumbnail_path)

    def redacted_clip(self, actor: Actor, segment_id: uuid.UUID, task: TaskControl | None = None) -> Path:
        """The faces-blurred H.264 clip, rendered now if this is its first use."""
        self._authorizer.require(
            actor, Action.VIEW_REDACTED_MEDIA, resource_type="segment", resource_id=segment_id
        )
        with self._lock_for(segment_id):
            segment = self._segment(segment_id)
            if segment.redacted_path and self._blobs.exists(segment.redacted_path):
                return self._blobs.readable(segment.redacted_path)
            return self._render(segment, task or Unattended())

    def reveal(
        self,
        actor: Actor,
        segment_id: uuid.UUID,
        justification: str,
        *,
        what: Literal["clip", "thumbnail"] = "clip",
    ) -> Path:
        """The ORIGINAL media, for a justified, audited reveal."""
        actor = self._authorizer.require(
            actor, Action.REVEAL_PII, resource_type="segment", resource_id=segment_id
        )
        reason = " ".join(justification.split())
        if len(reason) < MIN_JUSTIFICATION_CHARS:
            raise InvalidInputError(
                f"A reveal needs a justification of at least {MIN_JUSTIFICATION_CHARS} characters "
                "(e.g. the case number and why the faces matter)."
            )
        segment = self._segment(segment_id)
        key = segment.segment_path if what == "clip" else segment.thumbnail_path
        if not key or not self._blobs.exists(key):
            raise NotFoundError("The original media of this segment is missing from the media store.")
        self._audit.record(
            AuditEvent(
                AuditAction.PII_REVEAL,
                actor=actor,
                resource_type="segment",
                resource_id=segment_id,
                justification=reason,
                metadata={
                    "what": what,
                    "video_id": str(segment.video_id),
                    "segment_index": segment.segment_index,
                },
            )
        )
        logger.info("%s revealed the original %s of segment %s", actor.email, what, segment_id)
        return self._blobs.readable(key)

    def prerender(
        self, actor: Actor, task: TaskControl, *, video_ids: Sequence[uuid.UUID] | None = None
    ) -> int:
        """Render the redacted clips not rendered yet (of ``video_ids``, else of the whole library); how many.

        Meant for idle time after an ingest, at low priority: the player and exports then find them cached.
        A segment that cannot be rendered is logged and skipped; a cancel stops between clips.
        """
        self._authorizer.require(actor, Action.INGEST_VIDEO, resource_type="segment")
        query = (
            sa.select(VideoSegment.id)
            .join(Video, Video.id == VideoSegment.video_id)
            .where(VideoSegment.redacted_path.is_(None), Video.deleted_at.is_(None))
            .order_by(Video.uploaded_at.desc(), VideoSegment.segment_index)
        )
        if video_ids is not None:
            query = query.where(VideoSegment.video_id.in_(list(video_ids)))
        with self._db.transaction() as session:
            pending = list(session.scalars(query))
        rendered = 0
        for done, segment_id in enumerate(pending, start=1):
            task.check_cancelled()
            with self._lock_for(segment_id):
                try:
                    segment = self._segment(segment_id)
                    if not (segment.redacted_path and self._blobs.exists(segment.redacted_path)):
                        self._render(segment, task)
                        rendered += 1
                except (InvalidInputError, NotFoundError) as exc:
                    logger.warning(
                        "Could not pre-render the redacted clip of segment %s: %s", segment_id, exc
                    )
            task.progress(done, len(pending), "rendering redacted clips")
        return rendered

    def _segment(self, segment_id: uuid.UUID) -> VideoSegment:
        with self._db.transaction() as session:
            segment = session.get(VideoSegment, segment_id)
            video = session.get(Video, segment.video_id) if segment is not None else None
            if segment is None or video is None or video.deleted_at is not None:
                raise NotFoundError("No such segment (it may belong to a deleted video).")
            session.expunge(segment)
            return segment

    def _lock_for(self, segment_id: uuid.UUID) -> threading.Lock:
        with self._locks_guard:
            return self._render_locks.setdefault(segment_id, threading.Lock())

    def _render(self, segment: VideoSegment, task: TaskControl) -> Path:
        plan_data = (segment.meta or {}).get("redaction")
        if plan_data is None or not segment.segment_path or not self._blobs.exists(segment.segment_path):
            raise NotFoundError(
                "This segment cannot be shown redacted (no redaction plan or clip); re-ingest it."
            )
        key = f"{segment.video_id}/redacted/{segment.segment_index:04d}.mp4"
        offset = float(segment.clip_start_time if segment.clip_start_time is not None else segment.start_time)
        with self._blobs.writing(key) as tmp:
            render_redacted_clip(
                self._blobs.readable(segment.segment_path),
                plan_from_json(plan_data),
                tmp,
                segment_offset_s=offset,
                should_stop=lambda: task.cancelled,
            )
        with self._db.transaction() as session:
            row = session.get(VideoSegment, segment.id)
            if row is not None:
                row.redacted_path = key
        logger.info("Rendered the redacted clip of segment %s", segment.id)
        return self._blobs.readable(key)
