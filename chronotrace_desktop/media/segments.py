"""Lossless cuts of one window of a video: stream copy (no re-encode) into a container that takes the codec.

* h264/hevc (and mpeg4 from MP4/MOV) go into ``.mp4``; anything else (XVID/DivX from AVI, MJPEG, MPEG-2 from
  TS/PS, VP9...) into Matroska ``.mkv``; the Windows-era codecs Matroska's muxer refuses (WMV1/2/3 from ASF,
  Sorenson FLV1, H.263 from 3GP) into ``.avi``, which stores them as they are.
* A cut starts on the keyframe at or before the window start (a copy cannot start between keyframes), so the
  segment may begin a little early: the *true* start and end are measured from the packets written and
  returned. Video packets are taken in decode order while their dts is before the window end, so every frame
  shown before the end is there with everything it references (a frame or two past the end may be included).
* GIF: a GIF frame is drawn over the previous ones, and only the first frame carries the header and palette.
  Window 0 (the start of the file) is copied packet for packet into a ``.gif`` (pixel-identical); a later
  window is re-encoded losslessly to FFV1 in ``.mkv`` (also pixel-identical, but not the original bytes:
  recorded as ``method="lossless_reencode"``). The same re-encode is the fallback if a container refuses a
  copied stream.
* Audio is copied along with the video when the container takes it.
* A raw elementary stream (``.h264``, ``.265``...: no timestamps, cannot seek) is read from its start and its
  packets are remuxed unchanged, with timestamps counted at the stream's frame rate, into MP4 (H.264/H.265) or
  Matroska (anything else): still ``method="stream_copy"``, the container says where it went.
* Output goes to a hidden temporary name and is renamed into place at the end (atomic on one file system).
"""

from __future__ import annotations

import functools
import io
import logging
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import av
import av.error

from chronotrace_desktop.domain.errors import EnvironmentProblemError, InvalidInputError
from chronotrace_desktop.media import _raw
from chronotrace_desktop.media._av import atomic_output, map_av_error, open_input
from chronotrace_desktop.media._copy import SeekOvershotError, Span, copy_raw_window, copy_window
from chronotrace_desktop.media._lossless import LOSSLESS_CODEC, reencode_window
from chronotrace_desktop.media.hashing import sha256_file

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from av.container import InputContainer

    from chronotrace_desktop.domain.media import Window

logger = logging.getLogger(__name__)

Method = Literal["stream_copy", "lossless_reencode"]

MP4_VIDEO = frozenset({"h264", "hevc"})
MP4_AUDIO = frozenset({"aac", "mp3", "ac3", "eac3", "alac", "opus", "flac"})
_MP4_FAMILY = "mov,mp4,m4a,3gp,3g2,mj2"


@dataclass(frozen=True, slots=True)
class SegmentCut:
    """What ``cut_segment`` wrote. Times are video-absolute seconds (see ``media._av``)."""

    path: Path
    index: int
    requested_start: float
    requested_end: float
    start_s: float  # time of the first frame in the file (the keyframe at or before requested_start)
    end_s: float  # end of the last frame in the file
    size_bytes: int
    container: str  # "mp4", "matroska", "avi" or "gif"
    codec: str  # video codec in the file (unchanged for a stream copy)
    method: Method
    has_audio: bool
    video_packets: int
    sha256: (
        str  # of the file as written: recorded at ingest, checked again before the cut leaves in an export
    )

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s

    @property
    def snapped_to_keyframe(self) -> bool:
        """True when the cut had to start earlier than asked (previous keyframe)."""
        return self.start_s < self.requested_start - 1e-3


@dataclass(frozen=True, slots=True)
class CopyPlan:
    container: str  # FFmpeg muxer name
    suffix: str
    method: Method
    copy_audio: bool


def plan_copy(
    container_format: str, video_codec: str, audio_codec: str | None, window_start: float
) -> CopyPlan:
    """The container and method for cutting a window of a video with this container and codecs."""
    if video_codec == "gif":
        if window_start <= 0:
            return CopyPlan("gif", ".gif", "stream_copy", copy_audio=False)
        return CopyPlan("matroska", ".mkv", "lossless_reencode", copy_audio=False)
    mp4_ok = video_codec in MP4_VIDEO or (video_codec == "mpeg4" and container_format == _MP4_FAMILY)
    if mp4_ok and (audio_codec is None or audio_codec in MP4_AUDIO):
        return CopyPlan("mp4", ".mp4", "stream_copy", copy_audio=audio_codec is not None)
    if video_codec not in muxer_codecs("matroska") and video_codec in muxer_codecs("avi"):
        # Windows-era codecs Matroska's muxer refuses (WMV1/2/3, Sorenson FLV1, H.263): AVI stores them as is.
        copy_audio = audio_codec is not None and audio_codec in muxer_codecs("avi")
        return CopyPlan("avi", ".avi", "stream_copy", copy_audio=copy_audio)
    return CopyPlan("matroska", ".mkv", "stream_copy", copy_audio=audio_codec is not None)


@functools.cache
def muxer_codecs(muxer: str) -> frozenset[str]:
    """The codecs FFmpeg's ``muxer`` can store (asked of a muxer writing to memory, nothing on disk)."""
    with av.open(io.BytesIO(), mode="w", format=muxer) as probe_out:
        return frozenset(probe_out.supported_codecs)


def cut_segment(
    source: Path,
    window: Window,
    dest_stem: Path,
    *,
    should_stop: Callable[[], bool] | None = None,
    timeout_s: float = 20.0,
) -> SegmentCut:
    """Cut ``window`` of ``source`` losslessly into ``dest_stem`` + the suffix of the chosen container.

    Raises ``InvalidInputError`` when the source has no decodable data in the window,
    ``EnvironmentProblemError`` when the output cannot be written, ``OperationCancelledError`` on cancel.
    """
    started = time.perf_counter()
    with open_input(source, timeout_s=timeout_s) as container:
        if not container.streams.video:
            raise InvalidInputError(f"{source.name}: no video stream to cut")
        video = container.streams.video[0]
        audio = container.streams.audio[0] if container.streams.audio else None
        audio_codec = audio.codec_context.name if audio is not None and audio.codec_context else None
        plan = plan_copy(container.format.name, video.codec_context.name, audio_codec, window.start)
        dest = dest_stem.with_name(dest_stem.name + plan.suffix)
        result = _cut(container, source, window, dest, plan, should_stop, timeout_s)
    logger.info(
        "cut %s window %d [%.2f, %.2f) -> %s [%.3f, %.3f] %s, %d bytes in %.3f s",
        source.name,
        window.index,
        window.start,
        window.end,
        dest.name,
        result.start_s,
        result.end_s,
        result.method,
        result.size_bytes,
        time.perf_counter() - started,
    )
    return result


def _cut(
    container: InputContainer,
    source: Path,
    window: Window,
    dest: Path,
    plan: CopyPlan,
    should_stop: Callable[[], bool] | None,
    timeout_s: float,
) -> SegmentCut:
    video = container.streams.video[0]
    try:
        try:
            try:
                span, size = _write(container, window, dest, plan, should_stop)
            except SeekOvershotError as exc:
                # No usable index (or a seek on dts): read the window from the start of a fresh open.
                logger.debug("cutting %s window %d from the start: %s", source.name, window.index, exc)
                with open_input(source, timeout_s=timeout_s) as again:
                    span, size = _write(again, window, dest, plan, should_stop, seek=False)
        except ValueError as exc:  # PyAV's own check, or FFmpeg's EINVAL (av.error.ArgumentError)
            if plan.method != "stream_copy":
                raise
            # The muxer refused the copied stream (codec parameters it cannot store): re-encode instead,
            # reading the source again from a fresh open (a raw stream cannot seek back).
            logger.warning("stream copy of %s into %s failed (%s); re-encoding losslessly", source, dest, exc)
            plan = CopyPlan("matroska", ".mkv", "lossless_reencode", copy_audio=False)
            dest = dest.with_suffix(plan.suffix)
            with open_input(source, timeout_s=timeout_s) as again:
                span, size = _write(again, window, dest, plan, should_stop)
    except _NothingWrittenError:
        span, size = Span(), 0
    except (av.error.InvalidDataError, av.error.EOFError) as exc:
        raise map_av_error(exc, source, "read") from exc
    except (av.error.OSError, OSError) as exc:
        raise EnvironmentProblemError(f"could not write segment {dest.name} in {dest.parent}: {exc}") from exc
    if span.packets == 0:
        raise InvalidInputError(
            f"{source.name}: nothing readable in {window.start:.1f}-{window.end:.1f} s (damaged/truncated)"
        )
    return SegmentCut(
        path=dest,
        index=window.index,
        requested_start=window.start,
        requested_end=window.end,
        start_s=round(span.start, 6),
        end_s=round(span.end, 6),
        size_bytes=size,
        container=plan.container,
        codec=video.codec_context.name if plan.method == "stream_copy" else LOSSLESS_CODEC,
        method=plan.method,
        has_audio=span.audio_packets > 0,
        video_packets=span.packets,
        sha256=sha256_file(dest),
    )


class _NothingWrittenError(Exception):
    """No packet of the window could be written (the caller says why, naming the source)."""


def _write(
    container: InputContainer,
    window: Window,
    dest: Path,
    plan: CopyPlan,
    should_stop: Callable[[], bool] | None,
    *,
    seek: bool = True,
) -> tuple[Span, int]:
    with atomic_output(dest) as tmp:
        if plan.method == "stream_copy" and _raw.is_untimed(container):
            span = copy_raw_window(container, tmp, plan.container, window, should_stop)
        elif plan.method == "stream_copy":
            span = copy_window(
                container, tmp, plan.container, window, plan.copy_audio, should_stop, seek=seek
            )
        else:
            span = reencode_window(container, tmp, window, should_stop)
        if span.packets == 0:  # nothing was muxed, so there is no file to keep
            raise _NothingWrittenError
        size = tmp.stat().st_size
    return span, size
