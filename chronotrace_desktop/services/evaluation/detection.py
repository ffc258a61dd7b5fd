"""Evaluating object detectors on hand-labelled frames: recall and precision for people and vehicles.

The label file (``eval/dev_detections.json``) lists frames of the shared clips by video filename and time,
each with every person and vehicle boxed by hand (decoded pixels, ``[x, y, w, h]``) and optional ``ignore``
regions (a far crowd too small to box one by one). A detection matches a label of its group (person;
vehicle = car, van, truck, bus, motorbike; bicycle) when their IoU is at least ``MATCH_IOU`` (0.4: hand
boxes of 15-30 px people are a few pixels off, which costs a correct detection more than 0.5 IoU allows);
each label matches at most one detection, the most overlapping first. A detection matching nothing counts
as a false positive unless its centre lies in an ignore region. Labels count per frame, every frame the
same: recall = matched labels / labels, precision = matched detections / (matched + false positives).

Detectors are named: ``nanodet`` (the default: NanoDet-g over square tiles covering the frame),
``nanodet-fine`` (plus zoomed tiles of half the short side for small people), ``nanodet-squash`` (one pass
over the whole frame squashed to 416x416, the cheapest), ``yolo`` (YOLOv3-tiny at 416
px, the previous default). Time per frame is the median wall time of one ``detect`` call, on this machine.
"""

from __future__ import annotations

import json
import statistics
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from chronotrace_desktop.analysis.detection import TiledConfig, TiledDetector
from chronotrace_desktop.analysis.objects import ObjectDetector
from chronotrace_desktop.domain.errors import InvalidInputError
from chronotrace_desktop.domain.media import Box
from chronotrace_desktop.media.frames import frame_at

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from pathlib import Path

    import numpy as np

    from chronotrace_desktop.domain.tasks import ProgressCallback

MATCH_IOU = 0.4
GROUPS: dict[str, frozenset[str]] = {
    "person": frozenset({"person"}),
    "vehicle": frozenset({"car", "van", "truck", "bus", "motorbike"}),
    "bicycle": frozenset({"bicycle"}),
}
DETECTORS: dict[str, Callable[[], Any]] = {
    "nanodet": lambda: TiledDetector.load(),
    "nanodet-fine": lambda: TiledDetector.load(tiles=TiledConfig(always=True)),
    "nanodet-cover": lambda: TiledDetector.load(tiles=TiledConfig(fine_side=0.0)),
    "nanodet-squash": lambda: TiledDetector.load(tiles=TiledConfig(squash=True, fine_side=0.0)),
    "nanodet-squash-fine": lambda: TiledDetector.load(tiles=TiledConfig(squash=True)),
    "yolo": lambda: ObjectDetector.load(),
}


@dataclass(frozen=True, slots=True)
class LabelledFrame:
    video: str
    t: float
    width: int
    height: int
    objects: tuple[Box, ...]  # normalised, label = class
    ignore: tuple[Box, ...] = ()
    crowded: bool = False


@dataclass(slots=True)
class Tally:
    labels: int = 0
    matched: int = 0
    detections: int = 0  # detections counted (outside ignore regions)
    true_positives: int = 0

    @property
    def recall(self) -> float | None:
        return self.matched / self.labels if self.labels else None

    @property
    def precision(self) -> float | None:
        return self.true_positives / self.detections if self.detections else None

    def add(self, other: Tally) -> None:
        self.labels += other.labels
        self.matched += other.matched
        self.detections += other.detections
        self.true_positives += other.true_positives


@dataclass(frozen=True, slots=True)
class DetectorReport:
    detector: str
    frames: int
    ms_per_frame: float
    overall: dict[str, Tally]
    per_video: dict[str, dict[str, Tally]] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        def tallies(group: dict[str, Tally]) -> dict[str, Any]:
            return {
                name: {
                    "labels": t.labels,
                    "detections": t.detections,
                    "recall": t.recall,
                    "precision": t.precision,
                }
                for name, t in group.items()
            }

        return {
            "detector": self.detector,
            "frames": self.frames,
            "ms_per_frame": round(self.ms_per_frame, 1),
            "overall": tallies(self.overall),
            "per_video": {video: tallies(groups) for video, groups in self.per_video.items()},
        }


def _box(data: Any, width: int, height: int, label: str) -> Box:
    x, y, w, h = (float(v) for v in data)
    return Box(x / width, y / height, w / width, h / height, label, 1.0)


def load_detection_labels(path: Path) -> tuple[list[LabelledFrame], Path]:
    """The labelled frames and the folder holding the videos (``videos_dir``, relative to the file)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        frames = []
        for item in data["frames"]:
            width, height = int(item["width"]), int(item["height"])
            frames.append(
                LabelledFrame(
                    video=str(item["video"]),
                    t=float(item["t"]),
                    width=width,
                    height=height,
                    objects=tuple(
                        _box(o["box"], width, height, str(o["label"])) for o in item.get("objects", ())
                    ),
                    ignore=tuple(_box(b, width, height, "ignore") for b in item.get("ignore", ())),
                    crowded=bool(item.get("crowded", False)),
                )
            )
        videos = (path.parent / str(data.get("videos_dir", "."))).resolve()
    except OSError as exc:
        raise InvalidInputError(f"cannot read the label file {path}: {exc.strerror or exc}") from exc
    except (ValueError, KeyError, TypeError) as exc:
        raise InvalidInputError(f"{path} is not a detection label file: {exc!r}") from exc
    return frames, videos


def _group_of(label: str) -> str | None:
    return next((name for name, members in GROUPS.items() if label in members), None)


def _inside(box: Box, regions: Sequence[Box]) -> bool:
    return any(r.contains(*box.centre) for r in regions)


def score_frame(frame: LabelledFrame, detections: Sequence[Box]) -> dict[str, Tally]:
    out: dict[str, Tally] = {name: Tally() for name in GROUPS}
    for name in GROUPS:
        labels = [b for b in frame.objects if _group_of(b.label) == name]
        found = [b for b in detections if _group_of(b.label) == name]
        pairs = sorted(
            ((d.iou(g), i, j) for i, d in enumerate(found) for j, g in enumerate(labels)), reverse=True
        )
        used_d: set[int] = set()
        used_g: set[int] = set()
        for overlap, i, j in pairs:
            if overlap < MATCH_IOU:
                break
            if i in used_d or j in used_g:
                continue
            used_d.add(i)
            used_g.add(j)
        counted = [i for i, d in enumerate(found) if i in used_d or not _inside(d, frame.ignore)]
        out[name] = Tally(len(labels), len(used_g), len(counted), len(used_d))
    return out


def evaluate_detectors(
    frames: Sequence[LabelledFrame],
    videos: Path,
    detectors: Sequence[str],
    progress: ProgressCallback[str] | None = None,
) -> list[DetectorReport]:
    images: dict[tuple[str, float], np.ndarray] = {}
    for frame in frames:
        path = videos / frame.video
        if not path.is_file():
            raise InvalidInputError(f"labelled video not found: {path}")
        images[(frame.video, frame.t)] = frame_at(path, frame.t)
    reports = []
    for number, name in enumerate(detectors, 1):
        if name not in DETECTORS:
            raise InvalidInputError(f"unknown detector {name!r}; choose from {', '.join(DETECTORS)}")
        detector = DETECTORS[name]()
        detector.detect(next(iter(images.values())))  # warm-up: the first run allocates
        overall = {g: Tally() for g in GROUPS}
        per_video: dict[str, dict[str, Tally]] = defaultdict(lambda: {g: Tally() for g in GROUPS})
        times = []
        for frame in frames:
            started = time.perf_counter()
            found = detector.detect(images[(frame.video, frame.t)])
            times.append(time.perf_counter() - started)
            for group, tally in score_frame(frame, found).items():
                overall[group].add(tally)
                per_video[frame.video][group].add(tally)
        reports.append(
            DetectorReport(name, len(frames), statistics.median(times) * 1000, overall, dict(per_video))
        )
        if progress is not None:
            progress(number, len(detectors), name)
    return reports
