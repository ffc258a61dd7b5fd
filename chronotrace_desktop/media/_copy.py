"""Packet-level copy of one window (no decoding): the engine of ``segments.cut_segment``."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

import av
import av.error
from av.video.codeccontext import VideoCodecContext

from chronotrace_desktop.media import _raw
from chronotrace_desktop.media._av import check_stop, seconds, to_pts

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from av.audio.stream import AudioStream
    from av.container import InputContainer, OutputContainer
    from av.packet import Packet
    from av.stream import Stream
    from av.video.stream import VideoStream

    from chronotrace_desktop.domain.media import Window

logger = logging.getLogger(__name__)

# AVI indexes flag the 1-byte placeholder packets of packed-bitstream XVID/DivX (N-VOPs) as keyframes; a cut
# starting on one would begin with nothing to show. Real keyframes are kilobytes.
MIN_KEYFRAME_BYTES = 64
_EPS = 1e-6
_CHECK_EVERY = 200  # packets between cancel checks


@dataclass
class Span:
    """What was written: video-absolute start/end of the video and packet counts."""

    start: float = 0.0
    end: float = 0.0
    packets: int = 0
    audio_packets: int = 0


def is_cut_point(packet: Packet[Stream]) -> bool:
    return packet.is_keyframe and packet.size >= MIN_KEYFRAME_BYTES


class _Writer:
    """Buffers the GOP that may hold the start, then rebases and muxes packets."""

    def __init__(
        self, out: OutputContainer, video: VideoStream, audio: AudioStream | None, copy_audio: bool
    ) -> None:
        self.out = out
        self.video = video
        self.audio = audio if copy_audio else None
        self.out_video = out.add_stream_from_template(video)
        self.out_audio = out.add_stream_from_template(audio) if self.audio is not None and audio else None
        self.span = Span()
        # Packets since the chosen keyframe, held until the start is settled.
        self.gop: list[Packet[Stream]] = []
        self.kf_time: float | None = None
        self.streaming = False  # True once the start is settled and packets go straight out

    def start_gop(self, keyframe: Packet[Stream], t: float) -> None:
        self.kf_time = t
        self.gop = [p for p in self.gop if p.stream is not self.video and _t(p) >= t - _EPS]
        self.gop.append(keyframe)

    def settle(self) -> None:
        """The start is final: write the buffered GOP."""
        self.streaming = True
        if self.kf_time is None:  # no keyframe at all: nothing can be cut (only audio was buffered)
            self.gop = []
            return
        for packet in self.gop:
            self.write(packet)
        self.gop = []

    def offer(self, packet: Packet[Stream]) -> None:
        if self.streaming:
            self.write(packet)
        elif self.kf_time is not None or packet.stream is not self.video:
            # Before the first keyframe only audio is kept: it may belong just after that keyframe.
            self.gop.append(packet)

    def write(self, packet: Packet[Stream]) -> None:
        assert self.kf_time is not None
        stream = packet.stream
        target: Stream
        if stream is self.video:
            target = self.out_video
            t = _t(packet)
            length = float((packet.duration or 0) * stream.time_base) if stream.time_base else 0.0
            if not self.span.packets:
                self.span.start = t
            self.span.end = max(self.span.end, t + length)
            self.span.packets += 1
        elif self.out_audio is not None and stream is self.audio:
            if _t(packet) < self.kf_time - _EPS:
                return
            target = self.out_audio
            self.span.audio_packets += 1
        else:
            return
        shift = to_pts(self.kf_time, stream)
        if packet.pts is not None:
            packet.pts -= shift
        if packet.dts is not None:
            packet.dts -= shift
        packet.stream = target
        self.out.mux(packet)


def _t(packet: Packet[Stream]) -> float:
    return seconds(packet.pts if packet.pts is not None else packet.dts, packet.stream) or 0.0


def _dts_t(packet: Packet[Stream]) -> float:
    value = packet.dts if packet.dts is not None else packet.pts
    return seconds(value, packet.stream) or 0.0


def copy_window(
    container: InputContainer,
    dest: Path,
    fmt: str,
    window: Window,
    copy_audio: bool,
    should_stop: Callable[[], bool] | None,
    *,
    seek: bool = True,
) -> Span:
    """Copy the packets of ``window`` into ``dest`` (muxer ``fmt``), rebased to start at 0.

    ``container`` is freshly opened. A window past 0 is sought (unless ``seek`` is False: then the file is
    read from its start); window 0 is read from the start without seeking, as seeking to the first timestamp
    can land past the first keyframe (MPEG-TS/PS seek on dts). Raises ``SeekOvershotError`` when the seek
    landed past the keyframe the window needs: the caller reads again from a fresh open, ``seek=False``.
    """
    video = container.streams.video[0]
    audio = container.streams.audio[0] if copy_audio and container.streams.audio else None
    with av.open(str(dest), mode="w", format=fmt, options=_muxer_options(fmt)) as out:
        writer = _Writer(out, video, audio, copy_audio)
        sought = seek and window.start > 0
        if sought:
            container.seek(to_pts(window.start, video), stream=video, backward=True)
        if not _copy_from(container, writer, window, video, audio, should_stop, sought=sought):
            raise SeekOvershotError(f"the seek to {window.start:.2f} s landed past its keyframe")
        if not writer.streaming:
            writer.settle()
        return writer.span


class SeekOvershotError(Exception):
    """The seek landed after the keyframe the window starts from (nothing has been written)."""


def _copy_from(
    container: InputContainer,
    writer: _Writer,
    window: Window,
    video: VideoStream,
    audio: AudioStream | None,
    should_stop: Callable[[], bool] | None,
    *,
    sought: bool,
) -> bool:
    """Demux and offer packets; False if a seek overshot the window start (read again from the start)."""
    streams: list[Stream] = [video] if audio is None else [video, audio]
    video_done = False
    audio_done = audio is None
    count = 0
    for packet in container.demux(streams):
        count += 1
        if count % _CHECK_EVERY == 1:
            check_stop(should_stop, "cutting a segment")
        if packet.stream is video:
            if packet.pts is None and packet.dts is None:
                continue  # the flush packet at EOF
            t = _t(packet)
            if writer.kf_time is None and not is_cut_point(packet):
                continue
            first = writer.kf_time is None
            if is_cut_point(packet) and not writer.streaming and (first or t <= window.start + _EPS):
                if sought and first and t > window.start + _EPS:
                    return False
                writer.start_gop(packet, t)
                continue
            if _dts_t(packet) >= window.end - _EPS:
                video_done = True
            else:
                if not writer.streaming and _dts_t(packet) > window.start + _EPS:
                    writer.settle()
                writer.offer(packet)
        elif packet.pts is not None:
            if _t(packet) >= window.end - _EPS:
                audio_done = True
            else:
                writer.offer(packet)
        if video_done and audio_done:
            break
    # A seek that landed after the last keyframe before the window (MPEG-TS/PS seek on dts, not on
    # keyframes) finds none.
    return not (sought and writer.kf_time is None)


def copy_raw_window(
    container: InputContainer,
    dest: Path,
    fmt: str,
    window: Window,
    should_stop: Callable[[], bool] | None,
) -> Span:
    """Copy ``window`` of a raw elementary stream (no timestamps, no seeking) into ``dest``, timestamped.

    The stream is read from its start; packet ``n`` (decode order) is at ``n`` frames (see ``media._raw``).
    The cut keeps the packets from the last keyframe at or before the window start up to the window end.
    Their presentation order is learnt by decoding them when the stream reorders frames (B-frames);
    otherwise it is the decode order. The packets themselves are written unchanged.
    """
    video = container.streams.video[0]
    step = _raw.frame_step(video)
    kept: list[Packet[Stream]] = []
    first = -1  # index of the kept keyframe
    index = -1
    streams: list[Stream] = [video]
    for packet in container.demux(streams):
        if not packet.size:
            continue  # the flush packet at EOF
        index += 1
        if index % _CHECK_EVERY == 0:
            check_stop(should_stop, "cutting a segment")
        t = float(index * step * video.time_base) if video.time_base else 0.0
        if t >= window.end - _EPS:
            break
        if is_cut_point(packet) and t <= window.start + _EPS:
            kept, first = [packet], index
        elif first >= 0:
            kept.append(packet)
    span = Span()
    if not kept:
        return span
    order = _presentation_order(video, kept)
    delay = max(i - rank for i, rank in enumerate(order))
    with av.open(str(dest), mode="w", format=fmt, options=_muxer_options(fmt)) as out:
        target = out.add_stream_from_template(video)
        for i, packet in enumerate(kept):
            packet.pts = round(order[i] * step)
            packet.dts = round((i - delay) * step)
            packet.duration = round(step)
            packet.stream = target
            out.mux(packet)
    length = float(step * video.time_base) if video.time_base else 0.0
    span.start = first * length
    span.end = (first + len(kept)) * length
    span.packets = len(kept)
    return span


def _presentation_order(video: VideoStream, packets: list[Packet[Stream]]) -> list[int]:
    """For each packet (decode order), its frame's rank in display order; the identity without B-frames."""
    if not video.codec_context.has_b_frames:
        return list(range(len(packets)))
    decoder = av.CodecContext.create(video.codec_context.name, "r")
    if not isinstance(decoder, VideoCodecContext):
        raise TypeError(f"{video.codec_context.name} is not a video decoder")
    decoder.extradata = video.codec_context.extradata  # parameter sets for a GOP that does not repeat them
    shown: list[int] = []
    for i, packet in enumerate(packets):
        copy = av.Packet(bytes(packet))
        copy.pts = copy.dts = i
        try:
            shown.extend(int(f.pts) for f in decoder.decode(copy) if f.pts is not None)
        except av.error.InvalidDataError:
            continue
    shown.extend(int(f.pts) for f in decoder.decode(None) if f.pts is not None)
    rank = {decode_index: position for position, decode_index in enumerate(shown)}
    if len(rank) != len(packets):  # frames the decoder dropped: fall back to decode order for the rest
        logger.debug("presentation order of %d packets: %d frames decoded", len(packets), len(rank))
    return [rank.get(i, i) for i in range(len(packets))]


def _muxer_options(fmt: str) -> dict[str, str]:
    return {"movflags": "+faststart"} if fmt == "mp4" else {}
