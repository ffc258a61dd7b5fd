"""The on-screen clock read by the packaged OCR: the highway clip's recorder clock, a clip without one, and
synthetic overlays (cv2.putText) for the date order."""

from __future__ import annotations

import socket
from dataclasses import dataclass
from datetime import datetime, timedelta

import cv2
import numpy as np
import pytest

from chronotrace_desktop.analysis.clock import estimate_clock
from chronotrace_desktop.analysis.clock.ocr import _build_engine
from chronotrace_desktop.media.probe import probe
from chronotrace_desktop.services.clock import MAX_OCR_CALLS, read_video_clock
from tests.conftest import VIDEOS_DIR

# What a person reads on the first frame of video02.avi (t = 0.04 s): "17/09/07 12:04:11", the recorder's
# dd/mm/yy clock. Read by eye on the frame saved as PNG, the overlay cropped and enlarged 8x (nearest and
# Lanczos); the middle (t = 15.04 s) reads 12:04:26 and the last frame (t = 29.96 s) 12:04:41, so the clock
# advances with the video and the start (the clock at t = 0) is 12:04:11 within a second.
HIGHWAY_FIRST_FRAME = datetime(2007, 9, 17, 12, 4, 11)


@dataclass(frozen=True)
class _Frame:
    t: float
    image: np.ndarray


def _overlay_frames(start: datetime, fmt: str, count: int = 8, step: float = 1.7) -> list[_Frame]:
    """Plain frames with a recorder-style clock drawn on them, ``step`` seconds apart."""
    frames = []
    for k in range(count):
        t = 0.3 + k * step
        image = np.full((240, 320, 3), 90, np.uint8)
        cv2.rectangle(image, (150, 120), (220, 200), (30, 140, 60), -1)  # something that is not text
        text = (start + timedelta(seconds=t)).strftime(fmt)
        cv2.putText(image, text, (8, 24), cv2.FONT_HERSHEY_SIMPLEX, 0.55, (255, 255, 255), 1, cv2.LINE_AA)
        frames.append(_Frame(t, image))
    return frames


@pytest.mark.slow
def test_highway_clip_start_is_within_2_s_of_what_a_person_reads() -> None:
    path = VIDEOS_DIR / "video02.avi"
    estimate = read_video_clock(path, probe(path).duration_s)
    assert estimate.found, estimate.summary()
    assert estimate.date_order == "dmy"  # 17 > 12: the first field is the day
    assert estimate.recording_start is not None
    assert abs((estimate.recording_start - HIGHWAY_FIRST_FRAME).total_seconds()) <= 2.0
    assert len(estimate.readings_used) >= 3
    assert estimate.ocr_calls <= MAX_OCR_CALLS
    assert estimate.region is not None
    x, y, _w, h = estimate.region
    assert x < 60
    assert y < 45
    assert h < 30


@pytest.mark.slow
def test_a_clip_without_a_clock_gives_no_reading() -> None:
    path = VIDEOS_DIR / "car-detection.mp4"
    estimate = read_video_clock(path, probe(path).duration_s)
    assert not estimate.found
    assert estimate.recording_start is None
    assert estimate.candidates == ()
    assert estimate.summary().startswith("no clock found")


def test_unambiguous_synthetic_clock_is_resolved_from_the_day_field() -> None:
    start = datetime(2024, 3, 25, 14, 5, 7)
    estimate = estimate_clock(_overlay_frames(start, "%d/%m/%y %H:%M:%S"))
    assert estimate.date_order == "dmy"
    assert estimate.recording_start is not None
    assert abs((estimate.recording_start - start).total_seconds()) <= 1.0
    assert estimate.confidence >= 0.9


def test_ambiguous_synthetic_clock_returns_both_dates_and_no_guess() -> None:
    start = datetime(2024, 3, 5, 14, 5, 7)  # 05/03/24: 5 March or 3 May
    estimate = estimate_clock(_overlay_frames(start, "%d/%m/%y %H:%M:%S"))
    assert estimate.found
    assert estimate.date_order is None
    assert estimate.recording_start is None
    by_order = {c.date_order: c.recording_start for c in estimate.candidates}
    assert set(by_order) == {"dmy", "mdy"}
    assert abs((by_order["dmy"] - start).total_seconds()) <= 1.0
    assert abs((by_order["mdy"] - datetime(2024, 5, 3, 14, 5, 7)).total_seconds()) <= 1.0
    assert any("ambiguous" in w for w in estimate.warnings)


def test_the_camera_setting_settles_an_ambiguous_synthetic_clock() -> None:
    start = datetime(2024, 5, 3, 14, 5, 7)
    estimate = estimate_clock(_overlay_frames(start, "%m/%d/%y %H:%M:%S"), date_order_hint="mdy")
    assert estimate.date_order == "mdy"
    assert estimate.recording_start is not None
    assert abs((estimate.recording_start - start).total_seconds()) <= 1.0
    assert any("camera setting" in w for w in estimate.warnings)


def test_twelve_hour_clock_with_weekday() -> None:
    start = datetime(2024, 3, 25, 14, 5, 7)
    estimate = estimate_clock(_overlay_frames(start, "%a %m/%d/%Y %I:%M:%S %p"))
    assert estimate.date_order == "mdy"
    assert estimate.recording_start is not None
    assert abs((estimate.recording_start - start).total_seconds()) <= 1.0


def test_a_frozen_clock_is_no_clock() -> None:
    frames = _overlay_frames(datetime(2024, 3, 25, 14, 5, 7), "%d/%m/%y %H:%M:%S", step=0.0)
    frames = [_Frame(k * 2.0, f.image) for k, f in enumerate(frames)]  # the same text on every frame
    assert not estimate_clock(frames).found


def test_the_ocr_budget_is_a_hard_cap() -> None:
    frames = _overlay_frames(datetime(2024, 3, 25, 14, 5, 7), "%d/%m/%y %H:%M:%S", count=20)
    estimate = estimate_clock(frames, max_ocr_calls=3, readings_wanted=10)
    assert estimate.ocr_calls <= 3


def test_the_ocr_models_load_from_the_wheel_without_the_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("the OCR tried to reach the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    assert _build_engine() is not None
