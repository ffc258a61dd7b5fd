"""Elementary streams (raw ``.h264 .264 .265 .hevc`` exports): no timestamps, no seeking.

FFmpeg's raw demuxers (``h264``, ``hevc``, ``mpegvideo``...) carry the ``AVFMT_NOTIMESTAMPS`` flag: their
packets have neither pts nor dts, and ``container.seek`` answers EPERM. Such a file is read front to back
only, and its timeline is counted: frame ``n`` (in display order) is at ``n / fps``. The frame rate comes from
the stream itself (the VUI timing of the SPS, which the decoder reports as ``codec_context.framerate``); the
demuxer's own rate (``stream.average_rate``) is its ``-framerate`` option, 25 unless told, so it proves
nothing. Without VUI timing the rate given for that file (:func:`assume_frame_rate`: ``ingest --frame-rate``
or the setting ``raw_stream_fps``, held by the ingest's :class:`~chronotrace_desktop.media.pinning.PinnedSource`) is
assumed, else ``DEFAULT_FPS``, and the probe records that as a warning.

Probe, frame sampling, and cuts all take the rate from :func:`frame_rate`, so their times agree.
"""

from __future__ import annotations

import threading
from fractions import Fraction
from typing import TYPE_CHECKING

import av.format

if TYPE_CHECKING:
    from pathlib import Path

    from av.container import InputContainer
    from av.video.stream import VideoStream

NO_TIMESTAMPS = 0x0080  # AVFMT_NOTIMESTAMPS
DEFAULT_FPS = 25.0
# Counting frames demuxes the whole file (~190 MB/s measured here on a local disk): the probe allows this
# rate, ten times slower, for slow or network storage.
COUNT_BYTES_PER_S = 20_000_000


def is_untimed(container: InputContainer) -> bool:
    """True for a raw elementary stream: no timestamps in the file, no seeking."""
    return bool(container.format.flags & NO_TIMESTAMPS)


def is_untimed_format(name: str) -> bool:
    """True when FFmpeg's demuxer ``name`` reads streams without timestamps."""
    try:
        return bool(av.format.ContainerFormat(name, "r").flags & NO_TIMESTAMPS)
    except ValueError:
        return False


_assumed: dict[str, float] = {}
_assumed_lock = threading.Lock()


def assume_frame_rate(path: Path, fps: float) -> None:
    """A raw stream opened as ``path`` without a rate of its own is taken to run at ``fps`` until
    :func:`forget_frame_rate`. Keyed by the path every reader opens (an ingest's held-open source), so two
    ingests side by side never see each other's assumption."""
    if not 0 < fps < 1000:
        raise ValueError(f"a frame rate is between 0 and 1000 frames per second, not {fps}")
    with _assumed_lock:
        _assumed[str(path)] = float(fps)


def forget_frame_rate(path: Path) -> None:
    with _assumed_lock:
        _assumed.pop(str(path), None)


def frame_rate(stream: VideoStream) -> tuple[float, bool]:
    """``(fps, from_stream)``: the stream's VUI rate, else the rate assumed for its file (or ``DEFAULT_FPS``)
    with ``from_stream`` False."""
    rate = stream.codec_context.framerate
    if rate and 0 < rate < 1000:
        return float(rate), True
    with _assumed_lock:
        return _assumed.get(stream.container.name, DEFAULT_FPS), False


def assumed_rate_warning(fps: float) -> str:
    return (
        f"no frame rate in the stream: {fps:g} fps assumed (a raw stream has no timestamps; its duration "
        "and every time in it count frames at that rate)"
    )


def frame_step(stream: VideoStream) -> Fraction:
    """One frame's length in ``stream``'s time base (exact when the rate divides it, as 1/1200000 does)."""
    tb = stream.time_base
    if tb is None:
        return Fraction(1)
    fps, _ = frame_rate(stream)
    return Fraction(1) / (Fraction(fps).limit_denominator(1001 * 1000) * tb)


def frame_pts(index: int, stream: VideoStream) -> int:
    """The synthetic pts of the ``index``-th frame (display order), in ``stream``'s time base."""
    return round(index * frame_step(stream))
