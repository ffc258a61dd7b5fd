"""Reading a package as it is on disk or in a zip, defensively: what a recipient is handed may be damaged or hostile.

Every read error a zip can raise (a bad CRC, a damaged deflate stream, an encrypted or unsupported member) is one
``ReadProblem``; a member's declared size is checked before it is hashed, and hashing stops at one byte past the
size the manifest records, so a zip bomb costs nothing. Duplicate member names are reported, not silently shadowed.
"""

from __future__ import annotations

import hashlib
import zipfile
import zlib
from collections import Counter
from pathlib import Path, PurePosixPath
from typing import IO

from chronotrace_desktop.domain.errors import InvalidInputError
from chronotrace_desktop.domain.export import MANIFEST_NAME

# What reading a zip member can raise besides OSError: a bad zip, a damaged deflate stream, an encrypted member
# (RuntimeError), a compression method Python lacks (NotImplementedError), a truncated member (EOFError).
READ_ERRORS = (OSError, KeyError, zipfile.BadZipFile, zlib.error, RuntimeError, NotImplementedError, EOFError)

CHUNK = 1 << 20


def sha256_stream(handle: IO[bytes], limit: int | None = None) -> tuple[str, int]:
    """SHA-256 (hex) and byte count of what is left in ``handle``; reading stops past ``limit`` bytes."""
    digest = hashlib.sha256()
    size = 0
    while chunk := handle.read(CHUNK):
        digest.update(chunk)
        size += len(chunk)
        if limit is not None and size > limit:
            break
    return digest.hexdigest(), size


def sha256_path(path: Path) -> tuple[str, int]:
    with path.open("rb") as handle:
        return sha256_stream(handle)


class Package:
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

    def duplicates(self) -> list[str]:
        """Names a zip holds more than once (a folder cannot)."""
        if self._zip is None:
            return []
        counts = Counter(n[len(self._prefix) :] for n in self._zip.namelist() if n.startswith(self._prefix))
        return sorted(name for name, count in counts.items() if count > 1 and not name.endswith("/"))

    def size(self, name: str) -> int:
        """The size the zip's directory declares, or the file's size on disk (before anything is read)."""
        if self._zip is not None:
            return self._zip.getinfo(self._prefix + name).file_size
        return self._on_disk(name).stat().st_size

    def open(self, name: str) -> IO[bytes]:
        if self._zip is not None:
            return self._zip.open(self._prefix + name)
        return self._on_disk(name).open("rb")

    def _on_disk(self, name: str) -> Path:
        """A file of a package folder; a symbolic link is never followed (it could point anywhere)."""
        target = self.path.joinpath(*PurePosixPath(name).parts)
        if target.is_symlink():
            raise OSError(f"{name} is a symbolic link, not a file")
        return target
