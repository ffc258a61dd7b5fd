"""Ingestion's inputs and results as the front ends see them."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from chronotrace_desktop.domain.errors import InvalidInputError
from chronotrace_desktop.domain.identifiers import check_identifier
from chronotrace_desktop.domain.recorder_time import check_offset

if TYPE_CHECKING:
    import uuid
    from pathlib import Path

# File name endings a folder scan takes as video. A file named explicitly is always tried, whatever its name.
VIDEO_EXTENSIONS = frozenset(
    {
        ".mp4", ".m4v", ".mov", ".qt", ".avi", ".mkv", ".webm", ".mpg", ".mpeg", ".m2v", ".ts", ".mts",
        ".m2ts", ".3gp", ".3g2", ".flv", ".wmv", ".asf", ".ogv", ".gif", ".h264", ".h265", ".264", ".265",
        ".dav", ".vob", ".mxf", ".hevc",
    }
)  # fmt: skip
# Vendors' own export formats, tried by a folder scan so that the analyst reads what converts them instead of
# "skipped" (``media._sniff`` names them).
RECORDER_EXTENSIONS = frozenset({".avk", ".g64", ".g64x"})
SCANNED_EXTENSIONS = VIDEO_EXTENSIONS | RECORDER_EXTENSIONS

_CAMERA_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/ -]{0,99}")  # fullmatch: "$" would let a final "\n" in


class IngestStatus(StrEnum):
    COMPLETED = "completed"  # ingested now (maybe as far as a damaged file decodes: see warnings)
    ALREADY_INGESTED = "already_ingested"  # the same file was ingested before: nothing to do
    DUPLICATE = "duplicate"  # the same bytes are in the library under another file: refused
    FAILED = "failed"  # nothing usable; the reason is in ``error`` and on the video's row
    CANCELLED = "cancelled"  # stopped on request; ingesting it again resumes where it stopped
    SKIPPED = "skipped"  # found in a folder but not a video by its name


class VideoStatus(StrEnum):
    """A video row's ``processing_status``: the schema's CHECK values. The desktop writes the first four."""

    PENDING = "pending"  # registered, not processed (yet); also after a cancel: ingesting it again resumes
    PROCESSING = "processing"
    COMPLETED = "completed"
    FAILED = "failed"  # the reason is in ``error_message``
    UPLOADING = "uploading"  # the schema's; never written here
    ARCHIVED = "archived"  # the schema's; never written here


class IngestStage(StrEnum):
    """Where one file of an ingest is; the note of its progress callback (``ProgressCallback[IngestStage]``)."""

    QUEUED = "queued"  # listed, not started yet (front ends only: the service never reports it)
    PROBING = "probing"
    HASHING = "hashing"
    SEGMENTS = "segments"  # ``done`` of ``total`` segments written
    TRACKS = "tracks"
    CLOCK = "clock"  # the recorder's on-screen clock is read (bounded number of OCR calls)
    ENGINES = "engines"  # the multimodal engines (Nova, CLIP) embed the finished segments
    DONE = "done"


@dataclass(frozen=True, slots=True)
class IngestOptions:
    camera_id: str | None = None
    location: str | None = None
    recorded_at: datetime | None = None  # naive UTC, the recorder's clock
    clock_offset_s: float | None = None  # seconds added to the recorder's clock (else the camera's offset)
    # The frame rate of a raw stream (.h264/.265) that does not carry one (else raw_stream_fps, else 25).
    frame_rate: float | None = None

    def __post_init__(self) -> None:
        if self.frame_rate is not None and not (
            math.isfinite(self.frame_rate) and 0 < self.frame_rate < 1000
        ):
            raise InvalidInputError(
                f"a frame rate is between 0 and 1000 frames per second, not {self.frame_rate}"
            )
        if self.clock_offset_s is not None:
            object.__setattr__(self, "clock_offset_s", check_offset(self.clock_offset_s))
        if self.camera_id is not None:
            check_identifier("camera id", self.camera_id)
            if not _CAMERA_ID.fullmatch(self.camera_id):
                raise InvalidInputError(
                    f"camera id {self.camera_id!r} is not valid: up to 100 letters, digits and . _ : / - or spaces"
                )
        if self.location is not None:
            check_identifier("location", self.location)
            if len(self.location) > 255:
                raise InvalidInputError("locations are limited to 255 characters")


def parse_recorded_at(text: str) -> datetime:
    """An ISO 8601 time as naive UTC. A time without offset is taken as UTC."""
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInputError(
            f"{text!r} is not an ISO 8601 time (e.g. 2024-02-09T14:30:00 or 2024-02-09T14:30:00+01:00)"
        ) from None
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    if not datetime(1970, 1, 1) <= value <= datetime(2200, 1, 1):
        raise InvalidInputError(f"{text!r} is outside the years 1970-2200")
    return value


@dataclass(frozen=True, slots=True)
class IngestResult:
    path: Path
    status: IngestStatus
    video_id: uuid.UUID | None = None
    segments: int = 0
    error: str | None = None
    warnings: tuple[str, ...] = field(default_factory=tuple)

    @property
    def filename(self) -> str:
        return self.path.name

    @property
    def ok(self) -> bool:
        return self.status in (IngestStatus.COMPLETED, IngestStatus.ALREADY_INGESTED, IngestStatus.SKIPPED)

    def as_json(self) -> dict[str, object]:
        return {
            "video_id": str(self.video_id) if self.video_id else None,
            "filename": self.filename,
            "path": str(self.path),
            "status": self.status.value,
            "segments": self.segments,
            "error": self.error,
            "warnings": list(self.warnings),
        }


@dataclass(frozen=True, slots=True)
class IngestProgress:
    """Where a multi-file ingest is: file ``file_index`` of ``file_count``, segment ``done`` of ``total``."""

    file_index: int
    file_count: int
    path: Path
    stage: IngestStage
    done: int = 0
    total: int = 0
