"""Still images a user hands in (query by image): read only a regular file of bounded size and pixel count.

The file comes from anywhere (a drop, a command-line argument), so three things are refused before any
decoding: a path that is not a regular file (a FIFO would block the reader forever, a device such as
``/dev/zero`` would never end; a symlink counts as what it points to), a file over ``MAX_STILL_BYTES``, and an
image whose header declares more than ``MAX_STILL_PIXELS`` (a few bytes of PNG can ask for gigabytes of
pixels). The dimensions come from the header, read here with no decoder (OpenCV has no header-only read in
its Python API; its own limit, ``OPENCV_IO_MAX_IMAGE_PIXELS``, is 2**30 pixels and read from the
environment only once): a format whose header is not read here is refused, so no decoder runs on a size
nobody checked. Formats: JPEG, PNG, BMP, WebP and TIFF, what the search pane accepts.
"""

from __future__ import annotations

import os
import stat
import struct
from typing import TYPE_CHECKING

import cv2
import numpy as np

from chronotrace_desktop.domain.errors import InvalidInputError

if TYPE_CHECKING:
    from pathlib import Path

MAX_STILL_BYTES = 50 * 1024 * 1024
MAX_STILL_PIXELS = 40_000_000
FORMATS = "JPEG, PNG, BMP, WebP or TIFF"
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
_JPEG_SOF = frozenset({0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF})


def read_still(
    path: Path, *, max_bytes: int = MAX_STILL_BYTES, max_pixels: int = MAX_STILL_PIXELS
) -> np.ndarray:
    """The image at ``path`` as BGR ``uint8``; ``InvalidInputError`` naming the cause when it is refused."""
    data = _read_regular_file(path, max_bytes)
    width, height = image_dimensions(data, str(path))
    if width * height > max_pixels:
        raise InvalidInputError(
            f"{path} is {width} x {height} ({width * height / 1e6:.1f} megapixels); an image for a query may "
            f"have at most {max_pixels / 1e6:.0f} megapixels"
        )
    image = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), cv2.IMREAD_COLOR)
    if image is None or image.shape[0] * image.shape[1] > max_pixels:
        raise InvalidInputError(f"{path} is not an image OpenCV can decode")
    return image


def _read_regular_file(path: Path, max_bytes: int) -> bytes:
    too_large = f"{path} is larger than {max_bytes / 2**20:.0f} MB, the most an image for a query may be"
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):  # before opening: opening a device can act on it
            raise InvalidInputError(f"{path} is not a regular file (a folder, device or pipe)")
        descriptor = os.open(path, _OPEN_FLAGS)  # no blocking even if a FIFO was swapped in meanwhile
        with os.fdopen(descriptor, "rb", buffering=0) as file:
            info = os.fstat(file.fileno())
            if not stat.S_ISREG(info.st_mode):
                raise InvalidInputError(f"{path} is not a regular file (a folder, device or pipe)")
            if info.st_size > max_bytes:
                raise InvalidInputError(too_large)
            data = file.read(max_bytes + 1)  # the file may have grown since fstat
    except OSError as error:
        raise InvalidInputError(f"Cannot read image {path}: {error.strerror or error}") from error
    if len(data) > max_bytes:
        raise InvalidInputError(too_large)
    return data


def image_dimensions(data: bytes, name: str = "the file") -> tuple[int, int]:
    """``(width, height)`` as the header of a JPEG, PNG, BMP, WebP or TIFF declares them, without decoding."""
    try:
        found = _dimensions(data)
    except (struct.error, IndexError):
        found = None
    if found is None or found[0] <= 0 or found[1] <= 0:
        raise InvalidInputError(f"{name} is not an image in a format a query takes ({FORMATS})")
    return found


def _dimensions(data: bytes) -> tuple[int, int] | None:
    if data.startswith(b"\x89PNG\r\n\x1a\n") and data[12:16] == b"IHDR":
        width, height = struct.unpack(">II", data[16:24])
        return width, height
    if data.startswith(b"\xff\xd8"):
        return _jpeg(data)
    if data.startswith(b"BM"):
        if struct.unpack("<I", data[14:18])[0] == 12:  # OS/2 BITMAPCOREHEADER
            width, height = struct.unpack("<HH", data[18:22])
            return width, height
        width, height = struct.unpack("<ii", data[18:26])
        return width, abs(height)  # a negative height means rows top-down
    if data.startswith(b"RIFF") and data[8:12] == b"WEBP":
        return _webp(data)
    if data[:4] in (b"II*\x00", b"MM\x00*"):
        return _tiff(data)
    return None


def _jpeg(data: bytes) -> tuple[int, int] | None:
    """The frame header (SOFn) that libjpeg reads: the first one, before the first scan."""
    at = 2
    while at + 4 <= len(data):
        if data[at] != 0xFF:
            return None
        marker = data[at + 1]
        if marker == 0xFF:  # fill byte
            at += 1
            continue
        if marker == 0x01 or 0xD0 <= marker <= 0xD8:  # no length follows
            at += 2
            continue
        if marker in (0xD9, 0xDA):  # end of image or start of scan before any frame header
            return None
        length = struct.unpack(">H", data[at + 2 : at + 4])[0]
        if marker in _JPEG_SOF:
            height, width = struct.unpack(">HH", data[at + 5 : at + 9])
            return width, height
        at += 2 + length
    return None


def _webp(data: bytes) -> tuple[int, int] | None:
    chunk = data[12:16]
    if chunk == b"VP8 " and data[23:26] == b"\x9d\x01\x2a":
        width, height = struct.unpack("<HH", data[26:30])
        return width & 0x3FFF, height & 0x3FFF
    if chunk == b"VP8L" and data[20] == 0x2F:
        bits = struct.unpack("<I", data[21:25])[0]
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if chunk == b"VP8X":
        return int.from_bytes(data[24:27], "little") + 1, int.from_bytes(data[27:30], "little") + 1
    return None


def _tiff(data: bytes) -> tuple[int, int] | None:
    """ImageWidth (256) and ImageLength (257) of the first directory, the page OpenCV decodes."""
    order = "<" if data[:2] == b"II" else ">"
    directory = struct.unpack(f"{order}I", data[4:8])[0]
    count = struct.unpack(f"{order}H", data[directory : directory + 2])[0]
    sizes: dict[int, int] = {}
    for entry in range(directory + 2, directory + 2 + 12 * count, 12):
        tag, kind = struct.unpack(f"{order}HH", data[entry : entry + 4])
        if tag in (256, 257) and kind in (3, 4):  # SHORT or LONG, held in the entry itself
            form = f"{order}H" if kind == 3 else f"{order}I"
            sizes[tag] = struct.unpack_from(form, data, entry + 8)[0]
    if 256 in sizes and 257 in sizes:
        return sizes[256], sizes[257]
    return None
