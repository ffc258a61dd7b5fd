"""Read a video's on-screen recorder clock: sample a few short bursts of frames spread over the video and hand
them to ``analysis.clock.estimate_clock``.

A helper for the use cases that store and apply clock offsets (ingest, ``videos read-clock``): it takes no
acting user and writes nothing, so authorisation and audit stay with those callers. Cost is bounded: ``frames``
bursts of about ``BURST_FRAMES`` frames (one seek each; a stream that cannot seek is read once front to back
at a low rate instead), and at most ``MAX_OCR_CALLS`` OCR calls in the estimate.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING

from chronotrace_desktop.analysis.clock import ClockEstimate, DateOrder, estimate_clock
from chronotrace_desktop.domain.errors import InvalidInputError
from chronotrace_desktop.media.frames import SampledFrame, sample_frames

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

logger = logging.getLogger(__name__)

BURST_S = 0.8  # length of each burst of frames
BURST_FPS = 5.0  # frames per second inside a burst: ~4 frames; a reading that fails is retried on a neighbour
MAX_SIDE = 1280  # the clock of a 1080p recorder is ~20 px tall: downscaling to 640 would make it unreadable
MAX_OCR_CALLS = 32


def burst_starts(duration_s: float, frames: int) -> list[float]:
    """``frames`` burst start times spread from the first to the last second of the video."""
    last = max(0.0, duration_s - BURST_S)
    if frames <= 1 or last == 0.0:
        return [0.0]
    return [round(last * k / (frames - 1), 3) for k in range(frames)]


def _bursts(path: Path, starts: list[float], should_stop: Callable[[], bool] | None) -> list[SampledFrame]:
    kept: list[SampledFrame] = []
    for start in starts:
        kept.extend(
            sample_frames(
                path,
                fps=BURST_FPS,
                max_side=MAX_SIDE,
                start=start or None,
                end=start + BURST_S,
                should_stop=should_stop,
            )
        )
    return kept


def _one_pass(
    path: Path, duration_s: float, frames: int, should_stop: Callable[[], bool] | None
) -> list[SampledFrame]:
    """Front to back at a rate giving about as many frames as the bursts would (raw streams cannot seek)."""
    fps = max(0.05, frames * BURST_S * BURST_FPS / max(duration_s, 1.0))
    return list(sample_frames(path, fps=min(fps, BURST_FPS), max_side=MAX_SIDE, should_stop=should_stop))


def read_video_clock(
    path_or_clip: Path,
    duration_s: float,
    *,
    frames: int = 6,
    date_order_hint: DateOrder | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> ClockEstimate:
    """The recorder clock shown on the video at ``path_or_clip`` (a file or a segment clip of
    ``duration_s`` seconds), read on ``frames`` bursts spread over it.

    ``estimate.found`` is False (and ``summary()`` starts with "no clock found") when the video shows none.
    ``date_order_hint`` is the camera's dd/mm or mm/dd setting, used only when the readings cannot tell.
    Raises ``InvalidInputError`` for an unreadable file, ``OperationCancelledError`` when ``should_stop()``.
    """
    started = time.perf_counter()
    starts = burst_starts(duration_s, max(1, frames))
    try:
        sampled = _bursts(path_or_clip, starts, should_stop)
    except (InvalidInputError, OSError) as error:
        # a raw elementary stream cannot seek (FFmpeg's EPERM): read it once instead
        logger.info("%s: bursts failed (%s); reading front to back", path_or_clip.name, error)
        sampled = _one_pass(path_or_clip, duration_s, max(1, frames), should_stop)
    decoded = time.perf_counter() - started
    estimate = estimate_clock(sampled, max_ocr_calls=MAX_OCR_CALLS, date_order_hint=date_order_hint)
    logger.info(
        "%s: %s (%d frames decoded in %.2f s, %d OCR calls in %.2f s)",
        path_or_clip.name,
        estimate.summary(),
        len(sampled),
        decoded,
        estimate.ocr_calls,
        estimate.seconds_spent,
    )
    return estimate
