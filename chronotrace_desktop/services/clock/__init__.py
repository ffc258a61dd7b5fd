"""The recorder's clock: correcting a video's or a camera's time (``service``), reading the on-screen clock
(``reading``) and accepting what it says (``reader``)."""

from chronotrace_desktop.services.clock.reader import ClockRead, ClockReader
from chronotrace_desktop.services.clock.reading import MAX_OCR_CALLS, read_video_clock
from chronotrace_desktop.services.clock.service import (
    CameraClockChange,
    ClockService,
    TimeChange,
    clock_json,
    video_clock,
)

__all__ = [
    "MAX_OCR_CALLS",
    "CameraClockChange",
    "ClockRead",
    "ClockReader",
    "ClockService",
    "TimeChange",
    "clock_json",
    "read_video_clock",
    "video_clock",
]
