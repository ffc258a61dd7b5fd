"""The ImageNet-1k classifier the analysis asks about crops and frames, as a port.

The classifier itself lives in the embedding layer (``embedding.mobilenet``: MobileNetV2 on onnxruntime); the
ingest service hands it to the analysis, which only needs class probabilities. Groups of ImageNet classes
stand for one product word ("van" = minivan, moving van, police van...): a group's score is the sum of its
classes' probabilities, so a crop the network splits between two kinds of van still counts as a van.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

import numpy as np

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence


class ImageNetClassifier(Protocol):
    @property
    def labels(self) -> tuple[str, ...]: ...

    def probabilities(self, images: Sequence[np.ndarray]) -> np.ndarray:
        """``(n, 1000)`` softmax probabilities of BGR ``uint8`` images (each resized to the input size)."""
        ...


class ClassGroups:
    """Named groups of ImageNet labels resolved to class indices once per classifier."""

    def __init__(self, labels: Sequence[str], groups: Mapping[str, Sequence[str]]) -> None:
        index = {name: i for i, name in enumerate(labels)}
        missing = sorted({c for members in groups.values() for c in members if c not in index})
        if missing:
            raise ValueError(f"not ImageNet labels: {', '.join(missing)}")
        self.names = tuple(groups)
        self._members = [np.array([index[c] for c in groups[g]], dtype=np.int64) for g in self.names]

    def scores(self, probabilities: np.ndarray) -> np.ndarray:
        """``(n, groups)``: per image, each group's summed probability."""
        return np.stack([probabilities[:, members].sum(axis=1) for members in self._members], axis=1)
