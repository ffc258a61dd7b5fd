"""Small helpers to start background work from widgets: one call, callbacks on the UI thread.

``fn`` runs on the worker pool and must not touch widgets (STYLE.md); ``on_returned`` and ``on_errored`` run
on the UI thread. :class:`LatestTask` keeps at most one run of a kind alive: starting a new one cancels the
previous (a new search, a new segment in the player), so a slow old answer never overwrites a new one.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from chronotrace_desktop.ui.errors import show_error

if TYPE_CHECKING:
    from collections.abc import Callable

    from chronotrace_desktop.ui.qt import QWidget
    from chronotrace_desktop.workers.base import TaskFn, Worker, WorkerPool

logger = logging.getLogger(__name__)


def start_task(
    pool: WorkerPool,
    fn: TaskFn,
    *args: Any,
    on_returned: Callable[[Any], None] | None = None,
    on_errored: Callable[[BaseException], None] | None = None,
    on_progress: Callable[[int, int, str], None] | None = None,
    error_parent: QWidget | None = None,
    name: str | None = None,
) -> Worker:
    """Submit ``fn(state, *args)``; errors go to ``on_errored`` or, by default, to an error box."""
    worker = pool.submit(fn, *args, name=name)
    if on_returned is not None:
        worker.signals.returned.connect(on_returned)
    if on_progress is not None:
        worker.signals.progress.connect(on_progress)
    if on_errored is not None:
        worker.signals.errored.connect(on_errored)
    else:
        worker.signals.errored.connect(lambda exc: show_error(error_parent, exc))
    return worker


class LatestTask:
    """At most one live run: :meth:`start` cancels the one before (nothing more arrives from it)."""

    def __init__(self, pool: WorkerPool) -> None:
        self._pool = pool
        self.worker: Worker | None = None

    @property
    def busy(self) -> bool:
        return self.worker is not None

    def start(
        self,
        fn: TaskFn,
        *args: Any,
        on_returned: Callable[[Any], None] | None = None,
        on_errored: Callable[[BaseException], None] | None = None,
        on_progress: Callable[[int, int, str], None] | None = None,
        error_parent: QWidget | None = None,
        name: str | None = None,
    ) -> Worker:
        self.cancel()
        worker = start_task(
            self._pool,
            fn,
            *args,
            on_returned=on_returned,
            on_errored=on_errored,
            on_progress=on_progress,
            error_parent=error_parent,
            name=name,
        )
        self.worker = worker
        worker.signals.finished.connect(lambda: self._finished(worker))
        return worker

    def cancel(self) -> None:
        if self.worker is not None:
            self.worker.cancel()
            self.worker = None

    def _finished(self, worker: Worker) -> None:
        if self.worker is worker:
            self.worker = None
