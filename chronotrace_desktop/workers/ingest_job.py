"""An ingest run for the GUI: per-file progress and results as they happen, cancel that still reports.

``IngestService.ingest_paths`` calls its progress and result callbacks from its own threads; this job carries
them to the UI thread through queued signals. Progress is coalesced per file (only the newest event of each
file is kept between two deliveries, at most every ``FLUSH_MS``), so a busy ingest cannot flood the event
loop. A cancel here is the *service's* cooperative cancel, not the worker's: the run still returns, with the
stopped files marked ``cancelled``, so the user sees what was and was not ingested.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from typing import TYPE_CHECKING, Protocol

from chronotrace_desktop.domain.errors import OperationCancelledError
from chronotrace_desktop.domain.ingest import IngestProgress, IngestResult
from chronotrace_desktop.workers.qt import QObject, Qt, QTimer, Signal, Slot

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from chronotrace_desktop.domain.tasks import ProgressCallback, TaskControl
    from chronotrace_desktop.workers.base import Worker, WorkerPool
    from chronotrace_desktop.workers.task_state import TaskState

logger = logging.getLogger(__name__)

FLUSH_MS = 100


BACKGROUND_NICENESS = 10


def lower_thread_priority(niceness: int = BACKGROUND_NICENESS) -> None:
    """Make the calling thread (and the threads it starts, which inherit it) yield the CPU to the UI.

    Batch work such as an ingest keeps every core busy (decoders, detectors, their thread pools); on a
    two-core machine the UI thread then waits for a core. A nicer batch thread leaves the UI its share.
    Linux only (per-thread niceness); elsewhere a no-op.
    """
    if not sys.platform.startswith("linux"):
        return
    try:
        tid = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, tid, max(os.getpriority(os.PRIO_PROCESS, tid), niceness))
    except OSError as exc:  # not permitted: run at normal priority
        logger.debug("Could not lower the priority of the ingest thread: %s", exc)


class StopFlag:
    """The service's cancel flag (a ``TaskControl``); progress goes through the callbacks instead."""

    def __init__(self) -> None:
        self._event = threading.Event()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def cancel(self) -> None:
        self._event.set()

    def check_cancelled(self) -> None:
        if self._event.is_set():
            raise OperationCancelledError("the ingest was cancelled")

    def progress(self, done: int, total: int, message: str = "") -> None:
        return None


class IngestCall(Protocol):
    """``IngestService.ingest_paths`` with its actor, paths and options bound (``functools.partial``)."""

    def __call__(
        self,
        task: TaskControl,
        *,
        progress: ProgressCallback[IngestProgress],
        on_result: Callable[[IngestResult], None],
    ) -> list[IngestResult]: ...


class IngestJob(QObject):
    """Start with :meth:`start`; ``file_progressed(IngestProgress)``, ``file_finished(IngestResult)``,
    then ``finished(list[IngestResult])`` or ``errored(exc)`` (a refusal, e.g. a viewer may not ingest)."""

    file_progressed = Signal(IngestProgress)
    file_finished = Signal(IngestResult)
    finished = Signal(list)  # list[IngestResult]
    errored = Signal(Exception)
    _posted = Signal()

    def __init__(self, pool: WorkerPool, ingest: IngestCall, paths: list[Path]) -> None:
        super().__init__()
        self.paths = paths
        self._pool = pool
        self._ingest = ingest
        self.stop_flag = StopFlag()
        self.worker: Worker[list[IngestResult]] | None = None
        self.running = False
        self._lock = threading.Lock()
        self._latest: dict[Path, IngestProgress] = {}
        self._results: list[IngestResult] = []
        self._timer = QTimer(self)
        self._timer.setInterval(FLUSH_MS)
        self._timer.timeout.connect(self._flush)
        self._posted.connect(self._on_posted, Qt.ConnectionType.QueuedConnection)

    @property
    def cancelling(self) -> bool:
        return self.stop_flag.cancelled

    def start(self) -> None:
        self.running = True
        self.worker = self._pool.submit(self._run, name="ingest").connect(
            returned=self._on_returned, errored=self._on_errored
        )
        self._timer.start()

    def cancel(self) -> None:
        """Stop after the current segment of each running file; files not started are not started."""
        self.stop_flag.cancel()

    def abort(self) -> None:
        """Stop and drop whatever comes back (window closing)."""
        self.stop_flag.cancel()
        if self.worker is not None:
            self.worker.cancel()
        self._timer.stop()

    # ------------------------------------------------------------------ pool thread
    def _run(self, state: TaskState) -> list[IngestResult]:
        lower_thread_priority()
        return self._ingest(
            self.stop_flag, progress=self._progress_from_thread, on_result=self._result_from_thread
        )

    def _progress_from_thread(self, done: int, total: int, event: IngestProgress) -> None:
        with self._lock:
            self._latest[event.path] = event

    def _result_from_thread(self, result: IngestResult) -> None:
        with self._lock:
            self._results.append(result)
        self._posted.emit()  # a finished file is shown at once, not at the next tick

    # ------------------------------------------------------------------ UI thread
    @Slot()
    def _on_posted(self) -> None:
        self._flush()

    def _flush(self) -> None:
        with self._lock:
            latest, self._latest = self._latest, {}
            results, self._results = self._results, []
        for event in latest.values():
            self.file_progressed.emit(event)
        for result in results:
            self.file_finished.emit(result)

    def _on_returned(self, results: list[IngestResult]) -> None:
        self._flush()
        self._timer.stop()
        self.running = False
        self.finished.emit(list(results))

    def _on_errored(self, exc: Exception) -> None:
        self._flush()
        self._timer.stop()
        self.running = False
        self.errored.emit(exc)
