"""Issue 13 (Low): the still of a query by image is a regular file of bounded size and pixel count."""

from __future__ import annotations

import os
import struct
import threading
import zlib
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
import pytest

from chronotrace_desktop.domain.errors import InvalidInputError
from chronotrace_desktop.media.stills import MAX_STILL_BYTES, MAX_STILL_PIXELS, image_dimensions, read_still
from chronotrace_desktop.services.search.similar import describe_image

pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs (POSIX)")


def _refusal(call: Callable[[], object], unblock: Callable[[], None] = lambda: None) -> BaseException | None:
    """What ``call`` raised, within 5 s; a call still blocked then fails the test (and is unblocked)."""
    outcome: list[BaseException | None] = []

    def run() -> None:
        try:
            call()
            outcome.append(None)
        except BaseException as exc:  # noqa: BLE001 - handed to the test thread
            outcome.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(5)
    if thread.is_alive():
        unblock()
        thread.join(5)
        pytest.fail("reading the query image blocked")
    return outcome[0]


def _open_writer(fifo: Path) -> None:
    os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))  # a blocked reader sees end of file


def test_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "still.png"
    os.mkfifo(fifo)
    link = tmp_path / "link.png"
    link.symlink_to(fifo)
    for path in (fifo, link):
        error = _refusal(lambda path=path: describe_image(path), lambda path=path: _open_writer(path))
        assert isinstance(error, InvalidInputError)
        assert "not a regular file" in str(error)


@pytest.mark.parametrize("kind", ["folder", "device"])
def test_folders_and_devices_are_refused(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "still.jpg"
    if kind == "folder":
        path.mkdir()
    else:
        path.symlink_to("/dev/null")
    error = _refusal(lambda: describe_image(path))
    assert isinstance(error, InvalidInputError)
    assert "not a regular file" in str(error)


def test_a_file_over_the_size_cap_is_refused_unread(tmp_path: Path) -> None:
    path = tmp_path / "huge.png"
    with path.open("wb") as sparse:
        sparse.truncate(MAX_STILL_BYTES + 1)  # sparse: nothing is written to disk
    with pytest.raises(InvalidInputError, match=r"larger than .*50 MB"):
        describe_image(path)


def _png_header(width: int, height: int) -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\0" * 64))
        + chunk(b"IEND", b"")
    )


def test_an_image_declaring_too_many_pixels_is_refused_before_decoding(tmp_path: Path) -> None:
    path = tmp_path / "bomb.png"
    path.write_bytes(_png_header(10_000, 10_000))  # 100 megapixels declared in a few bytes
    with pytest.raises(InvalidInputError, match=r"100\.0 megapixels"):
        describe_image(path)
    assert MAX_STILL_PIXELS == 40_000_000


@pytest.mark.parametrize("ext", [".png", ".jpg", ".bmp", ".webp", ".tiff"])
def test_header_dimensions_match_what_opencv_decodes(tmp_path: Path, ext: str) -> None:
    image = np.random.default_rng(3).integers(0, 256, (37, 53, 3), dtype=np.uint8)
    ok, encoded = cv2.imencode(ext, image)
    assert ok
    assert image_dimensions(encoded.tobytes()) == (53, 37)
    path = tmp_path / f"still{ext}"
    path.write_bytes(encoded.tobytes())
    assert read_still(path).shape == (37, 53, 3)


def test_lossless_webp_and_truncated_headers(tmp_path: Path) -> None:
    image = np.zeros((21, 34, 3), np.uint8)
    ok, encoded = cv2.imencode(".webp", image, [cv2.IMWRITE_WEBP_QUALITY, 101])  # > 100: lossless (VP8L)
    assert ok
    assert image_dimensions(encoded.tobytes()) == (34, 21)
    for data in (b"", b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff\xe0\x00", b"GIF89a\x01\x00\x01\x00", b"text"):
        with pytest.raises(InvalidInputError, match="not an image"):
            image_dimensions(data)
