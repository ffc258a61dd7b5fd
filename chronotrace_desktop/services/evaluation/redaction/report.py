"""What ``chronotrace eval-redaction`` reports: each labelled head, each segment's frame check, and the
shares of heads and faces covered per clip and overall."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Sequence

COVERED_SHARE = 0.9  # of a head box inside confirmed blurred regions, for the head to count as covered


@dataclass(frozen=True, slots=True)
class HeadResult:
    video: str
    t: float
    segment_index: int
    face_visible: bool
    crowded: bool
    covered: bool
    share: float  # of the head box inside confirmed blurred regions
    pixel_share: float  # of the head box inside the pixel-only blurred mask (cross-check)


@dataclass(frozen=True, slots=True)
class SegmentCheck:
    video: str
    segment_index: int
    window: tuple[float, float]
    rendered_frames: int
    window_frames: int
    outside_frames: int
    offset_frames: int  # best match: rendered frame 0 is original frame ``offset`` after the window's first


@dataclass(frozen=True, slots=True)
class Score:
    heads: int = 0
    covered: int = 0
    faces: int = 0
    faces_covered: int = 0
    rendered_frames: int = 0
    outside_frames: int = 0

    @property
    def head_coverage(self) -> float | None:
        return self.covered / self.heads if self.heads else None

    @property
    def face_coverage(self) -> float | None:
        return self.faces_covered / self.faces if self.faces else None

    @property
    def outside_share(self) -> float | None:
        return self.outside_frames / self.rendered_frames if self.rendered_frames else None

    def as_json(self) -> dict[str, Any]:
        return asdict(self) | {
            "head_coverage": self.head_coverage,
            "face_coverage": self.face_coverage,
            "outside_share": self.outside_share,
        }


@dataclass(frozen=True, slots=True)
class RedactionEvalReport:
    mode: str
    per_clip: dict[str, Score]
    overall: Score
    heads: tuple[HeadResult, ...]
    segments: tuple[SegmentCheck, ...]

    def as_json(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "covered_share": COVERED_SHARE,
            "overall": self.overall.as_json(),
            "per_clip": {name: score.as_json() for name, score in self.per_clip.items()},
            "segments": [asdict(s) for s in self.segments],
            "heads": [asdict(h) for h in self.heads],
        }


def score_of(heads: Sequence[HeadResult], checks: Sequence[SegmentCheck]) -> Score:
    """The totals of ``heads`` and ``checks`` (one clip's, or all of them)."""
    return Score(
        heads=len(heads),
        covered=sum(h.covered for h in heads),
        faces=sum(h.face_visible for h in heads),
        faces_covered=sum(h.covered and h.face_visible for h in heads),
        rendered_frames=sum(c.rendered_frames for c in checks),
        outside_frames=sum(c.outside_frames for c in checks),
    )
