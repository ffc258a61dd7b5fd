"""Python's cyclic garbage collection, moved to the GUI thread.

The collector runs in whichever thread happens to allocate when a generation's threshold is crossed. When
that is a worker thread (a service call on the pool) and the cycle being freed holds a Qt object's
wrapper (a widget whose signal is connected to a lambda over itself, say), the C++ object is destroyed off
the GUI thread and the process crashes (seen: a segfault in ``gc`` on a ``camera_access`` worker while a
dialog closed). So automatic collection is switched off and this object collects on the GUI thread, on a
timer, honouring the same generation thresholds: the same work, in the one thread Qt allows.
"""

from __future__ import annotations

import gc
import logging

from chronotrace_desktop.ui.qt import QObject, QTimer

logger = logging.getLogger(__name__)

INTERVAL_MS = 500


class MainThreadGarbageCollector(QObject):
    """Install once per application (``install``); ``uninstall`` gives collection back to Python."""

    def __init__(self, parent: QObject | None = None, interval_ms: int = INTERVAL_MS) -> None:
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.collect_due)

    def install(self) -> None:
        gc.disable()
        self._timer.start()

    def uninstall(self) -> None:
        self._timer.stop()
        gc.enable()

    def collect_due(self) -> int:
        """Collect the oldest generation whose threshold was crossed (as Python would have); objects freed."""
        counts, thresholds = gc.get_count(), gc.get_threshold()
        generation = -1
        for level in range(3):
            if counts[level] > thresholds[level]:
                generation = level
        if generation < 0:
            return 0
        freed = gc.collect(generation)
        if generation == 2:
            logger.debug("Full garbage collection on the GUI thread: %d object(s)", freed)
        return freed


def install_gc_guard(app: QObject) -> MainThreadGarbageCollector:
    """Collect on ``app``'s thread from now on (idempotent: one collector per application)."""
    existing = app.findChild(MainThreadGarbageCollector)
    if isinstance(existing, MainThreadGarbageCollector):
        return existing
    guard = MainThreadGarbageCollector(app)
    guard.install()
    return guard
