"""The default embedding space of a new installation.

The offline default engine embeds text with all-MiniLM-L6-v2 (384 dimensions, DESIGN.md); the collection
is created with that size so the first ingest can write into it. An installation that switches engine
(CLIP from a local file, Bedrock Nova at 1024) re-creates its collection and re-embeds.
"""

from __future__ import annotations

DEFAULT_EMBEDDING_DIMENSION = 384
