"""Open a case, or read and change one: title, status, notes and the evidence hold.

The dialog only gathers what the user wants; the window runs the change in the background through
``CaseService`` (role checks and the audit trail are there). Viewers see a case read-only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from chronotrace_desktop.domain.cases import MAX_NOTE, MAX_TITLE, CaseStatus
from chronotrace_desktop.domain.roles import Action, is_allowed
from chronotrace_desktop.ui import formatting as fmt
from chronotrace_desktop.ui.qt import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
)

if TYPE_CHECKING:
    from chronotrace_desktop.domain.cases import CaseInfo
    from chronotrace_desktop.domain.users import Actor
    from chronotrace_desktop.ui.qt import QWidget

_STATUS_WORDS = {CaseStatus.OPEN: "Open", CaseStatus.CLOSED: "Closed", CaseStatus.ARCHIVED: "Archived"}


class CaseDialog(QDialog):
    """``case`` None: a new case. After ``accept``: :attr:`title`, :attr:`notes`, :attr:`status`,
    :attr:`agency_id`, and :attr:`hold_change` (``"set"``/``"release"`` with :attr:`hold_reason`, or None)."""

    def __init__(self, actor: Actor, case: CaseInfo | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.case = case
        self.can_edit = is_allowed(actor.role, Action.MANAGE_CASES)
        self.can_release = is_allowed(actor.role, Action.RELEASE_EVIDENCE_HOLD)
        self.setWindowTitle(("New case" if case is None else case.case_id) + " — ChronoTrace")
        self.setMinimumWidth(520)
        self.hold_change: str | None = None

        form = QFormLayout()
        self.id_edit = QLineEdit(case.case_id if case else "")
        self.id_edit.setPlaceholderText("next number of this year (or the agency's id, CASE-2024-0001)")
        self.id_edit.setReadOnly(case is not None)
        form.addRow("Case &id:", self.id_edit)
        self.title_edit = QLineEdit(case.title if case else "")
        self.title_edit.setMaxLength(MAX_TITLE)
        self.title_edit.setPlaceholderText("e.g. Robbery at the depot, 9 February")
        form.addRow("&Title:", self.title_edit)
        self.status_combo = QComboBox()
        for status, words in _STATUS_WORDS.items():
            self.status_combo.addItem(words, status)
        if case is not None:
            self.status_combo.setCurrentIndex(self.status_combo.findData(case.status))
        self.status_combo.setEnabled(case is not None)
        form.addRow("&Status:", self.status_combo)
        self.notes_edit = QPlainTextEdit(case.notes if case else "")
        self.notes_edit.setPlaceholderText("What the investigation is about; what to look for")
        self.notes_edit.setMinimumHeight(90)
        form.addRow("&Notes:", self.notes_edit)
        if case is not None:
            counts = QLabel(
                f"{case.video_count} videos · {case.bookmark_count} bookmarks · {case.export_count} exports"
                + (
                    f"\nOpened {fmt.timestamp(case.created_at)} by {case.created_by or '—'}"
                    if case.created_at
                    else ""
                )
            )
            form.addRow("Holds:", counts)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self._hold_group(case))
        self.problem_label = QLabel()
        self.problem_label.setWordWrap(True)
        self.problem_label.hide()
        layout.addWidget(self.problem_label)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.save_button = buttons.addButton(
            "Open case" if case is None else "Save", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.save_button.setEnabled(self.can_edit)
        if not self.can_edit:
            self.save_button.setToolTip("Your role reads cases; an analyst or administrator changes them.")
            for widget in (self.title_edit, self.notes_edit, self.status_combo):
                widget.setEnabled(False)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def _hold_group(self, case: CaseInfo | None) -> QGroupBox:
        group = QGroupBox("Evidence hold")
        box = QVBoxLayout(group)
        held = case is not None and case.evidence_hold
        text = (
            f"HELD — {case.hold_reason}. Its videos cannot be deleted and its exports do not expire."
            if case is not None and held
            else "Not held. A hold keeps the case's videos from deletion and its exports from expiry."
        )
        self.hold_label = QLabel(text)
        self.hold_label.setWordWrap(True)
        box.addWidget(self.hold_label)
        self.hold_check = QCheckBox("Release the hold" if held else "Place the case's media under a hold")
        allowed = self.can_release if held else self.can_edit
        self.hold_check.setEnabled(allowed and case is not None)
        if case is None:
            self.hold_check.setToolTip("Open the case first; then place its hold.")
        elif held and not self.can_release:
            self.hold_check.setToolTip("Only an administrator releases an evidence hold.")
        self.hold_reason_edit = QLineEdit()
        self.hold_reason_edit.setPlaceholderText(
            "Why it is released (required)" if held else "Why it is held, e.g. the court order (required)"
        )
        self.hold_reason_edit.setEnabled(False)
        self.hold_check.toggled.connect(self.hold_reason_edit.setEnabled)
        box.addWidget(self.hold_check)
        box.addWidget(self.hold_reason_edit)
        self._held = held
        return group

    # ------------------------------------------------------------------ what was asked
    @property
    def title(self) -> str:
        return self.title_edit.text()

    @property
    def notes(self) -> str:
        return self.notes_edit.toPlainText()

    @property
    def status(self) -> CaseStatus:
        return CaseStatus(self.status_combo.currentData())

    @property
    def agency_id(self) -> str | None:
        return self.id_edit.text().strip() or None if self.case is None else None

    @property
    def hold_reason(self) -> str:
        return self.hold_reason_edit.text().strip()

    def accept(self) -> None:
        problem = self._problem()
        if problem:
            self.problem_label.setText(problem)
            self.problem_label.show()
            return
        if self.hold_check.isChecked():
            self.hold_change = "release" if self._held else "set"
        super().accept()

    def _problem(self) -> str | None:
        if not self.title.strip():
            return "A case needs a title."
        if len(self.notes) > MAX_NOTE:
            return f"Notes have at most {MAX_NOTE} characters."
        if self.hold_check.isChecked() and not self.hold_reason:
            return "Say why the hold is " + ("released." if self._held else "placed.")
        return None
