"""Writing a package: a staging folder beside the destination, files hashed as they are written, the manifest,
then the finished package moved into place (or zipped) in one step. A failed or cancelled export leaves no
half package behind under the final name."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from chronotrace_desktop.domain.errors import EnvironmentProblemError, InvalidInputError
from chronotrace_desktop.domain.export import MANIFEST_NAME, SIGNATURE_NAME, FileKind, ReportFile
from chronotrace_desktop.services.export.leftovers import owner_tag, remove_abandoned

if TYPE_CHECKING:
    import uuid
    from collections.abc import Iterator, Mapping
    from datetime import datetime

logger = logging.getLogger(__name__)

CHUNK = 1 << 20
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
# Already compressed: stored as they are in a zip. Everything else (PDF, CSV, JSON) is deflated.
_STORED_SUFFIXES = frozenset({".mp4", ".mkv", ".gif", ".avi", ".mov", ".jpg", ".jpeg", ".png", ".zip"})


def safe_name(text: str, limit: int = 60) -> str:
    """``text`` as a portable file-name part (letters, digits, ``._-``)."""
    cleaned = _UNSAFE.sub("_", text).strip("._-")
    return cleaned[:limit] or "unnamed"


def package_name(case_id: str, when: datetime) -> str:
    return f"{safe_name(case_id, 80)}_{when:%Y%m%dT%H%M%SZ}"


@dataclass(frozen=True, slots=True)
class PackageFile:
    """One file written into the package, with what the manifest says about it."""

    path: str  # "/"-separated, inside the package
    kind: FileKind
    sha256: str
    size_bytes: int
    segment_id: uuid.UUID | None = None
    video_id: uuid.UUID | None = None
    source_video_sha256: str | None = None
    info: Mapping[str, Any] = field(default_factory=dict)

    def as_report_file(self) -> ReportFile:
        return ReportFile(self.path, self.kind, self.sha256, self.size_bytes)

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "path": self.path,
            "kind": self.kind.value,
            "sha256": self.sha256,
            "size_bytes": self.size_bytes,
        }
        if self.segment_id is not None:
            out["segment_id"] = str(self.segment_id)
        if self.video_id is not None:
            out["video_id"] = str(self.video_id)
            out["source_video_sha256"] = self.source_video_sha256
        out.update(self.info)
        return out


def hash_file(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def copy_hashed(src: Path, dest: Path) -> tuple[str, int]:
    """Copy ``src`` to ``dest`` hashing the bytes on the way: one read of the source."""
    digest = hashlib.sha256()
    size = 0
    dest.parent.mkdir(parents=True, exist_ok=True)
    with src.open("rb") as reader, dest.open("wb") as writer:
        while chunk := reader.read(CHUNK):
            digest.update(chunk)
            writer.write(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


class Staging:
    """A hidden folder in the destination where the package is built.

    ``private`` (the package holds unredacted originals): the folder stays owner-only while it is built, and the
    finished package is owner-only too (folders 0700, files 0600); others are ordinary folders. What crashed
    exports left in the destination is removed first (``leftovers``).
    """

    def __init__(self, destination: Path, name: str, *, private: bool = False) -> None:
        try:
            destination.mkdir(parents=True, exist_ok=True)
            remove_abandoned(destination)
            self.root = Path(
                tempfile.mkdtemp(prefix=f".{name}.{owner_tag()}.", suffix=".partial", dir=destination)
            )
            if not private:
                self.root.chmod(
                    0o755
                )  # mkdtemp makes it owner-only; a redacted package is an ordinary folder
        except OSError as exc:
            raise EnvironmentProblemError(f"cannot write to {destination}: {exc.strerror or exc}") from exc
        self.destination = destination
        self.name = name
        self.private = private
        self.files: list[PackageFile] = []

    def path(self, rel: str) -> Path:
        pure = PurePosixPath(rel)
        if pure.is_absolute() or ".." in pure.parts:
            raise InvalidInputError(f"not a path inside a package: {rel!r}")
        target = self.root.joinpath(*pure.parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        return target

    def add(self, *files: PackageFile) -> None:
        self.files.extend(files)

    def copy_in(self, src: Path, rel: str) -> tuple[str, int]:
        """Copy ``src`` to ``rel``; its SHA-256 and size (the caller adds the ``PackageFile``)."""
        try:
            return copy_hashed(src, self.path(rel))
        except OSError as exc:
            raise EnvironmentProblemError(f"cannot copy {src.name} into the package: {exc.strerror}") from exc

    def digest(self, rel: str) -> tuple[str, int]:
        """SHA-256 and size of a file already written at ``self.path(rel)``."""
        return hash_file(self.path(rel))

    def write_text(self, rel: str, text: str) -> tuple[str, int]:
        try:
            self.path(rel).write_text(text, encoding="utf-8", newline="")
        except OSError as exc:
            raise EnvironmentProblemError(f"cannot write {rel} into the package: {exc.strerror}") from exc
        return self.digest(rel)

    def write_manifest(self, manifest: Mapping[str, Any]) -> tuple[str, int]:
        """Write ``manifest.json``; its SHA-256 and size (it is not listed in itself)."""
        raw = (json.dumps(manifest, indent=2, ensure_ascii=False, sort_keys=False) + "\n").encode("utf-8")
        (self.root / MANIFEST_NAME).write_bytes(raw)
        return hashlib.sha256(raw).hexdigest(), len(raw)

    def manifest_bytes(self) -> bytes:
        return (self.root / MANIFEST_NAME).read_bytes()

    def write_signature(self, document: Mapping[str, Any]) -> None:
        """Write ``manifest.sig`` (not listed in the manifest: it signs it)."""
        raw = (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
        (self.root / SIGNATURE_NAME).write_bytes(raw)

    def total_bytes(self) -> int:
        return sum(p.stat().st_size for p in self._all_files())

    def _all_files(self) -> Iterator[Path]:
        return (p for p in self.root.rglob("*") if p.is_file())

    def publish(self, *, as_zip: bool) -> Path:
        """Move the finished package to its final name (a folder, or a zip whose top folder is the package)."""
        final = _free_name(self.destination, self.name, ".zip" if as_zip else "")
        try:
            if self.private:
                _owner_only(self.root)
            if as_zip:
                partial = self.destination / f".{final.name}.{owner_tag()}.partial"
                partial.touch(mode=0o600 if self.private else 0o644)
                with zipfile.ZipFile(partial, "w", allowZip64=True) as archive:
                    for path in sorted(self._all_files()):
                        rel = path.relative_to(self.root).as_posix()
                        method = (
                            zipfile.ZIP_STORED
                            if path.suffix.lower() in _STORED_SUFFIXES
                            else zipfile.ZIP_DEFLATED
                        )
                        archive.write(path, f"{final.stem}/{rel}", compress_type=method)
                os.replace(partial, final)
                shutil.rmtree(self.root, ignore_errors=True)
            else:
                os.replace(self.root, final)
        except OSError as exc:
            raise EnvironmentProblemError(f"cannot finish the package in {self.destination}: {exc}") from exc
        return final

    def discard(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)
        for leftover in self.destination.glob(f".{self.name}*.zip.{owner_tag()}.partial"):
            leftover.unlink(missing_ok=True)


def _owner_only(root: Path) -> None:
    """Folders 0700 and files 0600 under ``root`` (and ``root`` itself): a package of originals."""
    root.chmod(0o700)
    for path in root.rglob("*"):
        path.chmod(0o700 if path.is_dir() else 0o600)


def remove_package(path: Path) -> None:
    """Delete a published package (folder or zip)."""
    if path.is_dir():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def _free_name(folder: Path, name: str, suffix: str) -> Path:
    candidate = folder / f"{name}{suffix}"
    number = 2
    while candidate.exists():
        candidate = folder / f"{name}-{number}{suffix}"
        number += 1
    return candidate
