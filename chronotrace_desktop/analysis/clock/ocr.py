"""The packaged OCR (rapidocr 3.x, PP-OCRv6 det + rec ONNX models from inside its wheel) behind two calls.

The models are loaded by explicit path from the installed package: rapidocr's own resolver downloads a model
when its file is missing, and nothing here may reach the network. One onnxruntime thread per session, as the
other detectors (ingest runs two files on two cores). The engine is built on first use and kept: loading takes
about 0.3 s, a call on a 320x240 frame 0.1-0.5 s (detection + recognition), a recognition-only call on a small
crop about 40 ms.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chronotrace_desktop.analysis.models import ModelsMissingError

if TYPE_CHECKING:
    import numpy as np

logger = logging.getLogger(__name__)

DET_MODEL = "PP-OCRv6_det_small.onnx"
REC_MODEL = "PP-OCRv6_rec_small.onnx"
CLS_MODEL = "ch_ppocr_mobile_v2.0_cls_mobile.onnx"  # never run (use_cls off), but rapidocr builds it
DET_MAX_SIDE = 960  # frames larger than this are scaled down for detection only

_lock = threading.Lock()
_engine: Any = None


@dataclass(frozen=True, slots=True)
class TextBox:
    """A text line found on a frame: its text, recognition score and box ``(x, y, w, h)`` in frame pixels."""

    text: str
    score: float
    box: tuple[int, int, int, int]


def models_folder() -> Path:
    """The folder of ONNX models inside the installed rapidocr wheel."""
    try:
        import rapidocr  # imported on first use: loading it costs ~0.3 s
    except ImportError as error:
        raise ModelsMissingError(
            f"the OCR package is not installed ({error}); run `make venv` (it installs rapidocr)"
        ) from error
    return Path(rapidocr.__file__).parent / "models"


def _build_engine() -> Any:
    folder = models_folder()
    for name in (DET_MODEL, REC_MODEL, CLS_MODEL):
        if not (folder / name).is_file():
            raise ModelsMissingError(
                f"the OCR model {name} is missing from {folder}; reinstall rapidocr==3.10.0"
            )
    import rapidocr

    params = {
        "Global.log_level": "error",
        "Global.use_cls": False,
        "Det.model_path": str(folder / DET_MODEL),
        "Rec.model_path": str(folder / REC_MODEL),
        "Cls.model_path": str(folder / CLS_MODEL),
        "Det.limit_type": "max",
        "Det.limit_side_len": DET_MAX_SIDE,
        "EngineConfig.onnxruntime.intra_op_num_threads": 1,
        "EngineConfig.onnxruntime.inter_op_num_threads": 1,
    }
    try:
        return rapidocr.RapidOCR(params=params)
    except Exception as error:  # rapidocr and onnxruntime raise their own classes for a damaged install
        raise ModelsMissingError(f"the OCR models in {folder} cannot be loaded ({error})") from error


def _get_engine() -> Any:
    global _engine  # one engine per process, built on first use
    with _lock:
        if _engine is None:
            _engine = _build_engine()
        return _engine


class RapidClockOcr:
    """Text detection + recognition on whole frames, recognition only on crops; counts its calls."""

    def __init__(self) -> None:
        self.calls = 0

    def detect(self, image: np.ndarray) -> list[TextBox]:
        """Every text line on ``image`` (BGR uint8) with its box."""
        engine = _get_engine()
        self.calls += 1
        with _lock:  # rapidocr keeps per-call state on the engine: one caller at a time
            result = engine(image, use_det=True, use_cls=False, use_rec=True)
        boxes = getattr(result, "boxes", None)
        texts = getattr(result, "txts", None) or ()
        scores = getattr(result, "scores", None) or ()
        if boxes is None:
            return []
        found: list[TextBox] = []
        for quad, text, score in zip(boxes, texts, scores, strict=False):
            xs = [float(p[0]) for p in quad]
            ys = [float(p[1]) for p in quad]
            x0, y0 = round(min(xs)), round(min(ys))
            found.append(TextBox(str(text), float(score), (x0, y0, round(max(xs)) - x0, round(max(ys)) - y0)))
        return found

    def recognise(self, image: np.ndarray) -> tuple[str, float]:
        """The text of ``image`` read as one line (no detection), with its score."""
        engine = _get_engine()
        self.calls += 1
        with _lock:
            result = engine(image, use_det=False, use_cls=False, use_rec=True)
        texts = getattr(result, "txts", None) or ()
        scores = getattr(result, "scores", None) or ()
        if not texts:
            return "", 0.0
        return str(texts[0]), float(scores[0]) if scores else 0.0
