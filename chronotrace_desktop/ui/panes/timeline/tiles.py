"""The timeline's data, fetched per tile and kept per zoom level: no Qt here, painting never queries.

A tile of level ``L`` covers ``2 ** L`` seconds of wall clock from ``index * 2 ** L`` (seconds since 1970); the
pane shows a window less wide than one tile of its level, so two tiles cover the view and one more each side
is fetched ahead. :func:`fetch_tile` runs on the worker pool: it asks the service for the tile's window and
turns the answer into plain floats sorted per lane (what painting and hit testing read with ``bisect``).
Overlapping videos of one camera get rows within the lane (greedily, per tile).
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
    from chronotrace_desktop.domain.timeline import ActivityBucket, SegmentSpan, TimelineWindow, VideoSpan
    from chronotrace_desktop.domain.users import Actor
    from chronotrace_desktop.services.app import AppServices
    from chronotrace_desktop.workers.task_state import TaskState

TILE_MAX_ITEMS = 1500  # segments listed per tile before the service aggregates
TILE_BUCKETS = 400  # buckets per tile when aggregated (a tile is 1-2 views wide: ~2-5 px a bucket)
CACHE_TILES = 96
YIELD_EVERY = 200

TileKey = tuple[str | None, int, int]  # case, level, index


@dataclass(slots=True)
class Item:
    """One painted span of a lane: a segment, or a bucket of segments (``bucket`` set)."""

    t0: float
    t1: float
    activity: float
    row: int
    segment: SegmentSpan | None = None
    bucket: ActivityBucket | None = None


@dataclass(slots=True)
class LaneData:
    items: list[Item] = field(default_factory=list)
    starts: list[float] = field(default_factory=list)  # items' t0, for bisect
    videos: list[tuple[float, float, int, VideoSpan]] = field(default_factory=list)
    rows: int = 1
    longest: float = 0.0  # the longest item: how far back a bisect must look

    def visible(self, t0: float, t1: float) -> list[Item]:
        first = bisect.bisect_left(self.starts, t0 - self.longest)
        last = bisect.bisect_right(self.starts, t1)
        return [item for item in self.items[first:last] if item.t1 >= t0]


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


def tile_bounds(level: int, index: int) -> tuple[float, float]:
    size = 2.0**level
    return index * size, (index + 1) * size


def build_tile(level: int, index: int, window: TimelineWindow) -> Tile:
    t0, t1 = tile_bounds(level, index)
    lanes: dict[str | None, LaneData] = {}
    row_of: dict[object, int] = {}
    for video in window.videos:  # in camera, start order: greedy rows per lane
        lane = lanes.setdefault(video.camera_id, LaneData())
        start, end = to_seconds(video.start), to_seconds(video.end)
        ends = [
            max((v[1] for v in lane.videos if v[2] == r), default=float("-inf")) for r in range(lane.rows)
        ]
        row = next((r for r, e in enumerate(ends) if e <= start), None)
        if row is None:
            row = lane.rows if lane.videos else 0
            lane.rows = max(lane.rows, row + 1)
        lane.videos.append((start, end, row, video))
        row_of[video.video_id] = row
    for n, segment in enumerate(window.segments):
        if n % YIELD_EVERY == 0:
            time.sleep(0)  # let the UI thread have the interpreter (it paints between our batches)
        lane = lanes.setdefault(segment.camera_id, LaneData())
        item = Item(to_seconds(segment.start), to_seconds(segment.end), segment.activity, 0, segment=segment)
        item.row = row_of.get(segment.video_id, 0)
        lane.items.append(item)
    for bucket in window.buckets:
        lane = lanes.setdefault(bucket.camera_id, LaneData())
        lane.items.append(
            Item(to_seconds(bucket.start), to_seconds(bucket.end), bucket.activity_max, 0, bucket=bucket)
        )
    for lane in lanes.values():
        lane.items.sort(key=lambda i: i.t0)
        lane.starts = [i.t0 for i in lane.items]
        lane.longest = max((i.t1 - i.t0 for i in lane.items), default=0.0)
    markers = [Marker(to_seconds(a.time), a.camera_id, anomaly=a) for a in window.anomalies]
    markers += [Marker(to_seconds(b.time), b.camera_id, bookmark=b) for b in window.bookmarks]
    markers.sort(key=lambda m: m.t)
    return Tile(level, index, t0, t1, window.aggregated, window.bucket_s, lanes, markers)


def fetch_tile(
    state: TaskState, services: AppServices, actor: Actor, case_id: str | None, level: int, index: int
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
    return build_tile(level, index, window)


class TileCache:
    """The tiles fetched so far, least recently used dropped past ``capacity``."""

    def __init__(self, capacity: int = CACHE_TILES) -> None:
        self._tiles: OrderedDict[TileKey, Tile] = OrderedDict()
        self._capacity = capacity

    def __len__(self) -> int:
        return len(self._tiles)

    def clear(self) -> None:
        self._tiles.clear()

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
