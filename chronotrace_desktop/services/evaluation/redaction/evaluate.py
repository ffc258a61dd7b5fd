"""Measuring redaction on labelled frames: the share of labelled heads a viewer's rendition blurs.

For each labelled frame (``labels``), over an ingested library: the segment holding ``t`` (latest upload of
that file name); its redacted rendition exactly as a viewer gets it (``MediaAccessService.redacted_clip``, in
the installation's redaction mode); its original (``MediaAccessService.revealer``: audited, so the account needs
the reveal permission and a fresh re-authentication (``proof``), and every segment read is in the audit log;
the original leaves a shared store's cache once measured); the rendered frame showing ``t``.

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

import logging
import math
from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import cv2
import numpy as np
import sqlalchemy as sa

from chronotrace_desktop.domain.errors import NotFoundError
from chronotrace_desktop.domain.users import ReauthPurpose
from chronotrace_desktop.media.images import box_pixels
from chronotrace_desktop.media.redaction import PlanTimeline
from chronotrace_desktop.services.evaluation.redaction.frames import (
    TIME_EPS,
    SegmentFrames,
    best_offset,
    decoded_frames,
    thumbnail,
)
from chronotrace_desktop.services.evaluation.redaction.report import (
    COVERED_SHARE,
    HeadResult,
    RedactionEvalReport,
    SegmentCheck,
    score_of,
)
from chronotrace_desktop.services.media_access import rendition_plan
from chronotrace_desktop.storage.orm import Video, VideoSegment

if TYPE_CHECKING:
    import uuid
    from collections.abc import Callable, Sequence
    from pathlib import Path

    from chronotrace_desktop.domain.media import Box
    from chronotrace_desktop.domain.tasks import TaskControl
    from chronotrace_desktop.domain.users import Actor
    from chronotrace_desktop.services.access import ReauthProof
    from chronotrace_desktop.services.evaluation.redaction.labels import LabelledFrame
    from chronotrace_desktop.services.media_access import MediaAccessService
    from chronotrace_desktop.storage.database import Database

logger = logging.getLogger(__name__)

BLUR_ENERGY_RATIO = 0.5
FLAT_ENERGY = 2.0  # mean |Laplacian| (grey levels) below which a region has no detail to hide
REVEAL_REASON = "chronotrace eval-redaction: originals compared with redacted renditions (measurement only)"


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
    *,
    proof: ReauthProof | None,
) -> RedactionEvalReport:
    """Score the viewer's renditions of the labelled frames (see the module docstring). ``proof``: the
    account's re-authentication for ``ReauthPurpose.REVEAL``, checked once before the first original."""
    by_segment: dict[tuple[str, int], list[LabelledFrame]] = defaultdict(list)
    segments: dict[tuple[str, int], _Segment] = {}
    for frame in labels:
        segment = _segment_at(database, frame.video, frame.t)
        segments[(frame.video, segment.index)] = segment
        by_segment[(frame.video, segment.index)].append(frame)
    heads: list[HeadResult] = []
    checks: list[SegmentCheck] = []
    reveal = media.revealer(actor, REVEAL_REASON, proof=proof, purpose=ReauthPurpose.REVEAL)
    for done, (key, frames) in enumerate(sorted(by_segment.items()), start=1):
        if task is not None:
            task.check_cancelled()
        check, results = _evaluate_segment(media, actor, reveal, key[0], segments[key], frames)
        checks.append(check)
        heads.extend(results)
        if task is not None:
            task.progress(done, len(by_segment), "segments checked")
    per_clip = {
        name: score_of([h for h in heads if h.video == name], [c for c in checks if c.video == name])
        for name in sorted({f.video for f in labels})
    }
    return RedactionEvalReport(
        media.redaction_mode.value, per_clip, score_of(heads, checks), tuple(heads), tuple(checks)
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
    media: MediaAccessService,
    actor: Actor,
    reveal: Callable[[uuid.UUID], Path],
    video: str,
    segment: _Segment,
    labels: Sequence[LabelledFrame],
) -> tuple[SegmentCheck, list[HeadResult]]:
    rendition = media.redacted_clip(actor, segment.id)
    original = reveal(segment.id)
    try:
        return _measure(media, original, rendition, video, segment, labels)
    finally:
        media.end_reveal(original)


def _measure(
    media: MediaAccessService,
    original: Path,
    rendition: Path,
    video: str,
    segment: _Segment,
    labels: Sequence[LabelledFrame],
) -> tuple[SegmentCheck, list[HeadResult]]:
    frames = SegmentFrames()
    wanted = sorted({f.t for f in labels})
    originals: dict[float, np.ndarray] = {}
    for t, image in decoded_frames(original, segment.clip_start, segment.end + 1.0):
        frames.original_t.append(t)
        frames.original_thumbs.append(thumbnail(image))
        for w in wanted:
            if t <= w + TIME_EPS:
                originals[w] = image  # the last frame at or before w
    for _t, image in decoded_frames(rendition, 0.0, None):
        frames.rendered_thumbs.append(thumbnail(image))
    first = next((i for i, t in enumerate(frames.original_t) if t >= segment.start - TIME_EPS), 0)
    window = sum(1 for t in frames.original_t if segment.start - TIME_EPS <= t < segment.end - TIME_EPS)
    offset = best_offset(frames, first)
    rendered = len(frames.rendered_thumbs)
    matched_outside = sum(
        1
        for i in range(rendered)
        if not (0 <= offset + i < len(frames.original_t))
        or not (segment.start - TIME_EPS <= frames.original_t[offset + i] < segment.end - TIME_EPS)
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
        j = max((k for k, t in enumerate(frames.original_t) if t <= label.t + TIME_EPS), default=-1)
        i = j - offset
        if j < 0 or not 0 <= i < rendered:  # the rendition does not show t at all
            results.extend(_uncovered(video, segment.index, label))
        else:
            needed[i].append(label)
    for i, (_t, image) in enumerate(decoded_frames(rendition, 0.0, None)):
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
