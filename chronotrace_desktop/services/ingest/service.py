"""Ingestion: files and folders in, probed, hashed, cut into 15-second segments, analysed, embedded, indexed.

One file at a time (``ingest_file``):

1. probe and hash; bad input ends as a ``failed`` video row with a human message (nothing else is touched);
2. the same bytes already in the library: ``already_ingested`` (same file) or ``duplicate`` (refused);
   an unfinished row for those bytes is *resumed* — its committed segments are kept; one session at a time
   holds the bytes' lease (``lease``) from here to the end: another ingest of them meanwhile is a duplicate;
3. each pending window: lossless cut, sampled frames → analysis, thumbnails, caption, embedding, then the
   segment row and its vector in one unit of work (``_write_segment``);
4. tracks over the whole video, then ``completed``.

Resumability rests on stable names: a segment's id (= its vector point id) and media keys derive from the
video id and the window index, so redoing a window overwrites instead of duplicating, and a resume first
removes temp files and vectors that no committed row owns.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor, as_completed
from typing import TYPE_CHECKING

from sqlalchemy.exc import IntegrityError

from chronotrace_desktop.domain.audit import AuditAction
from chronotrace_desktop.domain.errors import (
    EnvironmentProblemError,
    InvalidInputError,
    OperationCancelledError,
    UserFacingError,
)
from chronotrace_desktop.domain.ingest import (
    IngestOptions,
    IngestProgress,
    IngestResult,
    IngestStage,
    IngestStatus,
    VideoStatus,
)
from chronotrace_desktop.domain.roles import Action
from chronotrace_desktop.media.hashing import sha256_file
from chronotrace_desktop.media.pinning import PinnedSource
from chronotrace_desktop.media.probe import check_regular_file, probe
from chronotrace_desktop.media.windows import plan_windows
from chronotrace_desktop.services.access import AuditEvent
from chronotrace_desktop.services.anomalies.scan import detect_for_video
from chronotrace_desktop.services.ingest import records
from chronotrace_desktop.services.ingest.duplicates import being_ingested, settled_duplicate
from chronotrace_desktop.services.ingest.inputs import collect_inputs, expected_work
from chronotrace_desktop.services.ingest.lease import source_lease
from chronotrace_desktop.services.ingest.refusals import record_bad_input
from chronotrace_desktop.services.ingest.segments import SegmentPipeline
from chronotrace_desktop.storage.orm import Video
from chronotrace_desktop.storage.vectors import Equals, VectorFilter

if TYPE_CHECKING:
    import uuid
    from collections.abc import Callable, Iterable
    from pathlib import Path

    from chronotrace_desktop.config import Settings
    from chronotrace_desktop.domain.media import VideoProbe
    from chronotrace_desktop.domain.tasks import ProgressCallback, TaskControl
    from chronotrace_desktop.domain.users import Actor
    from chronotrace_desktop.services.access import AuditService, Authorizer
    from chronotrace_desktop.services.appearance import AppearanceService
    from chronotrace_desktop.services.clock import ClockReader
    from chronotrace_desktop.services.engines import SegmentEmbedding
    from chronotrace_desktop.storage.blobs import BlobStore
    from chronotrace_desktop.storage.database import Database
    from chronotrace_desktop.storage.vectors import VectorIndex

logger = logging.getLogger(__name__)


class IngestService:
    def __init__(
        self,
        database: Database,
        vectors: VectorIndex,
        blobs: BlobStore,
        authorizer: Authorizer,
        audit: AuditService,
        settings: Settings,
        engines: SegmentEmbedding | None = None,
        clock: ClockReader | None = None,
        appearance: AppearanceService | None = None,
    ) -> None:
        self._db = database
        self._appearance = appearance  # track appearance vectors ("find this person elsewhere")
        self._engines = engines  # the multimodal engines' collections, filled after each completed file
        self._clock = clock  # reads the recorder's on-screen clock after each completed file
        self._vectors = vectors
        self._blobs = blobs
        self._authorizer = authorizer
        self._audit = audit
        self._settings = settings
        self._pipeline = SegmentPipeline(
            database, vectors, blobs, detect_interval=settings.ingest_detect_interval
        )

    def ingest_paths(
        self,
        actor: Actor,
        paths: Iterable[Path | str],
        options: IngestOptions,
        task: TaskControl,
        *,
        progress: ProgressCallback[IngestProgress] | None = None,
        on_result: Callable[[IngestResult], None] | None = None,
    ) -> list[IngestResult]:
        """Ingest files and folders (recursively); one result per file, in order. Cancel stops after the
        current segment; the cancelled file is left resumable and the rest are not started. ``progress``
        hears each file's stages (files run side by side: the note says which file)."""
        actor = self._authorizer.require(actor, Action.INGEST_VIDEO, resource_type="video")
        inputs = collect_inputs(paths)
        results: list[IngestResult] = []

        def emit(result: IngestResult) -> None:
            results.append(result)
            if on_result is not None:
                on_result(result)

        for settled in inputs.settled:
            emit(settled)
        count = len(inputs.files)
        progress_lock = threading.Lock()

        def run_one(number: int, path: Path) -> IngestResult:
            if task.cancelled:
                return IngestResult(
                    path, IngestStatus.CANCELLED, error="not started: the ingest was cancelled"
                )

            def file_progress(done: int, total: int, stage: IngestStage) -> None:
                if progress is not None:
                    with progress_lock:
                        progress(done, total, IngestProgress(number, count, path, stage, done, total))

            try:
                return self.ingest_file(actor, path, options, task, progress=file_progress)
            except UserFacingError as exc:
                return IngestResult(path, IngestStatus.FAILED, error=str(exc))
            except Exception as exc:  # one file's bug must not abort the others
                logger.exception("Ingest of %s failed unexpectedly", path)
                return IngestResult(path, IngestStatus.FAILED, error=f"internal error ({type(exc).__name__})")

        # Files run side by side (one analyzer and detector per thread): OpenCV's DNN, PyAV's decoders and
        # onnxruntime release the GIL, so two files keep two cores busy where one file's pipeline cannot.
        workers = max(1, min(self._settings.ingest_workers, count))
        order = {path: i for i, path in enumerate(inputs.files)}
        finished: list[IngestResult] = []
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="ingest") as pool:
            # Longest files first (longest-processing-time order): the batch ends when its longest file does.
            # Duration is the better guess of the work than bytes (a 2 MB crowd clip of 75 s outlasted
            # files twice its size); a file that cannot be probed here falls back to its size.
            numbered = sorted(enumerate(inputs.files, start=1), key=lambda item: expected_work(item[1]))
            futures = [pool.submit(run_one, n, p) for n, p in numbered]
            for future in as_completed(futures):
                result = future.result()
                finished.append(result)
                if on_result is not None:
                    on_result(result)
        results.extend(sorted(finished, key=lambda r: order.get(r.path, len(order))))
        return results

    def ingest_file(
        self,
        actor: Actor,
        path: Path,
        options: IngestOptions,
        task: TaskControl,
        *,
        progress: ProgressCallback[IngestStage] | None = None,
    ) -> IngestResult:
        actor = self._authorizer.require(actor, Action.INGEST_VIDEO, resource_type="video")
        progress = progress or _unwatched
        progress(0, 0, IngestStage.PROBING)
        try:
            check_regular_file(path)  # before opening: never open a FIFO or a device
            # Held to the last cut: what is probed, hashed and cut is one file. The rate is for a raw stream
            # that carries none.
            rate = options.frame_rate or self._settings.raw_stream_fps
            source = PinnedSource.open(path, assumed_fps=rate)
        except InvalidInputError as exc:
            return self._record_bad_input(actor, path, options, str(exc))
        with source:
            return self._ingest_held(actor, source, options, task, progress)

    def _ingest_held(
        self,
        actor: Actor,
        source: PinnedSource,
        options: IngestOptions,
        task: TaskControl,
        progress: ProgressCallback[IngestStage],
    ) -> IngestResult:
        path = source.original
        try:
            found = probe(source.read_path)
        except InvalidInputError as exc:
            return self._record_bad_input(actor, path, options, str(exc))
        progress(0, 0, IngestStage.HASHING)
        try:
            digest = sha256_file(source.read_path, should_stop=lambda: task.cancelled)
        except OperationCancelledError:
            return IngestResult(path, IngestStatus.CANCELLED, error="cancelled before anything was stored")
        except InvalidInputError as exc:
            return self._record_bad_input(actor, path, options, str(exc))
        with source_lease(self._db, digest) as held:  # held until this file's processing ends
            if not held:
                return being_ingested(self._db, path, digest)
            claim = self._claim(actor, path, options, found, digest)
            if isinstance(claim, IngestResult):
                return claim
            return self._process(actor, claim, source, found, task, progress)

    # ------------------------------------------------------------------ claiming a video row

    def _claim(
        self, actor: Actor, path: Path, options: IngestOptions, found: VideoProbe, digest: str
    ) -> uuid.UUID | IngestResult:
        """The id of the row to (re)process, or the result when there is nothing to do."""
        try:
            with self._db.transaction() as session:
                video = records.live_video_by_sha(session, digest)
                if video is not None and video.processing_status == VideoStatus.COMPLETED:
                    return settled_duplicate(video, path)
                resumed = video is not None
                if video is None:
                    video = records.new_video(
                        session,
                        path=path,
                        uploaded_by=actor.user_id,
                        options=options,
                        sha256=digest,
                        size_bytes=found.size_bytes,
                    )
                records.apply_probe(video, found, options, records.camera_offset(session, video.camera_id))
                records.add_warnings(video, found.warnings)
                records.set_status(video, VideoStatus.PROCESSING)
                self._audit.record_in(
                    session,
                    AuditEvent(
                        AuditAction.VIDEO_UPLOAD,
                        actor=actor,
                        resource_type="video",
                        resource_id=video.id,
                        metadata={
                            "filename": video.filename,
                            "sha256": digest,
                            "resumed": resumed,
                            "camera_id": video.camera_id,
                        },
                    ),
                )
                return video.id
        except IntegrityError:  # another ingest registered the same bytes a moment ago
            return IngestResult(
                path, IngestStatus.DUPLICATE, error="the same file is being ingested by another session"
            )

    def _record_bad_input(
        self, actor: Actor, path: Path, options: IngestOptions, message: str
    ) -> IngestResult:
        return record_bad_input(self._db, self._audit, actor, path, options, message)

    # ------------------------------------------------------------------ processing

    def _process(
        self,
        actor: Actor,
        video_id: uuid.UUID,
        source: PinnedSource,
        found: VideoProbe,
        task: TaskControl,
        progress: ProgressCallback[IngestStage],
    ) -> IngestResult:
        path = source.original
        try:
            self._reconcile(video_id)
            windows = plan_windows(found.duration_s)
            with self._db.transaction() as session:
                done = records.done_segment_indexes(session, video_id)
            outcome = self._pipeline.run(video_id, source.read_path, found, windows, done, task, progress)
            source.check_unchanged()  # cut while changing in place: failed, and resumable once it is final
            progress(0, 0, IngestStage.TRACKS)
            self._pipeline.build_tracks(video_id)
            detect_for_video(self._db, self._settings, actor, video_id, task)
        except OperationCancelledError:
            message = "cancelled; ingest the file again to resume where it stopped"
            self._finish(video_id, VideoStatus.PENDING, message)
            return IngestResult(path, IngestStatus.CANCELLED, video_id, self._count(video_id), error=message)
        except UserFacingError as exc:
            self._finish(video_id, VideoStatus.FAILED, str(exc))
            return IngestResult(path, IngestStatus.FAILED, video_id, self._count(video_id), error=str(exc))
        except Exception as exc:
            logger.exception("Ingest of %s failed unexpectedly", path)
            message = f"internal error while ingesting ({type(exc).__name__}); details are in the log"
            self._finish(video_id, VideoStatus.FAILED, message)
            return IngestResult(path, IngestStatus.FAILED, video_id, self._count(video_id), error=message)
        segments = self._count(video_id)
        if segments == 0:
            message = "nothing in the file could be decoded"
            self._finish(video_id, VideoStatus.FAILED, message, outcome.warnings)
            return IngestResult(path, IngestStatus.FAILED, video_id, 0, error=message)
        self._finish(video_id, VideoStatus.COMPLETED, None, outcome.warnings)
        warnings = list(outcome.warnings)
        if self._clock is not None:  # the recorder's on-screen clock, from the file still held open
            progress(0, 0, IngestStage.CLOCK)
            warnings += self._clock.at_ingest(actor, video_id, source.read_path, found.duration_s)
        if self._appearance is not None:  # after the clock: the vectors' payload carries wall-clock times
            progress(0, 0, IngestStage.TRACKS)
            warnings += self._appearance.at_ingest(actor, video_id, task)
        if self._engines is not None:  # the file is complete either way: 'reembed' finishes what fails here
            progress(0, 0, IngestStage.ENGINES)
            try:
                warnings += self._engines.embed_videos(actor, [video_id], task)
            except OperationCancelledError:
                warnings.append(
                    "cancelled before every engine embedded it; 'chronotrace reembed' completes it"
                )
        progress(segments, segments, IngestStage.DONE)
        return IngestResult(path, IngestStatus.COMPLETED, video_id, segments, warnings=tuple(warnings))

    def _finish(
        self, video_id: uuid.UUID, status: VideoStatus, error: str | None, warnings: list[str] | None = None
    ) -> None:
        try:
            with self._db.transaction() as session:
                video = session.get(Video, video_id, with_for_update=True)
                if video is None:
                    return
                records.add_warnings(video, warnings or [])
                records.set_status(video, status, error=error)
        except EnvironmentProblemError:
            logger.exception("Could not record status %s for video %s", status, video_id)

    def _count(self, video_id: uuid.UUID) -> int:
        try:
            with self._db.transaction() as session:
                return len(records.done_segment_indexes(session, video_id))
        except EnvironmentProblemError:
            return 0

    def _reconcile(self, video_id: uuid.UUID) -> None:
        """Before (re)processing: drop temp files and vectors no committed segment row owns."""
        prefix = str(video_id)
        self._blobs.remove_temp_files(prefix)
        with self._db.transaction() as session:
            owned = records.segment_ids(session, video_id)
            keys = records.segment_media_keys(session, video_id)
        stray = self._stray_vectors(video_id, owned)
        if stray:
            logger.warning("Removing %d vector(s) of video %s that no segment row owns", len(stray), video_id)
            self._vectors.delete(stray)
        for key in self._blobs.keys(prefix):
            if key not in keys:
                self._blobs.delete(key)

    def _stray_vectors(self, video_id: uuid.UUID, owned: set[uuid.UUID]) -> list[uuid.UUID]:
        video_filter = VectorFilter.all_of(Equals("video_id", str(video_id)))
        if self._vectors.count(video_filter) <= len(owned):
            return []
        return [
            p.id
            for p in self._vectors.iter_points()
            if p.payload.get("video_id") == str(video_id) and p.id not in owned
        ]


def _unwatched(done: int, total: int, stage: IngestStage) -> None:
    """The progress callback of a file nobody watches."""
