"""Plain data about video files and the pieces ingestion cuts them into. No I/O here."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from datetime import datetime
    from pathlib import Path

SEGMENT_SECONDS = 15.0


@dataclass(frozen=True, slots=True)
class VideoProbe:
    """What the container and the first decodable frames say about a file."""

    path: Path
    container: str  # FFmpeg format name, e.g. "mov,mp4,m4a,3gp,3g2,mj2", "avi", "gif"
    duration_s: float
    width: int
    height: int
    fps: float
    codec: str  # FFmpeg codec name of the video stream, e.g. "h264"
    size_bytes: int
    has_audio: bool
    audio_codec: str | None = None
    creation_time: datetime | None = None  # from container metadata, naive UTC
    warnings: tuple[str, ...] = ()  # e.g. "decoding stopped at 41.2 s of 60.0 s: damaged data"

    @property
    def resolution(self) -> str:
        return f"{self.width}x{self.height}"


@dataclass(frozen=True, slots=True)
class Window:
    """A planned segment: ``[start, end)`` in seconds from the start of the video."""

    index: int
    start: float
    end: float


@dataclass(frozen=True, slots=True)
class Box:
    """An axis-aligned box in normalised coordinates (0..1 of width and height), with what it is."""

    x: float
    y: float
    w: float
    h: float
    label: str = ""
    score: float = 1.0

    def clipped(self) -> Box:
        x0, y0 = max(0.0, self.x), max(0.0, self.y)
        x1, y1 = min(1.0, self.x + self.w), min(1.0, self.y + self.h)
        return Box(x0, y0, max(0.0, x1 - x0), max(0.0, y1 - y0), self.label, self.score)

    def expanded(self, factor: float) -> Box:
        """The same centre, ``factor`` times wider and taller (clipped to the frame)."""
        cx, cy = self.x + self.w / 2, self.y + self.h / 2
        w, h = self.w * factor, self.h * factor
        return Box(cx - w / 2, cy - h / 2, w, h, self.label, self.score).clipped()


@dataclass(frozen=True, slots=True)
class TimedBoxes:
    """Boxes seen at time ``t`` (seconds from the start of the video)."""

    t: float
    boxes: tuple[Box, ...]


@dataclass(frozen=True, slots=True)
class RedactionPlan:
    """The regions to blur in a clip, as keyframes of boxes from the sampled frames.

    A frame at time ``t`` is blurred in the union of the boxes of the keyframe at or before ``t`` and the
    keyframe after it, each widened by ``margin``: whatever moves between two samples stays covered. Before
    the first keyframe the first one applies, after the last the last one.
    """

    keyframes: tuple[TimedBoxes, ...] = field(default_factory=tuple)
    margin: float = 1.3

    @property
    def empty(self) -> bool:
        return all(not k.boxes for k in self.keyframes)


def plan_to_json(plan: RedactionPlan) -> dict[str, object]:
    """A compact JSON form for ``video_segments.metadata['redaction']``: boxes as [x, y, w, h] rounded to 1e-4."""
    return {
        "margin": plan.margin,
        "keyframes": [
            [round(k.t, 3), [[round(b.x, 4), round(b.y, 4), round(b.w, 4), round(b.h, 4)] for b in k.boxes]]
            for k in plan.keyframes
        ],
    }


def plan_from_json(data: object) -> RedactionPlan:
    if not isinstance(data, dict):
        raise ValueError("a redaction plan is a JSON object")
    keyframes = tuple(
        TimedBoxes(
            float(t), tuple(Box(float(x), float(y), float(w), float(h), "redact") for x, y, w, h in boxes)
        )
        for t, boxes in data.get("keyframes", [])
    )
    return RedactionPlan(keyframes, float(data.get("margin", 1.3)))
