"""The embedder port: what ingest and search need from an embedding engine, whatever runs it.

Every engine returns float32 vectors of unit length (cosine similarity is a dot product), and names itself
with ``model_name``/``model_version`` so the vector payload can record which space a vector lives in and a
later engine change can re-embed. A text engine may embed queries differently from documents (an instruction
prefix, say); MiniLM does not. Engines raise ``EnvironmentProblemError`` when their model files are missing
(the message names the install command) and ``InvalidInputError`` for empty or oversized input.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol, TypeAlias, runtime_checkable

import cv2
import numpy as np
import numpy.typing as npt

from chronotrace_desktop.domain.errors import InvalidInputError

if TYPE_CHECKING:
    from collections.abc import Sequence

Vectors: TypeAlias = npt.NDArray[np.float32]
"""Shape ``(n, dimension)``, float32, every row L2-normalised."""
Vector: TypeAlias = npt.NDArray[np.float32]
"""Shape ``(dimension,)``, float32, L2-normalised."""
Image: TypeAlias = npt.NDArray[Any]
"""An OpenCV image: ``(h, w, 3)`` BGR, ``(h, w, 4)`` BGRA or ``(h, w)`` grey, uint8 (checked at run time;
typed loosely so frames from ``cv2`` pass without casts)."""

MAX_TEXT_CHARS = 4096
"""Longer text is refused: captions and queries are short; the model reads at most 256 tokens anyway."""
MAX_IMAGE_PIXELS = 50_000_000
"""Larger images are refused (a decoded 8K frame is 33 MP); callers pass frames, crops or thumbnails."""


@runtime_checkable
class TextEmbedder(Protocol):
    """Embeds captions (documents) and queries into one space."""

    @property
    def model_name(self) -> str: ...

    @property
    def model_version(self) -> str: ...

    @property
    def dimension(self) -> int: ...

    def embed_texts(self, texts: Sequence[str]) -> Vectors:
        """Documents (segment captions), batched inside; ``[]`` gives an empty ``(0, dimension)`` array."""
        ...

    def embed_query(self, text: str) -> Vector:
        """One search query; may differ from ``embed_texts([text])[0]`` if the model wants a query prefix."""
        ...


@runtime_checkable
class ImageEmbedder(Protocol):
    """Embeds images (frames, thumbnails, person crops) for find-similar and query-by-image."""

    @property
    def model_name(self) -> str: ...

    @property
    def model_version(self) -> str: ...

    @property
    def dimension(self) -> int: ...

    def embed_images(self, images: Sequence[Image]) -> Vectors:
        """BGR images of any size; ``[]`` gives an empty ``(0, dimension)`` array."""
        ...


def validate_texts(texts: Sequence[str]) -> list[str]:
    """The texts as a list, or ``InvalidInputError`` naming the first bad one."""
    if isinstance(texts, str):
        raise InvalidInputError("expected a list of texts, got a single string")
    checked = list(texts)
    for index, text in enumerate(checked):
        if not isinstance(text, str):
            raise InvalidInputError(f"text {index} is a {type(text).__name__}, not a string")
        if not text.strip():
            raise InvalidInputError(f"text {index} is empty: there is nothing to embed")
        if len(text) > MAX_TEXT_CHARS:
            raise InvalidInputError(
                f"text {index} is {len(text)} characters long; at most {MAX_TEXT_CHARS} can be embedded"
            )
    return checked


def validate_image(image: object, index: int = 0) -> Image:
    """A uint8 BGR/BGRA/grey image, or ``InvalidInputError`` saying what is wrong with it."""
    if not isinstance(image, np.ndarray):
        raise InvalidInputError(f"image {index} is a {type(image).__name__}, not a numpy array")
    if image.dtype != np.uint8:
        raise InvalidInputError(f"image {index} has dtype {image.dtype}; expected uint8 (as OpenCV decodes)")
    channels_ok = image.ndim == 2 or (image.ndim == 3 and image.shape[2] in (3, 4))
    if not channels_ok:
        raise InvalidInputError(
            f"image {index} has shape {image.shape}; expected (h, w), (h, w, 3) or (h, w, 4)"
        )
    height, width = image.shape[:2]
    if height == 0 or width == 0:
        raise InvalidInputError(f"image {index} is empty ({width}x{height})")
    if height * width > MAX_IMAGE_PIXELS:
        raise InvalidInputError(f"image {index} is {width}x{height}; at most {MAX_IMAGE_PIXELS:,} pixels")
    checked: Image = image
    return checked


def colour_image(image: object, index: int = 0) -> Image:
    """A checked image (:func:`validate_image`) as 3-channel BGR: grey and BGRA converted."""
    checked = validate_image(image, index)
    if checked.ndim == 2:
        return cv2.cvtColor(checked, cv2.COLOR_GRAY2BGR)
    if checked.shape[2] == 4:
        return cv2.cvtColor(checked, cv2.COLOR_BGRA2BGR)
    return checked


def l2_normalise(vectors: npt.NDArray[np.floating]) -> Vectors:
    """Rows scaled to unit length (a zero row stays zero), as float32."""
    matrix = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(matrix, axis=-1, keepdims=True)
    normalised: Vectors = (matrix / np.maximum(norms, np.float32(1e-12))).astype(np.float32, copy=False)
    return normalised
