"""What the CLIP towers read: pixels prepared as CLIP prepares them, token ids as CLIP pads them, and frames
read from a segment's clip when the caller gave none."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import cv2
import numpy as np

from chronotrace_desktop.domain.errors import InvalidInputError
from chronotrace_desktop.embedding.port import Image, colour_image

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path

    import numpy.typing as npt
    from tokenizers import Tokenizer

logger = logging.getLogger(__name__)


def preprocess_images(
    images: Sequence[Image], size: int, mean: Sequence[float], std: Sequence[float]
) -> npt.NDArray[np.float32]:
    """``(n, 3, size, size)`` as CLIP's transform: shorter side to ``size`` (bicubic), centre crop, RGB in
    [0, 1], minus ``mean``, over ``std``."""
    mean_rgb = np.asarray(mean, dtype=np.float32)
    std_rgb = np.asarray(std, dtype=np.float32)
    batch = np.empty((len(images), 3, size, size), dtype=np.float32)
    for row, raw in enumerate(images):
        image = colour_image(raw, row)
        cropped = centre_crop(resize_shorter_side(image, size), size)
        rgb = cropped[:, :, ::-1].astype(np.float32) / np.float32(255.0)
        batch[row] = ((rgb - mean_rgb) / std_rgb).transpose(2, 0, 1)
    return batch


def resize_shorter_side(image: Image, size: int) -> Image:
    """Shorter side to ``size``, aspect kept (the longer side truncated like torchvision's ``Resize``).

    CLIP resizes with PIL's bicubic filter, which widens its kernel when shrinking (antialiasing); OpenCV's
    bicubic does not. A frame shrunk more than twice is therefore first area-averaged to twice the target,
    then bicubic does the last step: close to PIL's result without PIL."""
    height, width = image.shape[:2]
    short = min(height, width)
    if short == size:
        return image
    scale = size / short
    target = (max(size, int(width * scale)), max(size, int(height * scale)))
    if scale < 0.5:
        halfway = (target[0] * 2, target[1] * 2)
        image = cv2.resize(image, halfway, interpolation=cv2.INTER_AREA)
    resized: Image = cv2.resize(image, target, interpolation=cv2.INTER_CUBIC)
    return resized


def centre_crop(image: Image, size: int) -> Image:
    height, width = image.shape[:2]
    top = round((height - size) / 2)
    left = round((width - size) / 2)
    cropped: Image = image[top : top + size, left : left + size]
    return cropped


class ClipTokens:
    """Token ids of a fixed length: BOS, the text's tokens, EOS, then padding; truncated to fit."""

    def __init__(
        self,
        tokenizer: Tokenizer,
        context_length: int,
        pad_id: int,
        bos_token: str | None,
        eos_token: str | None,
    ) -> None:
        self._tokenizer = tokenizer
        self._length = context_length
        self._pad_id = pad_id
        tokenizer.no_padding()
        bos_id = tokenizer.token_to_id(bos_token) if bos_token else None
        eos_id = tokenizer.token_to_id(eos_token) if eos_token else None
        probe = tokenizer.encode("a").ids
        post_processed = bool(probe) and (probe[0] == bos_id or (eos_id is not None and probe[-1] == eos_id))
        # The tokenizer's own post-processor adds the special tokens (HF's CLIP tokenizer.json does); when it
        # has none, they are added here, when the vocabulary has them.
        self._bos = None if post_processed else bos_id
        self._eos = None if post_processed else eos_id
        if post_processed:
            tokenizer.enable_truncation(context_length)
        else:
            tokenizer.no_truncation()

    @property
    def context_length(self) -> int:
        return self._length

    def encode(self, texts: Sequence[str]) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        """``(input_ids, attention_mask)``, each ``(len(texts), context_length)`` int64."""
        ids = np.full((len(texts), self._length), self._pad_id, dtype=np.int64)
        mask = np.zeros((len(texts), self._length), dtype=np.int64)
        for row, encoding in enumerate(self._tokenizer.encode_batch(list(texts))):
            tokens = list(encoding.ids)
            if self._bos is not None or self._eos is not None:
                room = self._length - (self._bos is not None) - (self._eos is not None)
                tokens = tokens[:room]
                if self._bos is not None:
                    tokens.insert(0, self._bos)
                if self._eos is not None:
                    tokens.append(self._eos)
            tokens = tokens[: self._length]
            ids[row, : len(tokens)] = tokens
            mask[row, : len(tokens)] = 1
        return ids, mask


def sample_clip(clip: Path, count: int) -> list[Image]:
    """Up to ``count`` frames spread evenly over ``clip`` (BGR), read with OpenCV.

    This fallback serves callers that hand over a clip but no frames; ingest passes the frames it already
    sampled (``SegmentMedia.frames``) or a sampler built on ``media.frames`` (``frame_sampler``)."""
    capture = cv2.VideoCapture(str(clip))
    try:
        if not capture.isOpened():
            raise InvalidInputError(f"{clip.name}: the segment's clip cannot be opened")
        total = int(capture.get(cv2.CAP_PROP_FRAME_COUNT))
        if total <= 0:  # a stream that does not say: one frame a second from its start
            rate = capture.get(cv2.CAP_PROP_FPS) or 25.0
            total = max(1, round(rate * count))
        wanted = sorted({min(total - 1, int((index + 0.5) * total / count)) for index in range(count)})
        frames: list[Image] = []
        position = 0
        for target in wanted:
            while position < target and capture.grab():
                position += 1
            ok, frame = capture.read()
            if not ok:
                break
            position += 1
            frames.append(frame)
    finally:
        capture.release()
    if not frames:
        raise InvalidInputError(f"{clip.name}: no frame of the segment's clip could be decoded")
    logger.debug("sampled %d frames of %s for CLIP", len(frames), clip.name)
    return frames
