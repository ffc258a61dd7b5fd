"""Lossless re-encode of a window to FFV1 in Matroska: for what a stream copy cannot cut (GIF frames > 0)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import av
from av.video.stream import VideoStream

from chronotrace_desktop.domain.errors import InvalidInputError
from chronotrace_desktop.media import _raw
from chronotrace_desktop.media._av import check_stop, seconds, to_pts
from chronotrace_desktop.media._copy import Span

if TYPE_CHECKING:
    from collections.abc import Callable
    from fractions import Fraction
    from pathlib import Path

    from av.container import InputContainer, OutputContainer
    from av.video.frame import VideoFrame

    from chronotrace_desktop.domain.media import Window

logger = logging.getLogger(__name__)

LOSSLESS_CODEC = "ffv1"
_FFV1_FORMATS = frozenset(f.name for f in av.Codec(LOSSLESS_CODEC, "w").video_formats or ())
_EPS = 1e-6
_CHECK_EVERY = 50  # frames between cancel checks


def _add_stream(out: OutputContainer, frame: VideoFrame, tb: Fraction) -> VideoStream:
    stream = out.add_stream(LOSSLESS_CODEC)
    if not isinstance(stream, VideoStream):
        raise TypeError(f"{LOSSLESS_CODEC} is not a video encoder")
    stream.width, stream.height = frame.width, frame.height
    stream.pix_fmt = frame.format.name if frame.format.name in _FFV1_FORMATS else "bgra"
    stream.codec_context.time_base = tb
    stream.time_base = tb
    return stream


def reencode_window(
    container: InputContainer, dest: Path, window: Window, should_stop: Callable[[], bool] | None
) -> Span:
    """Decode ``window`` and write its frames, unchanged, as FFV1 into a Matroska file at ``dest``."""
    video = container.streams.video[0]
    video.thread_type = "AUTO"
    tb = video.time_base
    if tb is None:
        raise InvalidInputError("the video stream has no time base")
    # GIF frames are drawn over their predecessors, so a GIF is always decoded from its first frame. The
    # container is freshly opened: reading from the start needs no seek (a raw stream could not seek).
    from_start = video.codec_context.name == "gif" or window.start <= 0
    untimed = _raw.is_untimed(container)  # a raw stream: timestamps are counted frames
    if not from_start and not untimed:
        container.seek(to_pts(window.start, video), stream=video, backward=True)
    counted = 0
    span = Span()
    with av.open(str(dest), mode="w", format="matroska") as out:
        stream: VideoStream | None = None
        shift = 0
        last_length = 0.0
        for frame in container.decode(video):
            if untimed:
                frame.pts = _raw.frame_pts(counted, video)
                counted += 1
            t = seconds(frame.pts, video)
            if t is None or t < window.start - _EPS:
                continue
            if t >= window.end - _EPS:
                break
            if stream is None:
                stream = _add_stream(out, frame, tb)
                shift = to_pts(t, video)
                span.start = t
            if span.packets % _CHECK_EVERY == 0:
                check_stop(should_stop, "re-encoding a segment")
            out_frame = (
                frame if frame.format.name == stream.pix_fmt else frame.reformat(format=stream.pix_fmt)
            )
            out_frame.pts = (frame.pts or 0) - shift
            out_frame.time_base = tb
            out.mux(stream.encode(out_frame))
            last_length = float(frame.duration * tb) if frame.duration else last_length
            span.end = max(span.end, t + last_length)
            span.packets += 1
        if stream is not None:
            out.mux(stream.encode(None))
    logger.debug("re-encoded %d frames losslessly into %s", span.packets, dest.name)
    return span
