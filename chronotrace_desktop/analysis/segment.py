"""Analysis of one segment (window) from its sampled frames: detectors, scene attributes, aggregation.

Per sampled frame (expected 2 a second): motion and light statistics on a 160 px grey copy (~0.3 ms).
Detectors (NanoDet-g over tiles, faces, people's attributes, clothing and vehicle colours, vehicle types)
run at most once per ``detect_interval`` (1 s)
and not even then when the frame is unchanged since the last detector run (fewer than ``static_change`` of
its pixels changed): that run's detections are carried over (``FrameDetections.reused``) until ``max_reuse``
seconds have passed. The first sampled frame of a segment is always analysed.

One ``SegmentAnalyzer`` per video per worker thread (OpenCV nets are not thread-safe; the object detector is
cached per thread). ``cv2.setNumThreads`` is process-wide: the analyzer sets it to ``opencv_threads`` (1 by
default: on 2 cores, two videos analysed in two threads, or decoding beside analysis, use both cores better
than OpenCV's own threads inside one small network; set 2 for one video on an otherwise idle machine).
"""

from __future__ import annotations

import logging
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol, TypeVar

import cv2

from chronotrace_desktop.analysis import scene
from chronotrace_desktop.analysis.colors import (
    clothing_colors,
    dominant_colors,
    scene_light,
    vehicle_color,
)
from chronotrace_desktop.analysis.detection import TiledConfig, TiledDetector
from chronotrace_desktop.analysis.faces import FaceConfig, FaceDetector, redaction_boxes
from chronotrace_desktop.analysis.objects import (
    CCTV_CLASSES,
    MOTOR_VEHICLES,
    PERSON,
    DetectorConfig,
    ObjectDetector,
)
from chronotrace_desktop.analysis.people import PeopleAttributes, PersonLook, segment_posture
from chronotrace_desktop.analysis.redaction import plan_redaction
from chronotrace_desktop.analysis.scene_cues import SceneJudge, judge, vegetation_share
from chronotrace_desktop.analysis.tracking import Tracker, TrackerConfig, build_tracks
from chronotrace_desktop.analysis.vehicles import VehicleTyper, track_motion
from chronotrace_desktop.domain.analysis import (
    FrameDetections,
    PersonAppearance,
    SegmentAnalysis,
    VehicleAppearance,
)
from chronotrace_desktop.domain.media import RedactionPlan, TimedBoxes

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from pathlib import Path

    import numpy as np

    from chronotrace_desktop.analysis.imagenet import ImageNetClassifier
    from chronotrace_desktop.domain.analysis import Motion, Track
    from chronotrace_desktop.domain.media import Box, Window

logger = logging.getLogger(__name__)

CONFIRM_SCORE = 0.7
_V = TypeVar("_V", bound=str)


class Detector(Protocol):
    def detect(self, image: np.ndarray) -> list[Box]: ...


class FrameLike(Protocol):
    """What the media layer's ``SampledFrame`` offers: video-absolute time and a BGR uint8 image."""

    @property
    def t(self) -> float: ...

    @property
    def image(self) -> np.ndarray: ...


@dataclass(frozen=True, slots=True)
class AnalyzerConfig:
    detect_interval: float = 1.0
    static_change: float = 0.002
    max_reuse: float = 5.0
    opencv_threads: int | None = 1
    models_dir: Path | None = None
    detector_kind: str = "nanodet"  # or "yolo" (YOLOv3-tiny, the earlier default)
    # The detector's zoomed pass (wide views of small people) at most this often, None: never at ingest.
    # Measured (README "Detection"): it adds 5 points of person recall on the labelled frames but nothing to
    # the heads redaction covers once unsure people are blurred, and costs 0.35 s a run on the gym crowd; the
    # crowd rule's recount of busy segments runs it instead (analysis.anomalies.crowd_count).
    zoom_interval: float | None = None
    detector: DetectorConfig = field(default_factory=DetectorConfig)
    tiles: TiledConfig = field(default_factory=TiledConfig)
    people_attributes: bool = True  # gender/age from faces, garment tags, posture (analysis.people)
    faces: FaceConfig = field(default_factory=FaceConfig)
    tracker: TrackerConfig = field(default_factory=TrackerConfig)


@dataclass(slots=True)
class _Detected:
    """One detector run (or reuse) with the colours read from its frame, aligned with ``frame.objects``."""

    frame: FrameDetections
    small: np.ndarray
    run_t: float  # when the detectors last really ran for this content
    colors: tuple[tuple[str | None, str | None], ...]  # (upper, lower) for people, (colour, None) vehicles
    kinds: tuple[str | None, ...] = ()  # refined vehicle type per object (None: keep the COCO class)
    vegetation: float = 0.0
    looks: tuple[PersonLook | None, ...] = ()  # per object: what was seen of a person (None otherwise)


@dataclass(slots=True)
class SegmentAnalyzer:
    config: AnalyzerConfig = field(default_factory=AnalyzerConfig)
    objects: Detector | None = None
    faces: FaceDetector | None = None
    classifier: ImageNetClassifier | None = None  # ImageNet, for vehicle types and scene cues
    people_attributes: PeopleAttributes | None = None
    _typer: VehicleTyper | None = None
    _scene: SceneJudge | None = None
    _zoomed_t: float | None = None
    timings: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    _history: list[FrameDetections] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.config.opencv_threads is not None:
            cv2.setNumThreads(self.config.opencv_threads)
        cfg = self.config
        if self.objects is None:
            if cfg.detector_kind == "yolo":
                self.objects = ObjectDetector.for_thread(cfg.models_dir, cfg.detector)
            else:
                self.objects = TiledDetector.for_thread(cfg.models_dir, cfg.detector, cfg.tiles)
        if self.faces is None:
            self.faces = FaceDetector(self.config.faces)
        if self.people_attributes is None and cfg.people_attributes:
            self.people_attributes = PeopleAttributes.for_thread(cfg.models_dir)
        if self.classifier is not None:
            self._typer = VehicleTyper(self.classifier)
        self._scene = SceneJudge(self.classifier)

    def analyze(
        self, window: Window, frames: Iterable[FrameLike], check: Callable[[], None] | None = None
    ) -> SegmentAnalysis:
        """Analyse the sampled frames of ``window``; ``check`` is called per frame (raise there to cancel)."""
        stats: list[scene.FrameStats] = []
        motion: list[float] = []
        runs: list[_Detected] = []
        thumbs: list[np.ndarray] = []
        last: _Detected | None = None
        middle: np.ndarray | None = None
        centre = (window.start + window.end) / 2
        for frame in frames:
            if check is not None:
                check()
            if frame.image.size == 0:
                continue
            started = time.perf_counter()
            st = scene.frame_stats(frame.image)
            if stats:
                motion.append(scene.changed_fraction(stats[-1].small, st.small))
            stats.append(st)
            thumbs.append(cv2.resize(frame.image, (32, 18), interpolation=cv2.INTER_AREA))
            if middle is None or frame.t <= centre:
                middle = frame.image
            self.timings["scene"] += time.perf_counter() - started
            if last is not None and frame.t - last.frame.t < self.config.detect_interval - 1e-6:
                continue
            last = self._detect(frame, st, last)
            runs.append(last)
        self.timings["frames"] += len(stats)
        # A window analysed again (a retried segment) replaces its earlier detections.
        self._history = [d for d in self._history if not window.start <= d.t < window.end]
        self._history.extend(r.frame for r in runs)
        return self._aggregate(window, stats, motion, runs, thumbs, middle)

    def video_tracks(self, min_points: int = 1) -> list[Track]:
        """Tracks over every segment this analyzer has seen (see ``tracking.build_tracks`` after a resume)."""
        return build_tracks(self._history, self.config.tracker, min_points)

    def _detect(self, frame: FrameLike, st: scene.FrameStats, last: _Detected | None) -> _Detected:
        cfg = self.config
        if (
            last is not None
            and frame.t - last.run_t < cfg.max_reuse
            and scene.changed_fraction(last.small, st.small) < cfg.static_change
        ):
            self.timings["reused"] += 1
            reused = FrameDetections(
                frame.t, last.frame.objects, last.frame.faces, reused=True, unsure=last.frame.unsure
            )
            return _Detected(
                reused, last.small, last.run_t, last.colors, last.kinds, last.vegetation, last.looks
            )
        assert self.objects is not None
        assert self.faces is not None
        image = frame.image
        started = time.perf_counter()
        unsure: list[Box] = []
        if isinstance(self.objects, TiledDetector):
            zoom = cfg.zoom_interval is not None and (
                self._zoomed_t is None or not 0 <= frame.t - self._zoomed_t < cfg.zoom_interval - 1e-6
            )
            objects, unsure = self.objects.detect_with_unsure(image, zoom=zoom)
            if zoom:
                self._zoomed_t = frame.t
        else:
            objects = self.objects.detect(image)
        people = [b for b in objects if b.label == PERSON]
        yolo_done = time.perf_counter()
        faces = self.faces.detect(image, people)
        faces_done = time.perf_counter()
        light = scene_light(image)
        colors: list[tuple[str | None, str | None]] = []
        for box in objects:
            if box.label == PERSON:
                colors.append(clothing_colors(image, box, light))
            elif box.label in MOTOR_VEHICLES or box.label == "bicycle":
                colors.append((vehicle_color(image, box, light), None))
            else:
                colors.append((None, None))
        done = time.perf_counter()
        kinds = self._typer.types(image, objects) if self._typer is not None else [None] * len(objects)
        green = vegetation_share(image)
        typed = time.perf_counter()
        looks: list[PersonLook | None] = [None] * len(objects)
        if self.people_attributes is not None and people:
            described = iter(self.people_attributes.describe(image, people, faces))
            looks = [next(described) if b.label == PERSON else None for b in objects]
        self.timings["people"] += time.perf_counter() - typed
        self.timings["objects"] += yolo_done - started
        self.timings["faces"] += faces_done - yolo_done
        self.timings["colors"] += done - faces_done
        self.timings["types"] += typed - done
        self.timings["detected"] += 1
        detections = FrameDetections(frame.t, tuple(objects), tuple(faces), unsure=tuple(unsure))
        return _Detected(detections, st.small, frame.t, tuple(colors), tuple(kinds), green, tuple(looks))

    def _aggregate(
        self,
        window: Window,
        stats: list[scene.FrameStats],
        motion: list[float],
        runs: list[_Detected],
        thumbs: list[np.ndarray],
        middle: np.ndarray | None,
    ) -> SegmentAnalysis:
        started = time.perf_counter()
        seen = bool(runs)
        counts = _object_counts(runs)
        vehicle_count = max((len(r.frame.labelled(*MOTOR_VEHICLES)) for r in runs), default=0)
        face_count = max((len(r.frame.faces) for r in runs), default=0)
        people, vehicles = _appearances(runs, self.config.tracker)
        assert self._scene is not None
        cues = judge(
            self._scene.evidence(
                [r.frame for r in runs], [r.vegetation for r in runs], vehicles, middle if seen else None
            )
        )
        people_mean = round(sum(len(r.frame.labelled(PERSON)) for r in runs) / len(runs), 2) if seen else None
        plan = plan_redaction(
            [(r.frame.t, redaction_boxes(r.frame.faces, r.frame.to_blur)) for r in runs],
            window.start,
            window.end,
        )
        result = SegmentAnalysis(
            start=window.start,
            end=window.end,
            frames_sampled=len(stats),
            frames_detected=sum(1 for r in runs if not r.frame.reused),
            face_count=face_count if seen else None,
            has_faces=face_count > 0 if seen else None,
            face_boxes=tuple(TimedBoxes(r.frame.t, r.frame.faces) for r in runs),
            redaction=plan if seen else RedactionPlan(),
            people_count=counts.get(PERSON, 0) if seen else None,
            vehicle_count=vehicle_count if seen else None,
            has_vehicles=vehicle_count > 0 if seen else None,
            objects_detected=tuple(sorted(counts)),
            object_counts=counts,
            motion_detected=scene.motion_detected(motion),
            motion_score=round(sum(motion) / len(motion), 4) if motion else None,
            activity_level=scene.activity_level(motion),
            lighting_condition=scene.lighting(stats),
            average_brightness=scene.average_brightness(stats),
            dominant_colors=dominant_colors(thumbs),
            people=people,
            vehicles=vehicles,
            detections=tuple(r.frame for r in runs),
            people_mean=people_mean,
            scene=cues,
        )
        self.timings["aggregate"] += time.perf_counter() - started
        logger.debug(
            "segment %.1f-%.1f: %d frames, %d detector runs, %s",
            window.start,
            window.end,
            len(stats),
            result.frames_detected,
            dict(counts),
        )
        return result


def _object_counts(runs: list[_Detected]) -> dict[str, int]:
    """Class -> most seen at once. Outside people, vehicles and bags, a class seen in only one sampled frame
    of the segment needs a score of at least ``CONFIRM_SCORE``: on the shared clips, every such one-off
    (a boat, a bird, a frisbee on a car park or a corridor) was a false detection."""
    most: Counter[str] = Counter()
    frames_seen: Counter[str] = Counter()
    best: dict[str, float] = {}
    for run in runs:
        per_frame = Counter(b.label for b in run.frame.objects)
        for label, n in per_frame.items():
            most[label] = max(most[label], n)
            frames_seen[label] += 1
        for b in run.frame.objects:
            best[b.label] = max(best.get(b.label, 0.0), b.score)
    return {
        label: n
        for label, n in sorted(most.items())
        if label in CCTV_CLASSES or frames_seen[label] >= 2 or best[label] >= CONFIRM_SCORE
    }


def _vote(values: Iterable[_V | None]) -> _V | None:
    counted = Counter(v for v in values if v is not None)
    return counted.most_common(1)[0][0] if counted else None


def _appearances(
    runs: list[_Detected], config: TrackerConfig
) -> tuple[tuple[PersonAppearance, ...], tuple[VehicleAppearance, ...]]:
    """One appearance per person / vehicle followed through the segment: colours and types voted over its
    frames, moving or still from its track."""
    tracker = Tracker(config)
    per_track: dict[int, list[_Point]] = defaultdict(list)
    for run in runs:
        kinds = run.kinds or (None,) * len(run.frame.objects)
        looks = run.looks or (None,) * len(run.frame.objects)
        for box, colors, kind, look, track_id in zip(
            run.frame.objects,
            run.colors,
            kinds,
            looks,
            tracker.update(run.frame.t, run.frame.objects),
            strict=True,
        ):
            if track_id is not None:
                per_track[track_id].append(_Point(run.frame.t, box, colors, kind, look))
    people: list[PersonAppearance] = []
    vehicles: list[VehicleAppearance] = []
    for track_id in sorted(per_track):
        points = per_track[track_id]
        label = Counter(p.box.label for p in points).most_common(1)[0][0]
        motion = track_motion([(p.t, p.box) for p in points])
        if label == PERSON:
            people.append(_person(points, motion))
        elif label in MOTOR_VEHICLES or label == "bicycle":
            kind = _vote(p.kind for p in points) or label
            colour = _vote(p.colors[0] for p in points)
            vehicles.append(VehicleAppearance(kind, colour, len(points), motion, coco_label=label))
    people.sort(key=lambda p: -p.seen)
    vehicles.sort(key=lambda v: -v.seen)
    return tuple(people), tuple(vehicles)


@dataclass(frozen=True, slots=True)
class _Point:
    """One sighting of a tracked object in a segment, with what was read from it."""

    t: float
    box: Box
    colors: tuple[str | None, str | None]
    kind: str | None
    look: PersonLook | None


TAG_SHARE = 0.25  # a tag is kept when seen on at least this share of the frames it was looked for


def _person(points: list[_Point], motion: Motion | None) -> PersonAppearance:
    """A person's appearance over a segment: colours, gender and age voted over their frames (a gender or age
    only from frames where a face was read), the posture two thirds of the frames agree on, tags seen on
    ``TAG_SHARE`` of the frames where tags were looked for (one frame's tag is often one frame's mistake)."""
    looks = [p.look for p in points if p.look is not None]
    tagged = [lk for lk in looks if lk.tags]
    counted = Counter(tag for lk in tagged for tag in lk.tags)
    examined = max(1, sum(1 for lk in looks if lk.tags or lk.posture is not None))
    tags = tuple(sorted(t for t, n in counted.items() if n >= max(1.0, TAG_SHARE * examined)))
    return PersonAppearance(
        _vote(p.colors[0] for p in points),
        _vote(p.colors[1] for p in points),
        len(points),
        gender=_vote(lk.gender for lk in looks),
        age=_vote(lk.age for lk in looks),
        posture=segment_posture(lk.posture for lk in looks),
        motion=motion,
        tags=tags,
    )
