"""Face detection (OpenCV Haar cascades) and the regions to blur for privacy.

Two passes per frame (about 17 ms in all on the shared clips, next to ~41 ms for YOLOv3-tiny):
1. the whole frame, downscaled so its long side is ``full_frame_px`` (240), frontal cascade with 7
   neighbours: finds faces from ~55 px (in a 640 px frame) up, also where YOLO saw no person (close-ups).
   With 5 neighbours it also "found" faces on a highway and a zebra crossing; 240 px found the same faces
   as 320 px for two thirds of the cost;
2. the head region (top 45 %) of each detected person at least ``min_person_px`` tall, upscaled so it is at
   least 96 px wide, frontal and profile cascades (both directions): finds faces down to ~15 px inside
   people that YOLO found, for 1-3 ms a person.
Rotated frames were tried for tilted heads: they found the head-pose clip's faces in every frame but also
false faces in the classroom clip and tripled the cost, so they are off by default (``rotations``).

``face_count`` counts detected faces only. A person's head region is NOT counted as a face, even when it is
large: people seen from behind (one-by-one-person-detection.mp4) would all count. It IS always blurred:
every available detector misses faces under ~30 px (DESIGN.md), so ``redaction_boxes`` covers the head
region of every detected person as well as every detected face.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import cv2
import numpy as np

from chronotrace_desktop.analysis.models import haar_cascade
from chronotrace_desktop.analysis.objects import iou
from chronotrace_desktop.domain.errors import EnvironmentProblemError
from chronotrace_desktop.domain.media import Box

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

logger = logging.getLogger(__name__)

FACE = "face"
HEAD = "head"

# Head region of a person box, in fractions of the box: a standing person's head is the top ~13-15 % of the
# box; 28 % (from 6 % above the box) also covers bent heads, hats and a box that starts at the shoulders,
# and the width is the whole box plus 15 % each side (the head can be anywhere across a box with arms out).
HEAD_TOP = -0.06
HEAD_BOTTOM = 0.28
HEAD_SIDE = 0.15
FACE_MARGIN = 1.3  # detected faces are blurred over 1.3 times their box (hair, ears, chin)


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
    max_people: int = 12  # head-region passes per frame, largest people first
    rotations: tuple[float, ...] = (0.0,)  # degrees; e.g. (0.0, -25.0, 25.0) for tilted heads


def _cascade(file_name: str) -> cv2.CascadeClassifier:
    path = haar_cascade(file_name)
    cascade = cv2.CascadeClassifier(str(path))
    if cascade.empty():
        raise EnvironmentProblemError(
            f"cannot load the Haar cascade {path}: reinstall opencv-python-headless<5"
        )
    return cascade


@dataclass(slots=True)
class FaceDetector:
    """Haar frontal + profile faces. Not shared between threads: make one per thread."""

    config: FaceConfig = field(default_factory=FaceConfig)
    frontal: cv2.CascadeClassifier = field(
        default_factory=lambda: _cascade("haarcascade_frontalface_default.xml")
    )
    profile: cv2.CascadeClassifier = field(default_factory=lambda: _cascade("haarcascade_profileface.xml"))

    def detect(self, image: np.ndarray, people: Sequence[Box] = ()) -> list[Box]:
        """Faces in a BGR frame as normalised boxes labelled "face"; ``people`` are person boxes from YOLO."""
        height, width = image.shape[:2]
        if height == 0 or width == 0:
            return []
        gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
        found = self._whole_frame(gray)
        tall = sorted((p for p in people if p.h * height >= self.config.min_person_px), key=lambda p: -p.h)
        for person in tall[: self.config.max_people]:
            found.extend(self._head_region(gray, person))
        faces = [
            Box(x / width, y / height, w / width, h / height, FACE, score) for x, y, w, h, score in found
        ]
        return _dedup(faces)

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
        cx, cy = face.x + face.w / 2, face.y + face.h / 2
        if all(iou(face, k) < 0.3 and not (k.x <= cx <= k.x + k.w and k.y <= cy <= k.y + k.h) for k in kept):
            kept.append(face)
    return kept


def head_region(person: Box) -> Box:
    """The part of a person box that holds the head, generously (see ``HEAD_*``), labelled "head"."""
    return Box(
        person.x - HEAD_SIDE * person.w,
        person.y + HEAD_TOP * person.h,
        person.w * (1 + 2 * HEAD_SIDE),
        person.h * (HEAD_BOTTOM - HEAD_TOP),
        HEAD,
        person.score,
    ).clipped()


def redaction_boxes(faces: Iterable[Box], people: Iterable[Box]) -> tuple[Box, ...]:
    """Regions to blur in one frame: each face (widened by ``FACE_MARGIN``) and each person's head region."""
    boxes = [Box(f.x, f.y, f.w, f.h, FACE, f.score).expanded(FACE_MARGIN) for f in faces]
    boxes.extend(head_region(p) for p in people)
    return tuple(b for b in boxes if b.w > 0 and b.h > 0)
