"""Cases and bookmarks: how an investigation groups footage and records the reasoning a report carries.

A case (``CASE-2024-0001``) holds videos; its searches, bookmarks, anomalies (those of its videos) and exports
follow it. An evidence hold on a case keeps its videos from deletion and its exports from expiry. A bookmark
marks one moment of one video (optionally a box on the frame) with a note; it belongs to a case or to "all
footage" (``case_id`` None).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING

from chronotrace_desktop.domain.errors import InvalidInputError

if TYPE_CHECKING:
    import uuid

    from chronotrace_desktop.domain.media import Box

CASE_ID_PATTERN = re.compile(r"^CASE-(?P<year>\d{4})-(?P<number>\d{4,6})$")
MAX_TITLE = 255
MAX_NOTE = 4000


class CaseStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"
    ARCHIVED = "archived"


def format_case_id(year: int, number: int) -> str:
    return f"CASE-{year:04d}-{number:04d}"


def parse_case_id(text: str) -> str:
    """``text`` as a case id (``CASE-2024-0001``, case-insensitive, spaces trimmed); refused otherwise."""
    cleaned = text.strip().upper()
    if not CASE_ID_PATTERN.match(cleaned):
        raise InvalidInputError(f"a case id looks like CASE-2024-0001, not {text.strip()!r}")
    return cleaned


def check_title(title: str) -> str:
    cleaned = " ".join(title.split())
    if not cleaned:
        raise InvalidInputError("a case needs a title")
    if len(cleaned) > MAX_TITLE:
        raise InvalidInputError(f"a case title has at most {MAX_TITLE} characters")
    return cleaned


def check_note(note: str) -> str:
    cleaned = note.strip()
    if len(cleaned) > MAX_NOTE:
        raise InvalidInputError(f"a note has at most {MAX_NOTE} characters (this one has {len(cleaned)})")
    if any(ord(c) < 32 and c not in "\n\t" for c in cleaned):
        raise InvalidInputError("a note may not hold control characters")
    return cleaned


@dataclass(frozen=True, slots=True)
class CaseInfo:
    case_id: str
    title: str
    status: CaseStatus
    notes: str
    evidence_hold: bool
    hold_reason: str | None
    created_by: str | None  # email
    created_at: datetime | None
    updated_at: datetime | None
    video_count: int = 0
    bookmark_count: int = 0
    export_count: int = 0

    @property
    def label(self) -> str:
        """What a case picker shows: ``CASE-2024-0001 — Robbery at the depot``."""
        return f"{self.case_id} \N{EM DASH} {self.title}"


@dataclass(frozen=True, slots=True)
class Bookmark:
    """A marked moment: ``offset_s`` seconds into the video (the segment that holds it when known)."""

    bookmark_id: uuid.UUID
    case_id: str | None
    video_id: uuid.UUID
    segment_id: uuid.UUID | None
    offset_s: float
    note: str
    box: Box | None  # normalised 0..1 on the frame
    created_by: str | None  # email
    created_at: datetime | None
    updated_at: datetime | None
    # Context for lists, the timeline and reports (from the video's row when read):
    camera_id: str | None = None
    filename: str | None = None
    video_start: datetime | None = None  # the video's corrected recording start (naive UTC), None: unknown

    @property
    def wall_time(self) -> datetime | None:
        """The bookmark's wall-clock time (naive UTC), or None when the video's start is unknown."""
        if self.video_start is None:
            return None
        return self.video_start + timedelta(seconds=self.offset_s)

    def as_json(self) -> dict[str, object]:
        wall = self.wall_time
        return {
            "bookmark_id": str(self.bookmark_id),
            "case_id": self.case_id,
            "video_id": str(self.video_id),
            "segment_id": str(self.segment_id) if self.segment_id else None,
            "camera_id": self.camera_id,
            "filename": self.filename,
            "offset_seconds": round(self.offset_s, 3),
            "wall_time_utc": wall.isoformat() + "Z" if wall else None,
            "note": self.note,
            "box": None
            if self.box is None
            else {"x": self.box.x, "y": self.box.y, "w": self.box.w, "h": self.box.h},
            "created_by": self.created_by,
            "created_at": self.created_at.isoformat() if self.created_at else None,
            "updated_at": self.updated_at.isoformat() if self.updated_at else None,
        }
