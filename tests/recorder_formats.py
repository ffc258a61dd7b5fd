"""Recorder export formats, built at test time from a shared clip with PyAV (nothing committed).

``build_formats(dest, videos_dir)`` writes one short clip per format (16 s: two 15 s windows, so a cut that
does not start at 0 is exercised) and returns them by key. H.264 is copied from the shared clip where the
container takes it (as a recorder would write it); other codecs are encoded from its decoded frames at a
reduced size. Dahua ``.dav`` has no muxer in FFmpeg: it is written here chunk by chunk as FFmpeg's ``dhav``
demuxer reads it (libavformat/dhav.c: a 24-byte "DHAV" header, extension records 0x80 size and 0x81
codec/rate on keyframes, the H.264 access unit, a "dhav" trailer with the chunk length).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
from av.audio.stream import AudioStream
from av.video.stream import VideoStream

SOURCE_CLIP = "car-detection.mp4"  # 768x432 H.264 Baseline at 12.5 fps, no B-frames
SECONDS = 16.0
SMALL = (384, 216)


@dataclass(frozen=True)
class FormatClip:
    path: Path
    label: str  # for the README table
    codec: str  # the FFmpeg video codec in the file
    raw: bool = False  # an elementary stream: no timestamps
    audio: str | None = None  # the audio codec beside the video, if any
    assumed_rate: bool = False  # no frame rate in the stream: the probe must warn


def _h264_packets(source: Path, seconds: float) -> tuple[VideoStream, list[av.Packet[VideoStream]]]:
    container = av.open(str(source))
    video = container.streams.video[0]
    tb = video.time_base or Fraction(1)
    packets = []
    for packet in container.demux(video):
        if packet.dts is None:
            continue
        if packet.pts is not None and float(packet.pts * tb) >= seconds:
            break
        packets.append(packet)
    return video, packets


def _tone(out: av.container.OutputContainer, codec: str, seconds: float) -> None:
    """A 440 Hz tone for ``seconds`` as ``codec`` audio (48 kHz mono), muxed into ``out``."""
    rate = 48_000
    stream = out.add_stream(codec, rate=rate)
    assert isinstance(stream, AudioStream)
    stream.layout = "mono"
    formats = stream.codec_context.codec.audio_formats
    assert formats, codec
    fmt = formats[0].name
    size = 1152
    t = np.arange(int(seconds * rate)) / rate
    wave = 0.3 * np.sin(2 * np.pi * 440 * t)
    samples = (wave * 32767).astype(np.int16) if fmt.startswith("s16") else wave.astype(np.float32)
    for at in range(0, len(samples) - size + 1, size):
        frame = av.AudioFrame.from_ndarray(samples[at : at + size].reshape(1, -1), format=fmt, layout="mono")
        frame.sample_rate = rate
        frame.pts = at
        out.mux(stream.encode(frame))
    out.mux(stream.encode(None))


def _remux(source: Path, dest: Path, fmt: str, seconds: float = SECONDS, audio: str | None = None) -> None:
    with av.open(str(source)) as src, av.open(str(dest), "w", format=fmt) as out:
        video = src.streams.video[0]
        tb = video.time_base or Fraction(1)
        target = out.add_stream_from_template(video)
        if audio:
            _tone(out, audio, seconds)
        for packet in src.demux(video):
            if packet.dts is None:
                continue
            if packet.pts is not None and float(packet.pts * tb) >= seconds:
                break
            packet.stream = target
            out.mux(packet)


def _frames(source: Path, size: tuple[int, int], seconds: float = SECONDS) -> list[np.ndarray]:
    images = []
    with av.open(str(source)) as src:
        for frame in src.decode(video=0):
            if frame.time is not None and frame.time >= seconds:
                break
            images.append(frame.reformat(width=size[0], height=size[1], format="yuv420p").to_ndarray())
    return images


def _encode(
    images: list[np.ndarray],
    dest: Path,
    fmt: str,
    codec: str,
    *,
    rate: Fraction = Fraction(25, 2),
    pix_fmt: str = "yuv420p",
    options: dict[str, str] | None = None,
    tag: str | None = None,
    size: tuple[int, int] | None = None,
    audio: str | None = None,
    muxer_options: dict[str, str] | None = None,
) -> None:
    height, width = images[0].shape[0] * 2 // 3, images[0].shape[1]
    with av.open(str(dest), "w", format=fmt, options=muxer_options or {}) as out:
        stream = out.add_stream(codec, rate=rate, options=options or {})
        assert isinstance(stream, VideoStream)
        stream.width, stream.height = size or (width, height)
        stream.pix_fmt = pix_fmt
        stream.codec_context.gop_size = 25
        if tag:
            stream.codec_tag = tag
        if audio:
            _tone(out, audio, len(images) / float(rate))
        for i, image in enumerate(images):
            frame = av.VideoFrame.from_ndarray(image, format="yuv420p")
            if size and size != (width, height):
                frame = frame.reformat(width=size[0], height=size[1])
            if frame.format.name != pix_fmt:
                frame = frame.reformat(format=pix_fmt)
            frame.pts = i
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))


def _write_dav(source: Path, dest: Path, seconds: float = SECONDS) -> None:
    """H.264 access units from ``source`` in DHAV chunks (Dahua's recorder format), 12.5 fps."""
    video, packets = _h264_packets(source, seconds)
    width, height = video.codec_context.width, video.codec_context.height
    fps = 12  # the header's rate is a whole number; the clock below gives the true spacing
    bsf = av.BitStreamFilterContext("h264_mp4toannexb", video)
    base = (2024 - 2000) << 26 | 3 << 22 | 14 << 17 | 9 << 12 | 30 << 6  # 2024-03-14 09:30:00
    out = bytearray()
    for n, packet in enumerate(packets):
        key = packet.is_keyframe  # read before the filter takes the packet over
        for unit in bsf.filter(packet):
            payload = bytes(unit)
            ms = n * 80
            date = base + ms // 1000  # seconds field (0..59): 16 s never carries into the minutes
            ext = b""
            if key:
                ext = bytes([0x80, 0, width // 8, height // 8, 0x81, 0, 0x08, fps])
            length = 24 + len(ext) + len(payload) + 8
            header = b"DHAV" + bytes([0xFD if key else 0xFC, 0, 0, 0])
            header += struct.pack("<IIIHBB", n, length, date, ms & 0xFFFF, len(ext), 0)
            out += header + ext + payload + b"dhav" + struct.pack("<I", length)
    video.container.close()
    dest.write_bytes(bytes(out))


def _write_raw_h264(source: Path, dest: Path, seconds: float = SECONDS) -> None:
    _remux(source, dest, "h264", seconds)


def build_formats(dest: Path, videos_dir: Path) -> dict[str, FormatClip]:
    """Write every format into ``dest`` and return them by key."""
    dest.mkdir(parents=True, exist_ok=True)
    source = videos_dir / SOURCE_CLIP
    clips: dict[str, FormatClip] = {}
    images = _frames(source, SMALL)
    doubled = [
        image for image in images for _ in range(2)
    ]  # MPEG-2 has no 12.5 fps: 25 fps, each frame twice
    x265 = "log-level=error:keyint=25:min-keyint=25:open-gop=0"

    clips["h264_raw"] = FormatClip(dest / "camera1.h264", "raw H.264 elementary stream", "h264", raw=True)
    _write_raw_h264(source, clips["h264_raw"].path)
    clips["264_raw"] = FormatClip(dest / "camera2.264", "raw H.264 elementary stream", "h264", raw=True)
    _write_raw_h264(source, clips["264_raw"].path, SECONDS + 0.08)  # one frame more: not the same bytes
    clips["hevc_raw"] = FormatClip(dest / "camera3.hevc", "raw H.265 elementary stream", "hevc", raw=True)
    _encode(images, clips["hevc_raw"].path, "hevc", "libx265", options={"x265-params": x265})
    clips["265_raw_no_vui"] = FormatClip(
        dest / "camera4.265", "raw H.265, no VUI timing", "hevc", raw=True, assumed_rate=True
    )
    _encode(
        images,
        clips["265_raw_no_vui"].path,
        "hevc",
        "libx265",
        options={"x265-params": x265 + ":vui-timing-info=0"},
    )
    clips["ts"] = FormatClip(dest / "camera5.ts", "MPEG-TS (H.264, AAC)", "h264", audio="aac")
    _remux(source, clips["ts"].path, "mpegts", audio="aac")
    clips["m2ts"] = FormatClip(dest / "camera6.m2ts", "MPEG-TS, BDAV packets (MPEG-2 video)", "mpeg2video")
    _encode(
        doubled,
        clips["m2ts"].path,
        "mpegts",
        "mpeg2video",
        rate=Fraction(25),
        muxer_options={"mpegts_m2ts_mode": "1"},  # 192-byte BDAV packets, as camcorders write .m2ts/.mts
    )
    clips["mpg"] = FormatClip(dest / "camera7.mpg", "MPEG-PS (MPEG-2 video, MP2)", "mpeg2video", audio="mp2")
    _encode(doubled, clips["mpg"].path, "mpeg", "mpeg2video", rate=Fraction(25), audio="mp2")
    clips["vob"] = FormatClip(dest / "camera8.vob", "MPEG-PS DVD (MPEG-2 video)", "mpeg2video")
    _encode(doubled, clips["vob"].path, "vob", "mpeg2video", rate=Fraction(25))
    clips["asf"] = FormatClip(dest / "camera9.asf", "ASF (MS-MPEG4v3)", "msmpeg4")
    _encode(images, clips["asf"].path, "asf", "msmpeg4v3")
    clips["wmv"] = FormatClip(dest / "camera10.wmv", "WMV (WMV2)", "wmv2")
    _encode(images, clips["wmv"].path, "asf", "wmv2")
    clips["flv"] = FormatClip(dest / "camera11.flv", "FLV (Sorenson H.263)", "flv")
    _encode(images, clips["flv"].path, "flv", "flv")
    clips["3gp"] = FormatClip(dest / "camera12.3gp", "3GP (H.263, CIF)", "h263")
    _encode(images, clips["3gp"].path, "3gp", "h263", size=(352, 288))
    clips["mjpeg_avi"] = FormatClip(dest / "camera13.avi", "AVI (Motion JPEG)", "mjpeg")
    _encode(images, clips["mjpeg_avi"].path, "avi", "mjpeg", pix_fmt="yuvj420p")
    clips["vp9_webm"] = FormatClip(dest / "camera14.webm", "WebM (VP9)", "vp9")
    _encode(
        images,
        clips["vp9_webm"].path,
        "webm",
        "libvpx-vp9",
        options={"deadline": "realtime", "cpu-used": "8", "row-mt": "1"},
    )
    clips["hevc_mp4"] = FormatClip(dest / "camera15.mp4", "MP4 (H.265)", "hevc")
    _encode(images, clips["hevc_mp4"].path, "mp4", "libx265", options={"x265-params": x265}, tag="hvc1")
    clips["dav"] = FormatClip(dest / "camera16.dav", "Dahua DAV (H.264)", "h264")
    _write_dav(source, clips["dav"].path)
    return clips
