"""``chronotrace gui``: display check, QApplication, services opened in a worker, sign-in, main window."""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
from collections.abc import Callable, Mapping, Sequence
from types import TracebackType
from typing import TYPE_CHECKING

from chronotrace_desktop import __version__
from chronotrace_desktop.config import APP_NAME
from chronotrace_desktop.domain.errors import ExitCode, UserFacingError
from chronotrace_desktop.resources import ICON_SVG
from chronotrace_desktop.ui.dialogs.login_dialog import LoginDialog
from chronotrace_desktop.ui.errors import error_box
from chronotrace_desktop.ui.gc_guard import install_gc_guard
from chronotrace_desktop.ui.qt import (
    QApplication,
    QCloseEvent,
    QFont,
    QFrame,
    QIcon,
    QLabel,
    QObject,
    QPalette,
    QProgressBar,
    QSettings,
    Qt,
    QTimer,
    QVBoxLayout,
    QWidget,
    Signal,
)
from chronotrace_desktop.ui.qtlog import install_qt_message_handler
from chronotrace_desktop.ui.window import MainWindow
from chronotrace_desktop.workers.base import WorkerPool

if TYPE_CHECKING:
    from pathlib import Path

    from chronotrace_desktop.services.app import AppServices
    from chronotrace_desktop.workers.task_state import TaskState

logger = logging.getLogger(__name__)

ServicesFactory = Callable[[], "AppServices"]

NO_DISPLAY_EXIT_CODE = ExitCode.USAGE
STARTUP_FAILED_EXIT_CODE = ExitCode.FAILURE
ICON_FILE = ICON_SVG

NO_DISPLAY_MESSAGE = """\
chronotrace gui: no display found (DISPLAY, WAYLAND_DISPLAY and QT_QPA_PLATFORM are all unset).

The desktop application needs a screen. You can:
  * start it from a terminal inside your desktop session (or over 'ssh -X');
  * run it on a virtual screen:             xvfb-run -a chronotrace gui
    (Debian/Ubuntu: apt-get install xvfb libxcb-icccm4 libxcb-keysyms1)
  * smoke-test it headless, with no window:  QT_QPA_PLATFORM=offscreen chronotrace gui
The command-line tools (chronotrace --help) need no display.
"""


def display_problem(environ: Mapping[str, str] | None = None, platform: str | None = None) -> str | None:
    """Why Qt would abort for want of a display, or ``None``. Only X11/Wayland systems can lack one."""
    env = os.environ if environ is None else environ
    system = sys.platform if platform is None else platform
    if not system.startswith(("linux", "freebsd", "openbsd", "netbsd")):
        return None
    if any(env.get(name) for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")):
        return None
    return NO_DISPLAY_MESSAGE


def app_icon() -> QIcon:
    icon = QIcon(str(ICON_FILE)) if ICON_FILE.is_file() else QIcon()
    if icon.isNull():
        logger.debug("No application icon at %s", ICON_FILE)
    return icon


def create_application(argv: Sequence[str] | None = None) -> QApplication:
    """The QApplication, named so that ``QSettings()`` lands in ChronoTrace's own scope."""
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(list(argv or sys.argv))
    app.setOrganizationName(APP_NAME)
    app.setApplicationName(APP_NAME)
    app.setApplicationVersion(__version__)
    app.setDesktopFileName("chronotrace")
    app.setStyle("Fusion")  # the same look everywhere; follows the system's light or dark scheme
    app.setWindowIcon(app_icon())
    app.setQuitOnLastWindowClosed(False)  # GuiSession decides when the run is over
    install_gc_guard(app)  # cyclic garbage collection only on this thread (see gc_guard)
    return app


class StartupSplash(QFrame):
    """A small frame with a busy bar while the database starts; it cannot be closed by the user."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.SplashScreen | Qt.WindowType.FramelessWindowHint)
        self.setObjectName("startupSplash")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAutoFillBackground(True)
        self.setBackgroundRole(QPalette.ColorRole.Window)
        self.setMinimumWidth(380)
        icon = QLabel()
        icon.setPixmap(app_icon().pixmap(64, 64))
        icon.setAlignment(Qt.AlignmentFlag.AlignCenter)
        title = QLabel("ChronoTrace")
        font = QFont(title.font())
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        title.setFont(font)
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message_label = QLabel("Opening the database…")
        self.message_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message_label.setWordWrap(True)
        self.progress_bar = QProgressBar()
        self.progress_bar.setRange(0, 0)  # busy: opening the services reports no steps
        self.progress_bar.setTextVisible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 20)
        for widget in (icon, title, self.message_label, self.progress_bar):
            layout.addWidget(widget)
        self._closable = False

    def finish(self) -> None:
        self._closable = True
        self.close()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._closable:
            super().closeEvent(event)
        else:
            event.ignore()


class _Opened:
    """Filled by the startup worker's thread, so a shutdown can close what was opened whatever happened."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.services: AppServices | None = None


def _open_services(state: TaskState, factory: ServicesFactory, opened: _Opened) -> bool:
    """Open the installation; return whether it still needs its first administrator."""
    services = factory()
    with opened.lock:
        opened.services = services
    return services.installation.needs_first_admin()


class GuiSession(QObject):
    """One run of the GUI: splash → login dialog → main window. ``ended(code)`` says the run is over."""

    ended = Signal(int)

    def __init__(
        self,
        services_factory: ServicesFactory,
        *,
        pool: WorkerPool | None = None,
        settings: QSettings | str | Path | None = None,
    ) -> None:
        super().__init__()
        self._factory = services_factory
        self.pool = pool if pool is not None else WorkerPool()
        self._settings = settings
        self._opened = _Opened()
        self._ended = False
        self.splash: StartupSplash | None = None
        self.login_dialog: LoginDialog | None = None
        self.main_window: MainWindow | None = None
        self.error_dialog: QWidget | None = None

    @property
    def services(self) -> AppServices | None:
        with self._opened.lock:
            return self._opened.services

    def start(self) -> None:
        self.splash = StartupSplash()
        self.splash.show()
        worker = self.pool.submit(_open_services, self._factory, self._opened, name="open services")
        worker.connect(returned=self._on_opened, errored=self._on_open_failed)

    def _on_opened(self, first_run: bool) -> None:
        services = self.services
        assert services is not None  # set by the worker before it returned
        if self.splash is not None:
            self.splash.finish()
        dialog = LoginDialog(services.auth, services.installation, self.pool, first_run=first_run)
        dialog.accepted.connect(self._on_signed_in)
        dialog.rejected.connect(lambda: self._end(ExitCode.OK))
        self.login_dialog = dialog
        dialog.show()
        dialog.activateWindow()

    def _on_open_failed(self, exc: BaseException) -> None:
        if self.splash is not None:
            self.splash.finish()
        box = error_box(
            None,
            exc,
            title="ChronoTrace cannot start",
            heading="ChronoTrace cannot start.",
            hint="Run 'chronotrace doctor' in a terminal for a full check.",
        )
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, False)  # shutdown() still looks at it
        box.finished.connect(lambda _result: self._end(STARTUP_FAILED_EXIT_CODE))
        self.error_dialog = box
        box.show()

    def _on_signed_in(self) -> None:
        services = self.services
        dialog = self.login_dialog
        assert services is not None
        assert dialog is not None
        assert dialog.actor is not None
        window = MainWindow(services, dialog.actor, pool=self.pool, settings=self._settings)
        window.closed.connect(lambda: self._end(ExitCode.OK))
        self.main_window = window
        window.show()

    def _end(self, code: int) -> None:
        if not self._ended:
            self._ended = True
            self.ended.emit(code)

    def shutdown(self) -> None:
        """Close the windows, stop background work, sign out and close the services. Idempotent."""
        self._ended = True
        if self.splash is not None:
            self.splash.finish()
        for widget in (self.login_dialog, self.main_window, self.error_dialog):
            if widget is not None and widget.isVisible():
                widget.close()
        self.pool.cancel_all()
        if not self.pool.wait_for_done(30_000):
            logger.warning("Background work did not stop; closing the services anyway")
        with self._opened.lock:
            services, self._opened.services = self._opened.services, None
        if services is None:
            return
        actor = self.login_dialog.actor if self.login_dialog is not None else None
        try:
            if actor is not None:
                services.auth.logout(actor)
        except UserFacingError as exc:
            logger.warning("Could not record the sign-out: %s", exc)
        except Exception:
            logger.exception("Could not record the sign-out")
        finally:
            services.close()


ExceptHook = Callable[[type[BaseException], BaseException, TracebackType | None], object]


def _install_excepthook(app: QApplication) -> ExceptHook:
    """Exceptions escaping a slot are bugs: log them with the traceback and show the error dialog."""
    previous = sys.excepthook

    def hook(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        logger.error("Unhandled exception", exc_info=(kind, exc, tb))
        if isinstance(exc, KeyboardInterrupt):
            app.exit(ExitCode.INTERRUPTED)
            return
        error_box(app.activeWindow(), exc).show()

    sys.excepthook = hook
    return previous


def _exit_on_interrupt(app: QApplication) -> QTimer:
    """Ctrl+C in the terminal ends the run cleanly (Python sees signals only between Qt events)."""
    signal.signal(signal.SIGINT, lambda _signum, _frame: app.exit(ExitCode.INTERRUPTED))
    ticker = QTimer()
    ticker.timeout.connect(lambda: None)  # hands control back to Python a few times a second
    ticker.start(250)
    return ticker


def run_gui(services_factory: ServicesFactory, argv: Sequence[str] | None = None) -> int:
    """Run the desktop application; the exit code (2: no display, 1: the installation could not open)."""
    problem = display_problem()
    if problem is not None:
        sys.stderr.write(problem)
        return NO_DISPLAY_EXIT_CODE
    install_qt_message_handler()
    app = create_application(argv)
    session = GuiSession(services_factory)
    session.ended.connect(app.exit)
    previous_hook = _install_excepthook(app)
    previous_sigint = signal.getsignal(signal.SIGINT)
    ticker = _exit_on_interrupt(app)
    session.start()
    try:
        code = app.exec()
    finally:
        ticker.stop()
        session.shutdown()
        signal.signal(signal.SIGINT, previous_sigint)
        sys.excepthook = previous_hook
    logger.info("GUI closed with exit code %d", code)
    return code
