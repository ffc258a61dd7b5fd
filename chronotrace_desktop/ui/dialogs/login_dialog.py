"""Sign in, or on the very first run create the administrator (who is then signed in).

The bcrypt check takes a quarter of a second or more, so both calls run in a worker and the dialog stays
responsive; a refusal (wrong password, locked or disabled account, invalid input) shows inline and the dialog
stays open.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from chronotrace_desktop.domain.errors import ConflictError, UserFacingError
from chronotrace_desktop.domain.users import (
    MIN_PASSWORD_LENGTH,
    Actor,
    email_problem,
    normalise_email,
    password_problem,
)
from chronotrace_desktop.ui.errors import show_error
from chronotrace_desktop.ui.qt import (
    QDialog,
    QDialogButtonBox,
    QFont,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPalette,
    QPushButton,
    QStyle,
    Qt,
    QVBoxLayout,
    QWidget,
    Signal,
)

if TYPE_CHECKING:
    from chronotrace_desktop.services.access import AuthService
    from chronotrace_desktop.services.admin import InstallationService
    from chronotrace_desktop.workers.base import Worker, WorkerPool
    from chronotrace_desktop.workers.task_state import TaskState

logger = logging.getLogger(__name__)

DIALOG_WIDTH = 460
LABEL_WIDTH = DIALOG_WIDTH - 40  # within the layout margins

PASSWORD_RULES = (
    f"Password: at least {MIN_PASSWORD_LENGTH} characters, no spaces at the start or end, "
    "at most 72 bytes (about 70 plain letters). A passphrase of a few words is easy to type and hard "
    "to guess."
)


def _sign_in(state: TaskState, auth: AuthService, email: str, password: str) -> Actor:
    return auth.login(email, password, client="desktop")


def _create_admin_and_sign_in(
    state: TaskState,
    installation: InstallationService,
    auth: AuthService,
    email: str,
    password: str,
    full_name: str | None,
) -> Actor:
    installation.create_first_admin(email, password, full_name)
    return auth.login(email, password, client="desktop")


def _wrapping_label(text: str = "", width: int = LABEL_WIDTH) -> QLabel:
    """A word-wrapped label whose height is worked out at the dialog's width, not at Qt's narrow guess
    (which leaves gaps under short messages and squeezes the rest)."""
    label = QLabel(text)
    label.setWordWrap(True)
    label.setMinimumWidth(width)
    return label


def _sentence(text: str) -> str:
    """Domain messages are phrase-like ("passwords need …"); show them as sentences."""
    text = text.strip()
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else f"{text}."


class LoginDialog(QDialog):
    """Accepted once a user is signed in; :attr:`actor` is then set and ``login_succeeded`` was emitted."""

    login_succeeded = Signal(Actor)

    def __init__(
        self,
        auth: AuthService,
        installation: InstallationService,
        pool: WorkerPool,
        *,
        first_run: bool,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._auth = auth
        self._installation = installation
        self._pool = pool
        self._worker: Worker[Actor] | None = None
        self.actor: Actor | None = None
        self.first_run = first_run

        self.setObjectName("loginDialog")
        self.setMinimumWidth(DIALOG_WIDTH)
        self._build()
        self.set_first_run(first_run)

    # ------------------------------------------------------------------ layout
    def _build(self) -> None:
        self.heading_label = QLabel()
        font = QFont(self.font())
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        self.heading_label.setFont(font)
        self.intro_label = _wrapping_label()

        self.email_edit = QLineEdit()
        self.email_edit.setPlaceholderText("name@agency.example")
        self.email_edit.setInputMethodHints(Qt.InputMethodHint.ImhEmailCharactersOnly)
        self.full_name_edit = QLineEdit()
        self.full_name_edit.setPlaceholderText("optional")
        self.password_edit = QLineEdit()
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.confirm_edit = QLineEdit()
        self.confirm_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.rules_label = _wrapping_label(PASSWORD_RULES)

        self._form = QFormLayout()
        self._form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self._form.addRow("&E-mail:", self.email_edit)
        self._form.addRow("&Full name:", self.full_name_edit)
        self._form.addRow("&Password:", self.password_edit)
        self._form.addRow("&Confirm:", self.confirm_edit)
        self._form.addRow(self.rules_label)

        # Inline error: the standard warning icon beside plain text in the palette's own colours.
        self.error_frame = QFrame()
        icon_label = QLabel()
        size = self.style().pixelMetric(QStyle.PixelMetric.PM_SmallIconSize)
        icon = self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)
        icon_label.setPixmap(icon.pixmap(size, size))
        icon_label.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.error_label = _wrapping_label(width=LABEL_WIDTH - 2 * size)
        self.error_label.setObjectName("loginError")
        self.error_label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.error_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        error_row = QHBoxLayout(self.error_frame)
        error_row.setContentsMargins(0, 0, 0, 0)
        error_row.addWidget(icon_label)
        error_row.addWidget(self.error_label, 1)
        self.error_frame.hide()

        self.buttons = QDialogButtonBox()
        self.submit_button = QPushButton()
        self.submit_button.setDefault(True)
        self.buttons.addButton(self.submit_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.quit_button = self.buttons.addButton("&Quit", QDialogButtonBox.ButtonRole.RejectRole)
        self.quit_button.setAutoDefault(False)  # Enter always means "submit", wherever the focus is
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)

        self.installation_label = _wrapping_label()
        self.installation_label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        info = self._installation.describe()
        self.installation_label.setText(f"{info.profile.capitalize()} installation in {info.data_dir}")

        layout = QVBoxLayout(self)
        layout.setSpacing(12)
        layout.addWidget(self.heading_label)
        layout.addWidget(self.intro_label)
        layout.addLayout(self._form)
        layout.addWidget(self.error_frame)
        layout.addWidget(self.buttons)
        layout.addWidget(self.installation_label)

    def set_first_run(self, first_run: bool) -> None:
        """Switch between "Sign in" and "Create the administrator"."""
        self.first_run = first_run
        for field in (self.full_name_edit, self.confirm_edit, self.rules_label):
            self._form.setRowVisible(field, first_run)
        if first_run:
            self.setWindowTitle("Set up ChronoTrace")
            self.heading_label.setText("Create the administrator")
            self.intro_label.setText(
                "No user exists on this installation yet. The first account is its administrator: "
                "it is signed in now and can then add the other users."
            )
            self.password_edit.setPlaceholderText("")
            self.submit_button.setText("&Create and sign in")
        else:
            self.setWindowTitle("Sign in — ChronoTrace")
            self.heading_label.setText("Sign in to ChronoTrace")
            self.intro_label.setText("Use the e-mail address and password your administrator gave you.")
            self.submit_button.setText("&Sign in")
        self.adjustSize()
        self.email_edit.setFocus()

    # ------------------------------------------------------------------ behaviour
    @property
    def busy(self) -> bool:
        return self._worker is not None

    def submit(self) -> None:
        """Validate, then sign in (or create the administrator) in the background."""
        if self.busy:
            return
        problem = self._input_problem()
        if problem is not None:
            self.show_error(problem)
            return
        self.show_error(None)
        email = normalise_email(self.email_edit.text())
        password = self.password_edit.text()
        if self.first_run:
            full_name = self.full_name_edit.text().strip() or None
            worker = self._pool.submit(
                _create_admin_and_sign_in,
                self._installation,
                self._auth,
                email,
                password,
                full_name,
                name="create first administrator",
            )
        else:
            worker = self._pool.submit(_sign_in, self._auth, email, password, name="sign in")
        self._worker = worker.connect(returned=self._on_signed_in, errored=self._on_failed)
        self._set_busy(True)

    def _input_problem(self) -> str | None:
        email = normalise_email(self.email_edit.text())
        password = self.password_edit.text()
        if not email:
            return "Enter your e-mail address."
        if not self.first_run:
            return None if password else "Enter your password."
        problem = email_problem(email) or password_problem(password)
        if problem is not None:
            return _sentence(problem)
        if password != self.confirm_edit.text():
            return "The two passwords differ; type the same password in both fields."
        return None

    def show_error(self, message: str | None) -> None:
        """Show ``message`` inline under the form (``None`` hides it)."""
        self.error_label.setText(message or "")
        if self.error_frame.isVisibleTo(self) != bool(message):
            self.error_frame.setVisible(bool(message))
            self.adjustSize()  # wrapped labels do not grow a top-level window by themselves

    def _set_busy(self, busy: bool) -> None:
        # Read-only rather than disabled: focus stays in the form, so it never lands on "Quit" (where a
        # stray Enter or Space would end the application).
        for edit in (self.email_edit, self.full_name_edit, self.password_edit, self.confirm_edit):
            edit.setReadOnly(busy)
        self.submit_button.setEnabled(not busy)
        if busy:
            self.submit_button.setText("Creating…" if self.first_run else "Signing in…")
            self.setCursor(Qt.CursorShape.BusyCursor)
        else:
            self.submit_button.setText("&Create and sign in" if self.first_run else "&Sign in")
            self.unsetCursor()

    def _on_signed_in(self, actor: Actor) -> None:
        self._worker = None
        self._set_busy(False)
        self.actor = actor
        logger.info("Signed in as %s (%s)", actor.email, actor.role.value)
        self.login_succeeded.emit(actor)
        self.accept()

    def _on_failed(self, exc: Exception) -> None:
        self._worker = None
        self._set_busy(False)
        if isinstance(exc, ConflictError) and self.first_run:
            # Someone else set the installation up meanwhile: sign in as usual.
            self.set_first_run(False)
        if isinstance(exc, UserFacingError):
            self.show_error(str(exc))
        else:
            self.show_error("Signing in failed because of an internal error; the details are in the log.")
            show_error(self, exc)
        self.password_edit.clear()
        self.confirm_edit.clear()
        self.password_edit.setFocus()

    def done(self, result: int) -> None:
        if self._worker is not None:
            self._worker.cancel()  # the dialog is going away: its result must not arrive
            self._worker = None
        super().done(result)
