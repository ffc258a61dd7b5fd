"""Real clips from ../shared/data/videos, sampled at 2 frames a second like the ingest does, analysed once.

Frames are read with PyAV here (not the media layer, which is tested on its own): BGR, long side at most
640 px, video-absolute times.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

import av
import cv2
import numpy as np

from chronotrace_desktop.analysis.segment import SegmentAnalyzer
from chronotrace_desktop.domain.analysis import SegmentAnalysis, Track
from chronotrace_desktop.domain.media import SEGMENT_SECONDS, Window
from tests.conftest import VIDEOS_DIR

SAMPLE_FPS = 2.0


@dataclass(frozen=True, slots=True)
class Frame:
    t: float
    image: np.ndarray


def sampled(name: str, fps: float = SAMPLE_FPS, start: float = 0.0, end: float = math.inf) -> Iterator[Frame]:
    with av.open(str(VIDEOS_DIR / name)) as container:
        stream = container.streams.video[0]
        due = start
        for frame in container.decode(stream):
            if frame.pts is None or stream.time_base is None:
                continue
            t = float(frame.pts * stream.time_base)
            if t >= end:
                break
            if t + 1e-6 < due:
                continue
            image: np.ndarray = frame.to_ndarray(format="bgr24")
            h, w = image.shape[:2]
            scale = 640 / max(h, w)
            if scale < 1:
                image = cv2.resize(image, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA)
            yield Frame(t, image)
            due = max(due + 1 / fps, t + 0.5 / fps)


@dataclass(frozen=True, slots=True)
class ClipAnalysis:
    segments: tuple[SegmentAnalysis, ...]
    tracks: tuple[Track, ...]

    def max(self, attribute: str) -> int:
        return max(getattr(s, attribute) or 0 for s in self.segments)


@cache
def analyse_clip(name: str) -> ClipAnalysis:
    """The clip cut into 15 s windows, each analysed by one analyzer (as the ingest does per video)."""
    frames = list(sampled(name))
    end = frames[-1].t + 1 / SAMPLE_FPS
    analyzer = SegmentAnalyzer()
    segments = []
    for index in range(max(1, math.ceil(end / SEGMENT_SECONDS - 1e-6))):
        window = Window(index, index * SEGMENT_SECONDS, min(end, (index + 1) * SEGMENT_SECONDS))
        segments.append(analyzer.analyze(window, [f for f in frames if window.start <= f.t < window.end]))
    return ClipAnalysis(tuple(segments), tuple(analyzer.video_tracks()))


def analyse_stretch(name: str, start: float, end: float) -> SegmentAnalysis:
    return SegmentAnalyzer().analyze(Window(0, start, end), sampled(name, start=start, end=end))
