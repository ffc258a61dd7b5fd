"""Render the Administration window's maintenance panel offscreen: ``.venv/bin/python
tools/screenshots_maintenance.py [--out DIR]``.

A throwaway installation (embedded PostgreSQL in a temp folder, removed afterwards): the panel as an
administrator first sees it (every task due), then after "Run all now" (history, next due dates). Light and dark.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

os.environ["QT_QPA_PLATFORM"] = "offscreen"
os.environ["CT_TESTS_ALLOW_WEAK_BCRYPT"] = "1"
os.environ["CHRONOTRACE_BCRYPT_ROUNDS"] = "4"
os.environ.setdefault("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from chronotrace_desktop.ui.admin.maintenance_panel import MaintenancePanel
from chronotrace_desktop.workers.base import WorkerPool
from tools.screenshots import _dark_palette, _save, _settle, on_a_throwaway_installation

if TYPE_CHECKING:
    from chronotrace_desktop.services.app import AppServices
    from chronotrace_desktop.ui.qt import QApplication

logger = logging.getLogger("screenshots")

ADMIN = ("ada.lovelace@police.example", "correct horse battery staple")


def _shoot(app: QApplication, services: AppServices, out: Path) -> None:
    services.installation.create_first_admin(*ADMIN, "Ada Lovelace")
    admin = services.auth.login(*ADMIN)
    pool = WorkerPool()
    for suffix in ("", "-dark"):
        if suffix:
            app.setPalette(_dark_palette())
        panel = MaintenancePanel(services, admin, pool)
        panel.resize(980, 620)
        panel.show()
        _settle(app, lambda p=panel: p.schedule_model.rowCount() > 0)  # type: ignore[misc]
        _save(app, panel, out, f"admin-maintenance{suffix}")
        panel.run_tasks(due_only=False)
        _settle(app, lambda p=panel: p.history_model.rowCount() >= 5, timeout=120)  # type: ignore[misc]
        _save(app, panel, out, f"admin-maintenance-run{suffix}")
        panel.close()
    pool.wait_for_done(10_000)


def main() -> int:
    return on_a_throwaway_installation(__doc__ or "", _shoot)


if __name__ == "__main__":
    raise SystemExit(main())
