"""The timeline's data, fetched per tile and kept per zoom level: no Qt here, painting never queries.

A tile of level ``L`` covers ``2 ** L`` seconds of wall clock from ``index * 2 ** L`` (seconds since 1970); the
pane shows a window less wide than one tile of its level, so two tiles cover the view and one more each side
is fetched ahead. :func:`fetch_tile` runs on the worker pool: it asks the service for the tile's window and
turns the answer into plain floats sorted per lane (what painting and hit testing read with ``bisect``).
Overlapping videos of one camera get rows within the lane; a video keeps its row from tile to tile.
"""

from __future__ import annotations

import bisect
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from chronotrace_desktop.domain.timeline import (
    AnomalyMarker,
    BookmarkMarker,
    from_seconds,
    to_seconds,
)

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping

    from chronotrace_desktop.domain.timeline import TimelineWindow
    from chronotrace_desktop.domain.users import Actor
    from chronotrace_desktop.services.app import AppServices
    from chronotrace_desktop.workers.task_state import TaskState

TILE_MAX_ITEMS = 1500  # segments listed per tile before the service aggregates
TILE_BUCKETS = 400  # buckets per tile when aggregated (a tile is 1-2 views wide: ~2-5 px a bucket)
CACHE_TILES = 96
YIELD_EVERY = 200

TileKey = tuple[str | None, int, int]  # case, level, index
Detail = tuple[int, float, int, int, bool, float | None]  # id, video offset, people, vehicles, motion, clock


@dataclass(slots=True)
class LaneData:
    """One lane of a tile as columns of plain numbers (one entry per segment, or per bucket when the tile is
    aggregated), sorted by start: the cache holds a few lists per lane, not an object per segment, so the
    garbage collector (which runs on the GUI thread) has little to walk."""

    starts: list[float] = field(default_factory=list)
    ends: list[float] = field(default_factory=list)
    activity: list[float] = field(default_factory=list)
    row: list[int] = field(default_factory=list)
    ids: list[int] = field(default_factory=list)  # a segment's uuid as an int (0 for a bucket)
    video_offset: list[float] = field(default_factory=list)  # a segment's start in its video
    people: list[int] = field(default_factory=list)  # a bucket's segment count
    vehicles: list[int] = field(default_factory=list)  # a bucket's video count
    motion: list[bool] = field(default_factory=list)
    clock_offset: list[float | None] = field(default_factory=list)
    video_starts: list[float] = field(default_factory=list)
    video_ends: list[float] = field(default_factory=list)
    video_rows: list[int] = field(default_factory=list)
    rows: int = 1
    longest: float = 0.0  # the longest span: how far back a bisect must look

    def add(self, t0: float, t1: float, activity: float, row: int, detail: Detail) -> None:
        segment_id, video_offset, people, vehicles, motion, clock_offset = detail
        self.starts.append(t0)
        self.ends.append(t1)
        self.activity.append(activity)
        self.row.append(row)
        self.ids.append(segment_id)
        self.video_offset.append(video_offset)
        self.people.append(people)
        self.vehicles.append(vehicles)
        self.motion.append(motion)
        self.clock_offset.append(clock_offset)

    def sort(self) -> None:
        order = sorted(range(len(self.starts)), key=self.starts.__getitem__)
        for name in (
            "starts",
            "ends",
            "activity",
            "row",
            "ids",
            "video_offset",
            "people",
            "vehicles",
            "motion",
            "clock_offset",
        ):
            column = getattr(self, name)
            setattr(self, name, [column[i] for i in order])
        self.longest = max((e - s for s, e in zip(self.starts, self.ends, strict=True)), default=0.0)

    def visible(self, t0: float, t1: float) -> range:
        """Indexes of the spans overlapping ``t0 .. t1`` (some just before may be in; check ``ends``)."""
        return range(bisect.bisect_left(self.starts, t0 - self.longest), bisect.bisect_right(self.starts, t1))


@dataclass(slots=True)
class Marker:
    t: float
    lane: str | None
    anomaly: AnomalyMarker | None = None
    bookmark: BookmarkMarker | None = None


@dataclass(slots=True)
class Tile:
    level: int
    index: int
    t0: float
    t1: float
    aggregated: bool
    bucket_s: int | None
    lanes: dict[str | None, LaneData]
    markers: list[Marker]
    video_rows: dict[int, int]  # each video's row in its lane (uuid as an int)


def tile_bounds(level: int, index: int) -> tuple[float, float]:
    size = 2.0**level
    return index * size, (index + 1) * size


def build_tile(level: int, index: int, window: TimelineWindow, known_rows: Mapping[int, int]) -> Tile:
    """The window as columns per lane. A video keeps the row it was given in an earlier tile (``known_rows``,
    by its uuid as an int); a new one takes the lowest row none of the lane's videos overlapping it holds."""
    t0, t1 = tile_bounds(level, index)
    lanes: dict[str | None, LaneData] = {}
    row_of: dict[int, int] = {}
    for video in window.videos:  # in camera, start order
        lane = lanes.setdefault(video.camera_id, LaneData())
        start, end = to_seconds(video.start), to_seconds(video.end)
        row = known_rows.get(video.video_id.int)
        if row is None:
            taken = {
                r
                for s, e, r in zip(lane.video_starts, lane.video_ends, lane.video_rows, strict=True)
                if s < end and e > start
            }
            row = next(r for r in range(len(taken) + 1) if r not in taken)
        lane.rows = max(lane.rows, row + 1)
        lane.video_starts.append(start)
        lane.video_ends.append(end)
        lane.video_rows.append(row)
        row_of[video.video_id.int] = row
    for n, s in enumerate(window.segments):
        if n % YIELD_EVERY == 0:
            time.sleep(0)  # let the UI thread have the interpreter (it paints between our batches)
        detail = (s.segment_id.int, s.video_offset_s, s.people, s.vehicles, s.motion, s.clock_offset_s)
        lane = lanes.setdefault(s.camera_id, LaneData())
        lane.add(to_seconds(s.start), to_seconds(s.end), s.activity, row_of.get(s.video_id.int, 0), detail)
    for b in window.buckets:
        lane = lanes.setdefault(b.camera_id, LaneData())
        detail = (0, 0.0, b.segment_count, b.video_count, False, None)
        lane.add(to_seconds(b.start), to_seconds(b.end), b.activity_max, 0, detail)
    for lane in lanes.values():
        lane.sort()
    markers = [Marker(to_seconds(a.time), a.camera_id, anomaly=a) for a in window.anomalies]
    markers += [Marker(to_seconds(b.time), b.camera_id, bookmark=b) for b in window.bookmarks]
    markers.sort(key=lambda m: m.t)
    return Tile(level, index, t0, t1, window.aggregated, window.bucket_s, lanes, markers, row_of)


def fetch_tile(
    state: TaskState,
    services: AppServices,
    actor: Actor,
    case_id: str | None,
    level: int,
    index: int,
    known_rows: Mapping[int, int],
) -> Tile:
    """One tile's window from the service, ready to paint (runs on the worker pool)."""
    t0, t1 = tile_bounds(level, index)
    window = services.timeline.window(
        actor,
        from_seconds(t0),
        from_seconds(t1),
        case_id=case_id,
        max_items=TILE_MAX_ITEMS,
        buckets=TILE_BUCKETS,
    )
    state.check_cancelled()
    return build_tile(level, index, window, known_rows)


class TileCache:
    """The tiles fetched so far, least recently used dropped past ``capacity``."""

    def __init__(self, capacity: int = CACHE_TILES) -> None:
        self._tiles: OrderedDict[TileKey, Tile] = OrderedDict()
        self._capacity = capacity

    def __len__(self) -> int:
        return len(self._tiles)

    def clear(self) -> None:
        self._tiles.clear()

    def __iter__(self) -> Iterator[Tile]:
        return iter(list(self._tiles.values()))

    def put(self, case_id: str | None, tile: Tile) -> None:
        key = (case_id, tile.level, tile.index)
        self._tiles[key] = tile
        self._tiles.move_to_end(key)
        while len(self._tiles) > self._capacity:
            self._tiles.popitem(last=False)

    def get(self, case_id: str | None, level: int, index: int) -> Tile | None:
        tile = self._tiles.get((case_id, level, index))
        if tile is not None:
            self._tiles.move_to_end((case_id, level, index))
        return tile

    def covering(self, case_id: str | None, level: int, t: float) -> Tile | None:
        """The tile of ``level`` holding time ``t``, else the nearest level's that does (coarser first)."""
        for candidate in (level, *range(level + 1, level + 8), *range(level - 1, max(-1, level - 8), -1)):
            size = 2.0**candidate
            tile = self._tiles.get((case_id, candidate, int(t // size)))
            if tile is not None:
                return tile
        return None
