"""Probe a video file: what it is, how long, how big, and proof that its frames decode.

Refusals are ``InvalidInputError`` with a message for the analyst (what the file is, why it cannot be used);
a probe that does not finish in time is an ``EnvironmentProblemError`` (storage not responding). Nothing here
ever opens a file that is not a regular file, so named pipes and devices cannot block it.
"""

from __future__ import annotations

import dataclasses
import errno
import logging
import os
import stat
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import av
import av.error
from av.stream import Disposition

from chronotrace_desktop.domain.errors import EnvironmentProblemError, InvalidInputError
from chronotrace_desktop.domain.media import VideoProbe
from chronotrace_desktop.media import _raw, _sniff
from chronotrace_desktop.media._av import map_av_error, open_input, run_with_timeout, seconds, to_pts

if TYPE_CHECKING:
    from av.container import InputContainer
    from av.video.stream import VideoStream

logger = logging.getLogger(__name__)

MAX_SIDE = 8192
MAX_PIXELS = 40_000_000
FIRST_FRAMES = 3  # frames decoded to prove the stream decodes
MAX_PACKETS_FOR_FIRST_FRAME = 300  # give up finding a decodable frame after this many packets
TAIL_SECONDS = 2.0  # the tail check reads from the keyframe before ``duration - TAIL_SECONDS``
_HEAD_BYTES = 4096
_EPOCHS = (1904, 1970)  # MP4 creation times of 0 (QuickTime epoch) or 0 (Unix epoch) mean "not set"


def probe(path: Path, *, timeout_s: float = 20.0) -> VideoProbe:
    """Describe the video at ``path`` or refuse it.

    Raises ``InvalidInputError`` for anything that is not a usable video (with what it is), and
    ``EnvironmentProblemError`` when the storage fails or the probe takes longer than ``timeout_s``.
    """
    path = Path(os.path.abspath(path))
    started = time.perf_counter()
    result = run_with_timeout(lambda: _probe(path, timeout_s), timeout_s, f"probing {path.name}")
    if _raw.is_untimed_format(result.container):
        # A raw stream's duration is its frame count, read through the whole file: a budget by its size.
        budget = timeout_s + result.size_bytes / _raw.COUNT_BYTES_PER_S
        try:
            frames = run_with_timeout(
                lambda: _count_frames(path), budget, f"counting the frames of {path.name}"
            )
        except av.error.FFmpegError as exc:
            raise map_av_error(exc, path, "read") from exc
        if frames <= 1:
            raise InvalidInputError(f"{path.name}: no duration (a raw stream with {frames} frame)")
        result = dataclasses.replace(result, duration_s=round(frames / result.fps, 3))
    logger.info(
        "probed %s: %s %s %.2f s %.3g fps in %.3f s%s",
        path.name,
        result.codec,
        result.resolution,
        result.duration_s,
        result.fps,
        time.perf_counter() - started,
        f" ({len(result.warnings)} warnings)" if result.warnings else "",
    )
    return result


def check_regular_file(path: Path) -> os.stat_result:
    """Refuse, without opening it, anything that is not a readable, non-empty regular file."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        if path.is_symlink():
            raise InvalidInputError(f"{path.name}: symbolic link to a missing file") from None
        raise InvalidInputError(f"{path}: no such file (missing)") from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise InvalidInputError(
                f"{path.name}: symbolic link loop (the links point at each other)"
            ) from exc
        if exc.errno in (errno.EACCES, errno.EPERM):
            raise InvalidInputError(f"{path.name}: permission denied on the file or its folder") from exc
        if exc.errno in (errno.ENAMETOOLONG, errno.ENOTDIR):
            raise InvalidInputError(f"{path}: not a valid file path ({exc.strerror})") from exc
        raise EnvironmentProblemError(f"cannot read {path}: {exc.strerror}") from exc
    if stat.S_ISDIR(st.st_mode):
        raise InvalidInputError(f"{path.name}: a folder, not a video file")
    if not stat.S_ISREG(st.st_mode):
        raise InvalidInputError(
            f"{path.name}: not a regular file but {_sniff.file_kind(st.st_mode)}; refusing to open it"
        )
    if st.st_size == 0:
        raise InvalidInputError(f"{path.name}: empty file (0 bytes)")
    # Root passes os.access for any file; a file with no read bit at all is refused even then, so the
    # outcome does not depend on who runs the app.
    if not os.access(path, os.R_OK) or not st.st_mode & (stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH):
        raise InvalidInputError(f"{path.name}: no read permission (mode {stat.filemode(st.st_mode)})")
    return st


def read_head(path: Path, size: int = _HEAD_BYTES) -> bytes:
    try:
        with path.open("rb") as handle:
            return handle.read(size)
    except PermissionError as exc:
        raise InvalidInputError(f"{path.name}: permission denied") from exc
    except OSError as exc:
        raise EnvironmentProblemError(f"cannot read {path}: {exc.strerror}") from exc


def _probe(path: Path, timeout_s: float) -> VideoProbe:
    st = check_regular_file(path)
    head = read_head(path)
    kind = _sniff.non_media_kind(head)
    if kind:
        raise InvalidInputError(f"{path.name}: {kind}")
    try:
        container = open_input(path, timeout_s=timeout_s)
    except InvalidInputError as exc:
        hint = _sniff.container_hint(head, path.suffix)
        raise InvalidInputError(f"{path.name}: not a readable video ({hint})") from exc
    with container:
        try:
            return _inspect(path, container, head, st.st_size)
        except av.error.FFmpegError as exc:
            raise map_av_error(exc, path, "read") from exc


def _video_stream(path: Path, container: InputContainer, head: bytes) -> VideoStream:
    fmt = container.format.name
    videos = [s for s in container.streams.video if not s.disposition & Disposition.attached_pic]
    if fmt in _sniff.IMAGE_DEMUXERS or fmt.endswith("_pipe"):
        image = _sniff.image_kind(head) or fmt.removesuffix("_pipe").upper()
        raise InvalidInputError(f"{path.name}: a still image ({image}), not a video")
    if not videos:
        proprietary = _sniff.proprietary_kind(head, path.suffix)
        if proprietary:
            raise InvalidInputError(f"{path.name}: not a readable video ({proprietary})")
        audio = container.streams.audio
        if audio:
            codec = audio[0].codec_context.name if audio[0].codec_context else "unknown codec"
            length = f", {container.duration / 1e6:.1f} s" if container.duration else ""
            raise InvalidInputError(f"{path.name}: audio only ({codec}{length}), no video stream")
        if not container.streams:
            raise InvalidInputError(
                f"{path.name}: not a readable video ({_sniff.container_hint(head, path.suffix)})"
            )
        kinds = ", ".join(sorted({s.type for s in container.streams}))
        raise InvalidInputError(f"{path.name}: no video stream (contains: {kinds})")
    stream = videos[0]
    ctx = stream.codec_context
    if ctx is None or ctx.name in ("", "none"):
        fourcc = _sniff.avi_fourcc(head)
        tag = f" (FOURCC '{fourcc}')" if fourcc else ""
        raise InvalidInputError(f"{path.name}: unsupported video codec{tag}: FFmpeg cannot decode it")
    try:
        av.Codec(ctx.name, "r")
    except (av.codec.codec.UnknownCodecError, ValueError) as exc:
        raise InvalidInputError(f"{path.name}: unsupported video codec '{ctx.name}' (no decoder)") from exc
    _check_resolution(path, ctx.width, ctx.height, "declares")
    return stream


def _check_resolution(path: Path, width: int, height: int, verb: str) -> None:
    if width > MAX_SIDE or height > MAX_SIDE or width * height > MAX_PIXELS:
        raise InvalidInputError(
            f"{path.name}: {verb} an absurd resolution {width}x{height} (limit {MAX_SIDE} px a side, "
            f"{MAX_PIXELS // 1_000_000} Mpx): damaged header or not CCTV footage"
        )


def _inspect(path: Path, container: InputContainer, head: bytes, size: int) -> VideoProbe:
    stream = _video_stream(path, container, head)
    stream.thread_type = "AUTO"
    ctx = stream.codec_context
    warnings: list[str] = []
    width, height, first_t = _decode_first_frames(path, container, stream, warnings)
    if (width, height) != (ctx.width, ctx.height) and ctx.width and ctx.height:
        warnings.append(f"the header declares {ctx.width}x{ctx.height} but frames are {width}x{height}")
    _check_resolution(path, width, height, "decodes to")
    if _raw.is_untimed(container):
        return _inspect_raw(path, container, stream, (width, height), size, warnings)

    declared = _declared_duration(container, stream)
    fps = _frame_rate(stream)
    duration = declared
    extent = _tail_extent(container, stream, declared, fps)
    if extent is not None and declared is not None and extent > declared + _overrun(fps):
        duration = extent  # e.g. a Dahua .dav declares whole seconds between its first and last frame's clock
    if extent is None or declared is None:
        scanned = _scan_extent(path, container.streams.video.index(stream))
        if declared is None or scanned > declared + _overrun(fps):
            duration = scanned
        elif scanned < declared - _tolerance(fps):
            duration = scanned
            warnings.append(
                f"the file ends early: video data stops at {scanned:.1f} s of the declared {declared:.1f} s "
                "(truncated or damaged); only that part can be used"
            )
    if duration is None or duration <= 0:
        raise InvalidInputError(
            f"{path.name}: no duration (nothing beyond the first frame at {first_t:.2f} s)"
        )
    if fps <= 0:
        fps = (stream.frames or 0) / duration if duration else 0.0
    audio = [s for s in container.streams.audio if s.codec_context is not None]
    return VideoProbe(
        path=path,
        container=container.format.name,
        duration_s=round(duration, 3),
        width=width,
        height=height,
        fps=round(fps, 3),
        codec=ctx.name,
        size_bytes=size,
        has_audio=bool(audio),
        audio_codec=audio[0].codec_context.name if audio else None,
        creation_time=_creation_time(container, stream),
        warnings=tuple(warnings),
    )


def _inspect_raw(
    path: Path,
    container: InputContainer,
    stream: VideoStream,
    size_px: tuple[int, int],
    size: int,
    warnings: list[str],
) -> VideoProbe:
    """A raw elementary stream: no timestamps, no seeking. Its duration, its frames at its rate, is counted
    by ``probe`` afterwards, under a time budget of its own."""
    fps, from_stream = _raw.frame_rate(stream)
    if not from_stream:
        warnings.append(_raw.assumed_rate_warning(fps))
    return VideoProbe(
        path=path,
        container=container.format.name,
        duration_s=0.0,
        width=size_px[0],
        height=size_px[1],
        fps=round(fps, 3),
        codec=stream.codec_context.name,
        size_bytes=size,
        has_audio=False,
        audio_codec=None,
        creation_time=None,
        warnings=tuple(warnings),
    )


def _count_frames(path: Path) -> int:
    """Demux a raw stream (no decoding) from a fresh open, front to back: its access units."""
    frames = 0
    with open_input(path) as container:
        try:
            for packet in container.demux(container.streams.video[0]):
                if packet.size:
                    frames += 1
        except (av.error.InvalidDataError, av.error.EOFError):
            pass
    return frames


def _decode_first_frames(
    path: Path, container: InputContainer, stream: VideoStream, warnings: list[str]
) -> tuple[int, int, float]:
    """Decode up to ``FIRST_FRAMES`` frames: their size, and the time of the first."""
    frames = 0
    errors = 0
    size = (0, 0)
    first_t = 0.0
    packets = 0
    try:
        for packet in container.demux(stream):
            packets += 1
            try:
                decoded = packet.decode()
            except av.error.InvalidDataError:
                errors += 1
                decoded = []
            for frame in decoded:
                if frames == 0:
                    size = (frame.width, frame.height)
                    first_t = frame.time or 0.0
                frames += 1
            if frames >= FIRST_FRAMES or packets >= MAX_PACKETS_FOR_FIRST_FRAME:
                break
    except (av.error.InvalidDataError, av.error.EOFError):
        errors += 1
    if frames == 0:
        codec = stream.codec_context.name
        raise InvalidInputError(
            f"{path.name}: no frame could be decoded ({codec}, {packets} packets read, {errors} errors): "
            "damaged data or an unsupported variant of the codec"
        )
    if errors:
        warnings.append(f"{errors} undecodable packets before the first frames (damaged start)")
    return size[0], size[1], first_t


def _declared_duration(container: InputContainer, stream: VideoStream) -> float | None:
    if container.duration and container.duration > 0:
        return container.duration / 1_000_000
    if stream.duration and stream.time_base:
        return float(stream.duration * stream.time_base)
    return None


def _frame_rate(stream: VideoStream) -> float:
    for rate in (stream.average_rate, stream.guessed_rate, stream.base_rate):
        if rate and 0 < rate < 1000:
            return float(rate)
    return 0.0


def _tolerance(fps: float) -> float:
    return max(1.0, 3.0 / fps) if fps > 0 else 1.0


def _overrun(fps: float) -> float:
    """How far video data may run past the declared duration before the data is believed instead."""
    return max(0.25, 2.0 / fps) if fps > 0 else 0.25


def _tail_extent(
    container: InputContainer, stream: VideoStream, declared: float | None, fps: float
) -> float | None:
    """Seek near the declared end and demux to EOF: the end time reached, or None if the tail is missing.

    This catches truncated files (the index promises data that is not there) by reading one GOP, not the file.
    """
    if declared is None:
        return None
    video_end = (
        float(stream.duration * stream.time_base) if stream.duration and stream.time_base else declared
    )
    try:
        container.seek(max(0, to_pts(video_end - TAIL_SECONDS, stream)), stream=stream, backward=True)
        end = 0.0
        decoded = False
        for packet in container.demux(stream):
            if packet.pts is None:
                continue
            end = max(end, _packet_end(packet.pts, packet.duration, stream))
            if not decoded:
                try:
                    decoded = bool(packet.decode())
                except av.error.InvalidDataError:
                    continue
    except av.error.FFmpegError as exc:
        logger.debug("tail check failed: %s", exc)
        return None
    if not decoded or end < video_end - _tolerance(fps):
        return None
    return end


def _scan_extent(path: Path, index: int) -> float:
    """Demux (without decoding) from the start and return where readable video data ends.

    It reads a fresh open of the file rather than seeking back: some demuxers cannot seek to the start
    (FFmpeg's dhav answers EPERM).
    """
    end = 0.0
    with open_input(path) as container:
        stream = container.streams.video[index] if index < len(container.streams.video) else None
        if stream is None:
            return end
        try:
            for packet in container.demux(stream):
                if packet.pts is not None:
                    end = max(end, _packet_end(packet.pts, packet.duration, stream))
        except (av.error.InvalidDataError, av.error.EOFError):
            pass
    return end


def _packet_end(pts: int, duration: int | None, stream: VideoStream) -> float:
    t = seconds(pts + (duration or 0), stream)
    return t if t is not None else 0.0


def _creation_time(container: InputContainer, stream: VideoStream) -> datetime | None:
    for metadata in (container.metadata, stream.metadata):
        value = metadata.get("creation_time")
        if not value:
            continue
        try:
            parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            logger.debug("unparsable creation_time %r", value)
            continue
        if parsed.tzinfo is not None:
            parsed = parsed.astimezone(UTC).replace(tzinfo=None)
        if parsed.year in _EPOCHS and parsed.month == 1 and parsed.day == 1:
            continue
        return parsed
    return None
