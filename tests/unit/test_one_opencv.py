"""Exactly one OpenCV distribution, the headless one, is installed (DESIGN.md "Other dependency facts").

Several OpenCV wheels overwrite the same ``cv2`` package, and the GUI builds point Qt's plugin variables at their
own Qt 5 on import. Packages that declare ``opencv-python`` (rapidocr-onnxruntime, mediapipe) must therefore never
be installed with their declared dependencies; rapidocr 3.x, which the project uses, declares the headless build.
"""

from __future__ import annotations

import importlib.metadata as md

import cv2


def _opencv_distributions() -> list[str]:
    names = {(dist.metadata["Name"] or "").lower().replace("_", "-") for dist in md.distributions()}
    return sorted(name for name in names if name.startswith("opencv"))


def test_only_the_headless_opencv_is_installed() -> None:
    assert _opencv_distributions() == ["opencv-python-headless"]


def test_cv2_is_the_headless_build_below_5() -> None:
    version = md.version("opencv-python-headless")
    assert cv2.__version__.split(".")[:2] == version.split(".")[:2]
    assert int(cv2.__version__.split(".")[0]) < 5  # Haar and HOG are gone in OpenCV 5


def test_the_ocr_package_asks_for_the_headless_build_only() -> None:
    requires = md.requires("rapidocr") or []
    opencv = [req for req in requires if req.lower().startswith("opencv")]
    assert opencv, requires
    assert all(req.lower().startswith("opencv-python-headless") for req in opencv), opencv
