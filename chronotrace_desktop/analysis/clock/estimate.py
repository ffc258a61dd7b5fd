"""Find a recorder's on-screen clock, read it on a few frames and derive the recording start (pure function).

1. **Region.** Text detection + recognition on up to ``detect_frames`` frames spread over the video; a text
   box that reads as a date and time (``parse.parse_clock_text``), or holds at least 8 digits shaped like a
   date or a time, is a candidate; candidates on different frames at the same place form a group, and the group
   with the most parsed readings is the clock's. The group's line is then placed by trying a few crops one
   line high on two of its frames (``_choose_region``). Nothing found: "no clock found".
2. **Readings.** The region is cropped, upscaled towards the recogniser's 48-px line and recognised alone (no
   detection: ~40 ms) on frames spread over the video, until ``readings_wanted`` readings agree or the OCR
   budget is spent.
3. **Fit** (``fit_start``). A clock showing whole seconds reads ``floor(start + t)`` at video time ``t``, so
   each reading puts the start in ``[reading - t, reading - t + 1)``. Groups of readings agreeing within
   ``tolerance_s`` propose a start (the middle of the intersection of their intervals); the proposal that
   explains the most digits over all readings, parsed or not, wins; readings off it are outliers (misread
   digits). A text that does not advance with the video (a date printed on a sign) forms no such group over
   more than ``tolerance_s`` of video.
4. **Date.** The date most agreeing readings show; dd/mm against mm/dd by ``parse.resolve_date_order`` (a field
   above 12 decides; otherwise both candidates are returned and ``date_order`` is None unless the caller passes
   the camera's setting as ``date_order_hint``).

Confidence = (agreeing / parsed readings) x (1 when their spread is within a second, falling to 0 at
``1 + tolerance_s``) x min(1, agreeing / ``readings_wanted``).
Cost is bounded by ``max_ocr_calls`` (detection calls included); ``ClockEstimate.ocr_calls`` and
``seconds_spent`` report what was used.
"""

from __future__ import annotations

import logging
import math
import re
import statistics
import time
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Protocol

import cv2
import numpy as np

from chronotrace_desktop.analysis.clock.ocr import RapidClockOcr, TextBox
from chronotrace_desktop.analysis.clock.parse import (
    DateOrder,
    ParsedClock,
    digits_of,
    parse_clock_text,
    resolve_date_order,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

logger = logging.getLogger(__name__)

Box = tuple[int, int, int, int]  # x, y, w, h in frame pixels
DAY_S = 86_400
_MIN_DIGITS = 8  # a text box with fewer digits cannot hold a date and a time
_READ_HEIGHT = 48  # crops are upscaled to about this height before recognition (the model reads 48 px lines)
_MAX_UPSCALE = 4
_BAND_FRAMES = 9  # frames whose median image locates the overlay's text line
_MAX_REGION_TRIALS = 5  # candidate line positions tried on two frames before the region is fixed
_GIVE_UP_AFTER = 4  # unreadable crops in a row before a candidate region is abandoned


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


@dataclass(frozen=True, slots=True)
class ClockReading:
    """One OCR reading of the clock: the frame's video time, the text, and how it fits the estimate.

    ``residual_s`` is ``(reading - t) - start`` in seconds: between -1 and 0 for a perfect whole-second clock."""

    t: float
    text: str
    score: float
    parsed: ParsedClock | None
    consistent: bool = False
    residual_s: float | None = None


@dataclass(frozen=True, slots=True)
class StartCandidate:
    date_order: DateOrder
    recording_start: datetime


@dataclass(frozen=True, slots=True)
class ClockEstimate:
    """The recorder clock's reading at video time 0, or why there is none.

    ``recording_start`` is set when the date order is known (from the readings, the hint, or because both
    orders give the same date); ``candidates`` holds the start under every order the readings allow, so an
    ambiguous dd/mm vs mm/dd clock returns both and ``date_order`` None. The offset against the container's
    time is the caller's to compute. ``region`` is in pixels of frames of ``frame_size`` (width, height)."""

    recording_start: datetime | None
    date_order: DateOrder | None
    candidates: tuple[StartCandidate, ...]
    confidence: float
    region: Box | None
    frame_size: tuple[int, int] | None
    readings: tuple[ClockReading, ...]
    residual_spread_s: float | None
    warnings: tuple[str, ...]
    ocr_calls: int
    seconds_spent: float

    @property
    def found(self) -> bool:
        return bool(self.candidates)

    @property
    def readings_used(self) -> tuple[ClockReading, ...]:
        return tuple(r for r in self.readings if r.consistent)

    def summary(self) -> str:
        if not self.found:
            return "no clock found" + (f": {self.warnings[0]}" if self.warnings else "")
        starts = ", ".join(f"{c.recording_start:%Y-%m-%d %H:%M:%S} ({c.date_order})" for c in self.candidates)
        order = self.date_order or "ambiguous"
        return (
            f"recording start {starts}; date order {order}; {len(self.readings_used)} of "
            f"{len(self.readings)} readings consistent; confidence {self.confidence:.2f}"
        )


@dataclass(slots=True)
class _Candidate:
    frame: int
    box: Box
    text: str
    score: float
    parsed: ParsedClock | None


@dataclass(slots=True)
class _Group:
    members: list[_Candidate] = field(default_factory=list)

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


def _spread_indices(n: int, k: int) -> list[int]:
    """Up to ``k`` indices of ``range(n)`` spread evenly, interior first-come (never both ends only)."""
    if n <= 0 or k <= 0:
        return []
    if k >= n:
        return list(range(n))
    return sorted({min(n - 1, int((i + 0.5) * n / k)) for i in range(k)})


def _read_order(n: int, first: int) -> list[int]:
    """All of ``range(n)``: ``first`` spread indices, then the rest by repeated halving of the gaps."""
    order = _spread_indices(n, first)
    seen = set(order)
    step = max(1, n // max(1, first))
    while len(order) < n:
        step = max(1, step // 2)
        for i in range(0, n, step):
            if i not in seen:
                seen.add(i)
                order.append(i)
    return order


_DATE_SHAPE = re.compile(r"\d{1,4}\s?[/\-.:]\s?\d{1,2}\s?[/\-.:]\s?\d{2,4}")
_TIME_SHAPE = re.compile(r"\d{1,2}\s?[:.]\s?\d{2}")


def _clock_like(text: str) -> bool:
    """Digits enough for a date and a time, shaped like a date or a time (separators where a clock has them)."""
    digits = sum(ch.isdigit() for ch in text)
    return digits >= _MIN_DIGITS and bool(_DATE_SHAPE.search(text) or _TIME_SHAPE.search(text))


def _group(candidates: list[_Candidate]) -> list[_Group]:
    groups: list[_Group] = []
    for cand in candidates:
        for group in groups:
            if any(_iou(cand.box, m.box) >= 0.3 for m in group.members):
                group.members.append(cand)
                break
        else:
            groups.append(_Group([cand]))
    return sorted(groups, key=lambda g: g.rank, reverse=True)


def _line_regions(group: _Group, width: int, height: int) -> list[Box]:
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


def _overlay_band(ordered: Sequence[TimedFrame], group: _Group, width: int, height: int) -> Box | None:
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
    picks = _spread_indices(len(ordered), _BAND_FRAMES)
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


def _choose_region(
    engine: ClockOcr, ordered: Sequence[TimedFrame], group: _Group, width: int, height: int
) -> tuple[Box, list[tuple[int, ClockReading]]]:
    """The candidate line region that reads best on two of the group's frames, with those readings."""
    band = _overlay_band(ordered, group, width, height)
    if band is not None:
        return band, []
    regions = _line_regions(group, width, height)
    members = sorted(group.members, key=lambda m: (m.parsed is None, -m.score))
    trial_frames = list(dict.fromkeys(m.frame for m in members))[:2]
    if len(regions) == 1:
        return regions[0], []
    best: tuple[float, Box, list[tuple[int, ClockReading]]] | None = None
    for region in regions:
        reads: list[tuple[int, ClockReading]] = []
        merit = 0.0
        for index in trial_frames:
            frame = ordered[index]
            text, score = engine.recognise(crop_for_reading(frame.image, region))
            parsed = parse_clock_text(text)
            reads.append((index, ClockReading(frame.t, text, score, parsed)))
            merit += (1.0 + score) if parsed is not None else score * 0.5
        logger.debug("clock region %s: merit %.2f %s", region, merit, [r.text for _, r in reads])
        if best is None or merit > best[0]:
            best = (merit, region, reads)
    assert best is not None
    return best[1], best[2]


def _wrap(delta: float) -> float:
    """``delta`` seconds brought into (-12 h, 12 h]: readings either side of midnight compare correctly."""
    return (delta + DAY_S / 2) % DAY_S - DAY_S / 2


@dataclass(frozen=True, slots=True)
class Fit:
    """Where the readings put the clock: ``start_s`` is its time of day at video time 0 in seconds (may fall
    outside one day: not wrapped), ``consistent`` the indices of the readings that agree with it, ``residuals``
    each parsed reading's ``(reading - t) - start_s`` (None where a text did not parse), ``support`` how many
    readings' digits the start explains (fractions count: misread digits still vote)."""

    start_s: float
    consistent: tuple[int, ...]
    residuals: tuple[float | None, ...]
    spread_s: float
    support: float


def _edit_distance(a: str, b: str) -> int:
    row = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        prev, row[0] = row[0], i
        for j, cb in enumerate(b, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (ca != cb))
    return row[-1]


def _support(start_s: float, like: ParsedClock, readings: Sequence[tuple[float, str]]) -> float:
    """How well a start explains every reading's digits, parsed or not: sum of 1 - edit distance / length."""
    total = 0.0
    for t, text in readings:
        expected = like.display_digits(math.floor(start_s + t))
        got = digits_of(text)
        if got:
            total += max(0.0, 1.0 - _edit_distance(expected, got) / len(expected))
    return total


def fit_start(readings: Sequence[tuple[float, str]], tolerance_s: float) -> Fit | None:
    """The clock's start that best explains ``readings`` (video time, OCR text), or None when fewer than two
    parsed readings agree on one. Pure.

    Each group of parsed readings whose ``reading - t`` agree within ``tolerance_s`` proposes a start (the middle
    of the intersection of their whole-second intervals); the proposal that explains the most digits over all
    readings wins (``_support``): two misreads that agree with each other (``04`` read as ``06`` twice) lose to
    the many partial readings that show ``04``."""
    parsed = [(i, t, p) for i, (t, text) in enumerate(readings) if (p := parse_clock_text(text)) is not None]
    if len(parsed) < 2:
        return None
    bases = [p.seconds_of_day - t for _, t, p in parsed]
    best: Fit | None = None
    seen: set[tuple[int, ...]] = set()
    for ref in bases:
        group = tuple(k for k, b in enumerate(bases) if abs(_wrap(b - ref)) <= tolerance_s)
        if len(group) < 2 or group in seen:
            continue
        seen.add(group)
        values = [ref + _wrap(bases[k] - ref) for k in group]
        centre = statistics.median(values)
        kept = [(k, v) for k, v in zip(group, values, strict=True) if abs(v - centre) <= tolerance_s]
        if len(kept) < 2:
            continue
        lo, hi = max(v for _, v in kept), min(v for _, v in kept) + 1.0
        start = (lo + hi) / 2 if lo < hi else statistics.median(v for _, v in kept) + 0.5
        like = parsed[kept[0][0]][2]
        support = _support(start, like, readings)
        spread = max(v for _, v in kept) - min(v for _, v in kept)
        if best is None or (support, len(kept), -spread) > (
            best.support,
            len(best.consistent),
            -best.spread_s,
        ):
            residuals: list[float | None] = [None] * len(readings)
            for (index, _, _), b in zip(parsed, bases, strict=True):
                residuals[index] = _wrap(b - start)
            consistent = tuple(index for index, _, _ in parsed if abs(residuals[index] or 0.0) <= tolerance_s)
            best = Fit(start, consistent, tuple(residuals), spread, support)
    return best


def _spread_of(values: list[float]) -> float:
    return max(values) - min(values) if values else 0.0


def _not_found(
    reason: str,
    readings: list[ClockReading],
    region: Box | None,
    size: tuple[int, int] | None,
    calls: int,
    t0: float,
) -> ClockEstimate:
    return ClockEstimate(
        None, None, (), 0.0, region, size, tuple(readings), None, (reason,), calls, time.perf_counter() - t0
    )


def estimate_clock(
    frames: Sequence[TimedFrame],
    *,
    ocr: ClockOcr | None = None,
    max_ocr_calls: int = 32,
    detect_frames: int = 4,
    readings_wanted: int = 5,
    tolerance_s: float = 1.5,
    date_order_hint: DateOrder | None = None,
) -> ClockEstimate:
    """Read the recorder's on-screen clock on ``frames`` (any order, video times in seconds) and derive the
    clock's reading at video time 0. Never raises for what is on the frames; a missing OCR installation raises
    ``ModelsMissingError``."""
    started = time.perf_counter()
    engine: ClockOcr = ocr if ocr is not None else RapidClockOcr()
    calls_before = engine.calls
    ordered = sorted(frames, key=lambda f: f.t)
    if not ordered:
        return _not_found("no frames to read", [], None, None, 0, started)
    height, width = ordered[0].image.shape[:2]
    size = (int(width), int(height))

    def spent() -> int:
        return engine.calls - calls_before

    # 1. where is the clock?
    candidates: list[_Candidate] = []
    detected: set[int] = set()
    for index in _spread_indices(len(ordered), min(detect_frames, max_ocr_calls)):
        detected.add(index)
        for box in engine.detect(ordered[index].image):
            parsed = parse_clock_text(box.text)
            if parsed is not None or _clock_like(box.text):
                candidates.append(_Candidate(index, box.box, box.text, box.score, parsed))
        groups = _group(candidates)
        if groups and groups[0].rank[0] >= 2:
            break
    groups = [g for g in _group(candidates) if g.rank[0] >= 1 or g.rank[1] >= 2]
    logger.debug(
        "clock candidates: %s", [(g.rank, [(m.frame, m.box, m.text) for m in g.members]) for g in groups]
    )
    if not groups:
        return _not_found(
            f"no date/time text on {len(detected)} frames searched", [], None, size, spent(), started
        )

    # 2. + 3. read each candidate region until one advances with the video
    last: ClockEstimate | None = None
    for group in groups[:2]:
        if last is not None and spent() >= max_ocr_calls:
            break
        readings = [
            ClockReading(ordered[m.frame].t, m.text, m.score, m.parsed) for m in group.members if m.parsed
        ]
        read_frames = {m.frame for m in group.members if m.parsed}
        region, trial = _choose_region(engine, ordered, group, width, height)
        for index, reading in trial:
            if index not in read_frames:
                read_frames.add(index)
                readings.append(reading)
        for index in _read_order(len(ordered), readings_wanted):
            fit = fit_start([(r.t, r.text) for r in readings], tolerance_s)
            if (fit is not None and len(fit.consistent) >= readings_wanted) or spent() >= max_ocr_calls:
                break
            if not any(r.parsed for r in readings) and len(readings) >= _GIVE_UP_AFTER:
                break  # nothing here reads as a clock: leave the budget to the next candidate region
            frame = ordered[index]
            if index in read_frames or frame.image.shape[:2] != (height, width):
                continue
            read_frames.add(index)
            text, score = engine.recognise(crop_for_reading(frame.image, region))
            readings.append(ClockReading(frame.t, text, score, parse_clock_text(text)))
        readings.sort(key=lambda r: r.t)
        result = _conclude(
            readings, region, size, tolerance_s, date_order_hint, readings_wanted, spent(), started
        )
        if last is None or result.found or len(result.readings) > len(last.readings):
            last = result
        if last.found:
            break
    assert last is not None
    logger.info(
        "on-screen clock: %s (%d OCR calls, %.2f s)", last.summary(), last.ocr_calls, last.seconds_spent
    )
    return last


def _conclude(
    readings: list[ClockReading],
    region: Box,
    size: tuple[int, int],
    tolerance_s: float,
    hint: DateOrder | None,
    wanted: int,
    calls: int,
    started: float,
) -> ClockEstimate:
    parsed = [(r.t, r.parsed) for r in readings if r.parsed is not None]
    fit = fit_start([(r.t, r.text) for r in readings], tolerance_s)
    if fit is None:
        reason = (
            "the text in the clock region does not advance with the video"
            if len(parsed) >= 2
            else f"fewer than two readable date/time readings ({len(parsed)} of {len(readings)})"
        )
        return _not_found(reason, readings, region, size, calls, started)
    used = [(readings[i].t, p) for i in fit.consistent if (p := readings[i].parsed) is not None]
    if _spread_of([t for t, _ in used]) <= tolerance_s and len(used) < 3:
        return _not_found(
            "the consistent readings span too little video to show the clock advancing",
            readings,
            region,
            size,
            calls,
            started,
        )
    marked = [
        replace(r, consistent=i in fit.consistent, residual_s=fit.residuals[i])
        for i, r in enumerate(readings)
    ]
    warnings: list[str] = []
    dropped = len(parsed) - len(used)
    if dropped:
        warnings.append(f"{dropped} of {len(parsed)} readings disagree with the others and were dropped")
    # the date most consistent readings show
    dates = Counter((p.year, p.first, p.second, p.year_first) for _, p in used)
    (key, votes), *others = dates.most_common()
    if others:
        warnings.append(f"the date was read differently on {len(used) - votes} of {len(used)} frames")
    on_date = [(t, p) for t, p in used if (p.year, p.first, p.second, p.year_first) == key]
    decision = resolve_date_order([p for _, p in on_date], hint)
    t_ref, ref = on_date[0]
    shift = timedelta(seconds=fit.start_s - (ref.seconds_of_day - t_ref))  # start minus this reading's base
    starts: list[StartCandidate] = []
    for order in decision.candidates:
        when = ref.datetime_for(order)
        if when is not None:
            starts.append(StartCandidate(order, when - timedelta(seconds=t_ref) + shift))
    start: datetime | None = None
    if decision.order is not None:
        start = next(c.recording_start for c in starts if c.date_order == decision.order)
    elif len({c.recording_start for c in starts}) == 1 and starts:
        start = starts[0].recording_start  # both orders give the same date (day == month)
    if decision.order is None or "setting" in decision.reason:
        warnings.append(f"date order: {decision.reason}")
    share = len(used) / len(parsed)
    tightness = 1.0 if fit.spread_s <= 1.0 else max(0.0, 1.0 - (fit.spread_s - 1.0) / tolerance_s)
    confidence = round(share * tightness * min(1.0, len(used) / wanted), 3)
    return ClockEstimate(
        recording_start=start,
        date_order=decision.order,
        candidates=tuple(starts),
        confidence=confidence,
        region=region,
        frame_size=size,
        readings=tuple(marked),
        residual_spread_s=round(fit.spread_s, 3),
        warnings=tuple(warnings),
        ocr_calls=calls,
        seconds_spent=time.perf_counter() - started,
    )
