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
    """An axis-aligned box in normalised coordinates (0..1 of width and height), with what it is.

    The geometry every detector, tracker, rule and scorer shares: edges, centre, area, whether a point lies in
    it, overlap, intersection and IoU with another box, the hull of two boxes. It holds pixel rectangles as
    well (``Box(x, y, w, h)`` of ints): the same formulas apply.
    """

    x: float
    y: float
    w: float
    h: float
    label: str = ""
    score: float = 1.0

    @property
    def right(self) -> float:
        return self.x + self.w

    @property
    def bottom(self) -> float:
        return self.y + self.h

    @property
    def centre(self) -> tuple[float, float]:
        return self.x + self.w / 2, self.y + self.h / 2

    @property
    def area(self) -> float:
        return self.w * self.h

    def contains(self, x: float, y: float) -> bool:
        """The point lies inside the box or on its edge."""
        return self.x <= x <= self.right and self.y <= y <= self.bottom

    def overlaps(self, other: Box) -> bool:
        """The two boxes share some area: each starts before the other ends, on both axes. A box of zero width
        or height strictly inside another overlaps it (its ``intersection`` is None all the same)."""
        return (
            self.x < other.right and other.x < self.right and self.y < other.bottom and other.y < self.bottom
        )

    def intersection(self, other: Box) -> Box | None:
        """The part both boxes cover (unlabelled); None where it has no width or no height."""
        iw = min(self.right, other.right) - max(self.x, other.x)
        ih = min(self.bottom, other.bottom) - max(self.y, other.y)
        if iw <= 0 or ih <= 0:
            return None
        return Box(max(self.x, other.x), max(self.y, other.y), iw, ih)

    def iou(self, other: Box) -> float:
        """Intersection over union: 0 when the boxes do not share an area."""
        shared = self.intersection(other)
        if shared is None:
            return 0.0
        inter = shared.area
        return inter / (self.area + other.area - inter)

    def hull(self, other: Box) -> Box:
        """The smallest box holding both, with this box's label and the higher score."""
        x0, y0 = min(self.x, other.x), min(self.y, other.y)
        x1, y1 = max(self.right, other.right), max(self.bottom, other.bottom)
        return Box(x0, y0, x1 - x0, y1 - y0, self.label, max(self.score, other.score))

    def shifted(self, dx: float, dy: float) -> Box:
        return Box(self.x + dx, self.y + dy, self.w, self.h, self.label, self.score)

    def clipped(self) -> Box:
        x0, y0 = max(0.0, self.x), max(0.0, self.y)
        x1, y1 = min(1.0, self.right), min(1.0, self.bottom)
        return Box(x0, y0, max(0.0, x1 - x0), max(0.0, y1 - y0), self.label, self.score)

    def expanded(self, factor: float) -> Box:
        """The same centre, ``factor`` times wider and taller (clipped to the frame)."""
        cx, cy = self.centre
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
