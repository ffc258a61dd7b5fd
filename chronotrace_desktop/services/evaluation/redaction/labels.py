"""The redaction label file (``eval/dev_redaction.json``): hand-boxed heads on frames of the shared clips.

::

    {"description": "...", "frames": [{"video": "classroom.gif", "t": 1.0, "width": 480, "height": 270,
      "heads": [{"box": [x, y, w, h], "face_visible": true}], "crowded": false}]}

boxes in pixels of a ``width`` x ``height`` decoding of the frame at ``t`` seconds of the video.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from chronotrace_desktop.domain.errors import InvalidInputError

if TYPE_CHECKING:
    from pathlib import Path


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
