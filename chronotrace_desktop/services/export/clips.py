"""The clips of a package: redacted renditions for everyone, the lossless originals only after a reveal.

* Redacted, no watermark: the cached rendition the player uses (``MediaAccessService.redacted_clip``, rendered
  on first use) is copied in.
* Redacted with a watermark: a fresh rendition of the segment's window, faces blurred per the stored plan,
  the watermark and the clip's wall-clock start burned into every frame.
* Originals: each one through the export's ``MediaAccessService.revealer`` (so each is audited as a
  ``pii_reveal`` with the exporter's justification, under the re-authentication the export started with), then
  copied bit for bit as cut at ingest, or re-cut from the source video after the source's SHA-256 has been
  checked against the one recorded at ingest; the reveal then ends (``end_reveal``), so a shared store's
  original leaves this machine's cache.

Renditions run on a small thread pool (PyAV releases the GIL while it decodes and encodes); the caller's
thread reports progress and the first failure or a cancel stops the rest.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chronotrace_desktop.domain.errors import (
    EvidenceIntegrityError,
    InvalidInputError,
    NotFoundError,
    OperationCancelledError,
)
from chronotrace_desktop.domain.export import FileKind
from chronotrace_desktop.domain.media import Window
from chronotrace_desktop.media.hashing import sha256_file
from chronotrace_desktop.media.redaction import render_redacted_clip
from chronotrace_desktop.media.segments import cut_segment
from chronotrace_desktop.services.export.files import PackageFile, safe_name
from chronotrace_desktop.services.media_access import rendition_plan

if TYPE_CHECKING:
    import uuid
    from collections.abc import Callable, Sequence

    from chronotrace_desktop.domain.tasks import ProgressCallback, TaskControl
    from chronotrace_desktop.domain.users import Actor
    from chronotrace_desktop.services.export.files import Staging
    from chronotrace_desktop.services.export.selection import SegmentRecord, VideoRecord
    from chronotrace_desktop.services.media_access import MediaAccessService
    from chronotrace_desktop.storage.blobs import BlobStore

logger = logging.getLogger(__name__)

RENDER_THREADS = 2


@dataclass(frozen=True, slots=True)
class ClipJob:
    segment: SegmentRecord
    video: VideoRecord

    @property
    def stem(self) -> str:
        name = safe_name(Path(self.video.filename).stem, 48)
        return f"{name}_{self.video.id.hex[:8]}_s{self.segment.segment_index:04d}"

    def times(self, start_s: float, end_s: float) -> dict[str, Any]:
        wall_start, wall_end = self.video.wall(start_s), self.video.wall(end_s)
        return {
            "clip_start_s": round(start_s, 3),
            "clip_end_s": round(end_s, 3),
            "wall_start": wall_start.isoformat(timespec="milliseconds") + "Z" if wall_start else None,
            "wall_end": wall_end.isoformat(timespec="milliseconds") + "Z" if wall_end else None,
        }

    def overlay(self, watermark: str) -> str:
        """The text burned into the frames: the watermark and where the clip starts on the wall clock."""
        start = self.video.wall(self.segment.start_s)
        if start is not None:
            return f"{watermark} | {start:%Y-%m-%d %H:%M:%S}Z"
        return f"{watermark} | {self.video.filename} +{self.segment.start_s:.1f}s"

    def file(self, rel: str, kind: FileKind, sha: str, size: int, info: dict[str, Any]) -> PackageFile:
        return PackageFile(rel, kind, sha, size, self.segment.id, self.video.id, self.video.sha256, info)


class ClipWriter:
    def __init__(
        self,
        blobs: BlobStore,
        media: MediaAccessService,
        staging: Staging,
        actor: Actor,
        task: TaskControl,
        *,
        threads: int = RENDER_THREADS,
    ) -> None:
        self._blobs = blobs
        self._media = media
        self._staging = staging
        self._actor = actor
        self._task = task
        self._threads = max(1, threads)
        self._stop = threading.Event()

    def _should_stop(self) -> bool:
        return self._stop.is_set() or self._task.cancelled

    # ------------------------------------------------------------ redacted

    def redacted(
        self, jobs: Sequence[ClipJob], watermark: str | None, progress: ProgressCallback[str]
    ) -> list[PackageFile]:
        """One redacted clip per job, in the jobs' order."""
        work = self._render if watermark else self._cached
        return self._run(jobs, lambda job: work(job, watermark), progress)

    def _cached(self, job: ClipJob, _watermark: str | None) -> PackageFile:
        source, recorded = self._media.redacted_clip_recorded(self._actor, job.segment.id, self._task)
        rel = f"clips/redacted/{job.stem}.redacted.mp4"
        sha, size = self._staging.copy_in(source, rel)
        _check_recorded(job, "redacted rendition", sha, recorded)
        # The cached rendition covers exactly the segment's window (media_access: no pre-roll).
        info = job.times(job.segment.start_s, job.segment.end_s) | {
            "rendition": "cached",
            "burned_in": None,
        }
        return job.file(rel, FileKind.REDACTED_CLIP, sha, size, info)

    def _render(self, job: ClipJob, watermark: str | None) -> PackageFile:
        assert watermark is not None
        seg = job.segment
        if seg.redaction is None or not seg.segment_key or not self._blobs.exists(seg.segment_key):
            raise NotFoundError(
                f"Segment {seg.id} cannot be exported redacted (no redaction plan or clip); re-ingest it."
            )
        rel = f"clips/redacted/{job.stem}.redacted.mp4"
        text = job.overlay(watermark)
        mode = self._media.redaction_mode
        render_redacted_clip(
            self._blobs.readable(seg.segment_key),
            rendition_plan({**seg.metadata, "redaction": seg.redaction}, seg.start_s, seg.end_s, mode),
            self._staging.path(rel),
            segment_offset_s=seg.clip_start_s,
            start_s=seg.start_s,
            end_s=seg.end_s,
            watermark=text,
            should_stop=self._should_stop,
            mode=mode,
        )
        sha, size = self._staging.digest(rel)
        info = job.times(seg.start_s, seg.end_s) | {"rendition": "fresh", "burned_in": text}
        return job.file(rel, FileKind.REDACTED_CLIP, sha, size, info)

    # ------------------------------------------------------------ originals

    def originals(
        self,
        jobs: Sequence[ClipJob],
        reveal: Callable[[uuid.UUID], Path],
        *,
        recut: bool,
        progress: ProgressCallback[str],
    ) -> tuple[list[PackageFile], list[str]]:
        """The unredacted originals (each ``reveal``, audited, first); warnings about stored cuts."""
        files: list[PackageFile] = []
        warnings: list[str] = []
        checked: set[uuid.UUID] = set()
        for job in jobs:
            self._task.check_cancelled()
            stored = reveal(job.segment.id)
            try:
                if recut:
                    if job.video.id not in checked:
                        self._check_source(job.video)
                        checked.add(job.video.id)
                    file = self._recut(job)
                else:
                    file = self._copy_original(job, stored, warnings)
            finally:
                self._media.end_reveal(stored)  # a shared store's original leaves this machine's cache
            files.append(file)
            progress(len(files), len(jobs), file.path)
        return files, warnings

    def _copy_original(self, job: ClipJob, stored: Path, warnings: list[str]) -> PackageFile:
        rel = f"clips/original/{job.stem}{stored.suffix}"
        sha, size = self._staging.copy_in(stored, rel)
        cut = job.segment.metadata.get("cut") or {}
        recorded = cut.get("sha256")
        if isinstance(recorded, str):
            _check_recorded(job, "cut made at ingest", sha, recorded)
        else:  # ingested before cut hashes were recorded: the size is all there is to compare
            warnings.append(f"{rel}: no SHA-256 was recorded for it at ingest; only its size is compared")
        expected = cut.get("size_bytes")
        if isinstance(expected, int) and expected != size:
            warnings.append(f"{rel}: {size} bytes, but the cut made at ingest had {expected} bytes")
        info = job.times(job.segment.clip_start_s, job.segment.clip_end_s) | {
            "origin": "ingest_cut",
            "cut_method": cut.get("method"),
            "codec": cut.get("codec"),
            "ingest_size_bytes": expected,
        }
        return job.file(rel, FileKind.ORIGINAL_CLIP, sha, size, info)

    def _check_source(self, video: VideoRecord) -> None:
        source = Path(video.original_path)
        if not source.is_file():
            raise NotFoundError(f"The source video {source} is not there any more: cannot re-cut from it.")
        digest = sha256_file(source, should_stop=self._should_stop)
        if digest != video.sha256:
            raise InvalidInputError(
                f"The source video {source} has changed since ingest (SHA-256 {digest}, recorded "
                f"{video.sha256}): refusing to re-cut evidence from it."
            )

    def _recut(self, job: ClipJob) -> PackageFile:
        seg = job.segment
        stem = self._staging.path(f"clips/original/{job.stem}")
        cut = cut_segment(
            Path(job.video.original_path),
            Window(seg.segment_index, seg.start_s, seg.end_s),
            stem,
            should_stop=self._should_stop,
        )
        rel = f"clips/original/{cut.path.name}"
        sha, size = self._staging.digest(rel)
        info = job.times(cut.start_s, cut.end_s) | {
            "origin": "recut_from_source",
            "cut_method": cut.method,
            "codec": cut.codec,
            "snapped_to_keyframe": cut.snapped_to_keyframe,
        }
        return job.file(rel, FileKind.ORIGINAL_CLIP, sha, size, info)

    # ------------------------------------------------------------ the pool

    def _run(
        self,
        jobs: Sequence[ClipJob],
        work: Callable[[ClipJob], PackageFile],
        progress: ProgressCallback[str],
    ) -> list[PackageFile]:
        results: dict[int, PackageFile] = {}
        with ThreadPoolExecutor(self._threads, thread_name_prefix="export-clip") as pool:
            pending: set[Future[PackageFile]] = set()
            index_of: dict[Future[PackageFile], int] = {}
            for i, job in enumerate(jobs):
                future = pool.submit(work, job)
                index_of[future] = i
                pending.add(future)
            try:
                while pending:
                    finished, pending = wait(pending, timeout=0.2, return_when=FIRST_EXCEPTION)
                    if self._task.cancelled:
                        raise OperationCancelledError("the export was cancelled")
                    for future in finished:
                        results[index_of[future]] = future.result()  # re-raises the job's error
                        progress(len(results), len(jobs), results[index_of[future]].path)
            except BaseException:
                self._stop.set()
                for future in pending:
                    future.cancel()
                raise
        return [results[i] for i in range(len(jobs))]


def _check_recorded(job: ClipJob, what: str, sha: str, recorded: str) -> None:
    """Refuse a stored file whose bytes are not the ones recorded when it was made."""
    if sha != recorded:
        raise EvidenceIntegrityError(
            f"The {what} of segment {job.segment.segment_index + 1} of {job.video.filename} has changed in the "
            f"media store (SHA-256 {sha}, recorded {recorded}): refusing to export it. Nothing was exported; "
            "the media store may have been altered, see the audit log."
        )
