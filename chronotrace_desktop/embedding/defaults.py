"""The default embedding space of a new installation.

The offline default engine embeds text with all-MiniLM-L6-v2 (384 dimensions, DESIGN.md); the collection
is created with that size so the first ingest can write into it. An installation that switches engine
(CLIP from a local file, Bedrock Nova at 1024) re-creates its collection and re-embeds.

Image vectors (find-similar, query by image) of the offline default live in another space: MobileNetV2's
1280-d ImageNet features, which must never be compared with text vectors.
"""

from __future__ import annotations

DEFAULT_EMBEDDING_DIMENSION = 384
DEFAULT_TEXT_ENGINE = "all-MiniLM-L6-v2"

DEFAULT_IMAGE_EMBEDDING_DIMENSION = 1280
DEFAULT_IMAGE_ENGINE = "mobilenet_v2-imagenet1k_v1"
