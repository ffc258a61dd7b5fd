"""Create key… (for a user, with the scopes their role covers, limits and an expiry) and the dialog that shows
a new key once: only its SHA-256 and its prefix are kept, so it cannot be shown again."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from chronotrace_desktop.domain.api_keys import Scope, role_covers
from chronotrace_desktop.ui.admin.form_dialog import FormDialog
from chronotrace_desktop.ui.admin.users_model import ROLE_NAMES
from chronotrace_desktop.ui.qt import (
    QCheckBox,
    QComboBox,
    QDateTime,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFont,
    QGuiApplication,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTimeZone,
    QVBoxLayout,
    QWidget,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from chronotrace_desktop.domain.tasks import TaskControl
    from chronotrace_desktop.domain.users import Actor, UserInfo
    from chronotrace_desktop.services.api_keys import ApiKeyService, CreatedKey
    from chronotrace_desktop.workers.base import WorkerPool

NOT_SHOWN_AGAIN = (
    "Copy it now: it will not be shown again. ChronoTrace keeps only its prefix and a hash of it."
)
SCOPE_HINTS = {
    Scope.READ_VIDEOS: "list videos, fetch redacted media",
    Scope.WRITE_VIDEOS: "ingest videos",
    Scope.READ_SEARCHES: "run searches",
    Scope.WRITE_SEARCHES: "record searches",
    Scope.ADMIN: "all the user's role allows (administrators)",
}
DEFAULT_EXPIRY_DAYS = 90


def naive_utc(moment: QDateTime) -> datetime:
    """What the services store: naive UTC."""
    return datetime.fromtimestamp(moment.toSecsSinceEpoch(), UTC).replace(tzinfo=None)


class CreateKeyDialog(FormDialog):
    def __init__(
        self,
        keys: ApiKeyService,
        actor: Actor,
        accounts: Sequence[UserInfo],
        pool: WorkerPool,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__("Create API key", "Create key", pool, parent)
        self.setMinimumWidth(600)
        self._keys = keys
        self._actor = actor
        self._accounts = [a for a in accounts if a.is_active]
        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText("what the key is for, e.g. VMS integration")
        self.user_box = QComboBox()
        for account in self._accounts:
            self.user_box.addItem(f"{account.email} ({ROLE_NAMES[account.role]})", account.email)
        self.user_box.setCurrentIndex(max(0, self.user_box.findData(actor.email)))
        self.user_box.currentIndexChanged.connect(lambda _i: self._limit_scopes())
        scopes = QVBoxLayout()
        self.scope_checks: dict[Scope, QCheckBox] = {}
        for scope in Scope:
            check = QCheckBox(f"{scope.value} \u2014 {SCOPE_HINTS[scope]}")
            self.scope_checks[scope] = check
            scopes.addWidget(check)
        self.hourly_spin = self._limit(1000, 1_000_000)
        self.daily_spin = self._limit(10_000, 10_000_000)
        self.expires_check = QCheckBox("Expires on")
        self.expires_edit = QDateTimeEdit(QDateTime.currentDateTimeUtc().addDays(DEFAULT_EXPIRY_DAYS))
        self.expires_edit.setTimeZone(QTimeZone.utc())
        self.expires_edit.setDisplayFormat("yyyy-MM-dd HH:mm 'UTC'")
        self.expires_edit.setCalendarPopup(True)
        self.expires_edit.setEnabled(False)
        self.expires_check.toggled.connect(self.expires_edit.setEnabled)
        expiry = QHBoxLayout()
        expiry.addWidget(self.expires_check)
        expiry.addWidget(self.expires_edit, 1)
        self.form.addRow("Name:", self.name_edit)
        self.form.addRow("For user:", self.user_box)
        self.form.addRow("Scopes:", scopes)
        self.form.addRow("Requests per hour:", self.hourly_spin)
        self.form.addRow("Requests per day:", self.daily_spin)
        self.form.addRow("Expiry:", expiry)
        self._limit_scopes()

    @staticmethod
    def _limit(value: int, most: int) -> QSpinBox:
        spin = QSpinBox()
        spin.setRange(1, most)
        spin.setGroupSeparatorShown(True)
        spin.setValue(value)
        return spin

    def owner(self) -> UserInfo | None:
        email = self.user_box.currentData()
        return next((a for a in self._accounts if a.email == email), None)

    def _limit_scopes(self) -> None:
        """Only the scopes the chosen user's role covers can be ticked (the service refuses the others)."""
        owner = self.owner()
        for scope, check in self.scope_checks.items():
            allowed = owner is not None and role_covers(owner.role, scope)
            check.setEnabled(allowed)
            if not allowed:
                check.setChecked(False)
            role = ROLE_NAMES[owner.role].lower() if owner is not None else "this user"
            check.setToolTip("" if allowed else f"A key of a {role} may not have {scope.value}.")

    def scopes(self) -> frozenset[Scope]:
        return frozenset(scope for scope, check in self.scope_checks.items() if check.isChecked())

    def problem(self) -> tuple[str, QWidget | None] | None:
        if not self.name_edit.text().strip():
            return "a key needs a name", self.name_edit
        if self.owner() is None:
            return "choose the user the key acts as", self.user_box
        if not self.scopes():
            return "a key needs at least one scope", next(iter(self.scope_checks.values()))
        return None

    def work(self) -> Callable[[TaskControl], CreatedKey]:
        keys, actor, name, scopes = self._keys, self._actor, self.name_edit.text(), self.scopes()
        hourly, daily = self.hourly_spin.value(), self.daily_spin.value()
        expires = naive_utc(self.expires_edit.dateTime()) if self.expires_check.isChecked() else None
        owner = self.user_box.currentData()
        return lambda _task: keys.create(
            actor,
            name=name,
            scopes=scopes,
            rate_per_hour=hourly,
            rate_per_day=daily,
            expires_at=expires,
            for_user=owner,
        )


class ShownOnceDialog(QDialog):
    """A new key, with Copy; closing the dialog forgets it."""

    def __init__(self, made: CreatedKey, heading: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("API key \u2014 ChronoTrace")
        self.setMinimumWidth(560)
        info = made.info
        title = QLabel(f"{heading} for {info.user_email} ({info.name or 'no name'}):")
        title.setWordWrap(True)
        self.key_edit = QLineEdit(made.key)
        self.key_edit.setReadOnly(True)
        self.key_edit.setFont(QFont("monospace"))
        self.key_edit.selectAll()
        self.copy_button = QPushButton("Copy")
        self.copy_button.clicked.connect(self.copy)
        row = QHBoxLayout()
        row.addWidget(self.key_edit, 1)
        row.addWidget(self.copy_button)
        warning = QLabel(NOT_SHOWN_AGAIN)
        warning.setWordWrap(True)
        bold = warning.font()
        bold.setBold(True)
        warning.setFont(bold)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addLayout(row)
        layout.addWidget(warning)
        layout.addWidget(buttons)
        self.finished.connect(lambda _code: self.key_edit.clear())

    def copy(self) -> None:
        QGuiApplication.clipboard().setText(self.key_edit.text())
        self.copy_button.setText("Copied")
