"""Decode frames for analysis: a few per second, downscaled BGR, robust to damaged data.

Every frame must be decoded (inter-frame codecs), but only the frames kept are converted to BGR and scaled:
the conversion is the expensive part. Damaged data does not end the sampling at once: undecodable packets are
skipped, decoding resumes at the next frame that decodes, and the report records the gap. Sampling stops
early (cleanly, with the reason in the report) when the demuxer can read no further (a truncated file) or
nothing has decoded for ``MAX_BAD_PACKETS`` packets in a row. A truncated CCTV export is thus used as far as
it decodes, and a glitch in the middle of a recording does not throw away everything after it.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import av
import av.error
import numpy as np

from chronotrace_desktop.domain.errors import InvalidInputError
from chronotrace_desktop.media import _raw
from chronotrace_desktop.media._av import check_stop, map_av_error, open_input, seconds, to_pts

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

    from av.video.frame import VideoFrame
    from av.video.stream import VideoStream

logger = logging.getLogger(__name__)

MAX_BAD_PACKETS = 500  # consecutive undecodable packets before sampling gives up
_EPS = 1e-6
_CHECK_EVERY = 100  # packets between cancel checks
_SILENCE_DB = -120.0


@dataclass(frozen=True, slots=True)
class SampledFrame:
    """A frame kept for analysis: video-absolute time and a BGR ``uint8`` image (display aspect)."""

    t: float
    image: np.ndarray


@dataclass(slots=True)
class DecodeReport:
    """How far decoding got. Fill one by passing it to ``sample_frames``; read it after the iteration."""

    frames_decoded: int = 0
    frames_kept: int = 0
    first_t: float | None = None
    last_t: float | None = None
    bad_packets: int = 0
    gaps: list[tuple[float, float]] = field(default_factory=list)  # spans lost to undecodable data
    stopped_early: str | None = None  # why decoding ended before the requested end, if it did
    seconds_spent: float = 0.0

    @property
    def damaged(self) -> bool:
        return bool(self.bad_packets or self.stopped_early)

    def warnings(self) -> list[str]:
        """Messages for the video record (empty for a clean decode)."""
        notes = [f"undecodable data between {a:.1f} s and {b:.1f} s was skipped" for a, b in self.gaps]
        if self.stopped_early:
            notes.append(self.stopped_early)
        return notes


def sample_frames(
    path: Path,
    *,
    fps: float,
    max_side: int = 640,
    start: float | None = None,
    end: float | None = None,
    should_stop: Callable[[], bool] | None = None,
    report: DecodeReport | None = None,
    timeout_s: float = 20.0,
) -> Iterator[SampledFrame]:
    """Yield frames at about ``fps`` per second (at most one per ``1/fps`` slot) from ``start`` to ``end``.

    Times are video-absolute seconds, strictly increasing. Images are BGR ``uint8``, at most ``max_side`` px
    on their longer side, in display aspect (non-square pixels are corrected). Raises ``InvalidInputError``
    if the file cannot be opened or has no video, ``OperationCancelledError`` when ``should_stop()`` is true.
    """
    if fps <= 0:
        raise ValueError("fps must be positive")
    report = report if report is not None else DecodeReport()
    started = time.perf_counter()
    step = 1.0 / fps
    lower = start or 0.0
    with open_input(path, timeout_s=timeout_s) as container:
        if not container.streams.video:
            raise InvalidInputError(f"{path.name}: no video stream")
        video = container.streams.video[0]
        video.thread_type = "AUTO"
        if start and not _raw.is_untimed(container):  # a raw stream cannot seek: read up to ``start``
            container.seek(to_pts(start, video), stream=video, backward=True)
        next_t = lower
        reached_end = False
        for frame in decode_frames(container, video, path, report, should_stop):
            t = seconds(frame.pts, video)
            if t is None or t < lower - _EPS:
                continue
            if end is not None and t >= end - _EPS:
                reached_end = True
                break
            if t + _EPS < next_t:
                continue
            report.frames_kept += 1
            yield SampledFrame(t, to_bgr(frame, max_side, video))
            next_t = lower + (math.floor((t - lower) / step + _EPS) + 1) * step
        if not reached_end:
            _check_reached(container, video, end, report)
    report.seconds_spent = time.perf_counter() - started
    logger.info(
        "sampled %s at %g fps: %d of %d frames kept, up to %.2f s, in %.2f s%s",
        path.name,
        fps,
        report.frames_kept,
        report.frames_decoded,
        report.last_t or 0.0,
        report.seconds_spent,
        f"; damaged: {'; '.join(report.warnings())}" if report.damaged else "",
    )


def _check_reached(
    container: av.container.InputContainer, video: VideoStream, end: float | None, report: DecodeReport
) -> None:
    """Note in ``report`` when decoding ended well before ``end`` (or the declared duration): truncation."""
    if report.stopped_early is not None:
        return
    expected = end
    if expected is None and container.duration:
        expected = container.duration / 1_000_000
    if expected is None:
        return
    rate = float(video.average_rate or 0) or 25.0
    last = report.last_t or 0.0
    if last < expected - max(1.0, 3.0 / rate):
        report.stopped_early = (
            f"decoding ended at {last:.1f} s of {expected:.1f} s: the file is truncated or damaged"
        )


def decode_floor(path: Path, *, timeout_s: float = 20.0) -> tuple[int, float]:
    """Decode every frame of the video and convert none: ``(frames, wall seconds)``, the cost floor."""
    started = time.perf_counter()
    report = DecodeReport()
    with open_input(path, timeout_s=timeout_s) as container:
        if not container.streams.video:
            raise InvalidInputError(f"{path.name}: no video stream")
        video = container.streams.video[0]
        video.thread_type = "AUTO"
        for _ in decode_frames(container, video, path, report, None):
            pass
    elapsed = time.perf_counter() - started
    logger.info("decoded %s: %d frames in %.3f s", path.name, report.frames_decoded, elapsed)
    return report.frames_decoded, elapsed


def to_bgr(frame: VideoFrame, max_side: int, video: VideoStream) -> np.ndarray:
    """One conversion (swscale) to BGR at display aspect, downscaled so the longer side is <= max_side."""
    sar = video.sample_aspect_ratio or video.codec_context.sample_aspect_ratio
    display_w = frame.width * float(sar) if sar and sar > 0 else float(frame.width)
    scale = min(1.0, max_side / max(display_w, frame.height))
    width = max(2, round(display_w * scale))
    height = max(2, round(frame.height * scale))
    if (width, height) == (frame.width, frame.height):
        image = frame.to_ndarray(format="bgr24")
    else:
        image = frame.reformat(width=width, height=height, format="bgr24", interpolation="AREA").to_ndarray()
    return np.ascontiguousarray(image)


def decode_frames(
    container: av.container.InputContainer,
    video: VideoStream,
    path: Path,
    report: DecodeReport,
    should_stop: Callable[[], bool] | None,
) -> Iterator[VideoFrame]:
    """Decoded frames, skipping undecodable packets and recording gaps in ``report``.

    A raw stream's frames get their counted time as pts (see ``media._raw``).
    """
    untimed = _raw.is_untimed(container)
    counted = 0
    bad_run = 0
    gap_from: float | None = None
    packets = 0
    demuxer = container.demux(video)
    while True:
        try:
            packet = next(demuxer)
        except StopIteration:
            break
        except (av.error.InvalidDataError, av.error.EOFError, av.error.OSError) as exc:
            if report.frames_decoded == 0:
                raise map_av_error(exc, path, "read") from exc
            report.stopped_early = f"reading stopped at {report.last_t or 0.0:.1f} s: {exc.strerror or exc}"
            break
        packets += 1
        if packets % _CHECK_EVERY == 1:
            check_stop(should_stop, f"sampling {path.name}")
        try:
            frames = packet.decode()
        except av.error.InvalidDataError:
            report.bad_packets += 1
            bad_run += 1
            if gap_from is None:
                gap_from = report.last_t or 0.0
            if bad_run >= MAX_BAD_PACKETS:
                report.stopped_early = (
                    f"decoding stopped at {gap_from:.1f} s: {bad_run} undecodable packets in a row"
                )
                break
            continue
        for frame in frames:
            if untimed:
                frame.pts = _raw.frame_pts(counted, video)
                counted += 1
            t = seconds(frame.pts, video)
            report.frames_decoded += 1
            if t is not None:
                if gap_from is not None:
                    report.gaps.append((gap_from, t))
                    gap_from = None
                if report.first_t is None:
                    report.first_t = t
                report.last_t = t if report.last_t is None else max(report.last_t, t)
            bad_run = 0
            yield frame
    if gap_from is not None and report.stopped_early is None:
        report.stopped_early = f"decoding stopped at {gap_from:.1f} s: the rest of the file is undecodable"


def audio_level_db(path: Path, start: float, end: float, *, timeout_s: float = 20.0) -> float | None:
    """RMS level of the audio in ``[start, end)`` in dBFS (a full-scale sine is -3 dB), floored at -120.

    None when the file has no audio stream or no audio in the window.
    """
    with open_input(path, timeout_s=timeout_s) as container:
        if not container.streams.audio or _raw.is_untimed(container):
            return None
        audio = container.streams.audio[0]
        try:
            container.seek(max(0, to_pts(start, audio)), stream=audio, backward=True)
            total = 0.0
            count = 0
            for frame in container.decode(audio):
                t = seconds(frame.pts, audio)
                if t is None or t < start - _EPS:
                    continue
                if t >= end:
                    break
                samples = _normalised(frame.to_ndarray(), frame.format.name)
                total += float(np.square(samples, dtype=np.float64).sum())
                count += samples.size
        except (av.error.InvalidDataError, av.error.EOFError) as exc:
            logger.warning("audio of %s unreadable in [%.1f, %.1f): %s", path.name, start, end, exc)
            return None
    if count == 0:
        return None
    rms = math.sqrt(total / count)
    return max(_SILENCE_DB, 20.0 * math.log10(rms)) if rms > 0 else _SILENCE_DB


def _normalised(samples: np.ndarray, fmt: str) -> np.ndarray:
    base = fmt.rstrip("p")
    if base in ("flt", "dbl"):
        return samples.astype(np.float64, copy=False)
    if base == "u8":
        return (samples.astype(np.float64) - 128.0) / 128.0
    bits = {"s16": 15, "s32": 31, "s64": 63}.get(base, 15)
    return samples.astype(np.float64) / float(1 << bits)


def frame_at(path: Path, t: float, *, max_side: int = 640, timeout_s: float = 20.0) -> np.ndarray:
    """The first frame at or after ``t`` seconds, as the ingest samples it (BGR, display aspect, at most
    ``max_side`` px). Raises ``InvalidInputError`` when no frame follows ``t``."""
    for frame in sample_frames(path, fps=1.0, max_side=max_side, start=t, end=t + 2.0, timeout_s=timeout_s):
        return frame.image
    raise InvalidInputError(f"{path.name}: no frame at or after {t:.2f} s")
