"""The port of a multimodal engine: segments, text queries and images embedded into ONE space.

The offline default embeds a segment's caption (text) and its frames (images) in two separate spaces. A
multimodal engine (Amazon Nova on Bedrock, CLIP from a local folder) puts a whole segment, a text query and a
query image in one space, so a query is compared with what the segment shows, not with a caption of it. Such
engines run BESIDE the offline default: each keeps its own vectors (its own collection, its model name and
version in every point's payload) and search fuses the engines that answer.

Vectors are float32 and L2-normalised (cosine is a dot product), like the rest of ``embedding``. Errors split
by blame as everywhere: ``EnvironmentProblemError`` for missing model files, unreachable or refusing services
(throttling that outlasted the retries, no credentials) — the message names the cause and the fix;
``InvalidInputError`` for empty, oversized or undecodable input.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path

    from chronotrace_desktop.embedding.port import Image, Vector


@dataclass(frozen=True, slots=True)
class SegmentMedia:
    """What an engine may look at for one segment.

    ``clip``: an H.264 MP4 of exactly the segment's window (the redacted rendition by default, the original
    cut where the settings say so; at most 30 s). ``frames``: frames sampled over the window (BGR uint8, a few
    per second at most), for engines that embed images and pool them."""

    clip: Path
    start_s: float
    end_s: float
    frames: Sequence[Image] = field(default_factory=tuple)


@runtime_checkable
class SegmentEngine(Protocol):
    """An engine that embeds segments, text queries and images into one space."""

    @property
    def name(self) -> str:
        """The engine's name in the settings ("nova", "clip"); also names its vector collection."""
        ...

    @property
    def model_name(self) -> str: ...

    @property
    def model_version(self) -> str: ...

    @property
    def dimension(self) -> int: ...

    @property
    def remote_calls_per_segment(self) -> int:
        """Calls to a paid remote service per segment embedded (0 for a local model): for cost estimates."""
        ...

    def embed_segment(self, media: SegmentMedia) -> Vector:
        """One vector for the segment (for indexing)."""
        ...

    def embed_text_query(self, text: str) -> Vector:
        """One vector for a search query (for retrieval of segments)."""
        ...

    def embed_image(self, image: Image) -> Vector:
        """One vector for a query image, or a crop (for query by image and find similar)."""
        ...
