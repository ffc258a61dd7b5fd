"""One evidence file, held open from its hash to its last cut, so that what is cut is what was hashed.

Ingest reads a source many times (probe, hash, frames, one cut per segment). Opened by name each time, a file
replaced under that name between two reads (renamed over, copied over) would be cut from other bytes than the
ones hashed and recorded. :meth:`PinnedSource.open` opens the file once and hands out a path that leads to that
open file, whatever happens to the name:

* Linux: ``/proc/self/fd/N``, reached through a symlink that keeps the file's name (FFmpeg guesses some
  formats from the extension, and messages name the file) in a private temporary folder; every reader opens
  the same inode with an offset of its own;
* elsewhere: the path itself, with the identity (device and inode) checked against the open file.

Either way :meth:`PinnedSource.check_unchanged` refuses a file whose bytes were changed in place while it was
held (size or modification time moved), so a half-altered file is never recorded as complete.
"""

from __future__ import annotations

import os
import shutil
import stat
import sys
import tempfile
from pathlib import Path

from chronotrace_desktop.domain.errors import InvalidInputError
from chronotrace_desktop.media import _raw

_PROC_FD = Path("/proc/self/fd")


class PinnedSource:
    """``original``: the name the file was given by; ``read_path``: where readers open the held file.

    :meth:`open` holds the file; close it (or use it as a context manager) when the last read is done."""

    def __init__(
        self,
        original: Path,
        read_path: Path,
        fd: int,
        opened: os.stat_result,
        folder: str | None,
        assumed_fps: float | None = None,
    ):
        self.original = original
        self.read_path = read_path
        self._fd = fd
        self._opened = opened
        self._folder = folder
        self._assumed_fps = assumed_fps
        if assumed_fps is not None:  # for a raw stream without a rate of its own, while it is held
            _raw.assume_frame_rate(read_path, assumed_fps)

    @classmethod
    def open(cls, path: Path, *, assumed_fps: float | None = None) -> PinnedSource:
        """Hold ``path`` open; a missing, unreadable or special file is :class:`InvalidInputError`.
        ``assumed_fps``: the frame rate of a raw stream whose stream does not say (else 25 fps is assumed)."""
        if assumed_fps is not None and not 0 < assumed_fps < 1000:
            raise InvalidInputError(
                f"a frame rate is between 0 and 1000 frames per second, not {assumed_fps:g}"
            )
        flags = os.O_RDONLY | os.O_NONBLOCK  # non-blocking: a FIFO answers at once instead of hanging
        try:
            fd = os.open(path, flags | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0))
        except FileNotFoundError:
            raise InvalidInputError(f"{path.name}: no such file ({path})") from None
        except PermissionError:
            raise InvalidInputError(f"{path.name}: permission denied ({path})") from None
        except OSError as exc:
            raise InvalidInputError(f"{path.name}: cannot be opened ({exc.strerror or exc})") from None
        folder: str | None = None
        try:
            opened = os.fstat(fd)
            if not stat.S_ISREG(opened.st_mode):
                raise InvalidInputError(f"{path.name}: not a regular file ({path})")
            read_path = path
            if sys.platform.startswith("linux") and _PROC_FD.is_dir():
                folder = tempfile.mkdtemp(prefix="chronotrace-source-")  # 0700: this user's only
                read_path = Path(folder) / path.name
                os.symlink(_PROC_FD / str(fd), read_path)
        except BaseException:
            if folder is not None:
                shutil.rmtree(folder, ignore_errors=True)
            os.close(fd)
            raise
        return cls(path, read_path, fd, opened, folder, assumed_fps)

    def check_unchanged(self) -> None:
        """Raise :class:`InvalidInputError` if the file was changed or replaced since it was opened."""
        now = os.fstat(self._fd)
        changed = (now.st_size, now.st_mtime_ns) != (self._opened.st_size, self._opened.st_mtime_ns)
        if not changed and self.read_path == self.original:  # no /proc: the name must still be this file
            try:
                named = os.stat(self.original)
            except OSError:
                changed = True
            else:
                changed = (named.st_dev, named.st_ino) != (self._opened.st_dev, self._opened.st_ino)
        if changed:
            raise InvalidInputError(
                f"{self.original.name} changed while it was being ingested (its size, time or identity "
                "moved); nothing from it is marked complete: ingest it again once it is final"
            )

    def close(self) -> None:
        if self._assumed_fps is not None:
            _raw.forget_frame_rate(self.read_path)
            self._assumed_fps = None
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)
            self._folder = None
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1

    def __enter__(self) -> PinnedSource:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
