"""A dialog whose main button asks a service off the GUI thread: a refusal (bad input, a rule of the service)
is written inside the dialog, which stays open to be corrected; a bug goes to the error dialog."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chronotrace_desktop.domain.errors import UserFacingError
from chronotrace_desktop.ui.errors import show_error
from chronotrace_desktop.ui.qt import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
    Signal,
)
from chronotrace_desktop.ui.tasks import start_task

if TYPE_CHECKING:
    from collections.abc import Callable

    from chronotrace_desktop.domain.tasks import TaskControl
    from chronotrace_desktop.workers.base import WorkerPool

# White on the danger red in both schemes (as the settings dialog: a dark palette's bright text can be red).
PROBLEM_STYLE = "color: #ffffff; background: #b3261e; padding: 6px;"


def password_edit(placeholder: str) -> QLineEdit:
    edit = QLineEdit()
    edit.setEchoMode(QLineEdit.EchoMode.Password)
    edit.setPlaceholderText(placeholder)
    return edit


class FormDialog(QDialog):
    """Subclasses fill :attr:`form`, say what is wrong before asking (:meth:`problem`) and what to ask
    (:meth:`work`); ``succeeded(result)`` follows the service's answer, then the dialog closes."""

    succeeded = Signal(object)

    def __init__(self, title: str, action_text: str, pool: WorkerPool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"{title} \u2014 ChronoTrace")
        self.setMinimumWidth(460)
        self._pool = pool
        self.busy = False
        self.result_value: Any = None
        self.form = QFormLayout()
        self.problem_label = QLabel()
        self.problem_label.setWordWrap(True)
        self.problem_label.setStyleSheet(PROBLEM_STYLE)
        self.problem_label.hide()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.ok_button: QPushButton = self.buttons.addButton(
            action_text, QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.ok_button.setDefault(True)
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        self.body = QVBoxLayout(self)
        self.body.addLayout(self.form)
        self.body.addWidget(self.problem_label)
        self.body.addWidget(self.buttons)

    def add_note(self, text: str) -> QLabel:
        """A wrapped line of explanation under the fields."""
        note = QLabel(text)
        note.setWordWrap(True)
        self.form.addRow(note)
        return note

    def problem(self) -> tuple[str, QWidget | None] | None:
        """What must be fixed before the service is asked, and the field to fix; ``None`` when ready."""
        return None

    def work(self) -> Callable[[TaskControl], object]:
        raise NotImplementedError

    def submit(self) -> None:
        if self.busy:
            return
        problem = self.problem()
        if problem is not None:
            self.show_problem(*problem)
            return
        self.busy = True
        self.buttons.setEnabled(False)
        self.problem_label.hide()
        start_task(
            self._pool,
            self.work(),
            on_returned=self._succeeded,
            on_errored=self._failed,
            name=self.windowTitle(),
        )

    def show_problem(self, text: str, field: QWidget | None = None) -> None:
        self.problem_label.setText(text[:1].upper() + text[1:])
        self.problem_label.show()
        self.adjustSize()
        if field is not None:
            field.setFocus()

    def _succeeded(self, result: object) -> None:
        self.busy = False
        self.buttons.setEnabled(True)
        self.result_value = result
        self.succeeded.emit(result)
        self.accept()

    def _failed(self, exc: Exception) -> None:
        self.busy = False
        self.buttons.setEnabled(True)
        if isinstance(exc, UserFacingError):
            self.show_problem(str(exc))
        else:
            show_error(self, exc)
