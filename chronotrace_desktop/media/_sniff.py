"""Recognise what a file is from its first bytes, so a refusal can say "a PNG image", not "invalid data"."""

from __future__ import annotations

import stat

_IMAGES: tuple[tuple[bytes, int, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", 0, "PNG"),
    (b"\xff\xd8\xff", 0, "JPEG"),
    (b"II*\x00", 0, "TIFF"),
    (b"MM\x00*", 0, "TIFF"),
    (b"WEBP", 8, "WebP"),
    (b"ftypheic", 4, "HEIC"),
    (b"ftypmif1", 4, "HEIF"),
    (b"ftypavif", 4, "AVIF"),
)
_DOCUMENTS: tuple[tuple[bytes, str], ...] = (
    (b"%PDF", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive (or an Office document)"),
    (b"\x7fELF", "a program (ELF executable)"),
    (b"SQLite format 3\x00", "an SQLite database"),
)
# FFmpeg demuxers that read single pictures: a file they open is a still image, not footage.
IMAGE_DEMUXERS = frozenset({"image2", "image2pipe"})


def image_kind(head: bytes) -> str | None:
    """``"PNG"``, ``"JPEG"``… when ``head`` starts like a still image, else None."""
    for magic, offset, name in _IMAGES:
        if head[offset : offset + len(magic)] == magic:
            return name
    return None


def non_media_kind(head: bytes) -> str | None:
    """A short description when ``head`` is clearly not audio/video (document, text, image), else None."""
    image = image_kind(head)
    if image:
        return f"a still image ({image}), not a video"
    for magic, what in _DOCUMENTS:
        if head.startswith(magic):
            return f"{what}, not a video"
    if looks_like_text(head):
        return "a text file, not a video"
    return None


def looks_like_text(head: bytes) -> bool:
    if not head or b"\x00" in head:
        return False
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut by the end of the sample is still text.
        if exc.start < len(head) - 4:
            return False
        text = head[: exc.start].decode("utf-8")
    printable = sum(1 for ch in text if ch.isprintable() or ch in "\r\n\t\f")
    return printable >= 0.97 * len(text)


def container_hint(head: bytes) -> str:
    """What the header claims to be, for messages about files FFmpeg cannot read."""
    if head[4:8] == b"ftyp":
        return (
            "it starts like an MP4/MOV file but its index (moov) is missing or damaged: an interrupted "
            "copy or export?"
        )
    if head.startswith(b"RIFF") and head[8:12] == b"AVI ":
        return "it starts like an AVI file but the rest is unreadable"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "it starts like a Matroska/WebM file but the rest is unreadable"
    if head.startswith(b"GIF8"):
        return "it starts like a GIF but the rest is unreadable"
    return "the format is not recognised"


def avi_fourcc(head: bytes) -> str | None:
    """The video FOURCC of an AVI (``strh`` fccHandler after ``vids``), if it is in ``head``."""
    at = head.find(b"vids")
    if at < 0 or len(head) < at + 8:
        return None
    code = head[at + 4 : at + 8]
    return code.decode("ascii", "replace") if all(32 <= b < 127 for b in code) else None


def file_kind(mode: int) -> str:
    """A human name for a non-regular file type."""
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISDIR(mode):
        return "a folder"
    return "a special file"
