"""Small helpers to start background work from widgets: one call, callbacks on the UI thread.

``fn`` runs on the worker pool and must not touch widgets (STYLE.md); ``on_returned``, ``on_errored`` and
``progress`` run on the UI thread. Both helpers are generic in what ``fn`` returns, so ``on_returned`` is
checked against it. :class:`LatestTask` keeps at most one run of a kind alive: starting a new one cancels the
previous (a new search, a new segment in the player), so a slow old answer never overwrites a new one.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, TypeVar

from chronotrace_desktop.ui.errors import show_error

if TYPE_CHECKING:
    from collections.abc import Callable

    from chronotrace_desktop.domain.tasks import ProgressCallback
    from chronotrace_desktop.ui.qt import QWidget
    from chronotrace_desktop.workers.base import TaskFn, Worker, WorkerPool

logger = logging.getLogger(__name__)

R = TypeVar("R")


def start_task(
    pool: WorkerPool,
    fn: TaskFn[R],
    *args: Any,
    on_returned: Callable[[R], object] | None = None,
    on_errored: Callable[[Exception], object] | None = None,
    progress: ProgressCallback[str] | None = None,
    error_parent: QWidget | None = None,
    name: str | None = None,
) -> Worker[R]:
    """Submit ``fn(state, *args)``; errors go to ``on_errored`` or, by default, to an error box."""
    worker = pool.submit(fn, *args, name=name)

    def show(exc: Exception) -> None:
        show_error(error_parent, exc)

    return worker.connect(returned=on_returned, errored=on_errored or show, progress=progress)


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
        fn: TaskFn[R],
        *args: Any,
        on_returned: Callable[[R], object] | None = None,
        on_errored: Callable[[Exception], object] | None = None,
        progress: ProgressCallback[str] | None = None,
        error_parent: QWidget | None = None,
        name: str | None = None,
    ) -> Worker[R]:
        self.cancel()
        worker = start_task(
            self._pool,
            fn,
            *args,
            on_returned=on_returned,
            on_errored=on_errored,
            progress=progress,
            error_parent=error_parent,
            name=name,
        )
        self.worker = worker
        worker.connect(finished=lambda: self._finished(worker))
        return worker

    def cancel(self) -> None:
        if self.worker is not None:
            self.worker.cancel()
            self.worker = None

    def _finished(self, worker: Worker) -> None:
        if self.worker is worker:
            self.worker = None
