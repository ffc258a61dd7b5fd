"""The request and response bodies of Amazon Nova multimodal embeddings (synchronous ``invoke_model``).

Followed exactly from AWS's "Complete embeddings request and response schema"
(https://docs.aws.amazon.com/nova/latest/userguide/embeddings-schema.html): ``schemaVersion``
``nova-multimodal-embed-v1``, ``taskType`` ``SINGLE_EMBEDDING`` (the only value for synchronous calls) and
``singleEmbeddingParams`` with ``embeddingPurpose``, ``embeddingDimension`` and exactly one input (``text``,
``image`` or ``video``, each with a ``source`` of inline base64 ``bytes``). The answer is
``{"embeddings": [{"embeddingType": ..., "embedding": [...]}, ...]}``.

Choices, and why:

- Segments are indexed with ``GENERIC_INDEX``; a text query uses ``VIDEO_RETRIEVAL`` (the documented purpose for
  a query searching an index of videos). A query image (query by image, find similar) is also a query against
  the same index of video segments, so it uses ``VIDEO_RETRIEVAL`` too: the docs pick the retrieval purpose by
  what is searched, not by what the query is; ``IMAGE_RETRIEVAL`` would be for an index of images, which this
  engine never builds. Nothing is indexed as an image, so ``GENERIC_INDEX`` for images would serve no search.
- Video ``embeddingMode`` is ``AUDIO_VIDEO_SEPARATE`` and only the ``VIDEO`` embedding is kept. The documented
  modes are ``AUDIO_VIDEO_COMBINED`` and ``AUDIO_VIDEO_SEPARATE`` (there is no video-only mode). CCTV audio is
  mostly absent or noise (wind, hum, traffic) and the redacted rendition may drop it; a combined embedding would
  let that noise move the vector and would put clips with and without a sound track in different places.
  Separate embeddings keep the vector purely visual, so the redacted and the original rendition of a segment
  land in the same space whatever their audio, and text queries ("white car") describe what is seen.
- Text uses ``truncationMode`` ``END``: queries are short (``validate_texts`` caps them at 4096 characters, the
  model reads 8K tokens), so nothing is cut in practice; ``END`` keeps the start if it ever is.
- Images are sent as JPEG (quality 95, ``detailLevel`` ``STANDARD_IMAGE``: CCTV frames and crops, not pages).
"""

from __future__ import annotations

import math
from typing import Any, Final, Literal

import numpy as np

from chronotrace_desktop.domain.errors import EnvironmentProblemError
from chronotrace_desktop.embedding.port import Vector, l2_normalise

SCHEMA_VERSION: Final = "nova-multimodal-embed-v1"
TASK_TYPE: Final = "SINGLE_EMBEDDING"
DIMENSIONS: Final = (256, 384, 1024, 3072)

INDEX_PURPOSE: Final = "GENERIC_INDEX"
QUERY_PURPOSE: Final = "VIDEO_RETRIEVAL"
VIDEO_EMBEDDING_MODE: Final = "AUDIO_VIDEO_SEPARATE"
TEXT_TRUNCATION: Final = "END"
IMAGE_DETAIL: Final = "STANDARD_IMAGE"

MAX_CLIP_SECONDS: Final = 30.0
"""Nova embeds at most 30 s of video in one synchronous call (docs: "30s of video")."""
MAX_INLINE_BYTES: Final = 25_000_000
"""Bedrock takes inline (base64) video only while the *encoded* file is under 25 MB (API reference, VideoSource:
https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_VideoSource.html); larger files must come
from S3, which this engine does not do. The Nova embeddings pages name inline base64 and S3 as the two input
methods; the 25 MB figure is Bedrock runtime's. Counted in decimal MB, on the safe side. A 15 s CCTV segment
is a few MB; the same cap guards images."""

EmbeddingType = Literal["TEXT", "IMAGE", "VIDEO"]


def encoded_size(raw_bytes: int) -> int:
    """Length of the base64 text for ``raw_bytes`` bytes (what the inline limit counts)."""
    return 4 * math.ceil(raw_bytes / 3)


def _request(purpose: str, dimension: int, field: str, value: dict[str, Any]) -> dict[str, Any]:
    return {
        "schemaVersion": SCHEMA_VERSION,
        "taskType": TASK_TYPE,
        "singleEmbeddingParams": {
            "embeddingPurpose": purpose,
            "embeddingDimension": dimension,
            field: value,
        },
    }


def segment_request(clip_base64: str, dimension: int) -> dict[str, Any]:
    """A segment's MP4 clip, for the index."""
    video = {"format": "mp4", "embeddingMode": VIDEO_EMBEDDING_MODE, "source": {"bytes": clip_base64}}
    return _request(INDEX_PURPOSE, dimension, "video", video)


def text_query_request(text: str, dimension: int) -> dict[str, Any]:
    """A search query, to retrieve segments."""
    return _request(QUERY_PURPOSE, dimension, "text", {"truncationMode": TEXT_TRUNCATION, "value": text})


def image_query_request(jpeg_base64: str, dimension: int) -> dict[str, Any]:
    """A query image or crop, to retrieve segments."""
    image = {"format": "jpeg", "detailLevel": IMAGE_DETAIL, "source": {"bytes": jpeg_base64}}
    return _request(QUERY_PURPOSE, dimension, "image", image)


def parse_embedding(payload: object, expected: EmbeddingType, dimension: int, model_id: str) -> Vector:
    """The ``expected`` embedding of a response, checked and L2-normalised; ``EnvironmentProblemError`` if the
    service answered something else (the model id may name another model, or the schema changed)."""

    def unexpected(detail: str) -> EnvironmentProblemError:
        return EnvironmentProblemError(
            f"Amazon Nova ({model_id}) gave an unexpected answer: {detail}. Check nova_model_id names a Nova "
            "multimodal embeddings model."
        )

    embeddings = payload.get("embeddings") if isinstance(payload, dict) else None
    if not isinstance(embeddings, list):
        raise unexpected("no 'embeddings' list")
    found = [item for item in embeddings if isinstance(item, dict) and item.get("embeddingType") == expected]
    if not found:
        kinds = sorted(str(item.get("embeddingType")) for item in embeddings if isinstance(item, dict))
        raise unexpected(f"no {expected} embedding (got {', '.join(kinds) or 'none'})")
    values = found[0].get("embedding")
    if not isinstance(values, list) or not all(
        isinstance(v, int | float) and not isinstance(v, bool) for v in values
    ):
        raise unexpected(f"the {expected} embedding is not a list of numbers")
    if len(values) != dimension:
        raise unexpected(f"a {len(values)}-d {expected} vector where {dimension}-d was asked for")
    vector = np.asarray(values, dtype=np.float32)
    if not np.all(np.isfinite(vector)) or not np.any(vector):
        raise unexpected(f"the {expected} vector is zero or not finite")
    normalised: Vector = l2_normalise(vector)
    return normalised
