"""A bad-input corpus for ingestion tests: files that must fail, half-work or work, made on the fly.

``build_corpus(dest, videos_dir)`` writes every item under ``dest`` (a tmp folder) and returns them by key.
Each item says what probing it must give:

* ``"ok"``: a usable video; probe returns without warnings;
* ``"partial"``: damaged but partly decodable; probe returns (it may warn), ingest keeps what decodes and
  records a warning (from the probe or from frame sampling's decode report);
* ``"fail"``: refused with ``InvalidInputError`` and a clear message containing ``reason_match``.

Nothing here needs the app: only PyAV, numpy and OpenCV, so the ingest tests can reuse it as is. The real
clips are read from ``videos_dir`` (``../shared/data/videos``) and only small derived files are written.
"""

from __future__ import annotations

import os
import shutil
import stat
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Literal

import av
import cv2
import numpy as np

Expect = Literal["ok", "partial", "fail"]

# A real H.264 clip whose index (moov) sits at the front: cut short, it is still partly decodable.
MOOV_FIRST_CLIP = "car-detection.mp4"
# A real H.264 clip whose index sits at the end: cut short, nothing locates its frames.
MOOV_LAST_CLIP = "bottle-detection.mp4"
GOOD_GIF = "person-bicycle-car-detection.gif"


@dataclass(frozen=True)
class CorpusItem:
    path: Path
    expect: Expect
    reason: str  # what the item is and why it must end that way
    reason_match: str = ""  # for "fail": a lower-case fragment the error message must contain


def build_corpus(dest: Path, videos_dir: Path) -> dict[str, CorpusItem]:
    """Write the corpus into ``dest`` (created if needed) and return its items by key."""
    dest.mkdir(parents=True, exist_ok=True)
    items: dict[str, CorpusItem] = {}

    def add(key: str, path: Path, expect: Expect, reason: str, match: str = "") -> None:
        items[key] = CorpusItem(path, expect, reason, match)

    moov_first = (videos_dir / MOOV_FIRST_CLIP).read_bytes()
    moov_last = (videos_dir / MOOV_LAST_CLIP).read_bytes()

    p = dest / "zero-bytes.mp4"
    p.write_bytes(b"")
    add("zero_bytes", p, "fail", "an empty file", "empty")

    p = dest / "truncated.mp4"
    p.write_bytes(moov_first[: int(len(moov_first) * 0.4)])
    add("truncated_mp4", p, "partial", "first 40% of an mp4 whose index is at the front: decodes ~12 s of 30")

    p = dest / "truncated-no-index.mp4"
    p.write_bytes(moov_last[: int(len(moov_last) * 0.4)])
    add("truncated_mp4_no_index", p, "fail", "first 40% of an mp4 whose index (moov) is at the end", "moov")

    p = dest / "damaged-middle.mp4"
    damaged = bytearray(moov_first)
    middle = len(damaged) // 2
    damaged[middle : middle + 200_000] = (
        np.random.default_rng(7).integers(0, 256, 200_000, np.uint8).tobytes()
    )
    p.write_bytes(bytes(damaged))
    add(
        "damaged_middle_mp4",
        p,
        "partial",
        "200 kB of random bytes over the middle of an mp4: the probe passes (header and both ends are fine); "
        "frame sampling reports a gap of undecodable data and goes on after it",
    )

    p = dest / "notes.mp4"
    p.write_text("Camera 4 export log\nstart 2024-01-01 10:00\nthis is not a video\n" * 20, encoding="utf-8")
    add("text_named_mp4", p, "fail", "a text file named .mp4", "text file")

    frame = np.zeros((120, 160, 3), np.uint8)
    cv2.rectangle(frame, (20, 20), (140, 100), (0, 200, 255), -1)
    p = dest / "still.png"
    p.write_bytes(cv2.imencode(".png", frame)[1].tobytes())
    add("image_png", p, "fail", "a PNG still image", "image")
    p = dest / "still.jpg"
    p.write_bytes(cv2.imencode(".jpg", frame)[1].tobytes())
    add("image_jpeg", p, "fail", "a JPEG still image", "image")

    p = dest / "audio-only.m4a"
    _write_sine_aac(p)
    add("audio_only", p, "fail", "AAC sine wave in .m4a: audio, no video stream", "audio only")

    p = dest / "unknown-codec.avi"
    _write_unknown_fourcc_avi(p)
    add("unsupported_codec", p, "fail", "an AVI whose FOURCC was patched to an unknown 'ZZZZ' codec", "codec")

    p = dest / "garbage-with-header.mp4"
    p.write_bytes(moov_first[:32] + np.random.default_rng(3).integers(0, 256, 50_000, np.uint8).tobytes())
    add("garbage_mp4", p, "fail", "a valid-looking ftyp box followed by random bytes", "not a readable video")

    p = dest / "huge-resolution.mkv"
    _write_huge_declared_mkv(p)
    add(
        "huge_resolution",
        p,
        "fail",
        "a 256x256 FFV1 stream whose Matroska header declares 9000x9000",
        "resolution",
    )

    p = dest / "unreadable.mp4"
    p.write_bytes(moov_first)
    p.chmod(0)
    add(
        "unreadable_permissions",
        p,
        "fail",
        "a good clip with mode 000; root could read it anyway, the probe refuses files with no read bit",
        "permission",
    )

    p = dest / "camera 3 — entrée ünïcødé 監視.mp4"
    p.write_bytes(moov_first)
    add("unicode_name", p, "ok", "a good clip under a name with spaces and non-ASCII characters")

    p = dest / "good.gif"
    shutil.copyfile(videos_dir / GOOD_GIF, p)
    add("gif", p, "ok", "an animated GIF (a real clip)")

    p = dest / "xvid.avi"
    _write_xvid_avi(p)
    add("avi_xvid", p, "ok", "MPEG-4 Part 2 with the XVID tag in AVI, encoded here with PyAV")

    mixed = dest / "mixed folder"
    mixed.mkdir(exist_ok=True)
    add("mixed_dir", mixed, "fail", "a folder: ingest walks it; the probe takes files only", "folder")
    shutil.copyfile(videos_dir / GOOD_GIF, mixed / "clip.gif")
    add("mixed_dir_gif", mixed / "clip.gif", "ok", "a good GIF inside the mixed folder")
    (mixed / "readme.txt").write_text("nothing to see here\n", encoding="utf-8")
    add("mixed_dir_text", mixed / "readme.txt", "fail", "a text file inside the mixed folder", "text file")
    (mixed / "empty.avi").write_bytes(b"")
    add("mixed_dir_empty", mixed / "empty.avi", "fail", "an empty .avi inside the mixed folder", "empty")

    p = dest / "pipe.mp4"
    if not p.exists():
        os.mkfifo(p)
    add("fifo", p, "fail", "a named pipe: opening it would block forever", "named pipe")

    loop_a, loop_b = dest / "loop-a.mp4", dest / "loop-b.mp4"
    for link, target in ((loop_a, loop_b), (loop_b, loop_a)):
        if not link.is_symlink():
            link.symlink_to(target.name)
    add("symlink_loop", loop_a, "fail", "two symbolic links pointing at each other", "symbolic link loop")

    p = dest / "device.mp4"
    if not p.is_symlink():
        p.symlink_to("/dev/zero")
    add("device", p, "fail", "a symbolic link to /dev/zero (a character device)", "not a regular file")

    p = dest / "dangling.mp4"
    if not p.is_symlink():
        p.symlink_to("does-not-exist.mp4")
    add("dangling_symlink", p, "fail", "a symbolic link to a missing file", "missing")

    return items


def restore_permissions(items: dict[str, CorpusItem]) -> None:
    """Give the mode-000 file its read bit back, so a tmp folder can be cleaned up by a non-root user."""
    p = items["unreadable_permissions"].path
    p.chmod(stat.S_IRUSR | stat.S_IWUSR)


def _write_sine_aac(path: Path, seconds: float = 2.0, rate: int = 44_100) -> None:
    with av.open(str(path), "w", format="ipod") as out:
        stream = out.add_stream("aac", rate=rate)
        stream.layout = "mono"
        samples_per_frame = 1024
        total = int(seconds * rate)
        t = np.arange(total) / rate
        wave = (0.5 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
        for i in range(0, total, samples_per_frame):
            chunk = wave[i : i + samples_per_frame].reshape(1, -1)
            frame = av.AudioFrame.from_ndarray(chunk, format="flt", layout="mono")
            frame.sample_rate = rate
            frame.pts = i
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))


def _frames(width: int, height: int, count: int) -> list[np.ndarray]:
    frames = []
    for i in range(count):
        img = np.full((height, width, 3), 40, np.uint8)
        x = int(i * (width - 40) / max(1, count - 1))
        cv2.rectangle(img, (x, height // 3), (x + 40, height // 3 + 40), (0, 0, 230), -1)
        frames.append(img)
    return frames


def _write_xvid_avi(path: Path, width: int = 320, height: int = 240, fps: int = 25, count: int = 75) -> None:
    with av.open(str(path), "w", format="avi") as out:
        stream = out.add_stream("mpeg4", rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.codec_tag = "XVID"
        stream.codec_context.gop_size = fps
        for i, img in enumerate(_frames(width, height, count)):
            frame = av.VideoFrame.from_ndarray(img, format="bgr24")
            frame.pts = i
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))


def _write_unknown_fourcc_avi(path: Path) -> None:
    _write_xvid_avi(path, count=25)
    data = path.read_bytes()
    if data.count(b"XVID") < 1:
        raise RuntimeError("the AVI has no XVID tag to patch")
    path.write_bytes(data.replace(b"XVID", b"ZZZZ").replace(b"xvid", b"zzzz").replace(b"FMP4", b"ZZZZ"))


def _write_huge_declared_mkv(path: Path) -> None:
    """A tiny FFV1 stream in Matroska, then PixelWidth/PixelHeight (256, two bytes) patched to 9000."""
    with av.open(str(path), "w", format="matroska") as out:
        stream = out.add_stream("ffv1", rate=Fraction(10))
        stream.width = stream.height = 256
        stream.pix_fmt = "yuv420p"
        for i in range(3):
            frame = av.VideoFrame.from_ndarray(np.full((256, 256, 3), 60 * i, np.uint8), format="bgr24")
            frame.pts = i
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    data = path.read_bytes()
    # EBML: PixelWidth id 0xB0, PixelHeight id 0xBA, size 0x82 (two bytes), value 0x0100 = 256.
    for element in (b"\xb0\x82\x01\x00", b"\xba\x82\x01\x00"):
        if data.count(element) != 1:
            raise RuntimeError(f"cannot find a unique {element!r} to patch in {path.name}")
        data = data.replace(element, element[:2] + (9000).to_bytes(2, "big"))
    path.write_bytes(data)
