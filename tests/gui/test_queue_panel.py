"""The team's ingest queue panel (issue 19): files queued from the desktop, their status, worker and progress,
refreshed off the GUI thread; cancel from the desktop. The queue lives in the installation's PostgreSQL (0018);
a worker's rows are written with the worker's own store functions, as a running ``chronotrace worker`` does."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import sqlalchemy as sa

from chronotrace_desktop.config import Profile
from chronotrace_desktop.domain.ingest import IngestOptions
from chronotrace_desktop.services.jobs import store
from chronotrace_desktop.ui.models.queue_model import FILE, PROGRESS, STATUS, WORKER, FractionRole
from chronotrace_desktop.ui.panes.library_pane import LibraryPane
from chronotrace_desktop.ui.panes.queue_panel import QueuePanel
from chronotrace_desktop.ui.qt import QColor, QPalette
from tests.gui.conftest import VIDEOS_DIR


def test_queue_panel_shows_queued_running_and_cancelled_files(
    qtbot, qtmodeltester, services, admin, pool, tmp_path: Path
) -> None:
    panel = QueuePanel(services.jobs, admin, pool)
    qtbot.addWidget(panel)
    panel.resize(900, 260)
    panel.show()
    clips = [VIDEOS_DIR / "car-detection.mp4", VIDEOS_DIR / "bottle-detection.mp4"]
    panel.enqueue(clips, IngestOptions())
    qtbot.waitUntil(lambda: panel.model.rowCount() == 2, timeout=15_000)
    qtmodeltester.check(panel.model)
    assert {panel.model.index(r, STATUS).data() for r in range(2)} == {"queued"}

    # A worker takes the car clip and has written 1 of its 2 segments.
    car = next(j for j in panel.model.rows if j.path.endswith("car-detection.mp4"))
    worker_id = uuid.uuid4()
    with services.database.transaction() as session:
        store.register_worker(session, worker_id, "node-7", 4242, 1)
        session.execute(
            sa.text("UPDATE procrastinate_jobs SET status = 'doing' WHERE id = :id"), {"id": car.id}
        )
        store.record_progress(
            session, car.id, worker_id=worker_id, path=car.path, stage="segments", done=1, total=2
        )
    panel.refresh()
    qtbot.waitUntil(
        lambda: panel.model.index(_row(panel, car.id), STATUS).data() == "running", timeout=15_000
    )
    row = _row(panel, car.id)
    assert panel.model.index(row, WORKER).data() == "node-7:4242"
    assert panel.model.index(row, PROGRESS).data() == "1/2 segments"
    assert panel.model.index(row, PROGRESS).data(FractionRole) == 0.5

    # Cancel the bottle clip, still waiting, from the desktop.
    bottle = next(j for j in panel.model.rows if j.path.endswith("bottle-detection.mp4"))
    panel.table.selectRow(_row(panel, bottle.id))
    assert panel.cancel_button.isEnabled()
    panel.cancel_selected()
    qtbot.waitUntil(
        lambda: panel.model.index(_row(panel, bottle.id), STATUS).data() == "cancelled", timeout=15_000
    )
    assert panel.model.index(_row(panel, bottle.id), FILE).data() == "bottle-detection.mp4"

    folder = Path(os.environ.get("QUEUE_PANEL_SCREENSHOTS", tmp_path))
    folder.mkdir(parents=True, exist_ok=True)
    assert panel.grab().save(str(folder / "queue_panel_light.png"))
    dark = QPalette(panel.palette())
    for role, colour in ((QPalette.ColorRole.Window, "#353535"), (QPalette.ColorRole.Base, "#262626"),
                         (QPalette.ColorRole.AlternateBase, "#303030"), (QPalette.ColorRole.Text, "#eeeeee"),
                         (QPalette.ColorRole.WindowText, "#eeeeee"), (QPalette.ColorRole.Button, "#404040"),
                         (QPalette.ColorRole.ButtonText, "#eeeeee")):  # fmt: skip
        dark.setColor(role, QColor(colour))
    panel.setPalette(dark)
    assert panel.grab().save(str(folder / "queue_panel_dark.png"))


def _row(panel: QueuePanel, job_id: int) -> int:
    return next(r for r, job in enumerate(panel.model.rows) if job.id == job_id)


def test_team_library_queues_added_files_instead_of_ingesting_them(qtbot, services, admin, pool) -> None:
    """The library pane of a team installation (its settings' profile; the store here is the embedded one)."""
    services.settings = services.settings.model_copy(update={"profile": Profile.TEAM})
    pane = LibraryPane(services, admin, pool)
    qtbot.addWidget(pane)
    assert pane.queue_panel is not None
    pane.start_ingest([VIDEOS_DIR / "car-detection.mp4"], IngestOptions())
    qtbot.waitUntil(
        lambda: pane.queue_panel is not None and pane.queue_panel.model.rowCount() == 1, timeout=15_000
    )
    assert not pane.ingest_panel.running
    assert services.jobs.jobs(admin)[0].path.endswith("car-detection.mp4")
