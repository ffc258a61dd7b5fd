"""The CLIP engine: a ``SegmentEngine`` over the two ONNX towers of a local folder (see the package's
docstring for the folder's layout and how to export a model into it)."""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import TYPE_CHECKING, TypeAlias

import numpy as np
from tokenizers import Tokenizer

from chronotrace_desktop.domain.errors import EnvironmentProblemError, InvalidInputError
from chronotrace_desktop.embedding._onnx import onnx_session
from chronotrace_desktop.embedding.clip.folder import (
    IMAGE_FILE,
    LAYOUT_HINT,
    SETTING_HINT,
    TEXT_FILE,
    TOKENIZER_FILE,
    ClipConfig,
    folder_digest,
    read_config,
    require_folder,
)
from chronotrace_desktop.embedding.clip.inputs import ClipTokens, preprocess_images, sample_clip
from chronotrace_desktop.embedding.port import Image, Vector, Vectors, l2_normalise, validate_texts

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    import numpy.typing as npt
    import onnxruntime as ort  # type: ignore[import-untyped]

    from chronotrace_desktop.embedding.segment_port import SegmentMedia

logger = logging.getLogger(__name__)

FrameSampler: TypeAlias = "Callable[[SegmentMedia], Sequence[Image]]"
"""Frames of a segment whose ``SegmentMedia.frames`` is empty (the services layer may build one on
``media.frames.sample_frames``; embedding may not import media)."""

ENGINE_NAME = "clip"
DEFAULT_BATCH_SIZE = 16
FRAMES_PER_SEGMENT = 8
"""Frames read from the clip when the caller gave none, and the most embedded per segment (more are thinned
evenly: a 15-second segment changes little between them, and each costs a pass of the image tower)."""
DEFAULT_IMAGE_SIZE = 224
DEFAULT_CONTEXT_LENGTH = 77
_PREFERRED_OUTPUTS = {
    "image": ("image_embeds", "embeds", "embeddings", "embedding"),
    "text": ("text_embeds", "embeds", "embeddings", "embedding"),
}
_NUMPY_TYPES: dict[str, type[np.generic]] = {
    "tensor(float)": np.float32,
    "tensor(float16)": np.float16,
    "tensor(double)": np.float64,
    "tensor(int64)": np.int64,
    "tensor(int32)": np.int32,
}


def clip_engine_from_dir(
    folder: str | Path | None,
    *,
    threads: int = 0,
    batch_size: int = DEFAULT_BATCH_SIZE,
    frame_sampler: FrameSampler | None = None,
) -> ClipFolderEngine:
    """The engine for the setting ``clip_model_dir`` (None or blank: not configured)."""
    if folder is None or not str(folder).strip():
        raise EnvironmentProblemError(
            f"The CLIP engine is enabled but clip_model_dir is not set: {SETTING_HINT}."
        )
    return ClipFolderEngine(
        Path(folder).expanduser(), threads=threads, batch_size=batch_size, frame_sampler=frame_sampler
    )


class ClipFolderEngine:
    """A CLIP-style model from a local folder: segments, text queries and images in one space. Thread-safe
    (onnxruntime sessions and the tokenizer are); load once and share."""

    def __init__(
        self,
        folder: Path,
        *,
        threads: int = 0,
        batch_size: int = DEFAULT_BATCH_SIZE,
        frame_sampler: FrameSampler | None = None,
    ) -> None:
        started = time.perf_counter()
        require_folder(folder)
        config = read_config(folder)
        self._folder = folder
        self._config = config
        self._batch_size = max(1, batch_size)
        self._frame_sampler = frame_sampler
        self._image_session = onnx_session(folder / IMAGE_FILE, threads, "CLIP image tower", LAYOUT_HINT)
        self._text_session = onnx_session(folder / TEXT_FILE, threads, "CLIP text tower", LAYOUT_HINT)
        self._image_input, self._image_type, self._image_size = self._image_signature(config)
        self._image_output = _pick_output(
            self._image_session, config.image_output, "image", folder / IMAGE_FILE
        )
        self._text_output = _pick_output(self._text_session, config.text_output, "text", folder / TEXT_FILE)
        self._ids_input, self._mask_input, self._ids_type, context_length = self._text_signature(config)
        try:
            tokenizer = Tokenizer.from_file(str(folder / TOKENIZER_FILE))
        except Exception as error:  # the Rust tokenizer raises its own exception for a foreign file
            raise EnvironmentProblemError(
                f"The CLIP tokenizer {folder / TOKENIZER_FILE} cannot be read ({error}): {LAYOUT_HINT}."
            ) from error
        self._tokens = ClipTokens(
            tokenizer, context_length, config.pad_token_id, config.bos_token, config.eos_token
        )
        image_dimension = self._image_vectors(np.zeros((1, 3, self._image_size, self._image_size))).shape[1]
        text_dimension = self._text_vectors(["a photo"]).shape[1]
        if image_dimension != text_dimension:
            raise EnvironmentProblemError(
                f"The CLIP model in {folder} is not one model: its image tower gives {image_dimension}-d vectors "
                f"and its text tower {text_dimension}-d; export both towers of the same model ({LAYOUT_HINT})."
            )
        self._dimension = int(image_dimension)
        digest = f"onnx:{folder_digest(folder)}"
        self._version = f"{config.model_version}/{digest}" if config.model_version else digest
        logger.info(
            "Loaded CLIP engine %s (%s, %d-d, %d px, %d tokens%s) from %s in %.0f ms",
            config.model_name,
            self._version,
            self._dimension,
            self._image_size,
            context_length,
            ", attention mask" if self._mask_input else "",
            folder,
            (time.perf_counter() - started) * 1000,
        )

    @property
    def name(self) -> str:
        return ENGINE_NAME

    @property
    def model_name(self) -> str:
        return self._config.model_name

    @property
    def model_version(self) -> str:
        """config.json's version (if any) and a hash of the folder's files: a changed model never shares it."""
        return self._version

    @property
    def dimension(self) -> int:
        return self._dimension

    @property
    def remote_calls_per_segment(self) -> int:
        return 0

    @property
    def folder(self) -> Path:
        return self._folder

    @property
    def image_size(self) -> int:
        return self._image_size

    @property
    def tokens(self) -> ClipTokens:
        return self._tokens

    def embed_segment(self, media: SegmentMedia) -> Vector:
        """The mean of the unit vectors of the segment's frames, made unit length again."""
        frames = list(media.frames)
        if not frames:
            frames = list(
                self._frame_sampler(media)
                if self._frame_sampler is not None
                else sample_clip(media.clip, FRAMES_PER_SEGMENT)
            )
        if not frames:
            raise InvalidInputError(f"{media.clip.name}: the segment has no frame to embed")
        if len(frames) > FRAMES_PER_SEGMENT:
            keep = np.linspace(0, len(frames) - 1, FRAMES_PER_SEGMENT).round().astype(int)
            frames = [frames[index] for index in keep]
        pooled = self.embed_images(frames).mean(axis=0, keepdims=True)
        vector: Vector = l2_normalise(pooled)[0]
        return vector

    def embed_text_query(self, text: str) -> Vector:
        vector: Vector = self.embed_texts([text])[0]
        return vector

    def embed_texts(self, texts: Sequence[str]) -> Vectors:
        """Several texts, batched; ``[]`` gives an empty ``(0, dimension)`` array."""
        checked = validate_texts(texts)
        result = np.zeros((len(checked), self._dimension), dtype=np.float32)
        for start in range(0, len(checked), self._batch_size):
            chunk = checked[start : start + self._batch_size]
            result[start : start + len(chunk)] = self._text_vectors(chunk)
        return result

    def embed_image(self, image: Image) -> Vector:
        vector: Vector = self.embed_images([image])[0]
        return vector

    def embed_images(self, images: Sequence[Image]) -> Vectors:
        """BGR images of any size, ``batch_size`` per run of the image tower; ``[]`` gives ``(0, dimension)``."""
        items = list(images)
        result = np.zeros((len(items), self._dimension), dtype=np.float32)
        mean, std = self._config.mean, self._config.std
        for start in range(0, len(items), self._batch_size):
            batch = preprocess_images(items[start : start + self._batch_size], self._image_size, mean, std)
            result[start : start + len(batch)] = self._image_vectors(batch)
        return result

    def _image_vectors(self, pixels: npt.NDArray[np.floating]) -> Vectors:
        feeds = {self._image_input: pixels.astype(self._image_type, copy=False)}
        (output,) = self._image_session.run([self._image_output], feeds)
        return self._unit_rows(output, "image", len(pixels))

    def _text_vectors(self, texts: Sequence[str]) -> Vectors:
        ids, mask = self._tokens.encode(texts)
        feeds = {self._ids_input: ids.astype(self._ids_type, copy=False)}
        if self._mask_input is not None:
            feeds[self._mask_input] = mask.astype(self._ids_type, copy=False)
        (output,) = self._text_session.run([self._text_output], feeds)
        return self._unit_rows(output, "text", len(texts))

    def _unit_rows(self, output: object, tower: str, count: int) -> Vectors:
        matrix = np.asarray(output, dtype=np.float32)
        if matrix.ndim != 2 or matrix.shape[0] != count:
            raise EnvironmentProblemError(
                f"The CLIP {tower} tower in {self._folder} returned shape {matrix.shape} for {count} inputs; "
                f"expected ({count}, D): {LAYOUT_HINT}."
            )
        return l2_normalise(matrix)

    def _image_signature(self, config: ClipConfig) -> tuple[str, type[np.generic], int]:
        """The image input's name, element type and side (config.json's, else the graph's, else 224)."""
        path = self._folder / IMAGE_FILE
        inputs = self._image_session.get_inputs()
        if len(inputs) != 1:
            names = ", ".join(item.name for item in inputs)
            raise EnvironmentProblemError(
                f"The CLIP image tower {path} takes {len(inputs)} inputs ({names}); expected one, "
                f"pixel_values [N,3,H,W]: {LAYOUT_HINT}."
            )
        pixel_input = inputs[0]
        shape = list(pixel_input.shape)
        element = _NUMPY_TYPES.get(pixel_input.type)
        fixed = [dim for dim in shape[2:] if isinstance(dim, int)]
        wrong = len(shape) != 4 or (isinstance(shape[1], int) and shape[1] != 3) or len(set(fixed)) > 1
        if element is None or not np.issubdtype(element, np.floating) or wrong:
            raise EnvironmentProblemError(
                f"The CLIP image tower {path} takes {pixel_input.name} {pixel_input.type} {shape}; expected "
                f"float [N,3,H,W] with H = W: {LAYOUT_HINT}."
            )
        size = config.image_size or (fixed[0] if fixed else DEFAULT_IMAGE_SIZE)
        if fixed and fixed[0] != size:
            raise EnvironmentProblemError(
                f"config.json in {self._folder} says image_size {size} but {path} takes {fixed[0]} px images: "
                "correct config.json."
            )
        return pixel_input.name, element, size

    def _text_signature(self, config: ClipConfig) -> tuple[str, str | None, type[np.generic], int]:
        """The token input's name, the attention mask's (None when the graph takes none), the integer type
        both take, and the context length (config.json's, else the graph's, else 77)."""
        path = self._folder / TEXT_FILE
        inputs = {item.name: item for item in self._text_session.get_inputs()}
        mask_input = "attention_mask" if "attention_mask" in inputs else None
        others = [name for name in inputs if name != mask_input]
        ids_name = "input_ids" if "input_ids" in inputs else (others[0] if len(others) == 1 else None)
        if ids_name is None or len(others) != 1:
            raise EnvironmentProblemError(
                f"The CLIP text tower {path} takes {', '.join(inputs) or 'no inputs'}; expected input_ids "
                f"[N,L] and optionally attention_mask: {LAYOUT_HINT}."
            )
        ids_input = inputs[ids_name]
        element = _NUMPY_TYPES.get(ids_input.type)
        shape = list(ids_input.shape)
        if element is None or not np.issubdtype(element, np.integer) or len(shape) != 2:
            raise EnvironmentProblemError(
                f"The CLIP text tower {path} takes {ids_name} {ids_input.type} {shape}; expected int64 [N,L]: "
                f"{LAYOUT_HINT}."
            )
        fixed = shape[1] if isinstance(shape[1], int) else None
        length = config.context_length or fixed or DEFAULT_CONTEXT_LENGTH
        if fixed is not None and fixed != length:
            raise EnvironmentProblemError(
                f"config.json in {self._folder} says context_length {length} but {path} takes {fixed} tokens: "
                "correct config.json."
            )
        return ids_name, mask_input, element, length


def _pick_output(session: ort.InferenceSession, configured: str | None, tower: str, path: Path) -> str:
    """The embedding output: config.json's choice, else a well-known name, else the only 2-D output."""
    outputs = session.get_outputs()
    names: list[str] = [str(item.name) for item in outputs]
    if configured is not None:
        if configured not in names:
            raise EnvironmentProblemError(
                f"config.json names {tower}_output {configured!r}, but {path} outputs {', '.join(names)}."
            )
        return configured
    for preferred in _PREFERRED_OUTPUTS[tower]:
        if preferred in names:
            return preferred
    two_d = [str(item.name) for item in outputs if len(item.shape) == 2]
    if len(outputs) == 1 or len(two_d) == 1:
        return two_d[0] if two_d else names[0]
    raise EnvironmentProblemError(
        f"The CLIP {tower} tower {path} outputs {', '.join(names)}; say which is the embedding with "
        f"{tower}_output in config.json."
    )
