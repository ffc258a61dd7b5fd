"""How every engine opens an ONNX model: CPU only, quiet, and failures blamed on the installation."""

from __future__ import annotations

from typing import TYPE_CHECKING

import onnxruntime as ort  # type: ignore[import-untyped]

from chronotrace_desktop.domain.errors import EnvironmentProblemError

if TYPE_CHECKING:
    from pathlib import Path


def onnx_session(model_path: Path, threads: int, what: str, install_hint: str) -> ort.InferenceSession:
    """A CPU session for ``model_path``; a missing or unreadable file is the installation's problem."""
    if not model_path.is_file():
        raise EnvironmentProblemError(
            f"The {what} model is not installed ({model_path} is missing): {install_hint}."
        )
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.log_severity_level = 3
    try:
        return ort.InferenceSession(str(model_path), sess_options=options, providers=["CPUExecutionProvider"])
    except Exception as error:  # onnxruntime raises its own classes for a corrupt or foreign file
        raise EnvironmentProblemError(
            f"The {what} model at {model_path} cannot be loaded ({error}): {install_hint}."
        ) from error
