"""The state a long task reports to and checks, without Qt (the Orange habit).

The work itself is plain Python taking a :class:`TaskState`::

    def reindex(state: TaskState, ids: list[int]) -> int:
        for i, segment_id in enumerate(ids):
            state.check_cancelled()
            ...
            state.progress(i + 1, len(ids), "re-indexing segments")
        return len(ids)

This module imports nothing from Qt, so the CLI can drive the same work with a console callback and tests
can call it directly. Services sit below ``workers`` and may not import it: they type the parameter with
:class:`chronotrace_desktop.domain.tasks.TaskControl`, which this class satisfies (checked by mypy below).
"""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING

from chronotrace_desktop.domain.errors import OperationCancelledError

if TYPE_CHECKING:
    from collections.abc import Callable

    from chronotrace_desktop.domain.tasks import ProgressCallback, TaskControl

# At most ~20 progress updates a second reach the callback; the first and the last always do.
MIN_PROGRESS_INTERVAL_S = 0.05


class TaskState:
    """Cooperative cancel flag plus throttled progress, shared by the task's thread and its owner."""

    def __init__(
        self,
        progress: ProgressCallback[str] | None = None,
        *,
        min_interval: float = MIN_PROGRESS_INTERVAL_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._progress = progress
        self._min_interval = min_interval
        self._clock = clock
        self._cancelled = threading.Event()
        # Held while the callback runs: once cancel() returns, no progress call is in flight or will follow.
        self._lock = threading.Lock()
        self._last_sent: float | None = None

    @property
    def cancelled(self) -> bool:
        return self._cancelled.is_set()

    def cancel(self) -> None:
        """Ask the task to stop at its next :meth:`check_cancelled`; safe from any thread, idempotent."""
        with self._lock:
            self._cancelled.set()

    def check_cancelled(self) -> None:
        """Raise :class:`OperationCancelledError` if a cancel was asked for; call it between batches."""
        if self._cancelled.is_set():
            raise OperationCancelledError("the operation was cancelled")

    def progress(self, done: int, total: int, message: str = "") -> None:
        """Report ``done`` of ``total`` (``total <= 0``: unknown). Throttled; dropped after a cancel."""
        if self._progress is None:
            return
        now = self._clock()
        last = total > 0 and done >= total
        if not last and self._last_sent is not None and now - self._last_sent < self._min_interval:
            return
        with self._lock:
            if self._cancelled.is_set():
                return
            self._last_sent = now
            self._progress(done, total, message)


if TYPE_CHECKING:

    def _is_a_task_control(state: TaskState) -> TaskControl:
        return state  # mypy fails here if TaskState stops satisfying the services' protocol
