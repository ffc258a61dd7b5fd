"""Check an evidence package against its ``manifest.json``: the package alone, no database, no Qt.

A recipient runs ``chronotrace verify PACKAGE`` (a folder or a zip) on any machine: every listed file is
re-hashed (SHA-256) and its size compared; every file that is there but not listed, and every listed file
that is not there, is reported; the manifest's own records must agree with each other (each file's source
video hash is the one recorded for that video). With ``sources`` (a folder holding the source videos), each
source video found there by file name is re-hashed against the hash recorded at ingest.

Hashes alone prove nothing against someone who rewrites the manifest too, so the manifest is signed:
``manifest.sig`` holds the exporting installation's Ed25519 public key and its signature over the manifest's exact
bytes. A package without a valid signature is not intact; the signer's fingerprint is reported so that the
recipient can compare it out of band, and ``required_key`` refuses any other signer.

This module imports the standard library, ``cryptography`` and ``domain`` only, so it stays quick to load and
runs where the app's database and media store are not.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import logging
import re
import zipfile
from pathlib import Path, PurePosixPath
from typing import IO, TYPE_CHECKING, Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from chronotrace_desktop.domain.errors import InvalidInputError
from chronotrace_desktop.domain.export import (
    MANIFEST_FORMAT,
    MANIFEST_NAME,
    READABLE_MANIFEST_VERSIONS,
    SIGNATURE_ALGORITHM,
    SIGNATURE_FORMAT,
    SIGNATURE_NAME,
    ProblemKind,
    VerifyProblem,
    VerifyReport,
    key_fingerprint,
    normalise_fingerprint,
)

if TYPE_CHECKING:
    from collections.abc import Iterator

    from chronotrace_desktop.domain.tasks import ProgressCallback

logger = logging.getLogger(__name__)

CHUNK = 1 << 20
_HEX64 = re.compile(r"^[0-9a-f]{64}$")


def sha256_stream(handle: IO[bytes]) -> tuple[str, int]:
    """SHA-256 (hex) and byte count of everything left in ``handle``."""
    digest = hashlib.sha256()
    size = 0
    while chunk := handle.read(CHUNK):
        digest.update(chunk)
        size += len(chunk)
    return digest.hexdigest(), size


def sha256_path(path: Path) -> tuple[str, int]:
    with path.open("rb") as handle:
        return sha256_stream(handle)


class _Package:
    """Files of a package folder or zip, by their ``/``-separated path inside the package."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._zip: zipfile.ZipFile | None = None
        self._prefix = ""
        if path.is_dir():
            return
        if not path.is_file():
            raise InvalidInputError(f"there is no package at {path}")
        try:
            self._zip = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError) as exc:
            raise InvalidInputError(
                f"{path.name} is neither a package folder nor a readable zip ({exc})"
            ) from exc
        names = [n for n in self._zip.namelist() if not n.endswith("/")]
        tops = {n.split("/", 1)[0] for n in names}
        if MANIFEST_NAME not in names and len(tops) == 1:
            self._prefix = f"{next(iter(tops))}/"

    def close(self) -> None:
        if self._zip is not None:
            self._zip.close()

    def files(self) -> list[str]:
        if self._zip is not None:
            return sorted(
                n[len(self._prefix) :]
                for n in self._zip.namelist()
                if not n.endswith("/") and n.startswith(self._prefix)
            )
        return sorted(
            p.relative_to(self.path).as_posix() for p in self.path.rglob("*") if p.is_file() or p.is_symlink()
        )

    def open(self, name: str) -> IO[bytes]:
        if self._zip is not None:
            return self._zip.open(self._prefix + name)
        target = self.path.joinpath(*PurePosixPath(name).parts)
        if target.is_symlink():
            raise OSError(f"{name} is a symbolic link, not a file")
        return target.open("rb")


def _safe(name: object) -> bool:
    if not isinstance(name, str) or not name or "\\" in name:
        return False
    pure = PurePosixPath(name)
    return not pure.is_absolute() and ".." not in pure.parts and name not in (MANIFEST_NAME, SIGNATURE_NAME)


def _read_manifest(package: _Package) -> tuple[dict[str, Any], str, bytes]:
    try:
        with package.open(MANIFEST_NAME) as handle:
            raw = handle.read()
    except (OSError, KeyError) as exc:
        raise _ManifestError(f"no readable {MANIFEST_NAME} ({exc})") from exc
    digest = hashlib.sha256(raw).hexdigest()
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise _ManifestError(f"{MANIFEST_NAME} is not valid JSON ({exc}): it was damaged or changed") from exc
    if not isinstance(data, dict) or data.get("format") != MANIFEST_FORMAT:
        raise _ManifestError(f"{MANIFEST_NAME} is not a ChronoTrace evidence manifest")
    if data.get("format_version") not in READABLE_MANIFEST_VERSIONS:
        raise _ManifestError(f"manifest format version {data.get('format_version')!r} is not supported")
    if not isinstance(data.get("files"), list):
        raise _ManifestError(f"{MANIFEST_NAME} lists no files")
    return data, digest, raw


class _ManifestError(Exception):
    pass


def _listed(data: dict[str, Any], problems: list[VerifyProblem]) -> dict[str, dict[str, Any]]:
    """The manifest's file entries by path; malformed or unsafe entries become problems."""
    listed: dict[str, dict[str, Any]] = {}
    for number, entry in enumerate(data["files"], 1):
        name = entry.get("path") if isinstance(entry, dict) else None
        where = name if isinstance(name, str) else f"files[{number}]"
        if not isinstance(entry, dict) or not _safe(name):
            problems.append(VerifyProblem(ProblemKind.MANIFEST, where, "not a valid path inside the package"))
            continue
        assert isinstance(name, str)
        if name in listed:
            problems.append(VerifyProblem(ProblemKind.MANIFEST, name, "listed twice"))
            continue
        sha, size = entry.get("sha256"), entry.get("size_bytes")
        if not isinstance(sha, str) or not _HEX64.match(sha) or not isinstance(size, int) or size < 0:
            problems.append(VerifyProblem(ProblemKind.MANIFEST, name, "no valid SHA-256 and size recorded"))
            continue
        listed[name] = entry
    return listed


def _check_records(
    data: dict[str, Any], listed: dict[str, dict[str, Any]], problems: list[VerifyProblem]
) -> None:
    """The manifest agrees with itself: every file's and segment's source video is recorded, same hash."""
    videos: dict[str, str | None] = {}
    for video in data.get("source_videos") or []:
        if isinstance(video, dict) and isinstance(video.get("video_id"), str):
            videos[video["video_id"]] = video.get("sha256")
    for name, entry in listed.items():
        video_id = entry.get("video_id")
        if video_id is None:
            continue
        if video_id not in videos:
            problems.append(
                VerifyProblem(ProblemKind.MANIFEST, name, f"source video {video_id} is not recorded")
            )
        elif entry.get("source_video_sha256") != videos[video_id]:
            problems.append(
                VerifyProblem(
                    ProblemKind.MANIFEST,
                    name,
                    f"source video hash {entry.get('source_video_sha256')} differs from the one recorded "
                    f"for video {video_id} ({videos[video_id]})",
                )
            )
    for segment in data.get("segments") or []:
        if isinstance(segment, dict) and segment.get("video_id") not in videos:
            problems.append(
                VerifyProblem(
                    ProblemKind.MANIFEST,
                    f"segment {segment.get('segment_id')}",
                    f"its source video {segment.get('video_id')} is not recorded",
                )
            )


def _check_file(package: _Package, name: str, entry: dict[str, Any]) -> VerifyProblem | None:
    try:
        with package.open(name) as handle:
            sha, size = sha256_stream(handle)
    except (OSError, zipfile.BadZipFile) as exc:  # a zip member whose CRC fails lands here too
        return VerifyProblem(ProblemKind.MISMATCH, name, f"cannot be read ({exc})")
    if size != entry["size_bytes"]:
        return VerifyProblem(
            ProblemKind.SIZE, name, f"{size} bytes, the manifest records {entry['size_bytes']} (sha256 {sha})"
        )
    if sha != entry["sha256"]:
        return VerifyProblem(
            ProblemKind.MISMATCH, name, f"sha256 {sha}, the manifest records {entry['sha256']}"
        )
    return None


def _find_source(folder: Path, filename: str) -> Path | None:
    direct = folder / filename
    if direct.is_file():
        return direct
    return next((p for p in folder.rglob(filename) if p.is_file()), None)


def _check_sources(data: dict[str, Any], folder: Path, problems: list[VerifyProblem]) -> int:
    checked = 0
    for video in data.get("source_videos") or []:
        if not isinstance(video, dict) or not isinstance(video.get("filename"), str):
            continue
        name = video["filename"]
        found = _find_source(folder, PurePosixPath(name).name)
        if found is None:
            problems.append(VerifyProblem(ProblemKind.SOURCE, name, f"not found under {folder}"))
            continue
        sha, _size = sha256_path(found)
        checked += 1
        if sha != video.get("sha256"):
            problems.append(
                VerifyProblem(
                    ProblemKind.SOURCE, name, f"sha256 {sha}, recorded at ingest {video.get('sha256')}"
                )
            )
    return checked


def _b64(value: object) -> bytes | None:
    if not isinstance(value, str):
        return None
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return None


def _check_signature(
    package: _Package, data: dict[str, Any], manifest: bytes, required_key: str | None
) -> tuple[str | None, VerifyProblem | None]:
    """The fingerprint of the key whose signature over the manifest verifies, or the problem."""

    def problem(detail: str) -> tuple[None, VerifyProblem]:
        return None, VerifyProblem(ProblemKind.SIGNATURE, SIGNATURE_NAME, detail)

    try:
        with package.open(SIGNATURE_NAME) as handle:
            document = json.loads(handle.read().decode("utf-8"))
    except (OSError, KeyError):
        return problem("the package is not signed: anyone could have written its manifest")
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return problem(f"not valid JSON ({exc}): it was damaged or changed")
    if not isinstance(document, dict) or document.get("format") != SIGNATURE_FORMAT:
        return problem("not a ChronoTrace manifest signature")
    if document.get("algorithm") != SIGNATURE_ALGORITHM or document.get("signed_file") != MANIFEST_NAME:
        return problem(
            f"signs {document.get('signed_file')!r} with {document.get('algorithm')!r}, not the manifest"
        )
    public, signature = _b64(document.get("public_key")), _b64(document.get("signature"))
    if public is None or len(public) != 32 or signature is None:
        return problem("no valid Ed25519 public key and signature recorded")
    fingerprint = key_fingerprint(public)
    try:
        Ed25519PublicKey.from_public_bytes(public).verify(signature, manifest)
    except (InvalidSignature, ValueError):
        return problem(
            f"the signature of key {fingerprint} does not match the manifest: the manifest was changed after "
            "it was signed, or the signature was forged"
        )
    signer = data.get("signer")
    if not isinstance(signer, dict) or signer.get("public_key") != document.get("public_key"):
        return problem(f"the manifest does not name key {fingerprint} as its signer")
    if required_key is not None:
        wanted = normalise_fingerprint(required_key)
        if len(wanted) < 16 or not normalise_fingerprint(fingerprint).startswith(wanted):
            return problem(f"signed by key {fingerprint}, not by the required key {required_key}")
    return fingerprint, None


def _walk(listed: dict[str, dict[str, Any]], present: set[str]) -> Iterator[tuple[str, dict[str, Any]]]:
    for name in sorted(listed):
        if name in present:
            yield name, listed[name]


def verify_package(
    path: Path,
    *,
    sources: Path | None = None,
    required_key: str | None = None,
    progress: ProgressCallback[str] | None = None,
) -> VerifyReport:
    """Re-hash the package at ``path`` (folder or zip) against its manifest and check the manifest's signature
    (by ``required_key``, a fingerprint or its first 16+ hex digits, when given); every problem is reported."""
    package = _Package(path)
    problems: list[VerifyProblem] = []
    try:
        try:
            data, manifest_sha, manifest_raw = _read_manifest(package)
        except _ManifestError as exc:
            problems.append(VerifyProblem(ProblemKind.MANIFEST, MANIFEST_NAME, str(exc)))
            return VerifyReport(path, None, None, 0, 0, tuple(problems))
        signer, unsigned = _check_signature(package, data, manifest_raw, required_key)
        if unsigned is not None:
            problems.append(unsigned)
        listed = _listed(data, problems)
        present = set(package.files())
        present -= {MANIFEST_NAME, SIGNATURE_NAME}
        for name in sorted(set(listed) - present):
            problems.append(
                VerifyProblem(ProblemKind.MISSING, name, "listed in the manifest, not in the package")
            )
        for name in sorted(present - set(listed)):
            problems.append(
                VerifyProblem(ProblemKind.EXTRA, name, "in the package, not listed in the manifest")
            )
        _check_records(data, listed, problems)
        checked = 0
        total = len(listed)
        for name, entry in _walk(listed, present):
            problem = _check_file(package, name, entry)
            if problem is not None:
                problems.append(problem)
            checked += 1
            if progress is not None:
                progress(checked, total, name)
        sources_checked = _check_sources(data, sources, problems) if sources is not None else 0
    finally:
        package.close()
    case_id = data.get("case_id")
    logger.info("Verified %s: %d files, %d problems", path, checked, len(problems))
    return VerifyReport(
        path,
        manifest_sha,
        case_id if isinstance(case_id, str) else None,
        checked,
        sources_checked,
        tuple(problems),
        signer,
    )
