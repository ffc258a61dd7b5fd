"""The recorder's on-screen clock: find its overlay, read it on a few frames, derive the recording start.

Pure functions over decoded frames (no file or database access); the OCR is the packaged rapidocr.
"""

from chronotrace_desktop.analysis.clock.estimate import (
    ClockEstimate,
    ClockReading,
    StartCandidate,
    estimate_clock,
)
from chronotrace_desktop.analysis.clock.fit import Fit, fit_start
from chronotrace_desktop.analysis.clock.ocr import RapidClockOcr, TextBox
from chronotrace_desktop.analysis.clock.parse import (
    DATE_ORDERS,
    DateOrder,
    DateOrderDecision,
    ParsedClock,
    parse_clock_text,
    resolve_date_order,
)
from chronotrace_desktop.analysis.clock.region import ClockOcr, TimedFrame

__all__ = [
    "DATE_ORDERS",
    "ClockEstimate",
    "ClockOcr",
    "ClockReading",
    "DateOrder",
    "DateOrderDecision",
    "Fit",
    "ParsedClock",
    "RapidClockOcr",
    "StartCandidate",
    "TextBox",
    "TimedFrame",
    "estimate_clock",
    "fit_start",
    "parse_clock_text",
    "resolve_date_order",
]
