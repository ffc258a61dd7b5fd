"""The audit trail's filter bar: user, action, resource, date range, outcome and words; ``applied`` carries the
:class:`AuditQuery` (dates are whole UTC days: "to" includes its day). For an analyst the user is fixed to
themselves: the service holds them to their own rows whatever is typed, and the bar says so by not asking."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from chronotrace_desktop.domain.audit import AuditAction
from chronotrace_desktop.services.access import AuditQuery
from chronotrace_desktop.ui.qt import (
    QCheckBox,
    QComboBox,
    QDateTime,
    QDateTimeEdit,
    QGridLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTimeZone,
    QWidget,
    Signal,
)

ANY_ACTION = "Any action"
OUTCOMES = (("Any outcome", None), ("Succeeded", True), ("Refused or failed", False))


class AuditFilterBar(QWidget):
    applied = Signal(AuditQuery)
    refused = Signal(str)  # a filter that cannot be read, in words

    def __init__(self, own_email: str | None, parent: QWidget | None = None) -> None:
        """``own_email``: the analyst's own address (the user filter is fixed to it); ``None`` for an
        administrator, who may name anyone."""
        super().__init__(parent)
        self.user_edit = QLineEdit(own_email or "")
        self.user_edit.setPlaceholderText("any user (e-mail)")
        self.user_edit.setEnabled(own_email is None)
        self.action_box = QComboBox()
        self.action_box.addItem(ANY_ACTION, None)
        for action in sorted(AuditAction, key=lambda a: a.value):
            self.action_box.addItem(action.value, action)
        self.resource_edit = QLineEdit()
        self.resource_edit.setPlaceholderText("type, or type:id")
        self.from_check, self.from_edit = QCheckBox("From"), _date_edit(-30)
        self.to_check, self.to_edit = QCheckBox("To"), _date_edit(0)
        for check, edit in ((self.from_check, self.from_edit), (self.to_check, self.to_edit)):
            edit.setEnabled(False)
            check.toggled.connect(edit.setEnabled)
        self.outcome_box = QComboBox()
        for label, value in OUTCOMES:
            self.outcome_box.addItem(label, value)
        self.text_edit = QLineEdit()
        self.text_edit.setPlaceholderText("words in the justification or error")
        self.apply_button = QPushButton("Apply")
        self.apply_button.setDefault(True)
        self.apply_button.clicked.connect(self.apply)
        for line in (self.user_edit, self.resource_edit, self.text_edit):
            line.returnPressed.connect(self.apply)

        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.addWidget(QLabel("User"), 0, 0)
        grid.addWidget(self.user_edit, 0, 1)
        grid.addWidget(QLabel("Action"), 0, 2)
        grid.addWidget(self.action_box, 0, 3)
        grid.addWidget(QLabel("Resource"), 0, 4)
        grid.addWidget(self.resource_edit, 0, 5)
        grid.addWidget(self.from_check, 1, 0)
        grid.addWidget(self.from_edit, 1, 1)
        grid.addWidget(self.to_check, 1, 2)
        grid.addWidget(self.to_edit, 1, 3)
        grid.addWidget(QLabel("Outcome"), 1, 4)
        grid.addWidget(self.outcome_box, 1, 5)
        grid.addWidget(QLabel("Words"), 2, 0)
        grid.addWidget(self.text_edit, 2, 1, 1, 4)
        grid.addWidget(self.apply_button, 2, 5)
        for column in (1, 3, 5):
            grid.setColumnStretch(column, 1)

    def query(self) -> AuditQuery:
        """The filter as typed; raises ``ValueError`` naming what cannot be read."""
        resource_type, _, ident = self.resource_edit.text().strip().partition(":")
        try:
            resource_id = uuid.UUID(ident.strip()) if ident.strip() else None
        except ValueError:
            raise ValueError(f"The resource id {ident.strip()!r} is not a UUID (type:id).") from None
        since = _day(self.from_edit) if self.from_check.isChecked() else None
        until = _day(self.to_edit) + timedelta(days=1) if self.to_check.isChecked() else None
        if since is not None and until is not None and since >= until:
            raise ValueError("The range ends before it starts.")
        action = self.action_box.currentData()
        return AuditQuery(
            user_email=self.user_edit.text().strip() or None if self.user_edit.isEnabled() else None,
            actions=() if action is None else (AuditAction(action),),  # Qt hands the enum back as its text
            resource_type=resource_type.strip() or None,
            resource_id=resource_id,
            since=since,
            until=until,
            success=self.outcome_box.currentData(),
            text=self.text_edit.text().strip() or None,
        )

    def apply(self) -> None:
        try:
            query = self.query()
        except ValueError as exc:
            self.refused.emit(str(exc))
            return
        self.applied.emit(query)


def _date_edit(days_from_today: int) -> QDateTimeEdit:
    edit = QDateTimeEdit(QDateTime.currentDateTimeUtc().addDays(days_from_today))
    edit.setTimeZone(QTimeZone.utc())
    edit.setDisplayFormat("yyyy-MM-dd")
    edit.setCalendarPopup(True)
    return edit


def _day(edit: QDateTimeEdit) -> datetime:
    date = edit.date()
    return datetime(date.year(), date.month(), date.day())
