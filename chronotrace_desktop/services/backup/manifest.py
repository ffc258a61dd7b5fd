"""A backup's ``manifest.json``: what the backup holds, and the SHA-256 and size of every other file in it.

Verification reads every file through before anything is restored: a file changed, missing or added since the
backup was written is refused, by name. The manifest is written last, inside the temporary folder, so a
backup folder without one was never finished.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from chronotrace_desktop.domain.errors import InvalidInputError

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from pathlib import Path

MANIFEST = "manifest.json"
FORMAT = "chronotrace-backup"
VERSION = 1
_CHUNK = 1 << 20


@dataclass(frozen=True, slots=True)
class Manifest:
    created_at: datetime
    profile: str
    with_media: bool
    database: Mapping[str, Any]  # dump file, database name, server and tool versions
    collections: tuple[Mapping[str, Any], ...]  # each: spec, file, points
    files: Mapping[str, Mapping[str, Any]]  # relative path -> {"sha256", "bytes"}
    not_included: tuple[str, ...]  # what the backup leaves out on purpose (secrets)

    @property
    def total_bytes(self) -> int:
        return sum(int(entry["bytes"]) for entry in self.files.values())


def sha256_of(path: Path, check: Callable[[], None] | None = None) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(_CHUNK):
            if check is not None:
                check()
            digest.update(chunk)
    return digest.hexdigest()


def files_under(folder: Path) -> list[Path]:
    """Every regular file under ``folder`` but the manifest, as paths relative to it, sorted."""
    return sorted(
        path.relative_to(folder) for path in folder.rglob("*") if path.is_file() and path.name != MANIFEST
    )


def write_manifest(folder: Path, manifest: Manifest) -> Path:
    document = {
        "format": FORMAT,
        "version": VERSION,
        "created_at": manifest.created_at.isoformat(),
        "profile": manifest.profile,
        "with_media": manifest.with_media,
        "database": dict(manifest.database),
        "collections": [dict(c) for c in manifest.collections],
        "not_included": list(manifest.not_included),
        "files": {name: dict(entry) for name, entry in sorted(manifest.files.items())},
    }
    path = folder / MANIFEST
    path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    return path


def read_manifest(folder: Path) -> Manifest:
    path = folder / MANIFEST
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InvalidInputError(
            f"{folder} is not a finished ChronoTrace backup: it has no {MANIFEST}"
        ) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidInputError(f"the backup's {MANIFEST} in {folder} cannot be read ({exc})") from exc
    if (
        not isinstance(document, dict)
        or document.get("format") != FORMAT
        or document.get("version") != VERSION
    ):
        raise InvalidInputError(f"{path} is not a backup manifest this version can read")
    try:
        return Manifest(
            created_at=datetime.fromisoformat(document["created_at"]),
            profile=str(document["profile"]),
            with_media=bool(document["with_media"]),
            database=dict(document["database"]),
            collections=tuple(dict(c) for c in document["collections"]),
            files={
                str(k): {"sha256": str(v["sha256"]), "bytes": int(v["bytes"])}
                for k, v in document["files"].items()
            },
            not_included=tuple(str(n) for n in document.get("not_included", ())),
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise InvalidInputError(f"{path} is malformed ({exc})") from exc


def verify_backup(folder: Path, check: Callable[[], None] | None = None) -> Manifest:
    """The backup's manifest once every file listed matches its hash and size and no other file is there;
    ``InvalidInputError`` naming the first file that does not."""
    manifest = read_manifest(folder)
    listed = set(manifest.files)
    for relative in files_under(folder):
        if relative.as_posix() not in listed:
            raise InvalidInputError(
                f"The backup {folder} holds a file its manifest does not list: {relative.as_posix()}. "
                "It was changed after it was written; it is not restored."
            )
    for name, entry in sorted(manifest.files.items()):
        path = folder / name
        if not _inside(folder, path) or not path.is_file():
            raise InvalidInputError(
                f"The backup {folder} is incomplete: {name} is missing. It is not restored."
            )
        if path.stat().st_size != entry["bytes"] or sha256_of(path, check) != entry["sha256"]:
            raise InvalidInputError(
                f"The backup {folder} was changed after it was written: {name} does not match its "
                "SHA-256 in the manifest. It is not restored."
            )
    return manifest


def _inside(folder: Path, path: Path) -> bool:
    return path.resolve().is_relative_to(folder.resolve())
