"""Model files the analysis needs, and where they are.

Every model is loaded from disk (a package's data or the installation's model folder); nothing is fetched
from a hub at run time. ``required_models()`` is what ``chronotrace doctor`` checks.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2


@dataclass(frozen=True, slots=True)
class ModelFile:
    name: str
    path: Path
    purpose: str

    @property
    def present(self) -> bool:
        return self.path.is_file() and self.path.stat().st_size > 0


def haar_cascade(file_name: str) -> Path:
    folder: str = cv2.data.haarcascades  # type: ignore[attr-defined]
    return Path(folder) / file_name


def required_models() -> list[ModelFile]:
    return [
        ModelFile(
            "haar-frontalface",
            haar_cascade("haarcascade_frontalface_default.xml"),
            "face detection fallback for redaction",
        ),
        ModelFile(
            "haar-profileface", haar_cascade("haarcascade_profileface.xml"), "profile faces for redaction"
        ),
    ]
