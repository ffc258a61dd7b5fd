"""Asks why the faces must be seen, and the user's password again (a workstation left signed in reveals
nothing). The services enforce both rules and write the ``user_reauthenticated`` and ``pii_reveal`` rows."""

from __future__ import annotations

from chronotrace_desktop.services.media_access import MIN_JUSTIFICATION_CHARS
from chronotrace_desktop.ui.qt import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPalette,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

EXPLANATION = (
    "The original shows faces and other personal details. Say why you need it — the case number and what "
    "you must identify. Your name, the time and this justification are written to the audit log before "
    f"the original is shown (at least {MIN_JUSTIFICATION_CHARS} characters). Enter your password too: it "
    "confirms that you are the one asking."
)


def normalised(text: str) -> str:
    return " ".join(text.split())


class RevealDialog(QDialog):
    def __init__(self, segment_title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Reveal faces — ChronoTrace")
        self.setMinimumWidth(520)
        heading = QLabel(f"Reveal the original of {segment_title}?")
        heading.setWordWrap(True)
        explanation = QLabel(EXPLANATION)
        explanation.setWordWrap(True)
        self.justification_edit = QPlainTextEdit()
        self.justification_edit.setPlaceholderText(
            "e.g. CASE-2024-0113: identify the driver of the white van"
        )
        self.justification_edit.setMaximumHeight(90)
        self.justification_edit.textChanged.connect(self._update)
        self.count_label = QLabel()
        self.count_label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.password_edit = QLineEdit()
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_edit.setPlaceholderText("the password you signed in with")
        self.password_edit.textChanged.connect(self._update)
        password_row = QFormLayout()
        password_row.setContentsMargins(0, 0, 0, 0)
        password_row.addRow("Your password:", self.password_edit)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.reveal_button = buttons.addButton("Reveal and record", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(explanation)
        layout.addWidget(self.justification_edit)
        layout.addWidget(self.count_label)
        layout.addLayout(password_row)
        layout.addWidget(buttons)
        self._update()

    @property
    def justification(self) -> str:
        return normalised(self.justification_edit.toPlainText())

    @property
    def password(self) -> str:
        return self.password_edit.text()

    def _ready(self) -> bool:
        return len(self.justification) >= MIN_JUSTIFICATION_CHARS and bool(self.password)

    def _update(self) -> None:
        length = len(self.justification)
        enough = length >= MIN_JUSTIFICATION_CHARS
        self.reveal_button.setEnabled(self._ready())
        self.count_label.setText(
            f"{length} characters" if enough else f"{length} of at least {MIN_JUSTIFICATION_CHARS} characters"
        )

    def accept(self) -> None:
        if self._ready():
            super().accept()
