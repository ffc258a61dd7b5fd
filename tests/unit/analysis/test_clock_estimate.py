"""The clock estimate end to end with a scripted OCR engine (no models): region, readings, fit, date."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np

from chronotrace_desktop.analysis.clock import TextBox, estimate_clock

BOX = (10, 10, 120, 16)


@dataclass(frozen=True)
class _Frame:
    t: float
    image: np.ndarray


@dataclass
class _ScriptedOcr:
    """Answers with the text scripted for the frame (every pixel of a frame holds its index, so a crop does too)."""

    texts: list[str]
    calls: int = 0
    seen: list[str] = field(default_factory=list)

    def _text(self, image: np.ndarray) -> str:
        return self.texts[int(image[0, 0, 0])]

    def detect(self, image: np.ndarray) -> list[TextBox]:
        self.calls += 1
        return [TextBox(self._text(image), 0.9, BOX), TextBox("CAM 01", 0.9, (200, 10, 40, 12))]

    def recognise(self, image: np.ndarray) -> tuple[str, float]:
        self.calls += 1
        return self._text(image), 0.9


def _frames(times: list[float]) -> list[_Frame]:
    frames = []
    for index, t in enumerate(times):
        image = np.full((240, 320, 3), index, np.uint8)
        frames.append(_Frame(t, image))
    return frames


def _clock(start: datetime, times: list[float], fmt: str = "%d/%m/%y %H:%M:%S") -> list[str]:
    return [(start + timedelta(seconds=t)).strftime(fmt) for t in times]


def test_a_recording_across_midnight_starts_on_the_day_before() -> None:
    start = datetime(2024, 3, 12, 23, 59, 50, 500000)
    times = [0.0, 3.0, 6.0, 9.0, 12.0, 15.0, 18.0, 21.0]
    ocr = _ScriptedOcr(_clock(start, times))
    estimate = estimate_clock(_frames(times), ocr=ocr)
    assert estimate.found, estimate.summary()
    assert estimate.date_order == "dmy"  # 13/03 shows the day first
    assert estimate.recording_start is not None
    assert abs((estimate.recording_start - start).total_seconds()) < 1.0


def test_no_text_is_no_clock() -> None:
    times = [0.0, 5.0, 10.0, 15.0]
    ocr = _ScriptedOcr(["" for _ in times])
    estimate = estimate_clock(_frames(times), ocr=ocr)
    assert not estimate.found
    assert estimate.summary().startswith("no clock found")
    assert ocr.calls == 4


def test_misreadings_are_dropped_and_reported() -> None:
    start = datetime(2007, 9, 17, 12, 4, 11)
    times = [0.04, 4.0, 8.0, 12.0, 16.0, 20.0, 24.0, 28.0]
    texts = _clock(start, times)
    texts[2] = "17/09/07 12:04:29"  # 9 s off
    texts[5] = "17/89/0712 84"  # does not parse
    estimate = estimate_clock(_frames(times), ocr=_ScriptedOcr(texts))
    assert estimate.recording_start is not None
    assert abs((estimate.recording_start - start).total_seconds()) < 1.0
    assert 8.0 not in {r.t for r in estimate.readings_used}
    assert any("disagree" in w for w in estimate.warnings)
    assert 0.0 < estimate.confidence < 1.0


def test_the_budget_caps_scripted_calls_too() -> None:
    start = datetime(2024, 3, 25, 14, 5, 7)
    times = [float(t) for t in range(30)]
    texts = ["" for _ in times]  # nothing parses: the estimate would read every frame if it could
    texts[15] = _clock(start, [15.0])[0]
    ocr = _ScriptedOcr(texts)
    estimate_clock(_frames(times), ocr=ocr, max_ocr_calls=7)
    assert ocr.calls <= 7
