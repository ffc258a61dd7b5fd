"""Handing segment media to people: redacted by default, the original only through an audited reveal.

* ``redacted_thumbnail`` / ``redacted_clip``: what every role that may view media gets. The redacted clip
  is rendered on first use and cached in the media store (rendering at ingest would cost more than the
  whole analysis; see README "Ingestion"). It covers exactly the segment's window ``[start, end)``: the
  stored cut starts at the keyframe before the window, and that pre-roll is decoded but never shown.
* Renditions follow the installation's ``redaction_mode`` (``rendition_plan``): ``heads`` renders the stored
  plan; ``upper_body`` plans heads, faces and upper bodies again from the segment's stored detections, and
  refuses (fails closed) when a segment has none. The cached clip's key names the mode and
  ``RENDITION_VERSION``; a stored key that is not the current one (another mode, an older rendition such as
  the pre-roll ones before version 2) is never served: the clip is rendered again and the old file removed.
  In ``upper_body`` mode the thumbnail is the stored redacted one with the upper bodies blurred as well.
* ``reveal``: the original clip or thumbnail, for roles allowed to reveal faces, with a written
  justification and a fresh re-authentication (``services.access.reauth``: the password asked again, so a
  workstation left signed in reveals nothing); the ``pii_reveal`` audit row is committed BEFORE the path is
  returned. ``revealer``: the same for an operation that reveals many originals (an export), its proof
  checked once at its start.
* An original fetched from a shared store (team profile, S3) for a reveal stays in this machine's cache only
  while a reveal holds it: ``end_reveal`` (the player moved on, the export copied it) evicts it once no
  other reveal holds it, ``end_reveals`` (the app closes) evicts every one. A held original is not evicted
  by a render either, so the player keeps playing what it shows.

No code path returns an original file otherwise; a segment without a redaction plan is not shown at all.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from typing import TYPE_CHECKING, Any, Literal

import sqlalchemy as sa

from chronotrace_desktop.analysis.redaction import plan_from_detections
from chronotrace_desktop.config import RedactionMode
from chronotrace_desktop.domain.analysis import FrameDetections
from chronotrace_desktop.domain.audit import AuditAction
from chronotrace_desktop.domain.errors import InvalidInputError, NotFoundError
from chronotrace_desktop.domain.media import RedactionPlan, plan_from_json
from chronotrace_desktop.domain.roles import Action, is_allowed
from chronotrace_desktop.domain.tasks import Unattended
from chronotrace_desktop.domain.users import ReauthPurpose
from chronotrace_desktop.media.hashing import sha256_file
from chronotrace_desktop.media.redaction import BODY, PlanTimeline, redact_still, render_redacted_clip
from chronotrace_desktop.services.access import AuditEvent, proof_problem, reauth_needed
from chronotrace_desktop.storage.blobs import HeldCopies
from chronotrace_desktop.storage.orm import Video, VideoSegment

if TYPE_CHECKING:
    import uuid
    from collections.abc import Callable, Mapping, Sequence
    from pathlib import Path

    from chronotrace_desktop.domain.tasks import TaskControl
    from chronotrace_desktop.domain.users import Actor
    from chronotrace_desktop.services.access import AuditService, Authorizer, ReauthProof
    from chronotrace_desktop.storage.blobs import BlobStore
    from chronotrace_desktop.storage.database import Database

logger = logging.getLogger(__name__)

MIN_JUSTIFICATION_CHARS = 20
# Bumped whenever what a cached rendition shows changes; version 1 (keys without a version) started at the
# keyframe before the window, with the first sample's boxes over the pre-roll.
RENDITION_VERSION = 2


def rendition_key(video_id: uuid.UUID, segment_index: int, mode: RedactionMode) -> str:
    """Where the redacted clip of a segment, rendered in ``mode`` by this version, is kept."""
    return f"{video_id}/redacted/{segment_index:04d}.{mode.value}.r{RENDITION_VERSION}.mp4"


def rendition_plan(meta: Mapping[str, Any], start: float, end: float, mode: RedactionMode) -> RedactionPlan:
    """The plan a segment (``meta``: its stored metadata; ``[start, end)``: its window) is redacted with.

    ``heads``: the plan stored at ingest. ``upper_body``: both layers planned again from the stored
    detections (a stored plan has no labels, so its upper-body boxes could not be told apart); a segment
    without stored detections cannot be shown that way and raises ``NotFoundError`` (fail closed).
    """
    stored = meta.get("redaction")
    if stored is None:
        raise NotFoundError("This segment cannot be shown redacted (no redaction plan); re-ingest it.")
    plan = plan_from_json(stored)
    if mode == RedactionMode.HEADS:
        return plan
    detections = meta.get("detections")
    if detections is None:
        raise NotFoundError(
            "This segment cannot be shown with upper bodies blurred (no stored detections); re-ingest it."
        )
    frames = sorted((FrameDetections.from_dict(d) for d in detections), key=lambda d: d.t)
    return plan_from_detections(frames, start, end, upper_body=True, margin=plan.margin)


class MediaAccessService:
    def __init__(
        self,
        database: Database,
        blobs: BlobStore,
        authorizer: Authorizer,
        audit: AuditService,
        *,
        redaction_mode: RedactionMode = RedactionMode.HEADS,
        viewers_render: bool = True,
    ) -> None:
        self._db = database
        # Whether a role that may not reveal renders missing redacted clips itself. Not in the team profile,
        # where such a login may not record a rendition on its segment (storage/db_grants.py).
        self._viewers_render = viewers_render
        self._blobs = blobs
        self._authorizer = authorizer
        self._audit = audit
        self.redaction_mode = redaction_mode
        self._render_locks: dict[uuid.UUID, threading.Lock] = {}
        self._locks_guard = threading.Lock()
        self._held = HeldCopies(blobs)  # originals fetched for reveals still in use

    def redacted_thumbnail(self, actor: Actor, segment_id: uuid.UUID) -> Path:
        self._authorizer.require(
            actor, Action.VIEW_REDACTED_MEDIA, resource_type="segment", resource_id=segment_id
        )
        segment = self._segment(segment_id)
        if not segment.redacted_thumbnail_path or not self._blobs.exists(segment.redacted_thumbnail_path):
            raise NotFoundError("This segment has no redacted thumbnail; ingest its video again.")
        if self.redaction_mode == RedactionMode.HEADS:
            return self._blobs.readable(segment.redacted_thumbnail_path)
        with self._lock_for(segment_id):
            return self._upper_body_thumbnail(segment)

    def redacted_clip(self, actor: Actor, segment_id: uuid.UUID, task: TaskControl | None = None) -> Path:
        """The redacted H.264 clip of exactly the segment's window, rendered now if not rendered yet."""
        return self._redacted(actor, segment_id, task)[0]

    def redacted_clip_recorded(
        self, actor: Actor, segment_id: uuid.UUID, task: TaskControl | None = None
    ) -> tuple[Path, str]:
        """The redacted clip and the SHA-256 recorded when it was rendered (an export checks its copy against it)."""
        return self._redacted(actor, segment_id, task)

    def _redacted(self, actor: Actor, segment_id: uuid.UUID, task: TaskControl | None) -> tuple[Path, str]:
        actor = self._authorizer.require(
            actor, Action.VIEW_REDACTED_MEDIA, resource_type="segment", resource_id=segment_id
        )
        with self._lock_for(segment_id):
            segment = self._segment(segment_id)
            key = self._key(segment)
            recorded = _recorded_rendition(segment.redacted_path, segment.meta, key)
            if recorded is not None and self._blobs.exists(key):
                return self._blobs.readable(key), recorded
            if (self._blobs.shared or not self._viewers_render) and not is_allowed(
                actor.role, Action.REVEAL_PII
            ):
                # Rendering reads the original: a viewer's machine never fetches one from the shared store,
                # and a viewer's team login may not record what it rendered.
                raise NotFoundError(
                    "This segment's redacted clip is not ready yet. It is rendered where originals may be read: "
                    "an analyst's workstation after ingest, or 'chronotrace ingest prerender'."
                )
            return self._render(segment, task or Unattended())

    def reveal(
        self,
        actor: Actor,
        segment_id: uuid.UUID,
        justification: str,
        *,
        proof: ReauthProof | None,
        what: Literal["clip", "thumbnail"] = "clip",
    ) -> Path:
        """The ORIGINAL media, for a justified, audited reveal by a user who has just re-entered their password
        (``proof``: ``ReauthService.confirm`` for ``ReauthPurpose.REVEAL``). Hand the path to
        :meth:`end_reveal` when it is no longer shown."""
        actor = self._authorizer.require(
            actor, Action.REVEAL_PII, resource_type="segment", resource_id=segment_id
        )
        self._reauthenticated(actor, proof, ReauthPurpose.REVEAL, segment_id, what)
        reason = self._justified(actor, segment_id, justification, what)
        return self._original(actor, segment_id, reason, what)

    def revealer(
        self, actor: Actor, justification: str, *, proof: ReauthProof | None, purpose: ReauthPurpose
    ) -> Callable[[uuid.UUID], Path]:
        """For one operation that reveals many original clips (an export, a measurement): ``proof`` (for
        ``purpose``) is checked now, once, and the function returned reveals one segment's original clip per
        call, each authorised, justified and audited as :meth:`reveal` does, however long the operation runs.
        Each path returned is for :meth:`end_reveal` after use."""
        actor = self._authorizer.require(actor, Action.REVEAL_PII, resource_type="segment")
        self._reauthenticated(actor, proof, purpose, None, "clip")

        def reveal_one(segment_id: uuid.UUID) -> Path:
            checked = self._authorizer.require(
                actor, Action.REVEAL_PII, resource_type="segment", resource_id=segment_id
            )
            reason = self._justified(checked, segment_id, justification, "clip")
            return self._original(checked, segment_id, reason, "clip")

        return reveal_one

    def end_reveal(self, original: Path) -> None:
        """The reveal that returned ``original`` is over: once no other reveal holds it, a shared store's copy
        leaves this machine's cache (the object stays in the bucket). A path no reveal holds is ignored."""
        try:
            self._held.release(self._blobs.key_of(original))
        except ValueError:  # not in the store
            return

    def end_reveals(self) -> None:
        """Every reveal is over (the app closes): every original fetched for one leaves this machine's cache."""
        self._held.release_all()

    def _reauthenticated(
        self,
        actor: Actor,
        proof: ReauthProof | None,
        purpose: ReauthPurpose,
        segment_id: uuid.UUID | None,
        what: str,
    ) -> None:
        """Refuse (and audit) a reveal without a fresh re-authentication of ``actor`` for ``purpose``."""
        problem = proof_problem(actor, proof, purpose)
        if problem is None:
            return
        self._audit.record(
            AuditEvent(
                AuditAction.PII_REVEAL,
                actor=actor,
                resource_type="segment",
                resource_id=segment_id,
                success=False,
                error_message=problem,
                metadata={"what": what, "purpose": purpose.value},
            )
        )
        raise reauth_needed(problem, purpose)

    def _justified(self, actor: Actor, segment_id: uuid.UUID, justification: str, what: str) -> str:
        """The justification, normalised; a too-short one is refused and audited."""
        reason = " ".join(justification.split())
        if len(reason) < MIN_JUSTIFICATION_CHARS:
            self._audit.record(  # a refused reveal is on the record too, with what was given as the reason
                AuditEvent(
                    AuditAction.PII_REVEAL,
                    actor=actor,
                    resource_type="segment",
                    resource_id=segment_id,
                    success=False,
                    error_message="justification_too_short",
                    justification=reason or None,
                    metadata={"what": what},
                )
            )
            raise InvalidInputError(
                f"A reveal needs a justification of at least {MIN_JUSTIFICATION_CHARS} characters "
                "(e.g. the case number and why the faces matter)."
            )
        return reason

    def _original(self, actor: Actor, segment_id: uuid.UUID, reason: str, what: str) -> Path:
        """Audit the reveal, then fetch the original, held until :meth:`end_reveal`."""
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
        self._held.hold(key)
        try:
            return self._blobs.readable(key)
        except BaseException:
            self._held.release(key)
            raise

    def prerender(
        self, actor: Actor, task: TaskControl, *, video_ids: Sequence[uuid.UUID] | None = None
    ) -> int:
        """Render the redacted clips not rendered yet (of ``video_ids``, else of the whole library); how many.

        Meant for idle time after an ingest, at low priority: the player and exports then find them cached.
        A segment that cannot be rendered is logged and skipped; a cancel stops between clips.
        """
        self._authorizer.require(actor, Action.INGEST_VIDEO, resource_type="segment")
        query = (
            sa.select(
                VideoSegment.id,
                VideoSegment.video_id,
                VideoSegment.segment_index,
                VideoSegment.redacted_path,
                VideoSegment.meta["rendition"].label("rendition"),
            )
            .join(Video, Video.id == VideoSegment.video_id)
            .where(Video.deleted_at.is_(None))
            .order_by(Video.uploaded_at.desc(), VideoSegment.segment_index)
        )
        if video_ids is not None:
            query = query.where(VideoSegment.video_id.in_(list(video_ids)))
        with self._db.transaction() as session:
            pending = [
                row.id
                for row in session.execute(query)
                if _recorded_rendition(
                    row.redacted_path,
                    {"rendition": row.rendition},
                    rendition_key(row.video_id, row.segment_index, self.redaction_mode),
                )
                is None
            ]
        rendered = 0
        for done, segment_id in enumerate(pending, start=1):
            task.check_cancelled()
            with self._lock_for(segment_id):
                try:
                    segment = self._segment(segment_id)
                    if not self._current(segment):
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

    def _key(self, segment: VideoSegment) -> str:
        return rendition_key(segment.video_id, segment.segment_index, self.redaction_mode)

    def _current(self, segment: VideoSegment) -> bool:
        """Whether the segment's cached clip is this version's rendition in this mode, with its SHA-256 recorded
        (one rendered before hashes were recorded is rendered again), and is there."""
        key = self._key(segment)
        return _recorded_rendition(
            segment.redacted_path, segment.meta, key
        ) is not None and self._blobs.exists(key)

    def _render(self, segment: VideoSegment, task: TaskControl) -> tuple[Path, str]:
        if not segment.segment_path or not self._blobs.exists(segment.segment_path):
            raise NotFoundError("This segment cannot be shown redacted (its clip is missing); re-ingest it.")
        start, end = float(segment.start_time), float(segment.end_time)
        plan = rendition_plan(segment.meta or {}, start, end, self.redaction_mode)
        key = self._key(segment)
        offset = float(segment.clip_start_time if segment.clip_start_time is not None else segment.start_time)
        with self._blobs.writing(key) as tmp:
            render_redacted_clip(
                self._blobs.readable(segment.segment_path),
                plan,
                tmp,
                segment_offset_s=offset,
                start_s=start,
                end_s=end,
                mode=self.redaction_mode,
                should_stop=lambda: task.cancelled,
            )
            digest = sha256_file(tmp)
        # The original fetched for rendering leaves this machine's cache (unless a reveal shows it meanwhile).
        self._held.evict_unless_held(segment.segment_path)
        with self._db.transaction() as session:
            row = session.get(VideoSegment, segment.id)
            if row is not None:
                row.redacted_path = key
                row.meta = {**(row.meta or {}), "rendition": {"key": key, "sha256": digest}}
        stale = segment.redacted_path
        if stale and stale != key and self._blobs.exists(stale):
            self._blobs.delete(stale)
        logger.info("Rendered the redacted clip of segment %s (%s)", segment.id, self.redaction_mode.value)
        return self._blobs.readable(key), digest

    def _upper_body_thumbnail(self, segment: VideoSegment) -> Path:
        """The stored redacted thumbnail with every upper body blurred too, made once per content.

        The thumbnail's frame time is not stored: the upper bodies of every detection time it can be from
        (ingest picks the sampled frame with the most objects) are blurred, so a wrong guess blurs more.
        """
        meta = segment.meta or {}
        source_key = segment.redacted_thumbnail_path
        assert source_key is not None
        digest = hashlib.sha256(
            json.dumps([source_key, meta.get("detections"), meta.get("thumbnail_t")], sort_keys=True).encode()
        ).hexdigest()[:12]
        key = f"{segment.video_id}/thumbnails/{segment.segment_index:04d}.redacted.upper_body.{digest}.jpg"
        if self._blobs.exists(key):
            return self._blobs.readable(key)
        start, end = float(segment.start_time), float(segment.end_time)
        plan = rendition_plan(meta, start, end, RedactionMode.UPPER_BODY)
        timeline = PlanTimeline(plan, RedactionMode.UPPER_BODY)
        boxes = {b for t in _thumbnail_times(meta) for b in timeline.boxes_at(t) if b.label == BODY}
        with self._blobs.writing(key) as tmp:
            redact_still(self._blobs.readable(source_key), tuple(boxes), plan.margin, tmp)
        return self._blobs.readable(key)


def _recorded_rendition(redacted_path: str | None, meta: Mapping[str, Any] | None, key: str) -> str | None:
    """The SHA-256 recorded when rendition ``key`` was rendered, if the segment's clip is that rendition and its
    hash was recorded (a rendition made before hashes were recorded has none: it is rendered again)."""
    rendition = (meta or {}).get("rendition")
    if (
        redacted_path == key
        and isinstance(rendition, dict)
        and rendition.get("key") == key
        and isinstance(rendition.get("sha256"), str)
    ):
        return str(rendition["sha256"])
    return None


def _thumbnail_times(meta: Mapping[str, Any]) -> list[float]:
    """When the segment's thumbnail can have been taken: ``thumbnail_t`` if stored, else every detection
    time with the most objects (ingest's rule; with no object anywhere no upper body is planned)."""
    if meta.get("thumbnail_t") is not None:
        return [float(meta["thumbnail_t"])]
    counts = [(float(d["t"]), len(d.get("objects", []))) for d in meta.get("detections", [])]
    most = max((n for _, n in counts), default=0)
    return [t for t, n in counts if n == most and most > 0]
