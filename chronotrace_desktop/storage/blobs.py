"""The media store: where segment clips, thumbnails and redacted renditions live, under stable keys.

Keys are relative, ``/``-separated names (``<video_id>/segments/0003.mp4``); the database stores keys, not
absolute paths, so an installation's data dir can move. Writes are atomic: a file is written under a temp
name beside its final place and renamed, so a crash never leaves half a file under a final name, and the
same key written twice (a resumed ingest) simply replaces the first copy.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import threading
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Protocol

from chronotrace_desktop.domain.errors import EnvironmentProblemError, InvalidInputError

if TYPE_CHECKING:
    from collections.abc import Iterator
    from contextlib import AbstractContextManager

logger = logging.getLogger(__name__)


def checked_key(key: str) -> PurePosixPath:
    """``key`` as a relative path; ``InvalidInputError`` for an absolute path, ``..`` or backslashes."""
    pure = PurePosixPath(key)
    if not key or pure.is_absolute() or ".." in pure.parts or "\\" in key:
        raise InvalidInputError(f"not a valid media key: {key!r}")
    return pure


class BlobStore(Protocol):
    """What the services use: ``LocalBlobStore`` (workstation) or ``S3BlobStore`` (team, ``blobs_s3``).

    ``path`` is where a key is written in place on this machine; ``publish`` makes such a file visible to
    every workstation; ``readable`` is the local file to read a key from (fetched first if need be);
    ``shared`` says whether reading a key fetches it from elsewhere (then ``evict`` drops this machine's copy).
    """

    @property
    def root(self) -> Path: ...
    @property
    def shared(self) -> bool: ...
    def evict(self, key: str) -> None: ...
    def path(self, key: str) -> Path: ...
    def key_of(self, path: Path) -> str: ...
    def exists(self, key: str) -> bool: ...
    def readable(self, key: str) -> Path: ...
    def publish(self, key: str) -> None: ...
    def writing(self, key: str, suffix: str = "") -> AbstractContextManager[Path]: ...
    def delete(self, key: str) -> None: ...
    def delete_prefix(self, prefix: str) -> None: ...
    def keys(self, prefix: str) -> list[str]: ...
    def remove_temp_files(self, prefix: str) -> int: ...


class LocalBlobStore:
    """A folder on this machine (the workstation profile's ``<data_dir>/media``)."""

    def __init__(self, root: Path) -> None:
        self._root = root
        root.mkdir(mode=0o700, parents=True, exist_ok=True)
        root.chmod(0o700)  # originals: only this OS account (the workstation profile's boundary) reads them

    @property
    def root(self) -> Path:
        return self._root

    @property
    def shared(self) -> bool:
        return False

    def evict(self, key: str) -> None:
        """Nothing to do: the store itself is on this machine."""

    def path(self, key: str) -> Path:
        """The local file of ``key`` (it may not exist yet)."""
        return self.root.joinpath(*checked_key(key).parts)

    def key_of(self, path: Path) -> str:
        """The key of a file inside the store (``ValueError`` for a file outside it)."""
        return path.resolve().relative_to(self.root.resolve()).as_posix()

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    def readable(self, key: str) -> Path:
        """The file to read ``key`` from (here it is always local)."""
        return self.path(key)

    def publish(self, key: str) -> None:
        """Make a file written in place at ``path(key)`` visible to the app's other processes: here it already is;
        it is made owner-only (0600) like everything the store writes through :meth:`writing`."""
        self.path(key).chmod(0o600)

    @contextmanager
    def writing(self, key: str, suffix: str = "") -> Iterator[Path]:
        """A temp path to write ``key``'s content to; it becomes ``key`` when the block ends without error."""
        final = self.path(key)
        try:
            final.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp_name = tempfile.mkstemp(prefix=".tmp-", suffix=suffix or final.suffix, dir=final.parent)
            os.close(fd)
        except OSError as exc:
            problem = f"cannot write to the media store {self.root}: {exc.strerror}"
            raise EnvironmentProblemError(problem) from exc
        tmp = Path(tmp_name)
        try:
            yield tmp
            os.replace(tmp, final)
        except OSError as exc:
            raise EnvironmentProblemError(f"cannot write {final}: {exc.strerror}") from exc
        finally:
            tmp.unlink(missing_ok=True)

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)

    def delete_prefix(self, prefix: str) -> None:
        """Remove everything under ``prefix`` (e.g. a video's folder)."""
        folder = self.path(prefix)
        if folder.is_dir():
            shutil.rmtree(folder)
        else:
            folder.unlink(missing_ok=True)

    def keys(self, prefix: str) -> list[str]:
        """Every stored key under ``prefix``, temp files excluded."""
        folder = self.path(prefix)
        if not folder.is_dir():
            return []
        return sorted(
            p.relative_to(self.root).as_posix()
            for p in folder.rglob("*")
            if p.is_file() and not p.name.startswith(".tmp-")
        )

    def remove_temp_files(self, prefix: str) -> int:
        """Delete temp files a crash left under ``prefix``; how many."""
        folder = self.path(prefix)
        removed = 0
        if folder.is_dir():
            for leftover in folder.rglob(".tmp-*"):
                leftover.unlink(missing_ok=True)
                removed += 1
        if removed:
            logger.info("Removed %d temp file(s) left under %s", removed, folder)
        return removed


class HeldCopies:
    """Keys whose copy in this machine's cache is in use, and by how many holders (thread-safe).

    The last :meth:`release` of a key evicts its cached copy (``BlobStore.evict``: a shared store's copy
    leaves the cache, a local store keeps its files); :meth:`evict_unless_held` lets a reader that fetched a
    key for itself drop it without pulling it from under a holder.
    """

    def __init__(self, blobs: BlobStore) -> None:
        self._blobs = blobs
        self._holders: dict[str, int] = {}
        self._guard = threading.Lock()

    def hold(self, key: str) -> None:
        with self._guard:
            self._holders[key] = self._holders.get(key, 0) + 1

    def release(self, key: str) -> None:
        """One holder of ``key`` is done; a key nobody holds is ignored."""
        with self._guard:
            holders = self._holders.get(key, 0)
            if holders > 1:
                self._holders[key] = holders - 1
            elif holders == 1:
                del self._holders[key]
                self._evict(key)

    def release_all(self) -> None:
        with self._guard:
            held, self._holders = list(self._holders), {}
            for key in held:
                self._evict(key)

    def evict_unless_held(self, key: str) -> None:
        with self._guard:
            if key not in self._holders:
                self._evict(key)

    def _evict(self, key: str) -> None:
        try:
            self._blobs.evict(key)
        except OSError as exc:  # e.g. still open on a system that cannot remove open files
            logger.warning("Could not remove %s from the media cache: %s", key, exc)
