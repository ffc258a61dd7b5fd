"""One video's windows, from frames to committed segments (used by ``services.ingest``).

Frames are decoded in ONE sequential pass from the first pending window (no re-decoding from a keyframe
per window) and grouped by window. For each window: lossless cut, analysis of its sampled frames, thumbnail
and redacted thumbnail, caption, embedding — then ``_commit``: the segment row and its vector point, with
the same derived id, in one unit of work. The redacted clip is rendered on first view (``media_access``),
from the redaction plan stored here; nothing unredacted is ever handed to a viewer.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from chronotrace_desktop.analysis.caption import attribute_terms, caption
from chronotrace_desktop.analysis.segment import AnalyzerConfig, SegmentAnalyzer
from chronotrace_desktop.analysis.tracking import build_tracks
from chronotrace_desktop.domain.analysis import FrameDetections, SegmentAnalysis
from chronotrace_desktop.domain.clock import utc_iso, utcnow
from chronotrace_desktop.domain.errors import InvalidInputError
from chronotrace_desktop.domain.ingest import IngestStage
from chronotrace_desktop.domain.media import Window, plan_to_json
from chronotrace_desktop.embedding.mobilenet import imagenet_classifier
from chronotrace_desktop.embedding.registry import default_text_embedder
from chronotrace_desktop.media.frames import DecodeReport, SampledFrame, audio_level_db, sample_frames
from chronotrace_desktop.media.images import blur_regions, write_thumbnail
from chronotrace_desktop.media.redaction import boxes_at
from chronotrace_desktop.media.segments import SegmentCut, cut_segment
from chronotrace_desktop.services.detections import detections_of, replace_tracks
from chronotrace_desktop.services.ingest import records
from chronotrace_desktop.storage.orm import Video
from chronotrace_desktop.storage.vectors import VectorPoint

if TYPE_CHECKING:
    import uuid
    from collections.abc import Callable, Iterator
    from pathlib import Path

    from chronotrace_desktop.domain.media import VideoProbe
    from chronotrace_desktop.domain.tasks import ProgressCallback, TaskControl
    from chronotrace_desktop.storage.blobs import BlobStore
    from chronotrace_desktop.storage.database import Database
    from chronotrace_desktop.storage.vectors import VectorIndex

logger = logging.getLogger(__name__)

# Analysis frame rate: every sampled frame gets cheap motion/colour statistics; the analyzer runs the
# object and face detectors on the non-static ones (see analysis.segment).
SAMPLE_FPS = 2.0
ANALYSIS_MAX_SIDE = 640


@dataclass
class PipelineOutcome:
    written: int = 0
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _Prepared:
    window: Window
    cut: SegmentCut
    segment_key: str
    analysis: SegmentAnalysis
    thumbnail_key: str | None
    redacted_thumbnail_key: str | None
    caption: str
    audio_db: float | None
    thumbnail_t: float | None = None  # video time of the thumbnail's frame


class SegmentPipeline:
    def __init__(
        self, database: Database, vectors: VectorIndex, blobs: BlobStore, *, detect_interval: float = 1.0
    ) -> None:
        self._db = database
        self._vectors = vectors
        self._blobs = blobs
        self._detect_interval = detect_interval

    def run(
        self,
        video_id: uuid.UUID,
        source: Path,
        found: VideoProbe,
        windows: list[Window],
        done: set[int],
        task: TaskControl,
        progress: ProgressCallback[IngestStage],
    ) -> PipelineOutcome:
        outcome = PipelineOutcome(written=len(done))
        pending = [w for w in windows if w.index not in done]
        progress(len(done), len(windows), IngestStage.SEGMENTS)
        if not pending:
            return outcome
        analyzer = SegmentAnalyzer(
            AnalyzerConfig(detect_interval=self._detect_interval), classifier=imagenet_classifier()
        )
        report = DecodeReport()
        frames = sample_frames(
            source,
            fps=SAMPLE_FPS,
            max_side=ANALYSIS_MAX_SIDE,
            start=pending[0].start,
            should_stop=lambda: task.cancelled,
            report=report,
        )
        for window, window_frames in _group(frames, pending):
            task.check_cancelled()
            prepared = self._prepare(
                video_id, source, found, window, window_frames, analyzer, outcome, task.check_cancelled
            )
            if prepared is not None:
                self._commit(video_id, found, prepared)
                outcome.written += 1
            progress(outcome.written, len(windows), IngestStage.SEGMENTS)
        task.check_cancelled()
        outcome.warnings.extend(report.warnings())
        return outcome

    def _prepare(
        self,
        video_id: uuid.UUID,
        source: Path,
        found: VideoProbe,
        window: Window,
        frames: list[SampledFrame],
        analyzer: SegmentAnalyzer,
        outcome: PipelineOutcome,
        check: Callable[[], None],
    ) -> _Prepared | None:
        if not frames:
            outcome.warnings.append(
                f"segment {window.index + 1} ({window.start:.1f}-{window.end:.1f} s): no decodable frames"
            )
            return None
        try:
            cut = cut_segment(source, window, self._blobs.path(f"{video_id}/segments/{window.index:04d}"))
        except InvalidInputError as exc:
            outcome.warnings.append(f"segment {window.index + 1}: could not be cut ({exc})")
            return None
        analysis = analyzer.analyze(window, frames, check=check)
        chosen = _thumbnail_frame(frames, analysis.detections)
        thumb_key = f"{video_id}/thumbnails/{window.index:04d}.jpg"
        redacted_key = f"{video_id}/thumbnails/{window.index:04d}.redacted.jpg"
        write_thumbnail(chosen.image, self._blobs.path(thumb_key))
        plan = analysis.redaction
        write_thumbnail(
            blur_regions(chosen.image, boxes_at(plan, chosen.t), plan.margin), self._blobs.path(redacted_key)
        )
        audio_db = audio_level_db(source, window.start, window.end) if found.has_audio else None
        segment_key = self._blobs.key_of(cut.path)
        for key in (segment_key, thumb_key, redacted_key):
            self._blobs.publish(key)  # before any row names it (the team profile's S3 store uploads here)
        return _Prepared(
            window,
            cut,
            segment_key,
            analysis,
            thumb_key,
            redacted_key,
            caption(analysis),
            audio_db,
            round(chosen.t, 3),
        )

    def _commit(self, video_id: uuid.UUID, found: VideoProbe, prepared: _Prepared) -> None:
        embedder = default_text_embedder()
        vector = embedder.embed_texts([prepared.caption])[0]
        seg_id = records.segment_id(video_id, prepared.window.index)
        generated = utcnow()
        with self._db.transaction() as session:
            video = session.get(Video, video_id)
            assert video is not None
            values = _segment_values(video, seg_id, found, prepared, generated)
            records.upsert_segment(session, values)
            payload = _payload(
                video, values, prepared, embedder.model_name, embedder.model_version, generated
            )
            self._vectors.upsert([VectorPoint(seg_id, vector, payload)])

    def build_tracks(self, video_id: uuid.UUID) -> int:
        """Tracks over the whole video from every segment's stored detections (replaces earlier ones)."""
        with self._db.transaction() as session:
            detections = [FrameDetections.from_dict(item) for item in detections_of(session, video_id)]
            tracks = build_tracks(detections)
            rows = [
                {
                    "track_key": track.track_id,
                    "label": track.label,
                    "first_seen": records.seconds(track.start),
                    "last_seen": records.seconds(track.end),
                    "points": track.to_dict()["points"],
                }
                for track in tracks
            ]
            replace_tracks(session, video_id, rows)
        return len(rows)


def _group(
    frames: Iterator[SampledFrame], windows: list[Window]
) -> Iterator[tuple[Window, list[SampledFrame]]]:
    """Pair each window with its frames from one sequential pass (windows without frames get [])."""
    position = 0
    bucket: list[SampledFrame] = []
    for frame in frames:
        while position < len(windows) and frame.t >= windows[position].end:
            yield windows[position], bucket
            bucket = []
            position += 1
        if position >= len(windows):
            break
        if frame.t >= windows[position].start:
            bucket.append(frame)
    while position < len(windows):
        yield windows[position], bucket
        bucket = []
        position += 1


def _thumbnail_frame(frames: list[SampledFrame], detections: tuple[FrameDetections, ...]) -> SampledFrame:
    """The sampled frame with the most people and vehicles in it; the middle one when all are empty."""
    counts = {round(d.t, 3): len(d.objects) for d in detections}
    middle = frames[len(frames) // 2].t
    return max(frames, key=lambda f: (counts.get(round(f.t, 3), 0), -abs(f.t - middle)))


def _segment_values(
    video: Video,
    seg_id: uuid.UUID,
    found: VideoProbe,
    prepared: _Prepared,
    generated: datetime,
) -> dict[str, Any]:
    a = prepared.analysis
    window = prepared.window
    meta = a.metadata()
    meta.update(
        {
            "attribute_terms": attribute_terms(a),
            "redaction": plan_to_json(a.redaction),
            "detections": [d.to_dict() for d in a.detections],
            "audio_level_db": prepared.audio_db,
            "thumbnail_t": prepared.thumbnail_t,
            "cut": {
                "method": prepared.cut.method,
                "container": prepared.cut.container,
                "codec": prepared.cut.codec,
                "size_bytes": prepared.cut.size_bytes,
                "sha256": prepared.cut.sha256,
                "snapped_to_keyframe": prepared.cut.snapped_to_keyframe,
            },
        }
    )
    return {
        "id": seg_id,
        "video_id": video.id,
        "segment_index": window.index,
        "start_time": records.seconds(window.start),
        "end_time": records.seconds(window.end),
        "clip_start_time": records.seconds(prepared.cut.start_s),
        "clip_end_time": records.seconds(prepared.cut.end_s),
        "segment_path": prepared.segment_key,
        "thumbnail_path": prepared.thumbnail_key,
        "redacted_thumbnail_path": prepared.redacted_thumbnail_key,
        "redacted_path": None,
        "embedding_id": str(seg_id),
        "embedding_generated_at": generated,
        "has_faces": bool(a.has_faces),
        "face_count": a.face_count or 0,
        "has_vehicles": bool(a.has_vehicles),
        "vehicle_count": a.vehicle_count or 0,
        "people_count": a.people_count,
        "has_audio": found.has_audio and prepared.cut.has_audio,
        "privacy_applied": True,
        "camera_id": video.camera_id,
        "location": video.location,
        "lighting_condition": a.lighting_condition.value if a.lighting_condition else None,
        "scene_type": a.scene.scene_type,
        "motion_detected": bool(a.motion_detected),
        "activity_level": a.activity_level.value if a.activity_level else None,
        "objects_detected": list(a.objects_detected),
        "caption": prepared.caption,
        "meta": meta,
    }


def _payload(
    video: Video,
    values: dict[str, Any],
    prepared: _Prepared,
    model_name: str,
    model_version: str,
    generated: datetime,
) -> dict[str, Any]:
    """Every field of the schema document's point payload, plus what search needs to explain a match."""
    a = prepared.analysis
    start, end = prepared.window.start, prepared.window.end
    timestamp = None
    if video.recorded_at is not None:
        timestamp = utc_iso(video.recorded_at + timedelta(seconds=start))
    payload: dict[str, Any] = {
        "segment_id": str(values["id"]),
        "video_id": str(video.id),
        "start_time": round(start, 3),
        "end_time": round(end, 3),
        "duration": round(end - start, 3),
        "camera_id": video.camera_id,
        "location": video.location,
        "camera_angle": None,
        "scene_type": values["scene_type"],
        "lighting_condition": values["lighting_condition"],
        "weather_condition": None,
        "has_faces": values["has_faces"],
        "face_count": values["face_count"],
        "has_vehicles": values["has_vehicles"],
        "vehicle_count": values["vehicle_count"],
        "has_audio": values["has_audio"],
        "privacy_applied": values["privacy_applied"],
        "motion_detected": values["motion_detected"],
        "activity_level": values["activity_level"],
        # Media references are store keys of the REDACTED renditions only: the payload never points at PII.
        "thumbnail_url": values["redacted_thumbnail_path"],
        "segment_url": f"chronotrace://segments/{values['id']}/redacted",
        "objects_detected": list(a.objects_detected),
        "embedding_model": model_name,
        "embedding_version": model_version,
        "embedding_generated_at": utc_iso(generated),
        "dominant_colors": list(a.dominant_colors),
        "average_brightness": a.average_brightness,
        "audio_level_db": prepared.audio_db,
        "caption": prepared.caption,
        "people_count": a.people_count,
        "segment_index": prepared.window.index,
        "video_filename": video.filename,
    }
    if timestamp is not None:
        payload["timestamp"] = timestamp
    return payload
