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

import hashlib
import json
import logging
import re
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from chronotrace_desktop.domain.export import (
    MANIFEST_FORMAT,
    MANIFEST_NAME,
    READABLE_MANIFEST_VERSIONS,
    SIGNATURE_NAME,
    ProblemKind,
    VerifyProblem,
    VerifyReport,
)
from chronotrace_desktop.services.verification.package import READ_ERRORS, Package, sha256_path, sha256_stream
from chronotrace_desktop.services.verification.signature import check_signature

if TYPE_CHECKING:
    from collections.abc import Iterator

    from chronotrace_desktop.domain.tasks import ProgressCallback

logger = logging.getLogger(__name__)

_HEX64 = re.compile(r"^[0-9a-f]{64}$")


def _safe(name: object) -> bool:
    if not isinstance(name, str) or not name or "\\" in name:
        return False
    pure = PurePosixPath(name)
    return not pure.is_absolute() and ".." not in pure.parts and name not in (MANIFEST_NAME, SIGNATURE_NAME)


def _read_manifest(package: Package) -> tuple[dict[str, Any], str, bytes]:
    try:
        with package.open(MANIFEST_NAME) as handle:
            raw = handle.read()
    except READ_ERRORS as exc:
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


def _records(data: dict[str, Any], key: str, problems: list[VerifyProblem]) -> list[dict[str, Any]]:
    """The manifest's list ``key`` (source videos, segments): its objects; anything else is a problem."""
    value = data.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        problems.append(VerifyProblem(ProblemKind.MANIFEST, MANIFEST_NAME, f"{key} is not a list"))
        return []
    return [item for item in value if isinstance(item, dict)]


def _check_records(
    data: dict[str, Any], listed: dict[str, dict[str, Any]], problems: list[VerifyProblem]
) -> None:
    """The manifest agrees with itself: every file's and segment's source video is recorded, same hash."""
    videos: dict[str, object] = {}
    for video in _records(data, "source_videos", problems):
        if isinstance(video.get("video_id"), str):
            videos[video["video_id"]] = video.get("sha256")
    for name, entry in listed.items():
        video_id = entry.get("video_id")
        if video_id is None:
            continue
        if not isinstance(video_id, str):
            problems.append(VerifyProblem(ProblemKind.MANIFEST, name, "its video_id is not text"))
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
    for segment in _records(data, "segments", problems):
        if str(segment.get("video_id")) not in videos:
            problems.append(
                VerifyProblem(
                    ProblemKind.MANIFEST,
                    f"segment {segment.get('segment_id')}",
                    f"its source video {segment.get('video_id')} is not recorded",
                )
            )


def _check_file(package: Package, name: str, entry: dict[str, Any]) -> VerifyProblem | None:
    expected = entry["size_bytes"]
    try:
        declared = package.size(name)
        if declared != expected:  # before reading a byte: a zip bomb or a swapped file costs nothing
            return VerifyProblem(ProblemKind.SIZE, name, f"{declared} bytes, the manifest records {expected}")
        with package.open(name) as handle:
            sha, size = sha256_stream(handle, limit=expected)
    except READ_ERRORS as exc:  # a bad CRC, a damaged stream, an encrypted or unsupported member
        return VerifyProblem(ProblemKind.MISMATCH, name, f"cannot be read ({exc})")
    if size != expected:
        return VerifyProblem(ProblemKind.SIZE, name, f"{size} bytes or more, the manifest records {expected}")
    if sha != entry["sha256"]:
        return VerifyProblem(
            ProblemKind.MISMATCH, name, f"sha256 {sha}, the manifest records {entry['sha256']}"
        )
    return None


def _find_source(folder: Path, filename: str) -> Path | None:
    """The file named exactly ``filename`` under ``folder`` (a name from the manifest is never a pattern)."""
    if filename in ("", ".", ".."):
        return None
    direct = folder / filename
    if direct.is_file():
        return direct
    return next((p for p in folder.rglob("*") if p.name == filename and p.is_file()), None)


def _check_sources(data: dict[str, Any], folder: Path, problems: list[VerifyProblem]) -> int:
    checked = 0
    for video in _records(data, "source_videos", []):  # a malformed list was reported by _check_records
        if not isinstance(video.get("filename"), str):
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
    package = Package(path)
    problems: list[VerifyProblem] = []
    try:
        try:
            data, manifest_sha, manifest_raw = _read_manifest(package)
        except _ManifestError as exc:
            problems.append(VerifyProblem(ProblemKind.MANIFEST, MANIFEST_NAME, str(exc)))
            return VerifyReport(path, None, None, 0, 0, tuple(problems))
        signer, unsigned = check_signature(package, data, manifest_raw, required_key)
        if unsigned is not None:
            problems.append(unsigned)
        listed = _listed(data, problems)
        present = set(package.files())
        present -= {MANIFEST_NAME, SIGNATURE_NAME}
        for name in package.duplicates():
            problems.append(
                VerifyProblem(
                    ProblemKind.DUPLICATE,
                    name,
                    "the zip holds it more than once: which copy is read depends on the tool",
                )
            )
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
