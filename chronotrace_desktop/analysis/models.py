"""Model files the analysis needs, and where they are.

Every model is loaded from disk (a package's data or the installation's model folder); nothing is fetched
from a hub at run time. ``required_models()`` is what ``chronotrace doctor`` checks.

The YOLOv3-tiny files live in the *models folder* (``config.models_dir()``: ``$CHRONOTRACE_MODELS_DIR``, else the
virtual environment's ``share/chronotrace/models`` when it exists, else the user's data folder's ``models``), put
there by ``chronotrace models install``. The Haar cascades ship inside opencv-python-headless.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import onnxruntime as ort  # type: ignore[import-untyped]

from chronotrace_desktop.config import MODELS_DIR_ENV, models_dir
from chronotrace_desktop.domain.errors import EnvironmentProblemError

INSTALL_COMMAND = "chronotrace models install --dir"
HUMAN_INSTALL_COMMAND = "chronotrace models install --only human --dir"
HUMAN_SUBDIR = "human"  # NanoDet-g and GEAR as ONNX, with the manifest that holds their SHA-256

# What ``chronotrace models install`` writes (services/models/yolo.py): file -> (bytes, SHA-256).
YOLO_FILES: dict[str, tuple[int, str]] = {
    "yolov3-tiny.cfg": (1914, "4349b56496c065b353d40d786a28ad6e7758780db8124a22342458f780f4ff00"),
    "yolov3-tiny.weights": (
        35434956,
        "dccea06f59b781ec1234ddf8d1e94b9519a97f4245748a7d4db75d5b7080a42c",
    ),
    "coco.names": (624, "33c77761e124cc74911346865e3bc1219b87c2db7d0f106e3376bf5ef3785933"),
}


class ModelsMissingError(EnvironmentProblemError):
    """A model file is absent or damaged; the message names the command that installs it."""


@dataclass(frozen=True, slots=True)
class ModelFile:
    name: str
    path: Path
    purpose: str
    size: int | None = None  # expected bytes, when pinned
    sha256: str | None = None

    @property
    def present(self) -> bool:
        if not self.path.is_file():
            return False
        size = self.path.stat().st_size
        return size == self.size if self.size is not None else size > 0

    def verified(self) -> bool:
        """Present and, when pinned, with the pinned SHA-256 (reads the file: ~40 ms for the weights)."""
        if not self.present:
            return False
        if self.sha256 is None:
            return True
        digest = hashlib.sha256()
        with self.path.open("rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
        return digest.hexdigest() == self.sha256


def haar_cascade(file_name: str) -> Path:
    folder: str = cv2.data.haarcascades  # type: ignore[attr-defined]
    return Path(folder) / file_name


def install_hint(folder: Path) -> str:
    return f"install them with '{INSTALL_COMMAND} {folder}' (or 'make models'), or point {MODELS_DIR_ENV} at them"


def yolo_models(folder: Path | None = None) -> list[ModelFile]:
    base = models_dir() if folder is None else folder
    purposes = {
        "yolov3-tiny.cfg": "YOLOv3-tiny network (objects, people, vehicles)",
        "yolov3-tiny.weights": "YOLOv3-tiny COCO weights",
        "coco.names": "COCO class names for YOLOv3-tiny",
    }
    return [
        ModelFile(name, base / name, purposes[name], size, digest)
        for name, (size, digest) in YOLO_FILES.items()
    ]


def require_yolo(folder: Path | None = None) -> tuple[Path, Path, Path]:
    """The (cfg, weights, names) paths, or ``ModelsMissingError`` naming what is missing and the fix."""
    files = yolo_models(folder)
    missing = [m for m in files if not m.present]
    if missing:
        where = files[0].path.parent
        names = ", ".join(m.name for m in missing)
        raise ModelsMissingError(f"model files missing in {where}: {names}; {install_hint(where)}")
    cfg, weights, names_file = (m.path for m in files)
    return cfg, weights, names_file


def human_models(folder: Path | None = None) -> list[ModelFile]:
    """NanoDet-g and GEAR: converted at install, so their SHA-256 comes from the installer's manifest."""
    base = (models_dir() if folder is None else folder) / HUMAN_SUBDIR
    try:
        manifest = json.loads((base / "manifest.json").read_text(encoding="utf-8"))
        files = manifest.get("files", {}) if isinstance(manifest, dict) else {}
    except (OSError, ValueError):
        files = {}
    purposes = {
        "nanodet.onnx": "NanoDet-g COCO detector (people, vehicles, objects)",
        "gear.onnx": "GEAR gender and age from a face",
    }
    out = []
    for name, purpose in purposes.items():
        digest = files.get(name, {}).get("sha256") if isinstance(files.get(name), dict) else None
        # No manifest entry: an impossible digest, so the file never passes as verified.
        out.append(ModelFile(name, base / name, purpose, None, digest or "missing-from-manifest"))
    return out


def _require_human(name: str, folder: Path | None) -> Path:
    model = next(m for m in human_models(folder) if m.name == name)
    if not model.present:
        raise ModelsMissingError(
            f"model file missing: {model.path}; install it with '{HUMAN_INSTALL_COMMAND} "
            f"{model.path.parent.parent}' (or 'make models'), or point {MODELS_DIR_ENV} at it"
        )
    if not model.verified():
        raise ModelsMissingError(
            f"model file damaged or not the installed one: {model.path} (SHA-256 differs from its "
            f"manifest); reinstall it with '{HUMAN_INSTALL_COMMAND} {model.path.parent.parent}'"
        )
    return model.path


def require_nanodet(folder: Path | None = None) -> Path:
    return _require_human("nanodet.onnx", folder)


def require_gear(folder: Path | None = None) -> Path:
    return _require_human("gear.onnx", folder)


def required_models() -> list[ModelFile]:
    return [
        ModelFile(
            "haar-frontalface",
            haar_cascade("haarcascade_frontalface_default.xml"),
            "face detection",
        ),
        ModelFile("haar-profileface", haar_cascade("haarcascade_profileface.xml"), "profile faces"),
        *yolo_models(),
        *human_models(),
    ]


def open_session(path: Path, what: str) -> Any:
    """A CPU onnxruntime session with one intra-op thread (the ingest runs two files on two cores);
    a missing or unloadable file is the installation's problem (``ModelsMissingError``)."""
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
