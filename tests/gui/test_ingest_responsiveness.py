"""A real ingest through the library pane while a watchdog timer measures the longest event-loop stall.

The goal is no stall over 50 ms (the issue's figure); the assertion allows a margin for a loaded CI machine
and the measured figure is printed, so a regression shows long before it fails.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from chronotrace_desktop.domain.ingest import IngestOptions, IngestStatus
from chronotrace_desktop.ui.models.library_model import STATUS
from chronotrace_desktop.ui.panes.library_pane import LibraryPane
from chronotrace_desktop.ui.qt import QTimer
from tests.gui.conftest import VIDEOS_DIR

TICK_MS = 10
GOAL_MS = 50
LIMIT_MS = 250  # fails only on a real regression; the figure itself is reported
STALL_REPORT = Path(tempfile.gettempdir()) / "chronotrace-gui-stall.txt"


class Watchdog:
    """Counts how late a 10 ms timer fires: the longest gap between ticks, minus the tick."""

    def __init__(self) -> None:
        self.timer = QTimer()
        self.timer.setInterval(TICK_MS)
        self.timer.timeout.connect(self._tick)
        self.last = 0.0
        self.worst_ms = 0.0
        self.gaps: list[float] = []

    def start(self) -> None:
        self.last = time.perf_counter()
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()

    def _tick(self) -> None:
        now = time.perf_counter()
        late = (now - self.last) * 1000 - TICK_MS
        self.gaps.append(late)
        self.worst_ms = max(self.worst_ms, late)
        self.last = now


def test_ingest_keeps_the_window_responsive(
    qtbot, services, admin, pool, tmp_path, capsys, record_property
) -> None:
    broken = tmp_path / "broken-camera-dump.mp4"
    broken.write_bytes(b"this is not a video, just bytes with a video name\n" * 200)
    clips = [VIDEOS_DIR / "car-detection.mp4", VIDEOS_DIR / "video02.avi", broken]

    pane = LibraryPane(services, admin, pool)
    qtbot.addWidget(pane)
    pane.resize(1000, 600)
    pane.show()
    qtbot.waitUntil(lambda: not pane.model.loading, timeout=10_000)

    statuses_seen: set[str] = set()
    pane.model.dataChanged.connect(
        lambda top, bottom, _roles=(): statuses_seen.update(
            str(pane.model.index(r, STATUS).data()) for r in range(top.row(), bottom.row() + 1)
        )
    )
    watchdog = Watchdog()
    watchdog.start()
    started = time.perf_counter()
    with qtbot.waitSignal(pane.ingest_panel.ingest_finished, timeout=240_000) as finished:
        pane.start_ingest(clips, IngestOptions(camera_id="CAM-01", location="Depot"))
    elapsed = time.perf_counter() - started
    watchdog.stop()

    results = {r.path.name: r for r in finished.args[0]}
    assert results["car-detection.mp4"].status is IngestStatus.COMPLETED
    assert results["video02.avi"].status is IngestStatus.COMPLETED
    assert results[broken.name].status is IngestStatus.FAILED
    panel = pane.ingest_panel
    failed_row = next(
        r for r in range(panel.model.rowCount()) if panel.model.index(r, 0).data() == broken.name
    )
    assert panel.model.index(failed_row, 2).data().startswith("failed: ")
    assert panel.overall_bar.value() == 1000
    assert any(text.startswith("processing") for text in statuses_seen), statuses_seen
    qtbot.waitUntil(lambda: pane.proxy.rowCount() == 3, timeout=10_000)
    qtbot.waitUntil(
        lambda: (
            sorted(str(pane.model.index(r, STATUS).data()) for r in range(3))
            == ["completed", "completed", "failed"]
        ),
        timeout=10_000,
    )

    gaps = sorted(watchdog.gaps)
    p99 = gaps[int(len(gaps) * 0.99)] if gaps else 0.0
    record_property("max_stall_ms", round(watchdog.worst_ms, 1))
    report = (
        f"[responsiveness] ingest of 3 files took {elapsed:.1f} s; longest event-loop stall "
        f"{watchdog.worst_ms:.1f} ms (99th percentile {p99:.1f} ms, {len(gaps)} ticks of {TICK_MS} ms; "
        f"goal <= {GOAL_MS} ms)"
    )
    STALL_REPORT.write_text(report + "\n")
    with capsys.disabled():
        sys.stderr.write(f"\n{report}\n")
    assert watchdog.worst_ms <= LIMIT_MS


def test_cancel_stops_the_ingest_and_says_so(qtbot, services, admin, pool) -> None:
    pane = LibraryPane(services, admin, pool)
    qtbot.addWidget(pane)
    pane.show()
    panel = pane.ingest_panel
    with qtbot.waitSignal(panel.file_progressed, timeout=60_000):
        pane.start_ingest([VIDEOS_DIR / "video02.avi"], IngestOptions())
    with qtbot.waitSignal(panel.ingest_finished, timeout=120_000) as finished:
        panel.cancel()
        assert not panel.cancel_button.isEnabled()
    [result] = finished.args[0]
    assert result.status in (IngestStatus.CANCELLED, IngestStatus.COMPLETED)  # it may finish first
    if result.status is IngestStatus.CANCELLED:
        assert "cancelled" in panel.title_label.text()
