"""Render the investigation workspace offscreen: ``.venv/bin/python tools/screenshots_workspace.py [--out DIR]``.

A throwaway installation (embedded PostgreSQL in a temp folder, removed afterwards) with four shared clips on
four cameras whose footage overlaps on one clock, a case holding them, two bookmarks and a search: the whole
window working in the case, the timeline, the bookmarks list, the case dialog and the multi-camera grid playing
four cameras. Light and dark.
"""

from __future__ import annotations

import logging
import os
import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

os.environ["QT_QPA_PLATFORM"] = "offscreen"
os.environ["CT_TESTS_ALLOW_WEAK_BCRYPT"] = "1"
os.environ["CHRONOTRACE_BCRYPT_ROUNDS"] = "4"
os.environ.setdefault("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from chronotrace_desktop.domain.ingest import IngestOptions
from chronotrace_desktop.domain.media import Box
from chronotrace_desktop.domain.tasks import Unattended
from chronotrace_desktop.services.cases import NewBookmark
from chronotrace_desktop.ui.dialogs.case_dialog import CaseDialog
from chronotrace_desktop.ui.qt import QApplication, QSettings
from chronotrace_desktop.ui.window import MainWindow
from tools.screenshots import SHARED_VIDEOS, _dark_palette, _save, _settle, on_a_throwaway_installation

if TYPE_CHECKING:
    from chronotrace_desktop.services.app import AppServices

logger = logging.getLogger("screenshots")

ADMIN = ("ada.lovelace@police.example", "correct horse battery staple")
START = datetime(2024, 2, 9, 14, 30)
CAMERAS = (  # clip, camera, seconds after START
    ("one-by-one-person-detection.mp4", "CAM-01", 0),
    ("face-demographics-walking.gif", "CAM-02", 4),
    ("car-detection.mp4", "CAM-03", 2),
    ("store-aisle-detection.gif", "CAM-04", 40),
)


def _prepare(services: AppServices) -> str:
    services.installation.create_first_admin(*ADMIN, "Ada Lovelace")
    admin = services.auth.login(*ADMIN)
    ids = []
    for clip, camera, after in CAMERAS:
        options = IngestOptions(
            camera_id=camera, location="Depot", recorded_at=START + timedelta(seconds=after)
        )
        (result,) = services.ingest.ingest_paths(admin, [SHARED_VIDEOS / clip], options, Unattended())
        assert result.video_id is not None, result
        ids.append(result.video_id)
    case = services.cases.create(
        admin, "Depot robbery, 9 February", notes="Man in a dark jacket, about 14:30"
    )
    services.cases.add_videos(admin, case.case_id, ids)
    services.cases.set_hold(admin, case.case_id, "Court order 17/2024")
    services.bookmarks.create(
        admin,
        NewBookmark(
            ids[0], 3.0, note="Man enters from the left", box=Box(0.3, 0.2, 0.2, 0.6), case_id=case.case_id
        ),
    )
    services.bookmarks.create(
        admin, NewBookmark(ids[2], 8.0, note="Dark car stops by the gate", case_id=case.case_id)
    )
    return case.case_id


def _render(app: QApplication, services: AppServices, case_id: str, out: Path, suffix: str) -> None:
    actor = services.auth.login(*ADMIN)
    ini = services.paths.data_dir / f"ui{suffix}.ini"  # a first run's layout, not one saved by an earlier run
    settings = QSettings(str(ini), QSettings.Format.IniFormat)
    settings.setValue("workspace/case", case_id)
    window = MainWindow(services, actor, settings=settings)
    window.resize(1600, 1000)
    window.show()
    window.player_pane.autoplay = False
    _settle(app, lambda: window.workspace.current == case_id, timeout=30)
    search = window.search_pane
    search.query_combo.setEditText("person walking")
    search.run_text_search()
    _settle(app, lambda: search.last_result is not None, timeout=60)
    _settle(app, lambda: window.pool.active_count == 0, timeout=60)
    _save(app, window, out, f"workspace-window{suffix}")
    _save(app, window.timeline_pane, out, f"workspace-timeline{suffix}")
    window.docks["bookmarks"].raise_()
    _save(app, window.bookmarks_pane, out, f"workspace-bookmarks{suffix}")

    dialog = CaseDialog(actor, window.workspace.current_case, window)
    dialog.show()
    _save(app, dialog, out, f"workspace-case-dialog{suffix}")
    dialog.close()

    window.docks["multicam"].raise_()
    pane = window.multicam_pane
    pane.resize(1000, 720)
    pane.open_cameras([camera for _, camera, _ in CAMERAS], at=START + timedelta(seconds=6))
    grid = pane.grid
    _settle(app, lambda: bool(grid.cells) and all(c.ready for c in grid.cells), timeout=120)
    _save(app, window, out, f"workspace-multicam{suffix}")
    window.close()
    _settle(app, lambda: window.pool.active_count == 0, timeout=30)


def _shoot(app: QApplication, services: AppServices, out: Path) -> None:
    case_id = _prepare(services)
    _render(app, services, case_id, out, "")
    app.setPalette(_dark_palette())
    _render(app, services, case_id, out, "-dark")


def main() -> int:
    return on_a_throwaway_installation(__doc__ or "", _shoot)


if __name__ == "__main__":
    raise SystemExit(main())
