"""Render the GUI offscreen to PNGs for review: ``.venv/bin/python tools/screenshots.py [--out DIR]``.

Uses the real services on a throwaway installation (embedded PostgreSQL in a temp folder, removed afterwards),
so what is shown is what a detective sees on a first run and after signing in. Light and dark schemes both.
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

os.environ["QT_QPA_PLATFORM"] = "offscreen"  # before any QApplication; never pops windows up
os.environ["CHRONOTRACE_BCRYPT_ROUNDS"] = "4"
os.environ.setdefault("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from chronotrace_desktop.config import load_settings, resolve_paths
from chronotrace_desktop.domain.errors import EnvironmentProblemError
from chronotrace_desktop.services.app import AppServices, open_app
from chronotrace_desktop.ui.app import StartupSplash, create_application
from chronotrace_desktop.ui.errors import error_box
from chronotrace_desktop.ui.login_dialog import LoginDialog
from chronotrace_desktop.ui.main_window import MainWindow
from chronotrace_desktop.ui.qt import QApplication, QColor, QPalette, QSettings, QWidget
from chronotrace_desktop.ui.qtlog import install_qt_message_handler
from chronotrace_desktop.workers.base import WorkerPool

if TYPE_CHECKING:
    from collections.abc import Callable

logger = logging.getLogger("screenshots")

ADMIN_EMAIL = "ada.lovelace@police.example"
ADMIN_PASSWORD = "correct horse battery staple"


def _dark_palette() -> QPalette:
    """What a dark desktop hands Fusion (the offscreen platform has no colour scheme of its own)."""
    role = QPalette.ColorRole
    palette = QPalette()
    colours = {
        role.Window: "#353535",
        role.WindowText: "#eeeeee",
        role.Base: "#262626",
        role.AlternateBase: "#2e2e2e",
        role.Text: "#eeeeee",
        role.PlaceholderText: "#9a9a9a",
        role.Button: "#3a3a3a",
        role.ButtonText: "#eeeeee",
        role.BrightText: "#ff6b6b",
        role.Highlight: "#2f7bd6",
        role.HighlightedText: "#ffffff",
        role.ToolTipBase: "#3a3a3a",
        role.ToolTipText: "#eeeeee",
        role.Link: "#6aa8f0",
        role.Light: "#505050",
        role.Midlight: "#444444",
        role.Mid: "#2b2b2b",
        role.Dark: "#1f1f1f",
        role.Shadow: "#141414",
    }
    for colour_role, name in colours.items():
        palette.setColor(colour_role, QColor(name))
    for colour_role in (role.WindowText, role.Text, role.ButtonText):
        palette.setColor(QPalette.ColorGroup.Disabled, colour_role, QColor("#7a7a7a"))
    return palette


def _settle(app: QApplication, until: Callable[[], bool] = lambda: True, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        app.processEvents()
        if until():
            break
        if time.monotonic() > deadline:
            raise TimeoutError("the GUI did not reach the expected state")
        time.sleep(0.01)
    for _ in range(5):  # let layouts and repaints finish
        app.processEvents()


def _save(app: QApplication, widget: QWidget, out: Path, name: str) -> None:
    _settle(app)
    path = out / f"{name}.png"
    if not widget.grab().save(str(path)):
        raise OSError(f"could not write {path}")
    logger.info("wrote %s (%dx%d)", path, widget.width(), widget.height())


def _render_scheme(app: QApplication, services: AppServices, out: Path, suffix: str) -> None:
    pool = WorkerPool()
    inst = services.installation

    splash = StartupSplash()
    splash.show()
    _save(app, splash, out, f"splash{suffix}")
    splash.finish()

    first = inst.needs_first_admin()
    dialog = LoginDialog(services.auth, inst, pool, first_run=first)
    dialog.show()
    if first:
        _save(app, dialog, out, f"login-first-run{suffix}")
        dialog.email_edit.setText(ADMIN_EMAIL)
        dialog.full_name_edit.setText("Ada Lovelace")
        dialog.password_edit.setText("short")
        dialog.confirm_edit.setText("short")
        dialog.submit()
        _save(app, dialog, out, f"login-first-run-error{suffix}")
        dialog.password_edit.setText(ADMIN_PASSWORD)
        dialog.confirm_edit.setText(ADMIN_PASSWORD)
        dialog.submit()
        _settle(app, lambda: dialog.actor is not None)
        dialog.set_first_run(False)
        dialog.show()
    else:  # the installation has its administrator by now: show the set-up mode all the same
        dialog.set_first_run(True)
        _save(app, dialog, out, f"login-first-run{suffix}")
        dialog.set_first_run(False)

    dialog.show_error(None)
    dialog.email_edit.setText(ADMIN_EMAIL)
    dialog.password_edit.clear()
    _save(app, dialog, out, f"login-sign-in{suffix}")
    dialog.password_edit.setText("not my password")
    dialog.submit()
    _settle(app, lambda: not dialog.busy)
    _save(app, dialog, out, f"login-sign-in-error{suffix}")
    dialog.close()

    actor = services.auth.login(ADMIN_EMAIL, ADMIN_PASSWORD)
    settings = QSettings(str(out / f".screenshots{suffix}.ini"), QSettings.Format.IniFormat)
    settings.clear()
    window = MainWindow(services, actor, pool=pool, settings=settings)
    window.resize(1280, 800)
    window.show()
    _save(app, window, out, f"main-window{suffix}")
    window.docks["search"].hide()
    window.docks["anomalies"].hide()
    _save(app, window, out, f"main-window-two-panes{suffix}")
    window.reset_layout()
    box = window.show_settings()
    _save(app, box, out, f"settings{suffix}")
    box.close()
    window.close()
    settings.clear()
    Path(settings.fileName()).unlink(missing_ok=True)

    failed = error_box(
        None,
        EnvironmentProblemError(
            "The local database in /home/ada/.local/share/ChronoTrace/postgres could not be started "
            "(No space left on device). Its log is /home/ada/.local/share/ChronoTrace/postgres/log."
        ),
        title="ChronoTrace cannot start",
        heading="ChronoTrace cannot start.",
        hint="Run 'chronotrace doctor' in a terminal for a full check.",
    )
    failed.show()
    _save(app, failed, out, f"startup-error{suffix}")
    failed.close()
    pool.wait_for_done(10_000)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parents[1] / "screenshots")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(name)s: %(message)s")
    logger.setLevel(logging.INFO)
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)

    install_qt_message_handler()
    app = create_application(["screenshots"])
    data_dir = Path(tempfile.mkdtemp(prefix="chronotrace-screenshots-"))
    paths = resolve_paths(data_dir)
    services = open_app(load_settings(paths), paths)
    try:
        _render_scheme(app, services, out, "")
        app.setPalette(_dark_palette())
        _render_scheme(app, services, out, "-dark")
    finally:
        services.close()
        shutil.rmtree(data_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
