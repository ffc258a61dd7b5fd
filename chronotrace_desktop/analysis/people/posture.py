"""Standing or sitting from the shape of a person box (height / width in pixels); ``None`` when unsure.

On the labelled crops (``eval/dev_person_attributes.json``) whole standing people measured 1.57-3.49
(walking, arms out, seen from the side or the back), seated people 0.86-1.40 (on chairs, on bleachers with
legs stretched, behind desks), so ``STANDING_MIN_RATIO`` and ``SITTING_RATIO`` leave a gap where nothing is
said. Measured: standing 43 right of 43 (21 people; 63 labelled), sitting 13 of 13 (9 people; 13 labelled).

A box cut by the frame only shows part of the person. Cut at the top or bottom it is shorter than the
person, so only "standing" (a tall shape) is still trusted; cut at a side it is narrower, so only "sitting"
(a low shape) is. Cut both ways: nothing. Detector boxes of people cut by the frame end a few pixels short
of its edge: with a 1 % margin instead of ``EDGE`` three standing people cut at the knees read as sitting
(sitting 13 of 16).

"Lying" is never returned: no labelled lying person exists in the shared clips, and people seen from straight
above (aerial_crossing...mp4) walk in boxes 2-2.5 times wider than tall, the shape of a lying person.
Comparing a person's height with others at the same height in the frame was not needed on these clips.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from chronotrace_desktop.domain.analysis import Posture

if TYPE_CHECKING:
    from collections.abc import Iterable

    from chronotrace_desktop.domain.media import Box

STANDING_MIN_RATIO = 1.75
SITTING_RATIO = (0.8, 1.45)
MIN_PERSON_PX = 24  # shorter boxes: no posture
EDGE = 0.03  # a box within 3 % of the frame's edge is cut by it (detector boxes of cut people end a few px short)
SEGMENT_AGREEMENT = 2 / 3  # share of a person's frames that must agree for the segment's posture


def posture(box: Box, width: int, height: int) -> Posture | None:
    """The posture of one normalised person box in a ``width`` x ``height`` frame, or None when unsure."""
    box_w, box_h = box.w * width, box.h * height
    if box_h < MIN_PERSON_PX or box_w <= 0:
        return None
    ratio = box_h / box_w
    cut_vertically = box.y <= EDGE or box.y + box.h >= 1 - EDGE
    cut_sideways = box.x <= EDGE or box.x + box.w >= 1 - EDGE
    if ratio >= STANDING_MIN_RATIO and not cut_sideways:
        return Posture.STANDING
    if SITTING_RATIO[0] <= ratio <= SITTING_RATIO[1] and not cut_vertically:
        return Posture.SITTING
    return None


def segment_posture(postures: Iterable[Posture | None]) -> Posture | None:
    """One person's posture over a segment: the value of at least 2/3 of the frames that said one."""
    said = Counter(p for p in postures if p is not None)
    if not said:
        return None
    value, count = said.most_common(1)[0]
    return value if count >= SEGMENT_AGREEMENT * sum(said.values()) else None
