"""The worker pattern: signals in order, errors by blame, silence after a cancel, waiting at teardown."""

from __future__ import annotations

import logging
import threading

import pytest

from chronotrace_desktop.domain.errors import EnvironmentProblemError, OperationCancelledError
from chronotrace_desktop.workers.base import WorkerPool
from chronotrace_desktop.workers.task_state import TaskState


def _count_to(state: TaskState, n: int) -> int:
    for i in range(n):
        state.check_cancelled()
        state.progress(i + 1, n, f"step {i + 1}")
    return n * 10


def test_worker_reports_progress_and_returns(qtbot, pool: WorkerPool) -> None:
    worker = pool.submit(_count_to, 3)
    events: list[object] = []
    worker.signals.started.connect(lambda: events.append("started"))
    worker.signals.progress.connect(lambda done, total, msg: events.append((done, total, msg)))
    worker.signals.returned.connect(lambda result: events.append(("returned", result)))
    worker.signals.finished.connect(lambda: events.append("finished"))

    with qtbot.waitSignal(worker.signals.finished, timeout=5_000):
        pass

    assert events[0] == "started"
    assert events[-2:] == [("returned", 30), "finished"]
    # Throttled: the first and the last progress always arrive, the steps in between may be dropped.
    progress = [e for e in events if isinstance(e, tuple) and len(e) == 3]
    assert progress[0] == (1, 3, "step 1")
    assert progress[-1] == (3, 3, "step 3")


def test_user_facing_error_is_reported_without_traceback(qtbot, pool: WorkerPool, caplog) -> None:
    def fail(state: TaskState) -> None:
        raise EnvironmentProblemError("the database cannot start: port in use")

    worker = pool.submit(fail)
    returned: list[object] = []
    worker.signals.returned.connect(returned.append)
    with qtbot.waitSignal(worker.signals.errored, timeout=5_000) as blocker:
        pass

    assert isinstance(blocker.args[0], EnvironmentProblemError)
    assert returned == []
    assert not [r for r in caplog.records if r.exc_info]


def test_bug_is_logged_with_traceback(qtbot, pool: WorkerPool, caplog) -> None:
    def buggy(state: TaskState) -> None:
        raise KeyError("oops")

    caplog.set_level(logging.ERROR, logger="chronotrace_desktop.workers.base")
    worker = pool.submit(buggy)
    with qtbot.waitSignal(worker.signals.errored, timeout=5_000) as blocker:
        pass

    assert isinstance(blocker.args[0], KeyError)
    assert blocker.args[0].__traceback__ is not None
    logged = [r for r in caplog.records if r.exc_info]
    assert logged
    assert "buggy" in logged[0].getMessage()


def test_nothing_is_emitted_after_cancel(qtbot, pool: WorkerPool) -> None:
    release = threading.Event()

    def busy(state: TaskState) -> str:
        i = 0
        while not release.is_set():
            i += 1
            state.progress(i, 0, "busy")  # unknown total: throttled, never "the last"
            release.wait(0.001)
        # Keeps reporting after the cancel, then ends normally: none of it may reach the UI.
        for j in range(50):
            state.progress(j, 50)
        return "result"

    worker = pool.submit(busy)
    after_cancel: list[object] = []
    with qtbot.waitSignal(worker.signals.progress, timeout=5_000):
        pass
    worker.cancel()
    for signal in (worker.signals.progress, worker.signals.returned, worker.signals.errored):
        signal.connect(lambda *args: after_cancel.append(args))
    worker.signals.finished.connect(lambda: after_cancel.append("finished"))
    release.set()

    assert pool.wait_for_done(5_000)
    qtbot.wait(50)
    assert after_cancel == []
    assert worker.cancelled


def test_work_that_gives_up_is_a_cancel_not_an_error(qtbot, pool: WorkerPool) -> None:
    def gives_up(state: TaskState) -> None:
        raise OperationCancelledError("stopped")

    worker = pool.submit(gives_up)
    seen: list[object] = []
    worker.signals.errored.connect(seen.append)
    worker.signals.finished.connect(lambda: seen.append("finished"))
    assert pool.wait_for_done(5_000)
    qtbot.wait(20)
    assert seen == []
    assert worker.cancelled


def test_pool_keeps_workers_until_done_and_waits(qtbot) -> None:
    gate = threading.Event()
    pool = WorkerPool(max_threads=2)
    workers = [pool.submit(lambda state: gate.wait(5)) for _ in range(3)]
    assert pool.active_count == 3
    assert not pool.wait_for_done(50)  # still blocked: a timeout, not a hang

    gate.set()
    assert pool.wait_for_done(5_000)
    assert pool.active_count == 0
    assert all(not w.cancelled for w in workers)


@pytest.mark.parametrize("cancel_first", [True, False])
def test_task_state_is_plain_python(cancel_first: bool) -> None:
    sent: list[tuple[int, int, str]] = []
    now = [0.0]
    state = TaskState(lambda d, t, m: sent.append((d, t, m)), clock=lambda: now[0])
    if cancel_first:
        state.cancel()
        with pytest.raises(OperationCancelledError):
            state.check_cancelled()
        state.progress(1, 2)
        assert sent == []
        return
    for i in range(1, 101):
        now[0] = i * 0.001  # 100 updates within 0.1 s
        state.progress(i, 100)
    # ~20 a second: at most one every 50 ms, plus the last one.
    assert sent[0] == (1, 100, "")
    assert sent[-1] == (100, 100, "")
    assert len(sent) <= 4
    state.check_cancelled()  # no cancel asked: no error
