"""Filling an engine's collection: the segments of an ingest, or a whole library (``chronotrace reembed``).

A remote engine (Nova) is shown a segment's redacted rendition by default (``nova_segment_source``: nothing
with a face leaves the site), or its original cut; a local engine (CLIP) its original cut (nothing leaves the
machine, and no rendering is needed). Each point is one upsert with the payload of the segment's point
in the default collection (same filters, same ``why``), its ``embedding_model``/``embedding_version`` the
engine's: a segment is in an engine's collection completely or not at all, and a run resumes by skipping the
segments already there. A cancel stops between segments. A segment the engine refuses (bad input) is counted
and skipped; an engine that cannot work at all (no credentials, throttled past its retries, model files
missing) stops the run with its own message, and what it did stays.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import sqlalchemy as sa

from chronotrace_desktop.domain.audit import AuditAction
from chronotrace_desktop.domain.clock import utc_iso, utcnow
from chronotrace_desktop.domain.errors import EnvironmentProblemError, InvalidInputError, NotFoundError
from chronotrace_desktop.domain.roles import Action
from chronotrace_desktop.embedding.segment_port import SegmentMedia
from chronotrace_desktop.services.access import AuditEvent
from chronotrace_desktop.storage.orm import Video, VideoSegment
from chronotrace_desktop.storage.vectors import VectorPoint

if TYPE_CHECKING:
    import uuid
    from collections.abc import Sequence
    from pathlib import Path

    from chronotrace_desktop.domain.tasks import ProgressCallback, TaskControl
    from chronotrace_desktop.domain.users import Actor
    from chronotrace_desktop.embedding.segment_port import SegmentEngine
    from chronotrace_desktop.services.access import AuditService, Authorizer
    from chronotrace_desktop.services.engines.catalog import EngineCatalog
    from chronotrace_desktop.services.engines.indexes import EngineIndexes
    from chronotrace_desktop.services.media_access import MediaAccessService
    from chronotrace_desktop.storage.blobs import BlobStore
    from chronotrace_desktop.storage.database import Database
    from chronotrace_desktop.storage.vectors import VectorIndex

logger = logging.getLogger(__name__)

_ID_BATCH = 256


@dataclass(frozen=True, slots=True)
class EmbedPlan:
    """What a run would do: segments without this engine's vector, and the paid calls that takes."""

    engine: str
    model: str
    segments: int
    remote_calls: int

    def cost(self, price_per_call: float | None) -> float | None:
        return None if price_per_call is None else round(self.remote_calls * price_per_call, 4)


@dataclass(slots=True)
class EmbedReport:
    engine: str
    embedded: int = 0
    already: int = 0
    refused: list[str] = field(default_factory=list)  # "segment <id>: why"
    remote_calls: int = 0


@dataclass(frozen=True, slots=True)
class _Pending:
    id: uuid.UUID
    video_id: uuid.UUID
    start_s: float
    end_s: float
    segment_path: str | None


class SegmentEmbedding:
    """Embeds segments with the configured engines into their own collections."""

    def __init__(
        self,
        database: Database,
        default_vectors: VectorIndex,
        catalog: EngineCatalog,
        indexes: EngineIndexes,
        media: MediaAccessService,
        blobs: BlobStore,
        authorizer: Authorizer,
        audit: AuditService,
    ) -> None:
        self._db = database
        self._default = default_vectors
        self._catalog = catalog
        self._indexes = indexes
        self._media = media
        self._blobs = blobs
        self._authorizer = authorizer
        self._audit = audit

    def plan(self, actor: Actor, engine_name: str, video_ids: Sequence[uuid.UUID] | None = None) -> EmbedPlan:
        """How many segments ``engine_name`` lacks (of ``video_ids``, else of the library), and what it costs."""
        self._authorizer.require(actor, Action.MANAGE_DATABASE, resource_type="database")
        engine = self._catalog.engine(engine_name)
        pending = self._pending(engine, video_ids)
        return EmbedPlan(
            engine.name, engine.model_name, len(pending), len(pending) * engine.remote_calls_per_segment
        )

    def run(
        self,
        actor: Actor,
        engine_name: str,
        task: TaskControl,
        *,
        video_ids: Sequence[uuid.UUID] | None = None,
        progress: ProgressCallback[str] | None = None,
    ) -> EmbedReport:
        """``chronotrace reembed``: an administrator fills an engine's collection; resumable, audited."""
        actor = self._authorizer.require(actor, Action.MANAGE_DATABASE, resource_type="database")
        return self._embed(actor, self._catalog.engine(engine_name), video_ids, task, progress)

    def embed_videos(self, actor: Actor, video_ids: Sequence[uuid.UUID], task: TaskControl) -> list[str]:
        """After an ingest: every configured engine embeds these videos' segments. Warnings to show, one per
        engine that could not finish (the ingest itself stands: ``chronotrace reembed`` completes it)."""
        actor = self._authorizer.require(actor, Action.INGEST_VIDEO, resource_type="video")
        warnings: list[str] = []
        for name in self._catalog.configured:
            try:
                report = self._embed(actor, self._catalog.engine(name), video_ids, task, None)
            except EnvironmentProblemError as exc:
                warnings.append(
                    f"engine {name} did not embed this video ({exc}); 'chronotrace reembed' completes it"
                )
                continue
            if report.refused:
                warnings.append(
                    f"engine {name} refused {len(report.refused)} segment(s): {report.refused[0]}"
                )
        return warnings

    # ------------------------------------------------------------------ the run

    def _embed(
        self,
        actor: Actor,
        engine: SegmentEngine,
        video_ids: Sequence[uuid.UUID] | None,
        task: TaskControl,
        progress: ProgressCallback[str] | None,
    ) -> EmbedReport:
        index = self._indexes.index_for(engine)
        pending = self._pending(engine, video_ids)
        report = EmbedReport(engine.name)
        try:
            for number, segment in enumerate(pending, start=1):
                task.check_cancelled()
                if progress is not None:
                    progress(number - 1, len(pending), f"embedding with {engine.name}")
                self._embed_one(actor, engine, index, segment, report)
            if progress is not None:
                progress(len(pending), len(pending), f"embedded with {engine.name}")
        finally:
            if report.embedded or report.refused:
                self._audit_run(actor, engine, report)
        return report

    def _embed_one(
        self, actor: Actor, engine: SegmentEngine, index: VectorIndex, segment: _Pending, report: EmbedReport
    ) -> None:
        stored = self._default.retrieve([segment.id])
        if not stored:  # not in the default collection yet: the ingest's reconcile puts it there first
            report.refused.append(f"segment {segment.id}: not indexed yet")
            return
        source = self._source_for(engine)
        try:
            clip, evict = self._clip_of(actor, segment, source)
        except (NotFoundError, InvalidInputError) as exc:
            report.refused.append(f"segment {segment.id}: {exc}")
            return
        try:
            vector = engine.embed_segment(SegmentMedia(clip, segment.start_s, segment.end_s))
        except InvalidInputError as exc:
            report.refused.append(f"segment {segment.id}: {exc}")
            return
        finally:
            if evict is not None:
                self._blobs.evict(evict)
        report.remote_calls += engine.remote_calls_per_segment
        payload = {
            **stored[0].payload,
            "embedding_model": engine.model_name,
            "embedding_version": engine.model_version,
            "embedding_generated_at": utc_iso(utcnow()),
            "embedding_source": source,
        }
        index.upsert([VectorPoint(segment.id, vector, payload)])
        report.embedded += 1

    def _source_for(self, engine: SegmentEngine) -> str:
        """What the engine is shown: a local model (no remote call) the original cut, since nothing leaves the
        machine and blurred faces would only blur what it sees; a remote service what ``nova_segment_source``
        says (the redacted rendition by default: no face leaves the site)."""
        return "original" if engine.remote_calls_per_segment == 0 else self._catalog.source

    def _clip_of(self, actor: Actor, segment: _Pending, source: str) -> tuple[Path, str | None]:
        """The clip the engine is shown, and the store key to evict afterwards (an original fetched here)."""
        if source == "original":
            if not segment.segment_path or not self._blobs.exists(segment.segment_path):
                raise NotFoundError("its original cut is missing")
            return self._blobs.readable(segment.segment_path), segment.segment_path
        return self._media.redacted_clip(actor, segment.id), None

    def _pending(self, engine: SegmentEngine, video_ids: Sequence[uuid.UUID] | None) -> list[_Pending]:
        query = (
            sa.select(
                VideoSegment.id,
                VideoSegment.video_id,
                VideoSegment.start_time,
                VideoSegment.end_time,
                VideoSegment.segment_path,
            )
            .join(Video, Video.id == VideoSegment.video_id)
            .where(Video.deleted_at.is_(None))
            .order_by(Video.uploaded_at, VideoSegment.segment_index)
        )
        if video_ids is not None:
            query = query.where(VideoSegment.video_id.in_(list(video_ids)))
        with self._db.transaction() as session:
            rows = [
                _Pending(r.id, r.video_id, float(r.start_time), float(r.end_time), r.segment_path)
                for r in session.execute(query)
            ]
        index = self._indexes.index_for(engine)
        present: set[uuid.UUID] = set()
        for start in range(0, len(rows), _ID_BATCH):
            batch = [r.id for r in rows[start : start + _ID_BATCH]]
            present.update(point.id for point in index.retrieve(batch))
        return [r for r in rows if r.id not in present]

    def _audit_run(self, actor: Actor, engine: SegmentEngine, report: EmbedReport) -> None:
        self._audit.record(
            AuditEvent(
                AuditAction.SEGMENTS_EMBEDDED,
                actor=actor,
                resource_type="database",
                metadata={
                    "engine": engine.name,
                    "model": engine.model_name,
                    "version": engine.model_version,
                    "source": self._source_for(engine),
                    "embedded": report.embedded,
                    "refused": len(report.refused),
                    "remote_calls": report.remote_calls,
                },
            )
        )
