"""MobileNetV2's torch weights → an ONNX graph: run by path in a throwaway environment that has ``onnx``.

    python embedder_graph.py WEIGHTS.pth OUTPUT.onnx

Standalone on purpose (standard library, numpy and onnx; nothing of the application): ``embedder.py`` runs this
file with the throwaway environment's interpreter, so the application's environment never carries ``onnx``.
The tensors are read with a restricted unpickler (only tensor storages and an OrderedDict may appear: no code from
the file runs, and torch is not needed); each batch norm is folded into its convolution:

    input  ``images``    float32 [N, 3, 224, 224], RGB scaled to 0..1 then ImageNet mean/std normalised
    output ``embedding`` float32 [N, 1280], global-average-pooled penultimate features (not normalised)
    output ``logits``    float32 [N, 1000], ImageNet-1k class scores (torchvision's class order)
"""

from __future__ import annotations

import pickle
import sys
from collections import OrderedDict
from pathlib import Path
from typing import Any

# Bump when the graph this writes changes (with embedder.ONNX_SHA256); an older install is then rebuilt.
BUILDER_VERSION = 1
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
            raise ValueError(f"{path}: not a torch legacy-format file")
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
        from onnx import numpy_helper

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


if __name__ == "__main__":
    build_onnx(Path(sys.argv[1]), Path(sys.argv[2]))
