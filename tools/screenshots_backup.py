"""Render the backup panel offscreen: ``.venv/bin/python tools/screenshots_backup.py [--out DIR]``.

A throwaway installation (embedded PostgreSQL in a temp folder, removed afterwards) with one shared clip
ingested: the panel on an empty backup folder, then after two backups through the panel (the second, with the
media, replaces the first by the rotation: one a day) beside a copy dated the day before whose dump was changed
afterwards, which the list shows as damaged. Light and dark.
"""

from __future__ import annotations

import logging
import os
import shutil
import sys
import tempfile
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

os.environ["QT_QPA_PLATFORM"] = "offscreen"
os.environ["CT_TESTS_ALLOW_WEAK_BCRYPT"] = "1"
os.environ["CHRONOTRACE_BCRYPT_ROUNDS"] = "4"
os.environ.setdefault("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from chronotrace_desktop.domain.ingest import IngestOptions
from chronotrace_desktop.domain.tasks import Unattended
from chronotrace_desktop.services.backup import backup_name, backup_time
from chronotrace_desktop.ui.admin.backup_panel import BackupPanel
from chronotrace_desktop.workers.base import WorkerPool
from tools.screenshots import _dark_palette, _save, _settle, on_a_throwaway_installation

if TYPE_CHECKING:
    from chronotrace_desktop.services.app import AppServices
    from chronotrace_desktop.ui.qt import QApplication

logger = logging.getLogger("screenshots")

ADMIN = ("ada.lovelace@police.example", "correct horse battery staple")
CLIP = Path(__file__).resolve().parents[2] / "shared" / "data" / "videos" / "bottle-detection.mp4"


def _listed(app: QApplication, panel: BackupPanel) -> None:
    done: list[bool] = []
    panel.refreshed.connect(lambda: done.append(True))
    panel.refresh()
    _settle(app, lambda: bool(done), timeout=120)


def _back_up(app: QApplication, panel: BackupPanel, media: bool) -> None:
    finished: list[object] = []
    panel.backup_finished.connect(finished.append)
    panel.media_box.setChecked(media)
    panel.start_backup()
    _settle(app, lambda: bool(finished) and panel._run is None, timeout=300)
    _listed(app, panel)


def _shoot(app: QApplication, services: AppServices, out: Path) -> None:
    services.installation.create_first_admin(*ADMIN, "Ada Lovelace")
    admin = services.auth.login(*ADMIN)
    services.ingest.ingest_paths(
        admin, [CLIP], IngestOptions("CAM-SHELF", "Store", datetime(2024, 3, 1, 9)), Unattended()
    )
    folder = Path(tempfile.mkdtemp(prefix="chronotrace-backups-"))
    pool = WorkerPool()
    light = app.palette()
    panel = BackupPanel(services, admin, pool)
    panel.resize(900, 520)
    panel.show()
    panel.set_folder(folder)
    _listed(app, panel)
    _save(app, panel, out, "backup-empty")
    _back_up(app, panel, media=False)
    first = sorted(folder.iterdir())[0]
    yesterday = folder / backup_name(backup_time(first.name) - timedelta(days=1))  # type: ignore[operator]
    shutil.copytree(first, yesterday)
    damaged = yesterday / "database.dump"
    data = bytearray(damaged.read_bytes())
    data[100] ^= 0xFF
    damaged.write_bytes(bytes(data))
    _back_up(app, panel, media=True)
    panel.table.selectRow(0)
    for suffix, palette in (("", light), ("-dark", _dark_palette())):
        app.setPalette(palette)
        _save(app, panel, out, f"backup-list{suffix}")
    app.setPalette(light)
    panel.close()
    pool.wait_for_done(10_000)


def main() -> int:
    return on_a_throwaway_installation(__doc__ or "", _shoot)


if __name__ == "__main__":
    raise SystemExit(main())
