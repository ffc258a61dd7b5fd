"""Measuring redaction on labelled frames: the share of labelled heads a viewer's rendition blurs.

The label file (``eval/dev_redaction.json``)::

    {"description": "...", "frames": [{"video": "classroom.gif", "t": 1.0, "width": 480, "height": 270,
      "heads": [{"box": [x, y, w, h], "face_visible": true}], "crowded": false}]}

boxes in pixels of a ``width`` x ``height`` decoding of the frame at ``t`` seconds of the video.

For each labelled frame, over an ingested library: the segment holding ``t`` (latest upload of that file
name); its redacted rendition exactly as a viewer gets it (``MediaAccessService.redacted_clip``, in the
installation's redaction mode); its original (``MediaAccessService.reveal``: audited, so the account needs
the reveal permission, and every segment read is in the audit log); the rendered frame showing ``t``.

Which rendered frame shows ``t``, and frames outside the window, are measured from the rendition itself:
every frame of the rendition is compared (64 px grey thumbnails, mean absolute difference) with the
original's frames from the keyframe before the window to a second after it, at every frame offset; the best
offset says which original frame each rendered frame is. Rendered frames matched to an original frame
outside ``[start, end)``, or to none, are outside the window, and so are rendered frames in excess of the
window's frame count (a static scene can match at several offsets; the count still catches a pre-roll).

Blurred regions: a purely pixel-based mask cannot tell a blurred patch from a flat wall, nor from detail the
H.264 encode already lost (a 7 px head far away at crf 23), so it would count unblurred small heads as
covered. So the plan's regions at the matched frame time (``rendition_plan``, widened by its margin, the
pixels the renderer blurs) are each CONFIRMED from the pixels: a region counts as blurred when its
high-frequency energy (mean absolute Laplacian of the grey image) in the rendered frame is at most
``BLUR_ENERGY_RATIO`` of the original's, or the original has no detail there to hide. A head is covered
when at least ``COVERED_SHARE`` (90 %) of its box lies inside confirmed regions. The pixel-only mask (per
pixel, the same energy test over a 7 px window) is reported beside it as a cross-check (``pixel_share``).
"""

from __future__ import annotations

import json
import logging
import math
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

import av
import cv2
import numpy as np
import sqlalchemy as sa

from chronotrace_desktop.domain.errors import InvalidInputError, NotFoundError
from chronotrace_desktop.media.frames import to_bgr
from chronotrace_desktop.media.images import box_pixels
from chronotrace_desktop.media.redaction import PlanTimeline
from chronotrace_desktop.services.media_access import rendition_plan
from chronotrace_desktop.storage.orm import Video, VideoSegment

if TYPE_CHECKING:
    import uuid
    from collections.abc import Iterator, Sequence
    from pathlib import Path

    from chronotrace_desktop.domain.media import Box
    from chronotrace_desktop.domain.tasks import TaskControl
    from chronotrace_desktop.domain.users import Actor
    from chronotrace_desktop.services.media_access import MediaAccessService
    from chronotrace_desktop.storage.database import Database

logger = logging.getLogger(__name__)

COVERED_SHARE = 0.9
BLUR_ENERGY_RATIO = 0.5
FLAT_ENERGY = 2.0  # mean |Laplacian| (grey levels) below which a region has no detail to hide
REVEAL_REASON = "chronotrace eval-redaction: originals compared with redacted renditions (measurement only)"
_THUMB_WIDTH = 64
_EPS = 2e-3  # stored times are rounded to the millisecond (as the renderer's window test)


@dataclass(frozen=True, slots=True)
class LabelledHead:
    box: tuple[float, float, float, float]  # x, y, w, h in pixels of the labelled frame size
    face_visible: bool


@dataclass(frozen=True, slots=True)
class LabelledFrame:
    video: str
    t: float
    width: int
    height: int
    heads: tuple[LabelledHead, ...]
    crowded: bool = False


@dataclass(frozen=True, slots=True)
class HeadResult:
    video: str
    t: float
    segment_index: int
    face_visible: bool
    crowded: bool
    covered: bool
    share: float  # of the head box inside confirmed blurred regions
    pixel_share: float  # of the head box inside the pixel-only blurred mask (cross-check)


@dataclass(frozen=True, slots=True)
class SegmentCheck:
    video: str
    segment_index: int
    window: tuple[float, float]
    rendered_frames: int
    window_frames: int
    outside_frames: int
    offset_frames: int  # best match: rendered frame 0 is original frame ``offset`` after the window's first


@dataclass(frozen=True, slots=True)
class Score:
    heads: int = 0
    covered: int = 0
    faces: int = 0
    faces_covered: int = 0
    rendered_frames: int = 0
    outside_frames: int = 0

    @property
    def head_coverage(self) -> float | None:
        return self.covered / self.heads if self.heads else None

    @property
    def face_coverage(self) -> float | None:
        return self.faces_covered / self.faces if self.faces else None

    @property
    def outside_share(self) -> float | None:
        return self.outside_frames / self.rendered_frames if self.rendered_frames else None

    def as_json(self) -> dict[str, Any]:
        return asdict(self) | {
            "head_coverage": self.head_coverage,
            "face_coverage": self.face_coverage,
            "outside_share": self.outside_share,
        }


@dataclass(frozen=True, slots=True)
class RedactionEvalReport:
    mode: str
    per_clip: dict[str, Score]
    overall: Score
    heads: tuple[HeadResult, ...]
    segments: tuple[SegmentCheck, ...]

    def as_json(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "covered_share": COVERED_SHARE,
            "overall": self.overall.as_json(),
            "per_clip": {name: score.as_json() for name, score in self.per_clip.items()},
            "segments": [asdict(s) for s in self.segments],
            "heads": [asdict(h) for h in self.heads],
        }


def load_redaction_labels(path: Path) -> list[LabelledFrame]:
    """The labelled frames of ``path``; ``InvalidInputError`` naming the first problem."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InvalidInputError(f"cannot read the label file {path}: {exc}") from exc
    frames = data.get("frames") if isinstance(data, dict) else None
    if not isinstance(frames, list) or not frames:
        raise InvalidInputError(f'{path}: expected {{"frames": [...]}} with at least one labelled frame')
    out: list[LabelledFrame] = []
    for n, item in enumerate(frames, start=1):
        try:
            heads = tuple(
                LabelledHead(_box(h["box"]), bool(h.get("face_visible", False))) for h in item["heads"]
            )
            frame = LabelledFrame(
                str(item["video"]),
                float(item["t"]),
                int(item["width"]),
                int(item["height"]),
                heads,
                bool(item.get("crowded", False)),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise InvalidInputError(f"{path}: frame {n} is malformed ({exc!r})") from exc
        if frame.width <= 0 or frame.height <= 0 or frame.t < 0:
            raise InvalidInputError(f"{path}: frame {n} needs t >= 0 and a positive width and height")
        out.append(frame)
    return out


def _box(value: Any) -> tuple[float, float, float, float]:
    x, y, w, h = (float(v) for v in value)
    if w <= 0 or h <= 0:
        raise ValueError(f"a head box needs a positive width and height: {value}")
    return x, y, w, h


@dataclass(slots=True)
class _Frames:
    """One segment's original frames (from the keyframe before the window) and its rendition's frames."""

    original_t: list[float] = field(default_factory=list)
    original_thumbs: list[np.ndarray] = field(default_factory=list)
    rendered_thumbs: list[np.ndarray] = field(default_factory=list)


@dataclass(slots=True)
class _Segment:
    id: uuid.UUID
    index: int
    start: float
    end: float
    clip_start: float
    meta: dict[str, Any]


def evaluate_redaction(
    database: Database,
    media: MediaAccessService,
    actor: Actor,
    labels: Sequence[LabelledFrame],
    task: TaskControl | None = None,
) -> RedactionEvalReport:
    """Score the viewer's renditions of the labelled frames (see the module docstring)."""
    by_segment: dict[tuple[str, int], list[LabelledFrame]] = defaultdict(list)
    segments: dict[tuple[str, int], _Segment] = {}
    for frame in labels:
        segment = _segment_at(database, frame.video, frame.t)
        segments[(frame.video, segment.index)] = segment
        by_segment[(frame.video, segment.index)].append(frame)
    heads: list[HeadResult] = []
    checks: list[SegmentCheck] = []
    for done, (key, frames) in enumerate(sorted(by_segment.items()), start=1):
        if task is not None:
            task.check_cancelled()
        check, results = _evaluate_segment(media, actor, key[0], segments[key], frames)
        checks.append(check)
        heads.extend(results)
        if task is not None:
            task.progress(done, len(by_segment), "segments checked")
    per_clip = {
        name: _score([h for h in heads if h.video == name], [c for c in checks if c.video == name])
        for name in sorted({f.video for f in labels})
    }
    return RedactionEvalReport(
        media.redaction_mode.value, per_clip, _score(heads, checks), tuple(heads), tuple(checks)
    )


def _score(heads: Sequence[HeadResult], checks: Sequence[SegmentCheck]) -> Score:
    return Score(
        heads=len(heads),
        covered=sum(h.covered for h in heads),
        faces=sum(h.face_visible for h in heads),
        faces_covered=sum(h.covered and h.face_visible for h in heads),
        rendered_frames=sum(c.rendered_frames for c in checks),
        outside_frames=sum(c.outside_frames for c in checks),
    )


def _segment_at(database: Database, video: str, t: float) -> _Segment:
    with database.transaction() as session:
        row = session.execute(
            sa.select(VideoSegment)
            .join(Video, Video.id == VideoSegment.video_id)
            .where(
                Video.filename == video,
                Video.deleted_at.is_(None),
                VideoSegment.start_time <= t,
                VideoSegment.end_time > t,
            )
            .order_by(Video.uploaded_at.desc())
            .limit(1)
        ).scalar_one_or_none()
        if row is None:
            raise NotFoundError(f"no ingested segment of {video} holds t = {t:g} s; ingest {video} first")
        clip_start = row.clip_start_time if row.clip_start_time is not None else row.start_time
        start, end = float(row.start_time), float(row.end_time)
        return _Segment(row.id, row.segment_index, start, end, float(clip_start), row.meta or {})


def _evaluate_segment(
    media: MediaAccessService, actor: Actor, video: str, segment: _Segment, labels: Sequence[LabelledFrame]
) -> tuple[SegmentCheck, list[HeadResult]]:
    rendition = media.redacted_clip(actor, segment.id)
    original = media.reveal(actor, segment.id, REVEAL_REASON)
    frames = _Frames()
    wanted = sorted({f.t for f in labels})
    originals: dict[float, np.ndarray] = {}
    for t, image in _frames(original, segment.clip_start, segment.end + 1.0):
        frames.original_t.append(t)
        frames.original_thumbs.append(_thumb(image))
        for w in wanted:
            if t <= w + _EPS:
                originals[w] = image  # the last frame at or before w
    for _t, image in _frames(rendition, 0.0, None):
        frames.rendered_thumbs.append(_thumb(image))
    first = next((i for i, t in enumerate(frames.original_t) if t >= segment.start - _EPS), 0)
    window = sum(1 for t in frames.original_t if segment.start - _EPS <= t < segment.end - _EPS)
    offset = _best_offset(frames, first)
    rendered = len(frames.rendered_thumbs)
    matched_outside = sum(
        1
        for i in range(rendered)
        if not (0 <= offset + i < len(frames.original_t))
        or not (segment.start - _EPS <= frames.original_t[offset + i] < segment.end - _EPS)
    )
    outside = max(matched_outside, rendered - window)
    check = SegmentCheck(
        video, segment.index, (segment.start, segment.end), rendered, window, outside, offset - first
    )
    plan = rendition_plan(segment.meta, segment.start, segment.end, media.redaction_mode)
    timeline = PlanTimeline(plan, media.redaction_mode)
    needed: dict[int, list[LabelledFrame]] = defaultdict(list)
    results: list[HeadResult] = []
    for label in labels:
        j = max((k for k, t in enumerate(frames.original_t) if t <= label.t + _EPS), default=-1)
        i = j - offset
        if j < 0 or not 0 <= i < rendered:  # the rendition does not show t at all
            results.extend(_uncovered(video, segment.index, label))
        else:
            needed[i].append(label)
    for i, (_t, image) in enumerate(_frames(rendition, 0.0, None)):
        for label in needed.get(i, []):
            boxes = timeline.boxes_at(frames.original_t[i + offset])
            results.extend(_heads(video, segment.index, label, image, originals[label.t], boxes, plan.margin))
    logger.info(
        "eval-redaction %s segment %d: %d rendered frames, %d in the window, %d outside",
        video,
        segment.index,
        rendered,
        window,
        check.outside_frames,
    )
    return check, results


def _frames(path: Path, offset: float, end: float | None) -> Iterator[tuple[float, np.ndarray]]:
    """Every decoded frame of ``path`` (full size, display aspect) up to ``end``, timed from its start +
    ``offset``, in decoding order as the renderer reads them (``sample_frames`` would drop the repeated
    timestamps XVID's packed B-frames decode with, and so miscount frames)."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        origin = stream.start_time or 0
        for frame in container.decode(stream):
            if frame.pts is None or stream.time_base is None:
                continue
            t = float((frame.pts - origin) * stream.time_base) + offset
            if end is not None and t >= end - _EPS:
                break
            yield t, to_bgr(frame, 100_000, stream)


def _thumb(image: np.ndarray) -> np.ndarray:
    height, width = image.shape[:2]
    size = (_THUMB_WIDTH, max(2, round(_THUMB_WIDTH * height / width)))
    return cv2.resize(cv2.cvtColor(image, cv2.COLOR_BGR2GRAY), size, interpolation=cv2.INTER_AREA).astype(
        np.float32
    )


def _best_offset(frames: _Frames, first: int) -> int:
    """The original frame index rendered frame 0 shows: the offset with the least median difference over at
    least 80 % of the rendition; offsets within 2 % of the least (a static scene) go to the one nearest the
    window's first frame (the frame count still catches a pre-roll there)."""
    if not frames.rendered_thumbs or not frames.original_thumbs:
        return first
    if frames.rendered_thumbs[0].shape != frames.original_thumbs[0].shape:
        return first
    rendered = np.stack(frames.rendered_thumbs)
    originals = np.stack(frames.original_thumbs)
    n, m = len(rendered), len(originals)
    need = max(1, math.ceil(0.8 * n))
    costs: dict[int, float] = {}
    for offset in range(need - n, m - need + 1):
        a, b = max(0, -offset), min(n, m - offset)
        if b - a < need:
            continue
        diff = np.abs(rendered[a:b] - originals[a + offset : b + offset]).mean(axis=(1, 2))
        costs[offset] = float(np.median(diff))
    if not costs:
        return first
    least = min(costs.values())
    return min((o for o, c in costs.items() if c <= least * 1.02 + 0.05), key=lambda o: abs(o - first))


def _uncovered(video: str, index: int, label: LabelledFrame) -> list[HeadResult]:
    return [
        HeadResult(video, label.t, index, h.face_visible, label.crowded, False, 0.0, 0.0) for h in label.heads
    ]


def _energy(gray: np.ndarray) -> np.ndarray:
    return np.abs(cv2.Laplacian(gray, cv2.CV_32F, ksize=3))


def _heads(
    video: str,
    index: int,
    label: LabelledFrame,
    rendered: np.ndarray,
    original: np.ndarray,
    boxes: Sequence[Box],
    margin: float,
) -> list[HeadResult]:
    height, width = rendered.shape[:2]
    if original.shape[:2] != (height, width):
        original = cv2.resize(original, (width, height), interpolation=cv2.INTER_AREA)
    er = _energy(cv2.cvtColor(rendered, cv2.COLOR_BGR2GRAY).astype(np.float32))
    eo = _energy(cv2.cvtColor(original, cv2.COLOR_BGR2GRAY).astype(np.float32))
    confirmed = np.zeros((height, width), bool)
    for box in boxes:
        x0, y0, x1, y1 = box_pixels(box.expanded(margin) if margin != 1.0 else box, width, height)
        if x1 <= x0 or y1 <= y0:
            continue
        r, o = float(er[y0:y1, x0:x1].mean()), float(eo[y0:y1, x0:x1].mean())
        if o < FLAT_ENERGY or r <= BLUR_ENERGY_RATIO * o:
            confirmed[y0:y1, x0:x1] = True
    window = (7, 7)
    local_r, local_o = cv2.blur(er, window), cv2.blur(eo, window)
    pixel_mask = (local_r <= BLUR_ENERGY_RATIO * local_o) | (local_o < FLAT_ENERGY)
    sx, sy = width / label.width, height / label.height
    out: list[HeadResult] = []
    for head in label.heads:
        x, y, w, h = head.box
        x0, x1 = max(0, math.floor(x * sx)), min(width, math.ceil((x + w) * sx))
        y0, y1 = max(0, math.floor(y * sy)), min(height, math.ceil((y + h) * sy))
        if x1 <= x0 or y1 <= y0:  # wholly outside the frame: nothing of it is shown, nothing to score
            logger.warning("eval-redaction: a head of %s at %g s lies outside the frame", video, label.t)
            continue
        share = float(confirmed[y0:y1, x0:x1].mean())
        pixel_share = float(pixel_mask[y0:y1, x0:x1].mean())
        covered = share >= COVERED_SHARE
        out.append(
            HeadResult(video, label.t, index, head.face_visible, label.crowded, covered, share, pixel_share)
        )
    return out
