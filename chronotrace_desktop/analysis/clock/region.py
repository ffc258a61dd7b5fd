"""Where a recorder's clock is on the frame: text boxes that look like a date and time, grouped by place
across frames, and the crop of its text line that the recogniser reads best."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

import cv2
import numpy as np

from chronotrace_desktop.analysis.clock.parse import ParsedClock, parse_clock_text

if TYPE_CHECKING:
    from collections.abc import Sequence

    from chronotrace_desktop.analysis.clock.ocr import TextBox

logger = logging.getLogger(__name__)

Box = tuple[int, int, int, int]  # x, y, w, h in frame pixels
_MIN_DIGITS = 8  # a text box with fewer digits cannot hold a date and a time
_READ_HEIGHT = 48  # crops are upscaled to about this height before recognition (the model reads 48 px lines)
_MAX_UPSCALE = 4
_BAND_FRAMES = 9  # frames whose median image locates the overlay's text line
_MAX_REGION_TRIALS = 5  # candidate line positions tried on two frames when no band stands out


class TimedFrame(Protocol):
    """A decoded frame: video time in seconds and a BGR ``uint8`` image (``media.frames.SampledFrame`` is one)."""

    @property
    def t(self) -> float: ...

    @property
    def image(self) -> np.ndarray: ...


class ClockOcr(Protocol):
    """What the estimate needs from an OCR engine; ``ocr.RapidClockOcr`` is the packaged one."""

    calls: int

    def detect(self, image: np.ndarray) -> list[TextBox]: ...

    def recognise(self, image: np.ndarray) -> tuple[str, float]: ...


@dataclass(slots=True)
class Candidate:
    frame: int
    box: Box
    text: str
    score: float
    parsed: ParsedClock | None


@dataclass(slots=True)
class Group:
    members: list[Candidate] = field(default_factory=list)

    @property
    def rank(self) -> tuple[int, int]:
        parsed_frames = {m.frame for m in self.members if m.parsed is not None}
        return (len(parsed_frames), len({m.frame for m in self.members}))


def _iou(a: Box, b: Box) -> float:
    x0, y0 = max(a[0], b[0]), max(a[1], b[1])
    x1, y1 = min(a[0] + a[2], b[0] + b[2]), min(a[1] + a[3], b[1] + b[3])
    inter = max(0, x1 - x0) * max(0, y1 - y0)
    union = a[2] * a[3] + b[2] * b[3] - inter
    return inter / union if union > 0 else 0.0


def spread_indices(n: int, k: int) -> list[int]:
    """Up to ``k`` indices of ``range(n)``, each in the middle of its equal share of the range."""
    if n <= 0 or k <= 0:
        return []
    if k >= n:
        return list(range(n))
    return sorted({min(n - 1, int((i + 0.5) * n / k)) for i in range(k)})


_DATE_SHAPE = re.compile(r"\d{1,4}\s?[/\-.:]\s?\d{1,2}\s?[/\-.:]\s?\d{2,4}")
_TIME_SHAPE = re.compile(r"\d{1,2}\s?[:.]\s?\d{2}")


def clock_like(text: str) -> bool:
    """Digits enough for a date and a time, shaped like a date or a time (separators where a clock has them)."""
    digits = sum(ch.isdigit() for ch in text)
    return digits >= _MIN_DIGITS and bool(_DATE_SHAPE.search(text) or _TIME_SHAPE.search(text))


def group_candidates(candidates: list[Candidate]) -> list[Group]:
    groups: list[Group] = []
    for cand in candidates:
        for group in groups:
            if any(_iou(cand.box, m.box) >= 0.3 for m in group.members):
                group.members.append(cand)
                break
        else:
            groups.append(Group([cand]))
    return sorted(groups, key=lambda g: g.rank, reverse=True)


def _line_regions(group: Group, width: int, height: int) -> list[Box]:
    """Candidate regions for the clock's line: the group's boxes side to side, and one text line high (its
    tightest box, plus a small margin) at a few heights over the boxes' vertical extent. The detector's boxes
    vary by a few pixels from frame to frame, a taller one catching part of a neighbouring overlay line, and the
    recogniser reads a 15-px line right only when the crop holds that line alone (measured on the highway clip:
    12 of 40 crops read at the tight box, 2 of 40 with 3 px more on each side)."""
    x0 = min(m.box[0] for m in group.members)
    x1 = max(m.box[0] + m.box[2] for m in group.members)
    top = min(m.box[1] for m in group.members)
    bottom = max(m.box[1] + m.box[3] for m in group.members)
    line = max(4, min(m.box[3] for m in group.members))
    pad = max(1, round(line * 0.08))
    x0, x1 = max(0, x0 - pad), min(width, x1 + pad)
    tall = line + 2 * pad
    first, last = top - pad, max(top - pad, bottom + pad - tall)
    tops = list(range(first, last + 1, max(2, line // 3)))
    if tops[-1] != last:
        tops.append(last)
    regions: list[Box] = []
    for y in tops[:_MAX_REGION_TRIALS]:
        y0, y1 = max(0, y), min(height, y + tall)
        regions.append((x0, y0, x1 - x0, y1 - y0))
    return regions


def crop_for_reading(image: np.ndarray, region: Box) -> np.ndarray:
    """The region of ``image``, upscaled (cubic) towards a ``_READ_HEIGHT`` px line when small."""
    x, y, w, h = region
    crop = image[y : y + h, x : x + w]
    scale = min(_MAX_UPSCALE, max(1, round(_READ_HEIGHT / max(1, h))))
    if scale > 1:
        crop = cv2.resize(crop, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)
    return np.ascontiguousarray(crop)


def _overlay_band(ordered: Sequence[TimedFrame], group: Group, width: int, height: int) -> Box | None:
    """The clock's text line found from pixels: over the group's columns, the rows of the frames' median image
    (an overlay stays, the scene moves) with the most horizontal contrast, plus 0.6 of the text's height above
    and below (the margin the recogniser reads best: 8 of 40 crops of the highway clip at 0.6, 3 at 0.45, 5 at
    0.8). None when no band stands out (a single frame, a moving text)."""
    pad = max(1, round(min(m.box[3] for m in group.members) * 0.1))
    x0 = max(0, min(m.box[0] for m in group.members) - pad)
    x1 = min(width, max(m.box[0] + m.box[2] for m in group.members) + pad)
    line = max(m.box[3] for m in group.members)
    top = max(0, min(m.box[1] for m in group.members) - line // 2)
    bottom = min(height, max(m.box[1] + m.box[3] for m in group.members) + line // 2)
    picks = spread_indices(len(ordered), _BAND_FRAMES)
    crops = [
        ordered[i].image[top:bottom, x0:x1] for i in picks if ordered[i].image.shape[:2] == (height, width)
    ]
    if len(crops) < 3 or bottom - top < 4 or x1 - x0 < 4:
        return None
    grey = np.stack([cv2.cvtColor(c, cv2.COLOR_BGR2GRAY).astype(np.float32) for c in crops])
    energy = np.abs(np.diff(np.median(grey, axis=0), axis=1)).sum(axis=1)
    peak = int(np.argmax(energy))
    if energy[peak] <= 2.0 * float(np.median(energy)):
        return None
    first = last = peak
    while first > 0 and energy[first - 1] >= 0.5 * energy[peak]:
        first -= 1
    while last < len(energy) - 1 and energy[last + 1] >= 0.5 * energy[peak]:
        last += 1
    band = last - first + 1
    margin = max(2, round(band * 0.6))
    y0, y1 = max(0, top + first - margin), min(height, top + last + 1 + margin)
    return (x0, y0, x1 - x0, y1 - y0)


def choose_region(
    engine: ClockOcr, ordered: Sequence[TimedFrame], group: Group, width: int, height: int, budget: int
) -> tuple[Box, list[tuple[int, str, float]]]:
    """The clock's line region: from pixels (``_overlay_band``) when a band stands out, else the candidate line
    region that reads best on two of the group's frames (at most ``budget`` OCR calls), with those readings as
    ``(frame index, text, score)``."""
    band = _overlay_band(ordered, group, width, height)
    if band is not None:
        return band, []
    regions = _line_regions(group, width, height)
    members = sorted(group.members, key=lambda m: (m.parsed is None, -m.score))
    trial_frames = list(dict.fromkeys(m.frame for m in members))[:2]
    regions = regions[: max(1, budget // max(1, len(trial_frames)))]
    if len(regions) == 1:
        return regions[0], []
    best: tuple[float, Box, list[tuple[int, str, float]]] | None = None
    for region in regions:
        reads: list[tuple[int, str, float]] = []
        merit = 0.0
        for index in trial_frames:
            text, score = engine.recognise(crop_for_reading(ordered[index].image, region))
            reads.append((index, text, score))
            merit += (1.0 + score) if parse_clock_text(text) is not None else score * 0.5
        logger.debug("clock region %s: merit %.2f %s", region, merit, [text for _, text, _ in reads])
        if best is None or merit > best[0]:
            best = (merit, region, reads)
    assert best is not None
    return best[1], best[2]
