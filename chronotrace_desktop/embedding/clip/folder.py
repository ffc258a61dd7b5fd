"""The CLIP folder on disk: which files it must hold, its config.json, and the id of its bytes."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chronotrace_desktop.domain.errors import EnvironmentProblemError
from chronotrace_desktop.embedding.model_files import EmbeddingModelFile, file_version

IMAGE_FILE = "image.onnx"
TEXT_FILE = "text.onnx"
TOKENIZER_FILE = "tokenizer.json"
CONFIG_FILE = "config.json"
REQUIRED_FILES = (IMAGE_FILE, TEXT_FILE, TOKENIZER_FILE)

LAYOUT_HINT = (
    f"the folder must hold {IMAGE_FILE} (pixel_values [N,3,H,W] -> [N,D]), {TEXT_FILE} "
    f"(input_ids [N,L] -> [N,D]), {TOKENIZER_FILE} (Hugging Face tokenizers) and optionally {CONFIG_FILE}; "
    "see the README, 'CLIP from a local folder', for how to export a model into it"
)
SETTING_HINT = "set it with `chronotrace config set clip_model_dir /path/to/folder`"

OPENAI_MEAN = (0.48145466, 0.4578275, 0.40821073)
OPENAI_STD = (0.26862954, 0.26130258, 0.27577711)


@dataclass(frozen=True, slots=True)
class ClipConfig:
    """What config.json says (OpenAI CLIP's values where it is silent).

    ``image_size`` and ``context_length`` left out (None) are read from the graphs when their shapes are
    fixed, else OpenAI CLIP's 224 and 77."""

    model_name: str
    model_version: str = ""
    image_size: int | None = None
    mean: tuple[float, float, float] = OPENAI_MEAN
    std: tuple[float, float, float] = OPENAI_STD
    context_length: int | None = None
    pad_token_id: int = 0
    bos_token: str | None = "<|startoftext|>"
    eos_token: str | None = "<|endoftext|>"
    image_output: str | None = None
    text_output: str | None = None


def require_folder(folder: Path) -> None:
    """``EnvironmentProblemError`` naming every missing file (or the missing folder) and the layout."""
    if not folder.is_dir():
        raise EnvironmentProblemError(f"The CLIP model folder {folder} does not exist: {LAYOUT_HINT}.")
    missing = [name for name in REQUIRED_FILES if not (folder / name).is_file()]
    if missing:
        raise EnvironmentProblemError(
            f"The CLIP model folder {folder} lacks {', '.join(missing)}: {LAYOUT_HINT}."
        )


def read_config(folder: Path) -> ClipConfig:
    """config.json of ``folder`` (absent: every default); a malformed one is the installation's problem."""
    path = folder / CONFIG_FILE
    if not path.is_file():
        return ClipConfig(model_name=folder.name or "clip")
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(raw, dict):
            raise TypeError("not a JSON object")
        return _config_from(raw, folder)
    except (OSError, ValueError, TypeError) as error:
        raise EnvironmentProblemError(
            f"The CLIP model's {path} is not valid ({error}): {LAYOUT_HINT}."
        ) from error


def _config_from(raw: dict[str, Any], folder: Path) -> ClipConfig:
    known = set(ClipConfig.__dataclass_fields__) | {"name", "version"}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise ValueError(f"unknown keys {', '.join(unknown)}")
    defaults = ClipConfig(model_name=folder.name or "clip")
    name = raw.get("model_name", raw.get("name", defaults.model_name))
    version = raw.get("model_version", raw.get("version", ""))
    return ClipConfig(
        model_name=_text(name, "model_name"),
        model_version=_text(version, "model_version", allow_empty=True),
        image_size=_optional_count(raw.get("image_size"), "image_size", 8, 4096),
        mean=_triple(raw.get("mean", defaults.mean), "mean", positive=False),
        std=_triple(raw.get("std", defaults.std), "std", positive=True),
        context_length=_optional_count(raw.get("context_length"), "context_length", 3, 4096),
        pad_token_id=_count(raw.get("pad_token_id", defaults.pad_token_id), "pad_token_id", 0, 10**7),
        bos_token=_optional_text(raw.get("bos_token", defaults.bos_token), "bos_token"),
        eos_token=_optional_text(raw.get("eos_token", defaults.eos_token), "eos_token"),
        image_output=_optional_text(raw.get("image_output"), "image_output"),
        text_output=_optional_text(raw.get("text_output"), "text_output"),
    )


def _text(value: object, key: str, *, allow_empty: bool = False) -> str:
    if not isinstance(value, str) or not (allow_empty or value.strip()):
        raise ValueError(f"{key} must be a non-empty string")
    return value.strip()


def _optional_text(value: object, key: str) -> str | None:
    return None if value is None else _text(value, key)


def _count(value: object, key: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValueError(f"{key} must be a whole number from {low} to {high}, got {value!r}")
    return value


def _optional_count(value: object, key: str, low: int, high: int) -> int | None:
    return None if value is None else _count(value, key, low, high)


def _triple(value: object, key: str, *, positive: bool) -> tuple[float, float, float]:
    if not isinstance(value, list | tuple) or len(value) != 3:
        raise ValueError(f"{key} must be three numbers (R, G, B)")
    numbers = []
    for item in value:
        if isinstance(item, bool) or not isinstance(item, int | float) or (positive and item <= 0):
            raise ValueError(f"{key} must be three {'positive ' if positive else ''}numbers (R, G, B)")
        numbers.append(float(item))
    return numbers[0], numbers[1], numbers[2]


def folder_digest(folder: Path) -> str:
    """A short id of the model's bytes (towers, tokenizer, config): part of every vector's model_version."""
    digest = hashlib.sha256()
    for name in (*REQUIRED_FILES, CONFIG_FILE):
        path = folder / name
        digest.update(name.encode())
        digest.update(file_version(path).encode() if path.is_file() else b"-")
    return digest.hexdigest()[:16]


def clip_model_files(folder: str | Path | None) -> list[EmbeddingModelFile]:
    """The files the CLIP engine needs (for ``chronotrace doctor``); no folder set: one absent entry."""
    if folder is None or not str(folder).strip():
        return [EmbeddingModelFile("clip_model_dir", None, "the CLIP engine's model folder", SETTING_HINT)]
    root = Path(folder).expanduser()
    purposes = {
        IMAGE_FILE: "CLIP image tower (segments' frames, query by image, find similar)",
        TEXT_FILE: "CLIP text tower (search queries)",
        TOKENIZER_FILE: "CLIP tokenizer",
    }
    return [
        EmbeddingModelFile(f"clip/{name}", root / name, purpose, LAYOUT_HINT)
        for name, purpose in purposes.items()
    ]
