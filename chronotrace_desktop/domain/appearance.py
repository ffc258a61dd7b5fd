"""Find this person (or vehicle) elsewhere: track references, time windows and matched tracks. No I/O.

A *track* is one person or vehicle followed through one video (``video_tracks``); its appearance vector is
the pooled image embedding of crops of it (``analysis.appearance``). A :class:`TrackRef` names a track either
by its row id or, stably across track rebuilds, by ``VIDEO_ID:TRACK_KEY``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from chronotrace_desktop.domain.clock import utc_iso
from chronotrace_desktop.domain.errors import InvalidInputError
from chronotrace_desktop.domain.search import DEFAULT_LIMIT, MAX_LIMIT, QueryType, SearchFilters

if TYPE_CHECKING:
    from datetime import datetime

    from chronotrace_desktop.domain.media import Box

# What the appearance index holds: people and road vehicles (the tracker's label groups).
APPEARANCE_GROUPS: tuple[str, ...] = ("person", "vehicle")


@dataclass(frozen=True, slots=True)
class TrackRef:
    """A stored track: by row id (``track_id``) or by video and tracker key (exactly one of the two)."""

    track_id: uuid.UUID | None = None
    video_id: uuid.UUID | None = None
    track_key: int | None = None

    def __post_init__(self) -> None:
        by_row = self.track_id is not None
        by_key = self.video_id is not None and self.track_key is not None
        if by_row == by_key or (not by_key and (self.video_id is not None or self.track_key is not None)):
            raise InvalidInputError("a track is named by its id, or by VIDEO_ID:TRACK_KEY")

    @classmethod
    def parse(cls, text: str) -> TrackRef:
        """``<track uuid>`` or ``<video uuid>:<track key>`` (the key the tracker gave, shown in the player)."""
        value = text.strip()
        try:
            if ":" in value:
                video, key = value.rsplit(":", 1)
                return cls(video_id=uuid.UUID(video), track_key=int(key))
            return cls(track_id=uuid.UUID(value))
        except ValueError:
            raise InvalidInputError(
                f"{text!r} names no track: give a track id or VIDEO_ID:TRACK_KEY (e.g. 3f2…:4)"
            ) from None

    def __str__(self) -> str:
        if self.track_id is not None:
            return str(self.track_id)
        return f"{self.video_id}:{self.track_key}"


@dataclass(frozen=True, slots=True)
class TimeWindow:
    """Wall-clock bounds (naive UTC) a matched track must overlap; either bound may be open."""

    start: datetime | None = None
    end: datetime | None = None

    def __post_init__(self) -> None:
        if self.start is not None and self.end is not None and self.start > self.end:
            raise InvalidInputError("the time window ends before it starts")

    def as_json(self) -> dict[str, Any]:
        return {
            key: utc_iso(value)
            for key, value in (("from", self.start), ("to", self.end))
            if value is not None
        }


@dataclass(frozen=True, slots=True)
class AppearanceQuery:
    """Find the tracks that look like ``track``: within ``window``, a case's videos, other cameras only."""

    track: TrackRef
    window: TimeWindow | None = None
    other_cameras_only: bool = False
    case_id: str | None = None
    limit: int = DEFAULT_LIMIT

    def __post_init__(self) -> None:
        if type(self.limit) is not int or not 1 <= self.limit <= MAX_LIMIT:
            raise InvalidInputError(f"the number of results must be between 1 and {MAX_LIMIT}")

    @property
    def query_type(self) -> QueryType:
        return QueryType.APPEARANCE

    @property
    def display_text(self) -> str:
        """What ``searches.query_text`` records."""
        return f"appearance like track {self.track}"

    @property
    def filters(self) -> SearchFilters:
        """The window and the case as the search log records filters."""
        window = self.window or TimeWindow()
        return SearchFilters(recorded_from=window.start, recorded_to=window.end, case_id=self.case_id)


@dataclass(frozen=True, slots=True)
class TrackInfo:
    """A stored track as the front ends see it."""

    track_id: uuid.UUID
    video_id: uuid.UUID
    track_key: int
    label: str
    group: str  # person | vehicle
    first_seen: float  # seconds into the video
    last_seen: float
    camera_id: str | None
    video_filename: str

    @property
    def ref(self) -> TrackRef:
        return TrackRef(video_id=self.video_id, track_key=self.track_key)

    @property
    def noun(self) -> str:
        return "person" if self.group == "person" else "vehicle"


@dataclass(frozen=True, slots=True)
class PickedTrack:
    """The track under a box the user clicked in the player (``AppearanceService.track_at``)."""

    track: TrackInfo
    segment_id: uuid.UUID
    t: float  # seconds into the video of the matched point
    box: Box  # the track's box at that point (normalised)
    overlap: float  # IoU of the clicked box and the track's box


@dataclass(frozen=True, slots=True)
class TrackMatch:
    """One track like the query track, with the segment where it is best seen."""

    track: TrackInfo
    score: float  # cosine similarity of the pooled appearance vectors (-1..1)
    segment_id: uuid.UUID
    best_t: float  # seconds into the video where the matched track is seen best
    seen_at: datetime | None  # wall clock of best_t (corrected), when the video's start is known


@dataclass(frozen=True, slots=True)
class AppearanceIndexReport:
    """What an appearance indexing pass did."""

    videos: int
    tracks: int  # tracks given a vector
    skipped: int  # person/vehicle tracks without a crop big enough
    seconds: float
    state: str = "indexed"  # "indexed", or why nothing could be: "model missing: ..."

    def as_json(self) -> dict[str, Any]:
        return {
            "videos": self.videos,
            "tracks": self.tracks,
            "skipped": self.skipped,
            "seconds": round(self.seconds, 2),
            "state": self.state,
        }
