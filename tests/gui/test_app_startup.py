"""``chronotrace gui`` end to end (without the event loop of run_gui): no display, splash, errors, sign-in."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from chronotrace_desktop.domain.errors import EnvironmentProblemError
from chronotrace_desktop.ui.app import NO_DISPLAY_EXIT_CODE, GuiSession, display_problem
from chronotrace_desktop.ui.errors import BUG_TEXT
from chronotrace_desktop.ui.qt import QMessageBox, QWidget

REPO = Path(__file__).resolve().parents[2]


def _shown(widget: QWidget | None) -> bool:
    return widget is not None and widget.isVisible()


def _env_without_display() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"}}
    env["PYTHONPATH"] = str(REPO)
    return env


@pytest.mark.parametrize(
    ("environ", "platform", "problem"),
    [
        ({}, "linux", True),
        ({"DISPLAY": ""}, "linux", True),
        ({"DISPLAY": ":99"}, "linux", False),
        ({"WAYLAND_DISPLAY": "wayland-0"}, "linux", False),
        ({"QT_QPA_PLATFORM": "offscreen"}, "linux", False),
        ({}, "win32", False),
        ({}, "darwin", False),
    ],
)
def test_display_problem(environ: dict[str, str], platform: str, problem: bool) -> None:
    assert (display_problem(environ, platform) is not None) is problem


def test_run_gui_without_display_explains_and_exits_2(tmp_path: Path) -> None:
    code = (
        "import sys; from chronotrace_desktop.ui.app import run_gui; "
        "sys.exit(run_gui(lambda: sys.exit('the services must not be opened')))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], env=_env_without_display(), capture_output=True, text=True, timeout=60
    )
    assert done.returncode == NO_DISPLAY_EXIT_CODE, done.stderr
    assert "no display found" in done.stderr
    assert "xvfb-run -a chronotrace gui" in done.stderr
    assert "QT_QPA_PLATFORM=offscreen" in done.stderr
    assert "Traceback" not in done.stderr


def test_chronotrace_gui_command_without_display(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "chronotrace_desktop", "--data-dir", str(tmp_path), "gui"],
        env=_env_without_display(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == NO_DISPLAY_EXIT_CODE, done.stderr
    assert "xvfb-run -a chronotrace gui" in done.stderr


def test_startup_failure_is_a_readable_dialog(qtbot, pool) -> None:
    def factory():
        raise EnvironmentProblemError("The database cannot start: the data folder is read-only.")

    session = GuiSession(factory, pool=pool)
    session.start()
    assert session.splash is not None
    assert session.splash.isVisible()
    qtbot.waitUntil(
        lambda: session.error_dialog is not None and session.error_dialog.isVisible(), timeout=10_000
    )
    box = session.error_dialog
    assert isinstance(box, QMessageBox)
    assert not session.splash.isVisible()
    assert box.text() == "ChronoTrace cannot start."
    assert "the data folder is read-only" in box.informativeText()
    assert box.detailedText() == ""  # a known problem: no traceback for the detective

    with qtbot.waitSignal(session.ended, timeout=1_000) as ended:
        box.button(QMessageBox.StandardButton.Ok).click()
    assert ended.args == [1]
    qtbot.wait(10)  # deferred deletes run, as they may before run_gui's event loop returns
    session.shutdown()


def test_startup_bug_shows_the_details(qtbot, pool) -> None:
    def factory():
        raise RuntimeError("wiring mistake")

    session = GuiSession(factory, pool=pool)
    session.start()
    qtbot.waitUntil(
        lambda: session.error_dialog is not None and session.error_dialog.isVisible(), timeout=10_000
    )
    box = session.error_dialog
    assert isinstance(box, QMessageBox)
    assert box.text() == BUG_TEXT
    assert "RuntimeError: wiring mistake" in box.informativeText()
    assert "Traceback" in box.detailedText()
    box.close()
    session.shutdown()


def test_first_run_to_main_window_and_back(qtbot, pool, services, ui_settings) -> None:
    """Splash, services opened in a worker, administrator created, main window, clean shutdown."""
    closed: list[bool] = []
    real_close = services.close
    services.close = lambda: (closed.append(True), real_close())[1]  # type: ignore[method-assign]

    session = GuiSession(lambda: services, pool=pool, settings=ui_settings)
    session.start()
    qtbot.waitUntil(
        lambda: session.login_dialog is not None and session.login_dialog.isVisible(), timeout=10_000
    )
    dialog = session.login_dialog
    assert dialog.first_run
    dialog.email_edit.setText("chief@agency.example")
    dialog.password_edit.setText("a long enough passphrase")
    dialog.confirm_edit.setText("a long enough passphrase")
    dialog.submit()

    qtbot.waitUntil(
        lambda: session.main_window is not None and session.main_window.isVisible(), timeout=10_000
    )
    window = session.main_window
    assert window.user_label.text() == "Signed in as chief@agency.example (admin)"

    with qtbot.waitSignal(session.ended, timeout=1_000) as ended:
        window.close()
    assert ended.args == [0]
    session.shutdown()
    assert closed == [True]
    assert session.services is None
    assert ui_settings.contains("main_window/state")
