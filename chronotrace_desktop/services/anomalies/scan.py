"""Running the anomaly rules over an ingested video: at the end of ingest (``detect_for_video``) and on rescan.

Evidence: the video's tracks and per-frame detections (written by ingest), its segments' motion, the
camera's rules and normal speeds, and what a second decoding pass of the file adds (display aspect; a dense
people count of busy frames for the crowd rule). That pass is stored in ``anomaly_scans.evidence`` so a
rescan with new thresholds reuses it; ``redecode`` forces it again. A missing file is not an error: the
rules then run on the stored detections alone (noted in the scan's evidence).

A failure of the rules never fails an ingest: it is logged, recorded as a failed scan and shown by
``anomalies rescan``, which can run it again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from chronotrace_desktop.analysis.anomalies.crowd_count import CrowdCounter
from chronotrace_desktop.analysis.anomalies.evidence import MotionNormal, SegmentSpan, VideoEvidence
from chronotrace_desktop.analysis.anomalies.left_behind import LeftObject, find_left_objects
from chronotrace_desktop.analysis.anomalies.runner import RULES_VERSION, motion_normal, run_rules
from chronotrace_desktop.domain.analysis import FrameDetections, Track
from chronotrace_desktop.domain.anomalies import ScanStatus
from chronotrace_desktop.domain.audit import AuditAction
from chronotrace_desktop.domain.clock import utcnow
from chronotrace_desktop.domain.errors import NotFoundError, OperationCancelledError, UserFacingError
from chronotrace_desktop.media.frames import sample_frames
from chronotrace_desktop.services.access import AuditEvent, AuditService
from chronotrace_desktop.services.anomalies import records
from chronotrace_desktop.services.cameras import load_config
from chronotrace_desktop.services.detections import detections_of
from chronotrace_desktop.storage.orm import AnomalyScan, Video, VideoSegment, VideoTrack

if TYPE_CHECKING:
    import uuid
    from collections.abc import Iterator

    import numpy as np
    from sqlalchemy.orm import Session

    from chronotrace_desktop.config import Settings
    from chronotrace_desktop.domain.anomalies import AnomalyCandidate, CameraConfig
    from chronotrace_desktop.domain.tasks import TaskControl
    from chronotrace_desktop.domain.users import Actor
    from chronotrace_desktop.storage.database import Database

logger = logging.getLogger(__name__)

CROWD_PROBE_PEOPLE = 5  # segments whose ingest count reached this get the dense count (half the crowd rule)
CROWD_PROBE_FPS = 0.25
SCAN_MAX_SIDE = 960
CROWD_MAX_SIDE = 640  # what the ingest's detector saw: NanoDet's tiles are 416 px, more pixels add nothing
LEFT_BEHIND_FPS = 1.0
LEFT_BEHIND_MAX_SIDE = 640
# What ``scene_evidence`` stores; a stored scan of another version is decoded again on the next rescan.
SCENE_VERSION = 3
NORMAL_TRACK_LIMIT = 400  # the camera's most recent tracks that define its normal speeds


@dataclass(frozen=True, slots=True)
class ScanResult:
    video_id: uuid.UUID
    filename: str
    status: ScanStatus
    found: int = 0
    added: int = 0
    updated: int = 0
    removed: int = 0
    kept_human: int = 0
    error: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "video_id": str(self.video_id),
            "filename": self.filename,
            "status": self.status.value,
            "found": self.found,
            "added": self.added,
            "updated": self.updated,
            "removed": self.removed,
            "kept_human": self.kept_human,
            "error": self.error,
        }


def detect_for_video(
    database: Database, settings: Settings, actor: Actor, video_id: uuid.UUID, task: TaskControl | None = None
) -> ScanResult:
    """The ingest hook: run the rules over a just-ingested video, then try its alerts once (no waiting).

    Called by ``IngestService._process`` right after ``build_tracks`` (the ingest already authorised the
    actor). Never raises for a rule or alert failure; a cancel (``task``) propagates.
    """
    from chronotrace_desktop.services.anomalies.alerts import AlertService

    audit = AuditService(database)
    result = AnomalyScanner(database, audit).scan(actor, video_id, task=task)
    if result.status is ScanStatus.COMPLETED and result.added + result.updated:
        try:
            AlertService(database, settings, audit).send_due(actor, video_ids=[video_id], immediate_retries=0)
        except UserFacingError as exc:  # pragma: no cover - recorded per anomaly; never fails the ingest
            logger.warning("Alerts for video %s could not be sent: %s", video_id, exc)
    return result


class AnomalyScanner:
    def __init__(self, database: Database, audit: AuditService, models: Path | None = None) -> None:
        self._db = database
        self._audit = audit
        self._models = models

    def scan(
        self, actor: Actor, video_id: uuid.UUID, *, redecode: bool = False, task: TaskControl | None = None
    ) -> ScanResult:
        filename = str(video_id)
        try:
            with self._db.transaction() as session:
                video = _live_video(session, video_id)
                filename = video.filename
                stored = session.get(AnomalyScan, video_id)
                scene = (
                    dict(stored.evidence)
                    if stored is not None and stored.status == ScanStatus.COMPLETED
                    else {}
                )
                path = Path(video.original_path)
                busy = _busy_windows(session, video_id)
                detections = [FrameDetections.from_dict(d) for d in detections_of(session, video_id)]
            if redecode or not _usable(scene):
                scene = scene_evidence(path, busy, detections, self._models, task)
            with self._db.transaction() as session:
                video = _live_video(session, video_id)
                camera = load_config(session, video.camera_id)
                evidence = load_evidence(session, video, scene)
                found = run_rules(evidence, camera)
                counts = records.replace_findings(session, video, camera, found, RULES_VERSION)
                _store_scan(session, video_id, ScanStatus.COMPLETED, len(found), None, scene)
                self._audit_scan(session, actor, video, found, counts)
            logger.info(
                "Anomaly rules on %s: %d finding(s); %d added, %d updated, %d removed, %d kept (human)",
                filename,
                len(found),
                counts.added,
                counts.updated,
                counts.removed,
                counts.kept_human,
            )
            return ScanResult(
                video_id, filename, ScanStatus.COMPLETED, len(found), counts.added, counts.updated,
                counts.removed, counts.kept_human,
            )  # fmt: skip
        except OperationCancelledError:
            raise
        except NotFoundError:
            raise
        except Exception as exc:  # a rule bug or a broken file must not fail the ingest
            logger.exception("Anomaly rules failed on %s", filename)
            message = (
                str(exc) if isinstance(exc, UserFacingError) else f"internal error ({type(exc).__name__})"
            )
            try:
                with self._db.transaction() as session:
                    _store_scan(session, video_id, ScanStatus.FAILED, 0, message, {})
            except UserFacingError:
                logger.exception("Could not record the failed anomaly scan of %s", filename)
            return ScanResult(video_id, filename, ScanStatus.FAILED, error=message)

    def _audit_scan(
        self,
        session: Session,
        actor: Actor,
        video: Video,
        found: list[AnomalyCandidate],
        counts: records.ReplaceCounts,
    ) -> None:
        by_type: dict[str, int] = {}
        for candidate in found:
            by_type[candidate.type.value] = by_type.get(candidate.type.value, 0) + 1
        self._audit.record_in(
            session,
            AuditEvent(
                AuditAction.ANOMALIES_DETECTED,
                actor=actor,
                resource_type="video",
                resource_id=video.id,
                metadata={
                    "camera_id": video.camera_id,
                    "found": by_type,
                    "added": counts.added,
                    "updated": counts.updated,
                    "removed": counts.removed,
                    "kept_human": counts.kept_human,
                    "rules_version": RULES_VERSION,
                },
            ),
        )

    def evidence_for(
        self, session: Session, video: Video, camera: CameraConfig | None = None
    ) -> VideoEvidence:
        """The stored evidence of a scanned video (for the evaluation; nothing is decoded)."""
        stored = session.get(AnomalyScan, video.id)
        return load_evidence(session, video, dict(stored.evidence) if stored is not None else {})


def _live_video(session: Session, video_id: uuid.UUID) -> Video:
    video = session.get(Video, video_id)
    if video is None or video.deleted_at is not None:
        raise NotFoundError(f"no video {video_id} in the library")
    return video


def _busy_windows(session: Session, video_id: uuid.UUID) -> list[tuple[float, float]]:
    rows = session.execute(
        sa.select(VideoSegment.start_time, VideoSegment.end_time).where(
            VideoSegment.video_id == video_id, VideoSegment.people_count >= CROWD_PROBE_PEOPLE
        )
    )
    return [(float(s), float(e)) for s, e in rows]


def scene_evidence(
    path: Path,
    busy: list[tuple[float, float]],
    detections: list[FrameDetections],
    models: Path | None,
    task: TaskControl | None,
) -> dict[str, Any]:
    """Decode the file again: display aspect (first frame), dense people counts in busy windows and the
    objects left where people stayed (``left_behind``, only around departures)."""
    evidence: dict[str, Any] = {
        "version": SCENE_VERSION,
        "crowd_counts": [],
        "dense_count": "not needed",
        "left_objects": [],
        "left_behind": "not run",
    }
    should_stop = (lambda: task.cancelled) if task is not None else None

    def images_from(start: float) -> Iterator[tuple[float, np.ndarray]]:
        for frame in sample_frames(
            path, fps=LEFT_BEHIND_FPS, max_side=LEFT_BEHIND_MAX_SIDE, start=start, should_stop=should_stop
        ):
            yield frame.t, frame.image

    try:
        first = next(iter(sample_frames(path, fps=1.0, max_side=SCAN_MAX_SIDE, end=1.0)), None)
        if first is not None:
            height, width = first.image.shape[:2]
            evidence["aspect"] = round(width / height, 4)
        if busy:
            counter = CrowdCounter(models)
            counts: list[list[float]] = []
            for start, end in sorted(busy):
                frames = sample_frames(
                    path,
                    fps=CROWD_PROBE_FPS,
                    max_side=CROWD_MAX_SIDE,
                    start=start,
                    end=end,
                    should_stop=should_stop,
                )
                counts.extend([round(f.t, 2), counter.count(f.image)] for f in frames)
            evidence["crowd_counts"] = counts
            evidence["dense_count"] = "done"
        left = find_left_objects(detections, images_from)
        evidence["left_objects"] = [item.to_dict() for item in left]
        evidence["left_behind"] = "done"
    except OperationCancelledError:
        raise
    except UserFacingError as exc:
        logger.warning("Could not decode %s again for the anomaly rules: %s", path, exc)
        for step in ("dense_count", "left_behind"):
            if evidence[step] != "done":
                evidence[step] = f"unavailable: {exc}"
    return evidence


def _left_objects(scene: dict[str, Any]) -> tuple[LeftObject, ...] | None:
    """The stored objects left behind; None when the stored evidence cannot be read (decode again)."""
    try:
        return tuple(LeftObject.from_dict(item) for item in scene.get("left_objects", []))
    except (KeyError, TypeError, ValueError):
        logger.warning("Stored anomaly evidence has unreadable objects left behind; it will be decoded again")
        return None


def _usable(scene: dict[str, Any]) -> bool:
    """Stored scene evidence of this version that can be read (else the file is decoded again)."""
    return scene.get("version") == SCENE_VERSION and "aspect" in scene and _left_objects(scene) is not None


def load_evidence(session: Session, video: Video, scene: dict[str, Any]) -> VideoEvidence:
    tracks = tuple(
        Track.from_dict({"track_id": row.track_key, "label": row.label, "points": row.points})
        for row in session.scalars(
            sa.select(VideoTrack).where(VideoTrack.video_id == video.id).order_by(VideoTrack.track_key)
        )
    )
    frames = tuple(FrameDetections.from_dict(item) for item in detections_of(session, video.id))
    segments = tuple(
        SegmentSpan(
            row.segment_index,
            float(row.start_time),
            float(row.end_time),
            row.motion_detected,
            (row.meta or {}).get("motion_score"),
        )
        for row in session.scalars(
            sa.select(VideoSegment)
            .where(VideoSegment.video_id == video.id)
            .order_by(VideoSegment.segment_index)
        )
    )
    aspect = float(scene.get("aspect") or _aspect_of(video.resolution))
    duration = float((video.meta or {}).get("duration_exact") or video.duration_seconds or 0)
    return VideoEvidence(
        duration=duration,
        aspect=aspect,
        tracks=tracks,
        frames=frames,
        segments=segments,
        crowd_counts=tuple((float(t), int(c)) for t, c in scene.get("crowd_counts", [])),
        left_objects=_left_objects(scene) or (),
        recorded_at=video.recorded_at,
        normal=camera_normal(session, video, tracks, aspect),
    )


def camera_normal(session: Session, video: Video, tracks: tuple[Track, ...], aspect: float) -> MotionNormal:
    """Typical speeds on the video's camera (its most recent tracks), or of this video alone."""
    every = list(tracks)
    aspects: dict[int, float] = {id(t): aspect for t in tracks}
    if video.camera_id:
        rows = session.execute(
            sa.select(VideoTrack.track_key, VideoTrack.label, VideoTrack.points, Video.resolution)
            .join(Video, Video.id == VideoTrack.video_id)
            .where(Video.camera_id == video.camera_id, Video.id != video.id, Video.deleted_at.is_(None))
            .order_by(VideoTrack.created_at.desc())
            .limit(NORMAL_TRACK_LIMIT)
        )
        for key, label, points, resolution in rows:
            track = Track.from_dict({"track_id": key, "label": label, "points": points})
            aspects[id(track)] = _aspect_of(resolution)
            every.append(track)
    return motion_normal(every, lambda t: aspects.get(id(t), aspect))


def _aspect_of(resolution: str | None) -> float:
    try:
        width, height = (int(v) for v in (resolution or "").split("x"))
        return width / height
    except ValueError:
        return 16 / 9


def _store_scan(
    session: Session,
    video_id: uuid.UUID,
    status: ScanStatus,
    count: int,
    error: str | None,
    evidence: dict[str, Any],
) -> None:
    row = session.get(AnomalyScan, video_id)
    if row is None:
        row = AnomalyScan(video_id=video_id, status=status.value, rules_version=RULES_VERSION)
        session.add(row)
    row.status = status.value
    row.rules_version = RULES_VERSION
    row.scanned_at = utcnow()
    row.anomaly_count = count
    row.error_message = error
    if evidence or status is ScanStatus.COMPLETED:
        row.evidence = evidence
