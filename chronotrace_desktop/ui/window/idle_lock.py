"""The desktop locks itself after a while without input: evidence leaves the screen until the password is typed.

:class:`IdleLock` watches the application's input events. After ``idle_ms`` without a key press, click, wheel or
mouse move it runs ``before_lock`` (the window pauses its player and goes back from any revealed original to the
redacted clip), hides the window's panes, disables its menus and toolbars and opens :class:`LockDialog`, which
only the signed-in user's password (checked by ``AuthService.login`` in a worker: counted, throttled and audited
like any sign-in) or "Sign out" closes.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from chronotrace_desktop.ui.qt import (
    QApplication,
    QDialog,
    QDockWidget,
    QEvent,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QObject,
    QPushButton,
    Qt,
    QTimer,
    QToolBar,
    QVBoxLayout,
    QWidget,
    Signal,
)
from chronotrace_desktop.ui.tasks import start_task

if TYPE_CHECKING:
    from collections.abc import Callable

    from chronotrace_desktop.domain.users import Actor
    from chronotrace_desktop.services.access import AuthService
    from chronotrace_desktop.workers.base import WorkerPool
    from chronotrace_desktop.workers.task_state import TaskState

logger = logging.getLogger(__name__)

_INPUT = frozenset(
    {
        QEvent.Type.KeyPress,
        QEvent.Type.MouseButtonPress,
        QEvent.Type.MouseMove,
        QEvent.Type.Wheel,
        QEvent.Type.TouchBegin,
    }
)


def _sign_in_again(state: TaskState, auth: AuthService, email: str, password: str) -> Actor:
    return auth.login(email, password, client="desktop")


class LockDialog(QDialog):
    """Password, Unlock, Sign out. Escape does not close it; only a correct password or signing out does."""

    def __init__(self, actor: Actor, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("lockDialog")
        self.setWindowTitle("ChronoTrace is locked")
        self.setWindowModality(Qt.WindowModality.ApplicationModal)
        self.setMinimumWidth(400)
        title = QLabel(f"<b>Locked after a while without use.</b><br>Signed in as {actor.email}.")
        title.setTextFormat(Qt.TextFormat.RichText)
        self.password_edit = QLineEdit()
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_edit.setPlaceholderText("Password")
        self.error_label = QLabel()
        self.error_label.setWordWrap(True)
        self.error_label.hide()
        self.unlock_button = QPushButton("Unlock")
        self.unlock_button.setDefault(True)
        self.sign_out_button = QPushButton("Sign out")
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.sign_out_button)
        buttons.addWidget(self.unlock_button)
        layout = QVBoxLayout(self)
        for widget in (title, self.password_edit, self.error_label):
            layout.addWidget(widget)
        layout.addLayout(buttons)

    def reject(self) -> None:
        """Escape or the close button: stay locked."""

    def show_error(self, text: str) -> None:
        self.error_label.setText(text)
        self.error_label.show()
        self.password_edit.clear()
        self.password_edit.setFocus()


class IdleLock(QObject):
    """``locked`` when the window locks, ``unlocked`` after the password, ``signed_out`` when the user leaves."""

    locked = Signal()
    unlocked = Signal()
    signed_out = Signal()

    def __init__(
        self,
        window: QMainWindow,
        auth: AuthService,
        actor: Actor,
        pool: WorkerPool,
        *,
        idle_ms: int,
        before_lock: Callable[[], None],
    ) -> None:
        super().__init__(window)
        self._window = window
        self._auth = auth
        self._actor = actor
        self._pool = pool
        self._before_lock = before_lock
        self._shown: list[QWidget] = []
        self.dialog: LockDialog | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(idle_ms)
        self._timer.timeout.connect(self.lock)
        self.enabled = idle_ms > 0
        if self.enabled:
            app = QApplication.instance()
            if app is not None:
                app.installEventFilter(self)
            self._timer.start()

    @property
    def is_locked(self) -> bool:
        return self.dialog is not None

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if self.enabled and not self.is_locked and event.type() in _INPUT:
            self._timer.start()
        return False

    def stop(self) -> None:
        self._timer.stop()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)

    def lock(self) -> None:
        if self.is_locked:
            return
        self._before_lock()
        window = self._window
        self._shown = [
            w
            for w in (*window.findChildren(QDockWidget), window.menuBar(), *window.findChildren(QToolBar))
            if w.isVisible()
        ]
        for widget in self._shown:
            widget.hide()
        self.dialog = LockDialog(self._actor, window)
        self.dialog.unlock_button.clicked.connect(self._try_unlock)
        self.dialog.password_edit.returnPressed.connect(self._try_unlock)
        self.dialog.sign_out_button.clicked.connect(self._sign_out)
        self.dialog.open()
        logger.info(
            "Locked the desktop of %s after %d ms without input", self._actor.email, self._timer.interval()
        )
        self.locked.emit()

    def _try_unlock(self) -> None:
        dialog = self.dialog
        if dialog is None or not dialog.unlock_button.isEnabled():
            return
        dialog.unlock_button.setEnabled(False)
        start_task(
            self._pool,
            _sign_in_again,
            self._auth,
            self._actor.email,
            dialog.password_edit.text(),
            on_returned=lambda _actor: self._unlock(),
            on_errored=self._refused,
            name="unlock",
        )

    def _refused(self, exc: Exception) -> None:
        if self.dialog is not None:
            self.dialog.unlock_button.setEnabled(True)
            self.dialog.show_error(str(exc))

    def _unlock(self) -> None:
        if self.dialog is None:
            return
        self.dialog.done(QDialog.DialogCode.Accepted)
        self.dialog.deleteLater()
        self.dialog = None
        for widget in self._shown:
            widget.show()
        self._shown = []
        self._timer.start()
        self.unlocked.emit()

    def _sign_out(self) -> None:
        if self.dialog is not None:
            self.dialog.done(QDialog.DialogCode.Rejected)
            self.dialog.deleteLater()
            self.dialog = None
        self.stop()
        self.signed_out.emit()
        self._window.close()
