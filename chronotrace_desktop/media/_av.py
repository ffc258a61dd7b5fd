"""Small helpers shared by the media modules: opening inputs, time bases, cancel checks, atomic outputs.

"Video-absolute" time, used by every public function of this package, is seconds from the start of the
video stream: ``(pts - stream.start_time) * time_base``. Windows, sampled frames, segment starts and
redaction plans all use it, so they agree even for files whose first timestamp is not zero.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import secrets
import threading
import time
from typing import TYPE_CHECKING, TypeVar

import av
import av.error

from chronotrace_desktop.domain.errors import (
    EnvironmentProblemError,
    InvalidInputError,
    OperationCancelledError,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

    from av.container import InputContainer
    from av.stream import Stream

logger = logging.getLogger(__name__)

_T = TypeVar("_T")

# errno values that mean "the machine or its disks", not "the file".
_ENVIRONMENT_ERRNOS = frozenset(
    {errno.ENOSPC, errno.EIO, errno.EDQUOT, errno.EROFS, errno.ETIMEDOUT, errno.ESTALE, errno.ENOMEM}
)


def check_stop(should_stop: Callable[[], bool] | None, what: str) -> None:
    """Raise ``OperationCancelledError`` if the caller asked to stop."""
    if should_stop is not None and should_stop():
        raise OperationCancelledError(f"{what} cancelled")


def open_input(path: Path, *, timeout_s: float | None = 20.0) -> InputContainer:
    """Open a media file for reading, mapping FFmpeg's errors to errors by blame.

    FFmpeg's own timeout interrupts the open and surfaces as whatever error the demuxer was in the middle
    of (often "invalid data"): a failure at or past the deadline is the storage's fault, not the file's.
    """
    started = time.monotonic()
    try:
        return av.open(str(path), mode="r", timeout=timeout_s, metadata_errors="replace")
    except av.error.FFmpegError as exc:
        if timeout_s is not None and time.monotonic() - started >= timeout_s:
            raise EnvironmentProblemError(
                f"opening {path.name} did not finish within {timeout_s:g} s: the storage is not responding "
                "(a stalled network mount or a failing disk?)"
            ) from exc
        raise map_av_error(exc, path, "open") from exc


def map_av_error(
    exc: av.error.FFmpegError | OSError, path: Path, action: str
) -> InvalidInputError | EnvironmentProblemError:
    """The domain error for an FFmpeg/OS failure while ``action`` (open, read, write) on ``path``."""
    code = getattr(exc, "errno", None)
    if isinstance(exc, av.error.TimeoutError | TimeoutError) or code == errno.ETIMEDOUT:
        return EnvironmentProblemError(
            f"timed out while trying to {action} {path.name}: storage not responding"
        )
    if code == errno.ENOMEM and isinstance(exc, av.error.FFmpegError) and action in ("open", "read"):
        # FFmpeg answers ENOMEM when a damaged or crafted header declares a size it will not allocate (found by
        # the fuzz pass): the file's fault, not the machine's.
        return InvalidInputError(
            f"{path.name}: not a readable video (its header declares sizes FFmpeg refuses to allocate; "
            "damaged or not what its name says)"
        )
    if code in _ENVIRONMENT_ERRNOS:
        return EnvironmentProblemError(f"could not {action} {path.name}: {os.strerror(code or 0)}")
    if code == errno.EPERM and isinstance(exc, av.error.FFmpegError):
        # FFmpeg's EPERM is "the demuxer does not allow that" (seeking in a raw elementary stream), never the
        # file's access rights (those fail the open with EACCES).
        return InvalidInputError(
            f"{path.name}: could not {action} the media: FFmpeg refused the operation (EPERM: this format "
            "cannot seek, e.g. a raw H.264/H.265 stream); this is not a file permission problem"
        )
    if isinstance(exc, av.error.PermissionError | PermissionError):
        return InvalidInputError(f"{path.name}: permission denied")
    if isinstance(exc, av.error.FileNotFoundError | FileNotFoundError):
        return InvalidInputError(f"{path.name}: file not found")
    if isinstance(exc, av.error.InvalidDataError):
        return InvalidInputError(f"{path.name}: not a readable video (FFmpeg found invalid data)")
    reason = getattr(exc, "strerror", None) or str(exc)
    return InvalidInputError(f"{path.name}: could not {action} the media ({reason})")


def origin(stream: Stream) -> int:
    """The stream's first timestamp in its own time base (0 when the container does not say)."""
    start = stream.start_time
    return int(start) if start is not None else 0


def seconds(pts: int | None, stream: Stream) -> float | None:
    """Video-absolute seconds of ``pts`` in ``stream``'s time base."""
    if pts is None or stream.time_base is None:
        return None
    return float((pts - origin(stream)) * stream.time_base)


def to_pts(t: float, stream: Stream) -> int:
    """Inverse of :func:`seconds`: the pts (in ``stream``'s time base) of video-absolute time ``t``."""
    tb = stream.time_base
    if tb is None:
        raise InvalidInputError("the stream has no time base")
    return round(t / float(tb)) + origin(stream)


@contextlib.contextmanager
def atomic_output(dest: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``dest``; on success rename it to ``dest`` atomically, else delete it.

    The temporary name keeps ``dest``'s suffix (FFmpeg and OpenCV choose formats from it) and starts with a
    dot, so a crash leaves only a hidden ``.name.part-XXXX.ext`` file that cleanup can recognise, never a
    half-written file under the final name.
    """
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f".{dest.stem}.part-{secrets.token_hex(4)}{dest.suffix}")
    try:
        yield tmp
        _fsync(tmp)
        os.replace(tmp, dest)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise


def _fsync(path: Path) -> None:
    """Flush the data to disk before the rename makes the file visible (a power cut must not empty it)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def is_partial_output(path: Path) -> bool:
    """True for a leftover temporary file of :func:`atomic_output` (safe to delete when nothing runs)."""
    return path.name.startswith(".") and ".part-" in path.name


def write_error(exc: OSError | av.error.FFmpegError, dest: Path) -> EnvironmentProblemError:
    """Writing an output failed: that is the environment's fault (disk full, read-only, gone)."""
    reason = getattr(exc, "strerror", None) or str(exc)
    return EnvironmentProblemError(f"could not write {dest.name} in {dest.parent}: {reason}")


def run_with_timeout(work: Callable[[], _T], timeout_s: float, what: str) -> _T:
    """Run ``work`` in a daemon thread and wait at most ``timeout_s`` seconds for it.

    A read stuck in the kernel (a stalled network mount) cannot be interrupted from Python; the caller gets
    an ``EnvironmentProblemError`` on time and the stuck thread is abandoned (it is a daemon, so it never
    keeps the application from exiting).
    """
    outcome: list[_T] = []
    failure: list[BaseException] = []

    def target() -> None:
        try:
            outcome.append(work())
        except BaseException as exc:  # noqa: BLE001 - handed to the waiting thread and re-raised there
            failure.append(exc)

    worker = threading.Thread(target=target, name=f"media-watchdog {what}", daemon=True)
    worker.start()
    worker.join(timeout_s)
    if worker.is_alive():
        logger.warning("%s did not finish within %.1f s; abandoning its thread", what, timeout_s)
        raise EnvironmentProblemError(
            f"{what} did not finish within {timeout_s:g} s: the storage is not responding "
            "(a stalled network mount or a failing disk?)"
        )
    if failure:
        raise failure[0]
    return outcome[0]
