"""Streaming SHA-256 of evidence files (gigabytes): constant memory, progress and cooperative cancel."""

from __future__ import annotations

import hashlib
import logging
import os
import stat
import time
from typing import TYPE_CHECKING

from chronotrace_desktop.domain.errors import EnvironmentProblemError, InvalidInputError
from chronotrace_desktop.media._av import check_stop

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from chronotrace_desktop.domain.tasks import ProgressCallback

logger = logging.getLogger(__name__)

CHUNK_BYTES = 1 << 20  # 1 MiB
PROGRESS_EVERY_BYTES = 64 << 20  # call ``progress`` at most every 64 MiB (and once at the end)


def sha256_file(
    path: Path,
    *,
    progress: ProgressCallback[str] | None = None,
    should_stop: Callable[[], bool] | None = None,
    chunk_bytes: int = CHUNK_BYTES,
) -> str:
    """The hex SHA-256 of ``path``, read in ``chunk_bytes`` chunks.

    ``progress(done_bytes, total_bytes, "hashing <name>")`` is called every ``PROGRESS_EVERY_BYTES`` and at the end;
    ``should_stop()`` is checked before every chunk and raises ``OperationCancelledError`` when true.
    Read errors are the environment's fault (``EnvironmentProblemError``); a missing or unreadable file is
    ``InvalidInputError``.
    """
    _refuse_special(path)
    digest = hashlib.sha256()
    buffer = bytearray(chunk_bytes)
    view = memoryview(buffer)
    done = 0
    next_report = PROGRESS_EVERY_BYTES
    started = time.perf_counter()
    try:
        with path.open("rb", buffering=0) as handle:
            total = os.fstat(handle.fileno()).st_size
            doing = f"hashing {path.name}"
            while True:
                check_stop(should_stop, doing)
                n = handle.readinto(view)
                if not n:
                    break
                digest.update(view[:n])
                done += n
                if progress is not None and done >= next_report:
                    progress(done, max(total, done), doing)
                    next_report = done + PROGRESS_EVERY_BYTES
    except (FileNotFoundError, PermissionError, IsADirectoryError) as exc:
        raise InvalidInputError(f"cannot hash {path.name}: {exc.strerror}") from exc
    except OSError as exc:
        raise EnvironmentProblemError(f"reading {path} failed: {exc.strerror}") from exc
    if progress is not None:
        progress(done, done, f"hashing {path.name}")
    elapsed = time.perf_counter() - started
    logger.info(
        "hashed %s: %d bytes in %.2f s (%.0f MB/s)", path.name, done, elapsed, done / 1e6 / max(elapsed, 1e-9)
    )
    return digest.hexdigest()


def _refuse_special(path: Path) -> None:
    """Never open a FIFO or a device: reading one blocks forever or never ends."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError as exc:
        raise InvalidInputError(f"cannot hash {path.name}: no such file") from exc
    except OSError as exc:
        raise EnvironmentProblemError(f"cannot read {path}: {exc.strerror}") from exc
    if not stat.S_ISREG(mode):
        raise InvalidInputError(f"cannot hash {path.name}: not a regular file")
