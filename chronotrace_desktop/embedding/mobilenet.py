"""Image embeddings for find-similar and query-by-image, plus ImageNet tags: MobileNetV2 on onnxruntime.

The network is torchvision's MobileNetV2 with its ``IMAGENET1K_V1`` weights, turned into ONNX at install time
by ``chronotrace models install`` (no torch, at install or run time). The embedding is the 1280-d
global-average-pooled penultimate layer, L2-normalised: a generic appearance vector, good at "same place, same
camera, similar scene", weak at fine identity. The 1000 ImageNet labels of a person crop give weak but useful
clothing tags (jean, sweatshirt, cardigan, fur coat…); whole-frame labels are poor scene cues.

This space (1280-d) is not the text space (384-d): image vectors need their own named vector or collection.

Licence: the weights were trained on ImageNet-1k, whose terms allow non-commercial research use only. Shipping
this engine in a commercial product needs that cleared (or a model trained on licensed data put in its place).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

import cv2
import numpy as np

from chronotrace_desktop.domain.errors import EnvironmentProblemError, InvalidInputError
from chronotrace_desktop.embedding._onnx import onnx_session
from chronotrace_desktop.embedding.model_files import (
    IMAGE_MODEL_INSTALL_HINT,
    IMAGENET_CLASSES,
    file_version,
    image_model_file,
)
from chronotrace_desktop.embedding.port import Image, Vectors, colour_image, l2_normalise

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path

    import numpy.typing as npt

logger = logging.getLogger(__name__)

MODEL_NAME = "mobilenet_v2-imagenet1k_v1"
INPUT_SIZE = 224
DEFAULT_BATCH_SIZE = 16
_MEAN_RGB = np.array([0.485, 0.456, 0.406], dtype=np.float32) * 255
_STD_RGB = np.array([0.229, 0.224, 0.225], dtype=np.float32) * 255


@dataclass(frozen=True, slots=True)
class ImageLabel:
    """An ImageNet class and its softmax probability (0..1)."""

    label: str
    score: float


def _load_labels(path: Path) -> tuple[str, ...]:
    try:
        labels = tuple(path.read_text(encoding="utf-8").splitlines())
    except OSError as error:
        raise EnvironmentProblemError(
            f"The ImageNet labels are missing ({path}): reinstall ChronoTrace."
        ) from error
    if len(labels) != 1000:
        raise EnvironmentProblemError(f"{path} holds {len(labels)} labels, not 1000: reinstall ChronoTrace.")
    return labels


def preprocess(images: Sequence[Image]) -> npt.NDArray[np.float32]:
    """``(n, 3, 224, 224)`` normalised RGB. The whole image is resized (squashed), never cropped."""
    batch = np.empty((len(images), 3, INPUT_SIZE, INPUT_SIZE), dtype=np.float32)
    for row, raw in enumerate(images):
        image = colour_image(raw, row)
        height, width = image.shape[:2]
        shrinking = height >= INPUT_SIZE and width >= INPUT_SIZE
        interpolation = cv2.INTER_AREA if shrinking else cv2.INTER_LINEAR
        resized = cv2.resize(image, (INPUT_SIZE, INPUT_SIZE), interpolation=interpolation)
        rgb = resized[:, :, ::-1].astype(np.float32)
        batch[row] = ((rgb - _MEAN_RGB) / _STD_RGB).transpose(2, 0, 1)
    return batch


class MobileNetImageEmbedder:
    """MobileNetV2 ImageNet-1k (1280-d embedding + 1000 labels) from a local ONNX file. Thread-safe."""

    def __init__(
        self, model_path: Path | None = None, *, threads: int = 0, batch_size: int = DEFAULT_BATCH_SIZE
    ) -> None:
        started = time.perf_counter()
        path = model_path if model_path is not None else image_model_file().path
        if path is None:  # pragma: no cover - image_model_file always names a path
            raise EnvironmentProblemError(
                f"The image embedding model is not installed: {IMAGE_MODEL_INSTALL_HINT}."
            )
        self._session = onnx_session(
            path, threads, f"image embedding ({MODEL_NAME})", IMAGE_MODEL_INSTALL_HINT
        )
        self._labels = _load_labels(IMAGENET_CLASSES)
        self._batch_size = max(1, batch_size)
        self._version = f"onnx:{file_version(path)}"
        logger.info(
            "Loaded image embedder %s (%s) from %s in %.0f ms",
            MODEL_NAME,
            self._version,
            path,
            (time.perf_counter() - started) * 1000,
        )

    @property
    def model_name(self) -> str:
        return MODEL_NAME

    @property
    def model_version(self) -> str:
        return self._version

    @property
    def dimension(self) -> int:
        return 1280

    @property
    def labels(self) -> tuple[str, ...]:
        return self._labels

    def embed_images(self, images: Sequence[Image]) -> Vectors:
        return self.embed_and_label(images, top_k=0)[0]

    def top_labels(self, images: Sequence[Image], top_k: int = 5) -> list[tuple[ImageLabel, ...]]:
        """The ``top_k`` most probable ImageNet classes of each image, best first."""
        return self.embed_and_label(images, top_k=top_k)[1]

    def embed_and_label(
        self, images: Sequence[Image], top_k: int = 5
    ) -> tuple[Vectors, list[tuple[ImageLabel, ...]]]:
        """Both from one pass of the network (ingest wants both for each person crop)."""
        if not 0 <= top_k <= len(self._labels):
            raise InvalidInputError(f"top_k must be between 0 and {len(self._labels)}, got {top_k}")
        items = list(images)
        vectors = np.zeros((len(items), self.dimension), dtype=np.float32)
        labels: list[tuple[ImageLabel, ...]] = []
        for start in range(0, len(items), self._batch_size):
            batch = preprocess(items[start : start + self._batch_size])
            embedding, logits = self._session.run(["embedding", "logits"], {"images": batch})
            vectors[start : start + len(batch)] = l2_normalise(np.asarray(embedding, dtype=np.float32))
            if top_k:
                labels.extend(self._top(np.asarray(logits, dtype=np.float32), top_k))
        return vectors, labels

    def probabilities(self, images: Sequence[Image]) -> npt.NDArray[np.float32]:
        """``(n, 1000)`` ImageNet class probabilities (the analysis layer's ``ImageNetClassifier`` port)."""
        items = list(images)
        out = np.zeros((len(items), len(self._labels)), dtype=np.float32)
        for start in range(0, len(items), self._batch_size):
            batch = preprocess(items[start : start + self._batch_size])
            (logits,) = self._session.run(["logits"], {"images": batch})
            out[start : start + len(batch)] = _softmax(np.asarray(logits, dtype=np.float32))
        return out

    def _top(self, logits: npt.NDArray[np.float32], top_k: int) -> list[tuple[ImageLabel, ...]]:
        probabilities = _softmax(logits)
        best = np.argsort(-probabilities, axis=1)[:, :top_k]
        return [
            tuple(ImageLabel(self._labels[index], float(row[index])) for index in indices)
            for row, indices in zip(probabilities, best, strict=True)
        ]


def _softmax(logits: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
    out: npt.NDArray[np.float32] = shifted / shifted.sum(axis=1, keepdims=True)
    return out


@lru_cache(maxsize=1)
def imagenet_classifier() -> MobileNetImageEmbedder:
    """The one MobileNetV2 the ingest asks for ImageNet class probabilities (one thread per call, shared:
    onnxruntime sessions are thread-safe)."""
    return MobileNetImageEmbedder(threads=1)
