"""The worker pattern (the superqt habit): a ``QRunnable`` around a plain callable, signals on a QObject.

``fn(state, *args, **kwargs)`` runs on a pool thread and must not touch widgets. Its outcome reaches the
thread that created the worker (the UI thread) as signals on :class:`WorkerSignals`:

* ``started``, any number of ``progress(done, total, message)``, ``returned(result)`` or ``errored(exc)``,
  then ``finished``;
* a cancel is not an error: once :meth:`Worker.cancel` has been called (from the UI thread), *nothing* more is
  emitted, not even ``finished`` — events already under way are dropped on arrival;
* errors are split by blame: a :class:`UserFacingError` is logged briefly, anything else with its traceback;
  both arrive as ``errored(exc)`` and the UI decides how to show them (``ui.errors.show_error``).

Every event is delivered through the event loop of the creating thread, so connecting to the signals right
after :meth:`WorkerPool.submit` is safe. :class:`WorkerPool` keeps running workers referenced so they are not
garbage-collected mid-flight and offers :meth:`WorkerPool.wait_for_done` for shutdown and test teardown.

A worker is generic in what ``fn`` returns: ``submit`` gives a ``Worker[R]`` and :meth:`Worker.connect` takes
slots typed by it (``returned: Callable[[R], object]``), so mypy checks a slot against the work it listens
to. The Qt signal underneath carries ``object``, since what workers return varies.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Generic, cast

from typing_extensions import TypeVar  # a TypeVar with a default (PEP 696) on Python 3.11

from chronotrace_desktop.domain.errors import OperationCancelledError, UserFacingError
from chronotrace_desktop.workers.qt import (
    QCoreApplication,
    QEvent,
    QObject,
    QRunnable,
    Qt,
    QThreadPool,
    Signal,
    Slot,
)
from chronotrace_desktop.workers.task_state import TaskState

if TYPE_CHECKING:
    from chronotrace_desktop.domain.tasks import ProgressCallback

logger = logging.getLogger(__name__)

R = TypeVar("R")
TaskFn = Callable[..., R]  # fn(state: TaskState, *args, **kwargs) -> R
# What a worker's fn returns. Covariant (a worker only hands its result out), and a bare ``Worker`` is a
# worker of any result, for code that holds one without reading what it returns.
R_co = TypeVar("R_co", covariant=True, default=object)


class WorkerSignals(QObject):
    """What a worker reports; lives in the thread that created the worker."""

    started = Signal()
    progress = Signal(int, int, str)  # done, total (<= 0: unknown), message
    returned = Signal(object)  # what fn returned: typed through Worker[R].connect
    errored = Signal(Exception)
    finished = Signal()


class _Kind(enum.Enum):
    STARTED = enum.auto()
    PROGRESS = enum.auto()
    RETURNED = enum.auto()
    ERRORED = enum.auto()
    FINISHED = enum.auto()
    DONE = enum.auto()  # private: the run is over (also after a cancel); for the pool's bookkeeping


class _Courier(QObject):
    """Carries events from the pool thread to the creating thread through its event loop."""

    posted = Signal(_Kind, object)  # the payload varies with the kind

    def __init__(self, deliver: Callable[[_Kind, object], None]) -> None:
        super().__init__()
        self._deliver = deliver
        self.posted.connect(self._on_posted, Qt.ConnectionType.QueuedConnection)

    @Slot(_Kind, object)
    def _on_posted(self, kind: _Kind, payload: object) -> None:
        self._deliver(kind, payload)


class Worker(QRunnable, Generic[R_co]):
    """Runs ``fn(state, *args, **kwargs)`` once on a pool thread. Create and start it from the UI thread."""

    def __init__(self, fn: TaskFn[R_co], *args: Any, name: str | None = None, **kwargs: Any) -> None:
        super().__init__()
        self.setAutoDelete(False)  # Python owns it; WorkerPool keeps it referenced until it is done.
        self.name = name or getattr(fn, "__qualname__", repr(fn))
        self.signals = WorkerSignals()
        self._fn = fn
        self._args = args
        self._kwargs = kwargs
        self._courier = _Courier(self._deliver)
        self.state = TaskState(self._post_progress)
        self._on_done: Callable[[Worker], None] | None = None

    @property
    def cancelled(self) -> bool:
        return self.state.cancelled

    def connect(
        self,
        *,
        returned: Callable[[R_co], object] | None = None,
        errored: Callable[[Exception], object] | None = None,
        progress: ProgressCallback[str] | None = None,
        finished: Callable[[], object] | None = None,
    ) -> Worker[R_co]:
        """Connect slots to this worker's signals, typed by what ``fn`` returns; returns the worker."""
        if returned is not None:
            self.signals.returned.connect(returned)
        if errored is not None:
            self.signals.errored.connect(errored)
        if progress is not None:
            self.signals.progress.connect(progress)
        if finished is not None:
            self.signals.finished.connect(finished)
        return self

    def cancel(self) -> None:
        """Ask the work to stop; from now on the worker emits nothing."""
        if not self.state.cancelled:
            logger.debug("Cancelling %s", self.name)
        self.state.cancel()

    def deliver_pending(self) -> None:
        """Deliver the events already queued for this worker now (creating thread only)."""
        QCoreApplication.sendPostedEvents(self._courier, QEvent.Type.MetaCall)

    def run(self) -> None:
        """Qt calls this on a pool thread."""
        try:
            self._post(_Kind.STARTED)
            self.state.check_cancelled()
            result = self._fn(self.state, *self._args, **self._kwargs)
        except OperationCancelledError:
            self.state.cancel()  # also when the work gave up by itself: a cancel all the same
            logger.debug("%s stopped after a cancel", self.name)
        except UserFacingError as exc:
            logger.info("%s failed: %s", self.name, exc)
            self._post(_Kind.ERRORED, exc)
        except Exception as exc:
            logger.exception("Unexpected error in %s", self.name)
            self._post(_Kind.ERRORED, exc)
        else:
            self._post(_Kind.RETURNED, result)
        finally:
            self._post(_Kind.FINISHED)
            self._post(_Kind.DONE)

    def _post_progress(self, done: int, total: int, message: str) -> None:
        self._post(_Kind.PROGRESS, (done, total, message))

    def _post(self, kind: _Kind, payload: object = None) -> None:
        if kind is _Kind.DONE or not self.state.cancelled:
            self._courier.posted.emit(kind, payload)

    def _deliver(self, kind: _Kind, payload: object) -> None:
        if kind is _Kind.DONE:
            if self._on_done is not None:
                self._on_done(self)
            return
        if self.state.cancelled:
            return
        if kind is _Kind.STARTED:
            self.signals.started.emit()
        elif kind is _Kind.PROGRESS:
            done, total, message = cast("tuple[int, int, str]", payload)
            self.signals.progress.emit(done, total, message)
        elif kind is _Kind.RETURNED:
            self.signals.returned.emit(payload)
        elif kind is _Kind.ERRORED:
            self.signals.errored.emit(payload)
        elif kind is _Kind.FINISHED:
            self.signals.finished.emit()


class WorkerPool:
    """Owns a ``QThreadPool`` and keeps every running worker referenced until its run is over."""

    def __init__(self, max_threads: int | None = None) -> None:
        self._pool = QThreadPool()
        if max_threads is not None:
            self._pool.setMaxThreadCount(max_threads)
        self._running: set[Worker] = set()
        # Workers whose last event arrived: their pool thread may still be unwinding run(), so they are
        # released one step later (next submit, next finished worker, or wait_for_done), never mid-return.
        self._retired: list[Worker] = []

    @property
    def active_count(self) -> int:
        """Workers started and not yet done."""
        return len(self._running)

    def submit(self, fn: TaskFn[R], *args: Any, name: str | None = None, **kwargs: Any) -> Worker[R]:
        """Start ``fn(state, *args, **kwargs)`` on the pool; connect to it afterwards (:meth:`Worker.connect`)."""
        worker = Worker(fn, *args, name=name, **kwargs)
        self.start(worker)
        return worker

    def start(self, worker: Worker) -> None:
        self._retired.clear()
        worker._on_done = self._worker_done
        self._running.add(worker)
        self._pool.start(worker)

    def cancel_all(self) -> None:
        for worker in list(self._running):
            worker.cancel()

    def wait_for_done(self, msecs: int = -1) -> bool:
        """Block until every run is over (``-1``: no limit); ``False`` on timeout. For shutdown and tests."""
        if not self._pool.waitForDone(msecs):
            logger.warning("%d background task(s) still running after %d ms", self.active_count, msecs)
            return False
        # The runs are over; hand out what they left queued now, in order, so every worker is released.
        for worker in list(self._running):
            worker.deliver_pending()
        self._retired.clear()
        return True

    def _worker_done(self, worker: Worker) -> None:
        self._retired.clear()
        self._running.discard(worker)
        self._retired.append(worker)
