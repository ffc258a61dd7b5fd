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


# Recorders' own containers, by their first bytes: what the file is and what converts it. Only signatures that
# are publicly documented: Hikvision's "IMKH" 40-byte file header (its players' native recording format);
# Dahua's "DHAV" frame header and "DAHUA" file header (what FFmpeg's ``dhav`` demuxer reads; a variant it
# cannot read still needs Dahua's tools).
_HIKVISION_TOOLS = "Hikvision's VSPlayer or the iVMS-4200 player (File > Convert to MP4/AVI)"
_DAHUA_TOOLS = "Dahua's SmartPlayer or SmartPSS (export/convert to AVI or MP4)"
_PROPRIETARY: tuple[tuple[bytes, str, str], ...] = (
    (b"IMKH", "a Hikvision recording (IMKH header, Hikvision's own container)", _HIKVISION_TOOLS),
    (b"DHAV", "a Dahua DAV recording in a variant FFmpeg's dhav demuxer cannot read", _DAHUA_TOOLS),
    (b"DAHUA", "a Dahua DAV recording in a variant FFmpeg's dhav demuxer cannot read", _DAHUA_TOOLS),
)
# Formats known by their file name only (no public signature): the vendors' native exports.
_PROPRIETARY_SUFFIXES: dict[str, tuple[str, str]] = {
    ".avk": (
        "an Avigilon AVK export (Avigilon's own format)",
        "the Avigilon Control Center Player (export to AVI/MP4)",
    ),
    ".g64": ("a Genetec G64 export (Genetec's own format)", "the Genetec Video Player (convert to MP4/ASF)"),
    ".g64x": (
        "a Genetec G64X export (Genetec's own format)",
        "the Genetec Video Player (convert to MP4/ASF)",
    ),
}


def proprietary_kind(head: bytes, suffix: str = "") -> str | None:
    """What a recorder's own container is and what converts it, or None when nothing says so."""
    for magic, what, tools in _PROPRIETARY:
        if head.startswith(magic):
            return f"{what}: convert it with {tools}, then ingest the converted file"
    known = _PROPRIETARY_SUFFIXES.get(suffix.lower())
    if known is not None:
        what, tools = known
        return f"by its name {what}: convert it with {tools}, then ingest the converted file"
    return None


def container_hint(head: bytes, suffix: str = "") -> str:
    """What the header claims to be, for messages about files FFmpeg cannot read."""
    proprietary = proprietary_kind(head, suffix)
    if proprietary:
        return proprietary
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
