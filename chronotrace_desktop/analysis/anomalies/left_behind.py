"""Objects left behind where a person stayed: a detector-free check for the abandonment rule.

YOLOv3-tiny does not see small bags (the one left on the shared gym clip's bleachers is ~20 px wide), so a
bag that never moves is never tracked. This check starts from the people instead: a *stay* is a spot where
person boxes keep being detected for a while; once nobody is detected there any more, the images after the
departure are searched, around where the person's feet were, for a compact blob that stands out from the
surface around it (a bag on a bench, a case on the floor). The blob is then followed frame by frame by
comparing its pixels with how it looked just after the departure, while it stays put.

It cannot tell what the object is (no classifier here sees a 20 px bag), so findings are "an object". Blobs
that were already there before the person arrived are furniture, not left behind, and are dropped when the
video shows the spot before the stay began.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import cv2
import numpy as np

from chronotrace_desktop.analysis.anomalies.geometry import median
from chronotrace_desktop.domain.analysis import box_from_list, box_to_list
from chronotrace_desktop.domain.media import Box

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator, Sequence

    import numpy.typing as npt

    from chronotrace_desktop.domain.analysis import FrameDetections

PERSON = "person"
OBJECT = "object"  # what a blob is called: nothing here can tell a bag from a box


@dataclass(frozen=True, slots=True)
class LeftBehindSettings:
    min_stay: float = 4.0  # seconds a person is seen at one spot before it counts as a stay
    min_sightings: int = 3  # detections that make up a stay
    max_gap: float = 8.0  # seconds a stay may go undetected (seated people are missed often)
    same_spot: float = 0.5  # person heights between box centres that still count as the same spot
    settle: float = 1.0  # seconds after the last sighting before the "after" images start
    after_frames: int = 4  # images whose median is searched for the object
    contrast: float = 40.0  # Lab distance between a blob and the ring around it
    levels: int = 8  # lightness levels a blob is looked for at
    min_fill: float = 0.45  # of the blob's bounding box
    max_elongation: float = 3.0
    min_size: float = 0.12  # of the person's height (both sides of the blob)
    max_size: float = 0.9
    opening: float = 0.12  # of the person's height: lines thinner than this are cut off an object ...
    max_opening: int = 7  # ... up to this many px (a close-up person must not erase a small bag)
    match: float = 22.0  # mean Lab distance from the first look that still counts as "still there"
    horizon: float = 600.0  # seconds after the departure that are followed


@dataclass(frozen=True, slots=True)
class Stay:
    box: Box  # the median person box at the spot
    start: float
    end: float
    sightings: int


@dataclass(frozen=True, slots=True)
class LeftObject:
    """A blob found after ``stay`` ended: ``seen`` are the times it was still there (unchanged)."""

    box: Box
    stay: Stay
    seen: tuple[float, ...]
    contrast: float
    new_since_arrival: bool | None  # None: the video does not show the spot before the stay

    def to_dict(self) -> dict[str, object]:
        return {
            "box": box_to_list(self.box),
            "owner_box": box_to_list(self.stay.box),
            "owner_start": round(self.stay.start, 2),
            "owner_end": round(self.stay.end, 2),
            "owner_sightings": self.stay.sightings,
            "seen": [round(t, 2) for t in self.seen],
            "contrast": round(self.contrast, 1),
            "new_since_arrival": self.new_since_arrival,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LeftObject:
        """The inverse of ``to_dict`` (stored in ``anomaly_scans.evidence``)."""
        owner = box_from_list(data["owner_box"])
        stay = Stay(owner, float(data["owner_start"]), float(data["owner_end"]), int(data["owner_sightings"]))
        return cls(
            box_from_list(data["box"]),
            stay,
            tuple(float(t) for t in data["seen"]),
            float(data["contrast"]),
            data.get("new_since_arrival"),
        )


def _same_spot(a: Box, b: Box, settings: LeftBehindSettings) -> bool:
    height = max(a.h, b.h)
    if min(a.h, b.h) < height / 1.8:
        return False
    (ax, ay), (bx, by) = a.centre, b.centre
    return bool(np.hypot(ax - bx, ay - by) <= settings.same_spot * height)


def find_stays(frames: Sequence[FrameDetections], settings: LeftBehindSettings) -> list[Stay]:
    """Spots where person boxes recur (whatever their track ids) for at least ``min_stay`` seconds."""
    closed: list[list[tuple[float, Box]]] = []
    active: list[list[tuple[float, Box]]] = []  # groups last seen within ``max_gap`` (a long video has many)
    for frame in sorted(frames, key=lambda f: f.t):
        closed.extend(g for g in active if frame.t - g[-1][0] > settings.max_gap)
        active = [g for g in active if frame.t - g[-1][0] <= settings.max_gap]
        for box in frame.labelled(PERSON):
            open_groups = [g for g in active if g[-1][0] < frame.t]
            # Compared with where the stay began, so a slow walker does not drag a stay along.
            home = next((g for g in open_groups if _same_spot(g[0][1], box, settings)), None)
            if home is None:
                active.append([(frame.t, box)])
            else:
                home.append((frame.t, box))
    stays = []
    for group in sorted(closed + active, key=lambda g: g[0][0]):
        start, end = group[0][0], group[-1][0]
        if end - start >= settings.min_stay and len(group) >= settings.min_sightings:
            stays.append(Stay(_median_box(group), start, end, len(group)))
    return stays


class _Timeline:
    """Person boxes by time, looked up by window (a long video has thousands of sampled frames)."""

    def __init__(self, frames: Sequence[FrameDetections]) -> None:
        self._frames = sorted(frames, key=lambda f: f.t)
        self._times = [f.t for f in self._frames]

    @property
    def last(self) -> float:
        return self._times[-1] if self._times else 0.0

    def people(self, start: float, end: float, *, include_start: bool = True) -> Iterator[Box]:
        """Person boxes of the frames from ``start`` (or just after it) to ``end``, both in seconds."""
        first = (bisect_left if include_start else bisect_right)(self._times, start)
        for frame in self._frames[first : bisect_right(self._times, end)]:
            yield from frame.labelled(PERSON)


def _median_box(group: Sequence[tuple[float, Box]]) -> Box:
    """Each side the median of the group's, computed in float64 whatever the boxes hold."""
    return Box(
        median([float(b.x) for _, b in group]),
        median([float(b.y) for _, b in group]),
        median([float(b.w) for _, b in group]),
        median([float(b.h) for _, b in group]),
        PERSON,
    )


def departed(
    stays: Sequence[Stay], frames: Sequence[FrameDetections], settings: LeftBehindSettings
) -> list[Stay]:
    """The stays with nobody at the spot in the images after them (the vacated spot must be seen), and
    video left to watch. Someone coming to the spot later is the rule's business (it attends the object)."""
    return _departed(stays, _Timeline(frames), settings)


def _departed(stays: Sequence[Stay], timeline: _Timeline, settings: LeftBehindSettings) -> list[Stay]:
    result = []
    for stay in stays:
        if timeline.last - stay.end < settings.settle + settings.after_frames:
            continue
        after = stay.end + settings.settle + settings.after_frames
        people = timeline.people(stay.end, after, include_start=False)
        if not any(_same_spot(stay.box, box, settings) for box in people):
            result.append(stay)
    return result


def _lab(image: npt.NDArray[np.uint8]) -> npt.NDArray[np.int16]:
    return cv2.cvtColor(image, cv2.COLOR_BGR2LAB).astype(np.int16)


def _distance(a: npt.NDArray[np.int16], b: npt.NDArray[np.int16]) -> npt.NDArray[np.float32]:
    return np.asarray(np.abs(a - b).max(axis=2), dtype=np.float32)


class _Window:
    """Pixel rectangles for one stay in an image ``width`` by ``height`` px."""

    def __init__(self, stay: Stay, width: int, height: int) -> None:
        box = stay.box
        self.person_px = max(8.0, box.h * height)
        # Where a bag of this person would be: beside and below the lower half of the box.
        self.search = _clip_rect(
            (box.x - 0.6 * box.w) * width,
            (box.y + 0.4 * box.h) * height,
            (box.x + 1.6 * box.w) * width,
            (box.y + 1.5 * box.h) * height,
            width,
            height,
        )
        margin = self.person_px
        x0, y0, x1, y1 = self.search
        self.context = _clip_rect(x0 - margin, y0 - margin, x1 + margin, y1 + margin, width, height)


def _clip_rect(x0: float, y0: float, x1: float, y1: float, width: int, height: int) -> tuple[int, ...]:
    return (
        int(max(0, np.floor(x0))),
        int(max(0, np.floor(y0))),
        int(min(width, np.ceil(x1))),
        int(min(height, np.ceil(y1))),
    )


def blobs_after(
    stay: Stay, after: Sequence[npt.NDArray[np.uint8]], settings: LeftBehindSettings
) -> list[tuple[tuple[int, int, int, int], float]]:
    """Compact blobs near the stay's feet in the median of ``after``: pixel rects ``(x, y, w, h)``, contrast.

    A blob is a connected set of pixels darker (or brighter) than a level, after an opening that cuts off
    thin lines touching it, of a bag's size and shape, that differs from the ring of pixels around it by
    at least ``contrast`` in Lab. Levels are tried from the darkest and the brightest pixel inwards; where
    blobs of several levels overlap the one with the strongest contrast is kept.
    """
    height, width = after[0].shape[:2]
    window = _Window(stay, width, height)
    cx0, cy0, cx1, cy1 = window.context
    if cx1 - cx0 < 8 or cy1 - cy0 < 8:
        return []
    crop = np.median(np.stack([a[cy0:cy1, cx0:cx1] for a in after]), axis=0).astype(np.uint8)
    lab = cv2.cvtColor(crop, cv2.COLOR_BGR2LAB)
    lightness = lab[:, :, 0]
    size = _opening(window, settings)
    disc = np.asarray(cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size)), dtype=np.uint8)
    ring = (2 * size + 1, 2 * size + 1)
    ring_disc = np.asarray(cv2.getStructuringElement(cv2.MORPH_ELLIPSE, ring), dtype=np.uint8)
    candidates: list[tuple[tuple[int, int, int, int], float]] = []
    low, high = int(lightness.min()), int(lightness.max())
    for level in np.linspace(low, high, settings.levels + 2)[1:-1]:
        for mask in (lightness < level, lightness > level):
            opened = np.asarray(cv2.morphologyEx(mask.astype(np.uint8), cv2.MORPH_OPEN, disc), dtype=np.uint8)
            candidates.extend(_shaped_blobs(opened, lab, ring_disc, window, settings))
    kept: list[tuple[tuple[int, int, int, int], float]] = []
    for rect, contrast in sorted(candidates, key=lambda c: -c[1]):
        if all(_apart(Box(*rect), Box(*other)) for other, _ in kept):
            kept.append((rect, contrast))
    return [((x + cx0, y + cy0, w, h), c) for (x, y, w, h), c in kept]


def _opening(window: _Window, settings: LeftBehindSettings) -> int:
    return int(min(settings.max_opening, max(3, round(settings.opening * window.person_px)))) | 1


def _shaped_blobs(
    mask: npt.NDArray[np.uint8],
    lab: npt.NDArray[np.uint8],
    ring_disc: npt.NDArray[np.uint8],
    window: _Window,
    settings: LeftBehindSettings,
) -> list[tuple[tuple[int, int, int, int], float]]:
    count, labels, stats, centroids = cv2.connectedComponentsWithStats(mask, connectivity=8)
    cx0, cy0, _, _ = window.context
    sx0, sy0, sx1, sy1 = window.search
    smallest = max(_opening(window, settings) + 1.0, settings.min_size * window.person_px)
    largest = settings.max_size * window.person_px
    found = []
    for index in range(1, count):
        x, y, w, h, area = (int(v) for v in stats[index])
        gx, gy = centroids[index][0] + cx0, centroids[index][1] + cy0
        if not (sx0 <= gx < sx1 and sy0 <= gy < sy1):
            continue
        if x == 0 or y == 0 or x + w >= mask.shape[1] or y + h >= mask.shape[0]:
            continue  # runs on beyond the context: part of the scene, not an object
        if min(w, h) < smallest or max(w, h) > largest:
            continue
        if area < settings.min_fill * w * h or max(w, h) > settings.max_elongation * min(w, h):
            continue
        blob = (labels == index).astype(np.uint8)
        ring = cv2.dilate(blob, ring_disc) - blob
        inside = lab[blob > 0].astype(np.float32).mean(axis=0)
        around = lab[ring > 0].astype(np.float32).mean(axis=0)
        contrast = float(np.abs(inside - around).max())
        if contrast >= settings.contrast:
            found.append(((x, y, w, h), contrast))
    return found


def _apart(blob: Box, kept: Box) -> bool:
    """Pixel rects of two blobs are different objects: they hardly overlap, and ``blob``'s centre does not lie
    within ``kept`` (a label on a bag, a bag under a strap)."""
    return blob.iou(kept) < 0.2 and not kept.contains(*blob.centre)


def still_there(
    first: npt.NDArray[np.int16], image: npt.NDArray[np.uint8], rect: tuple[int, int, int, int]
) -> float:
    """Mean Lab distance between the blob's first look (``first``, the rect's Lab pixels) and ``image``."""
    x, y, w, h = rect
    return float(_distance(first, _lab(image[y : y + h, x : x + w])).mean())


def patch(images: Iterable[npt.NDArray[np.uint8]], rect: tuple[int, int, int, int]) -> npt.NDArray[np.int16]:
    x, y, w, h = rect
    stack = np.stack([i[y : y + h, x : x + w] for i in images])
    return _lab(np.median(stack, axis=0).astype(np.uint8))


def to_box(rect: tuple[int, int, int, int], width: int, height: int) -> Box:
    x, y, w, h = rect
    return Box(x / width, y / height, w / width, h / height, OBJECT)


def find_left_objects(
    detections: Sequence[FrameDetections],
    images_from: Callable[[float], Iterable[tuple[float, npt.NDArray[np.uint8]]]],
    settings: LeftBehindSettings | None = None,
) -> list[LeftObject]:
    """Every object left where a person stayed.

    ``images_from(start)`` yields ``(t, BGR image)`` about once a second from ``start`` to the end; it is
    called once (one decoding pass over every departure, in time order) and not at all when nobody left.
    """
    settings = settings or LeftBehindSettings()
    timeline = _Timeline(detections)
    stays = _departed(find_stays(detections, settings), timeline, settings)
    watches = [_Watch(stay, settings, timeline) for stay in stays]
    if not watches:
        return []
    first = max(0.0, min(w.stay.start - settings.max_gap for w in watches))
    for t, image in images_from(first):
        for watch in watches:
            watch.see(t, image)
        if all(watch.done for watch in watches):
            break
    return [item for watch in watches for item in watch.results()]


class _Watch:
    """One departure followed through the frames: the spot before the arrival, just after the departure,
    then each blob found there until it changes (and is not merely hidden by a person)."""

    def __init__(self, stay: Stay, settings: LeftBehindSettings, timeline: _Timeline) -> None:
        self.stay = stay
        self.settings = settings
        self.timeline = timeline
        self.before: list[npt.NDArray[np.uint8]] = []
        self.after: list[tuple[float, npt.NDArray[np.uint8]]] = []
        self.blobs: list[tuple[tuple[int, int, int, int], float]] | None = None  # None: not searched yet
        self.looks: list[npt.NDArray[np.int16]] = []
        self.seen: list[list[float]] = []
        self.gone: list[bool] = []
        self.size = (1, 1)
        self.done = False

    def see(self, t: float, image: npt.NDArray[np.uint8]) -> None:
        if self.done:
            return
        settings = self.settings
        stay, begin = self.stay, self.stay.end + settings.settle
        # The spot before the arrival counts only with a whole stay gap of video before it (a seated person
        # is often missed for a few seconds: the first sighting is not always the arrival).
        if 0.0 <= stay.start - settings.max_gap <= t < stay.start - settings.settle + 1e-6:
            self.before = [*self.before[-(settings.after_frames - 1) :], image]
        if t < begin - 1e-6:
            return
        if self.blobs is None:
            self.after.append((t, image))
            if len(self.after) < settings.after_frames:
                return
            self._search()
            pending, self.after = self.after, []
            for when, frame in pending:
                self._check(when, frame)
        else:
            self._check(t, image)
        if all(self.gone) or t >= begin + settings.horizon:
            self.done = True

    def _search(self) -> None:
        images = [image for _, image in self.after]
        height, width = images[0].shape[:2]
        self.size = (width, height)
        self.blobs = blobs_after(self.stay, images, self.settings)
        self.looks = [patch(images, rect) for rect, _ in self.blobs]
        self.seen = [[] for _ in self.blobs]
        self.gone = [False] * len(self.blobs)
        if len(self.before) < 2:
            self.before = []  # the video does not show the spot before the stay

    def _check(self, t: float, image: npt.NDArray[np.uint8]) -> None:
        for index, (rect, _) in enumerate(self.blobs or ()):
            if self.gone[index]:
                continue
            if still_there(self.looks[index], image, rect) <= self.settings.match:
                self.seen[index].append(t)
            elif not _covered(to_box(rect, *self.size), self.timeline, t):
                self.gone[index] = True

    def results(self) -> list[LeftObject]:
        found = []
        before = np.asarray(np.median(np.stack(self.before), axis=0), dtype=np.uint8) if self.before else None
        for index, (rect, contrast) in enumerate(self.blobs or ()):
            new = (
                None if before is None else still_there(self.looks[index], before, rect) > self.settings.match
            )
            if self.seen[index] and new is not False:
                box = to_box(rect, *self.size)
                found.append(LeftObject(box, self.stay, tuple(self.seen[index]), contrast, new))
        return found


def _covered(box: Box, timeline: _Timeline, t: float) -> bool:
    """A person box overlaps ``box`` at about ``t`` (the object may be hidden, not gone)."""
    return any(person.overlaps(box) for person in timeline.people(t - 1.0, t + 1.0))
