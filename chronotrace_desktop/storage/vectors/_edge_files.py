"""Files and errors of the edge adapter: the collection description, snapshot archives, error blame."""

from __future__ import annotations

import gzip
import json
import tarfile
import zlib
from typing import TYPE_CHECKING

from chronotrace_desktop.domain.errors import EnvironmentProblemError, InvalidInputError
from chronotrace_desktop.storage.vectors.export import spec_from_json, spec_to_json

if TYPE_CHECKING:
    from pathlib import Path

    from chronotrace_desktop.storage.vectors.port import CollectionSpec

META_FILE = "chronotrace-collection.json"
# Words in the engine's error text that mean the machine, not the program, is at fault.
_ENVIRONMENT_WORDS = (
    "WouldBlock",
    "No space left",
    "Permission denied",
    "Read-only file system",
    "Too many open",
)


def environment_problem(exc: Exception, what: str) -> EnvironmentProblemError | None:
    text = str(exc)
    if "WouldBlock" in text:
        return EnvironmentProblemError(
            f"{what}: the vector store is in use by another ChronoTrace window or command on this data "
            "folder; close it (or wait for it to finish) and try again"
        )
    if any(word in text for word in _ENVIRONMENT_WORDS) or isinstance(exc, OSError):
        return EnvironmentProblemError(f"{what}: {text}")
    return None


def read_meta(folder: Path) -> CollectionSpec | None:
    try:
        data = json.loads((folder / META_FILE).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, json.JSONDecodeError) as exc:
        raise EnvironmentProblemError(f"cannot read the vector store description in {folder}: {exc}") from exc
    return spec_from_json(data)


def write_meta(folder: Path, spec: CollectionSpec) -> None:
    tmp = folder / (META_FILE + ".tmp")
    try:
        tmp.write_text(json.dumps(spec_to_json(spec), indent=2) + "\n", encoding="utf-8")
        tmp.replace(folder / META_FILE)
    except OSError as exc:
        raise EnvironmentProblemError(
            f"cannot write the vector store description in {folder}: {exc}"
        ) from exc


def write_archive(folder: Path, target: Path) -> None:
    """``folder`` (a closed shard) as a gzip'd tar at ``target``."""
    with tarfile.open(target, "w:gz", compresslevel=1) as tar:
        tar.add(folder, arcname=".")


def extract_archive(archive: Path, staging: Path) -> None:
    """Extract a snapshot archive (gzip'd or plain tar) into ``staging``; no links, no escaping paths."""
    try:
        with tarfile.open(archive, "r:*") as tar:
            tar.extractall(staging, filter="data")
    except (tarfile.TarError, gzip.BadGzipFile, zlib.error, EOFError) as exc:
        raise InvalidInputError(f"{archive} is not a readable vector snapshot ({exc})") from exc
