"""Cyclic garbage is collected on the GUI thread only (a worker freeing a Qt wrapper crashes the process)."""

from __future__ import annotations

import gc
import threading

from chronotrace_desktop.ui.gc_guard import MainThreadGarbageCollector, install_gc_guard
from chronotrace_desktop.ui.qt import QObject


class _Cycle:
    def __init__(self) -> None:
        self.me = self


def test_the_application_has_one_collector_and_automatic_collection_is_off(qapp) -> None:
    guard = install_gc_guard(qapp)
    assert install_gc_guard(qapp) is guard
    assert not gc.isenabled()


def test_cycles_made_on_a_worker_are_freed_on_the_gui_thread(qtbot) -> None:
    freed_in: list[str] = []

    class Watched(_Cycle):
        def __del__(self) -> None:
            freed_in.append(threading.current_thread().name)

    def worker() -> None:
        Watched()  # a cycle: only the collector can free it
        for _ in range(gc.get_threshold()[0] * 3):
            _Cycle()  # allocations that would have triggered a collection on this thread

    thread = threading.Thread(target=worker, name="worker")
    thread.start()
    thread.join()
    assert freed_in == []
    qtbot.waitUntil(lambda: bool(freed_in), timeout=5_000)  # the guard's timer, not this test, collects
    assert freed_in == [threading.main_thread().name]


def test_collect_due_follows_the_generation_thresholds() -> None:
    guard = MainThreadGarbageCollector(QObject())
    gc.collect()
    assert guard.collect_due() == 0  # nothing crossed a threshold just after a full collection
    for _ in range(gc.get_threshold()[0] + 10):
        _Cycle()
    assert guard.collect_due() > 0
