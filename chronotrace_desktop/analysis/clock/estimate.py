"""Find a recorder's on-screen clock, read it on a few frames and derive the recording start (pure function).

1. **Region.** Text detection + recognition on up to ``detect_frames`` frames spread over the video; a text
   box that reads as a date and time (``parse.parse_clock_text``), or holds at least 8 digits shaped like a
   date or a time, is a candidate; candidates on different frames at the same place form a group, and the group
   with the most parsed readings is the clock's. Its text line is then found in the frames' median image (the
   overlay stays, the scene moves), else by trying crops one line high on two of its frames
   (``region.choose_region``). Nothing found: "no clock found".
2. **Readings.** The region is cropped, upscaled towards the recogniser's 48-px line and recognised alone (no
   detection: ~40 ms) on frames spread over the video, until ``readings_wanted`` readings agree or the OCR
   budget is spent.
3. **Fit** (``fit.fit_start``). A clock showing whole seconds reads ``floor(start + t)`` at video time ``t``, so
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
import time
from collections import Counter
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from chronotrace_desktop.analysis.clock.fit import fit_start, spread_of, wrap
from chronotrace_desktop.analysis.clock.ocr import RapidClockOcr
from chronotrace_desktop.analysis.clock.parse import (
    DateOrder,
    ParsedClock,
    parse_clock_text,
    resolve_date_order,
)
from chronotrace_desktop.analysis.clock.region import (
    Box,
    Candidate,
    ClockOcr,
    TimedFrame,
    choose_region,
    clock_like,
    crop_for_reading,
    group_candidates,
    spread_indices,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

logger = logging.getLogger(__name__)

_GIVE_UP_AFTER = 4  # crops read without one that parses before a candidate region is abandoned


def _read_order(n: int, first: int) -> list[int]:
    """All of ``range(n)``: ``first`` spread indices, then the rest by repeated halving of the gaps."""
    order = spread_indices(n, first)
    seen = set(order)
    step = max(1, n // max(1, first))
    while len(order) < n:
        step = max(1, step // 2)
        for i in range(0, n, step):
            if i not in seen:
                seen.add(i)
                order.append(i)
    return order


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
    candidates: list[Candidate] = []
    detected: set[int] = set()
    for index in spread_indices(len(ordered), min(detect_frames, max_ocr_calls)):
        detected.add(index)
        for box in engine.detect(ordered[index].image):
            parsed = parse_clock_text(box.text)
            if parsed is not None or clock_like(box.text):
                candidates.append(Candidate(index, box.box, box.text, box.score, parsed))
        groups = group_candidates(candidates)
        if groups and groups[0].rank[0] >= 2:
            break
    groups = [g for g in group_candidates(candidates) if g.rank[0] >= 1 or g.rank[1] >= 2]
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
        region, trial = choose_region(engine, ordered, group, width, height, max_ocr_calls - spent())
        for index, text, score in trial:
            if index not in read_frames:
                read_frames.add(index)
                readings.append(ClockReading(ordered[index].t, text, score, parse_clock_text(text)))
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
    if spread_of([t for t, _ in used]) <= tolerance_s and len(used) < 3:
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
    # every agreeing reading votes on the order (13/03 after midnight settles 12/03 before it); when misreads
    # leave no order all of them allow, the readings of the majority date decide
    decision = resolve_date_order([p for _, p in used], hint)
    if not decision.candidates:
        decision = resolve_date_order([p for _, p in on_date], hint)
    t_ref, ref = on_date[0]
    # the fitted start minus this reading's own, within a day: across midnight the two lie a day apart
    shift = timedelta(seconds=wrap(fit.start_s - (ref.seconds_of_day - t_ref)))
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
