"""``chronotrace models install|status``: verified copies from another folder, refusals, and what status says."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from chronotrace_desktop.cli.main import main
from chronotrace_desktop.config import models_dir
from chronotrace_desktop.domain.errors import ExitCode
from chronotrace_desktop.services.models import embedder, human, install_models, models_status, yolo


@pytest.fixture(scope="module")
def installed() -> Path:
    folder = models_dir()
    if not all(s.verified for s in models_status(folder)):
        pytest.fail(f"models not installed in {folder}: run 'make models'")
    return folder


def test_install_from_a_verified_folder_copies_every_set_without_fetching(
    installed: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dest = tmp_path / "models"
    assert main(["models", "install", "--dir", str(dest), "--from", str(installed)]) == ExitCode.OK
    out = capsys.readouterr().out
    assert out.count("copied (verified)") == 3
    assert all(s.verified for s in models_status(dest))
    assert main(["models", "install", "--dir", str(dest)]) == ExitCode.OK  # verified: nothing fetched
    assert capsys.readouterr().out.count("already installed and verified") == 3
    assert main(["models", "status", "--dir", str(dest), "--json"]) == ExitCode.OK
    status = json.loads(capsys.readouterr().out)
    assert [(s["name"], s["verified"]) for s in status["sets"]] == [
        ("yolo", True),
        ("embedder", True),
        ("human", True),
    ]


def test_a_tampered_source_is_not_taken(installed: Path, tmp_path: Path) -> None:
    source = tmp_path / "source"
    install_models(source, source=installed)
    weights = source / "yolov3-tiny.weights"
    data = bytearray(weights.read_bytes())
    data[1000] ^= 0xFF
    weights.write_bytes(bytes(data))
    (source / "mobilenet_v2" / "mobilenet_v2_imagenet1k_v1.onnx").write_bytes(b"swapped")
    gear = source / "human" / "gear.onnx"
    manifest = json.loads((source / "human" / "manifest.json").read_text(encoding="utf-8"))
    nanodet = (source / "human" / "nanodet.onnx").read_bytes()
    gear.write_bytes(nanodet)  # a real network, recorded in the manifest, that computes something else
    manifest["files"]["gear.onnx"]["sha256"] = manifest["files"]["nanodet.onnx"]["sha256"]
    (source / "human" / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    dest = tmp_path / "dest"
    assert yolo.copy_verified(source, dest) == []
    assert embedder.copy_verified(source, dest) == []
    assert human.copy_verified(source, dest) == []
    assert not dest.exists() or not any(dest.rglob("*.onnx"))


def test_status_of_an_empty_folder_fails_and_names_the_lookup_order(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["models", "status", "--dir", str(tmp_path)]) == ExitCode.FAILURE
    out = capsys.readouterr().out
    assert out.count("MISSING") == 3
    assert "$CHRONOTRACE_MODELS_DIR" in out
    assert "user's data folder" in out


def test_from_a_folder_that_is_not_there_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["models", "install", "--dir", str(tmp_path), "--from", str(tmp_path / "nowhere")])
    assert code == ExitCode.USAGE
    assert "is not a folder" in capsys.readouterr().err
