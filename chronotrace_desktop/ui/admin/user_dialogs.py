"""Add user…, Change role… and Reset password…: checked here as the services check them (the same domain
rules), then asked of the user service, whose refusals are shown in the dialog."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chronotrace_desktop.domain.roles import Role
from chronotrace_desktop.domain.users import email_problem, normalise_email, password_problem
from chronotrace_desktop.ui.admin.form_dialog import FormDialog, password_edit
from chronotrace_desktop.ui.admin.users_model import ROLE_NAMES
from chronotrace_desktop.ui.qt import QComboBox, QLabel, QLineEdit, QWidget

if TYPE_CHECKING:
    from collections.abc import Callable

    from chronotrace_desktop.domain.tasks import TaskControl
    from chronotrace_desktop.domain.users import Actor, UserInfo
    from chronotrace_desktop.services.admin import UserService
    from chronotrace_desktop.workers.base import WorkerPool

ROLE_HINTS = {
    Role.VIEWER: "searches and watches redacted footage",
    Role.ANALYST: "also ingests, reveals faces (justified), triages and exports",
    Role.ADMIN: "everything, including users, keys and settings",
    Role.API_USER: "an integration account: reads, searches and ingests through the API, sees no faces",
}


def role_combo(current: Role = Role.VIEWER) -> QComboBox:
    box = QComboBox()
    for role, name in ROLE_NAMES.items():
        box.addItem(f"{name} \u2014 {ROLE_HINTS[role]}", role)
    box.setCurrentIndex(max(0, box.findData(current)))
    return box


def chosen_role(box: QComboBox) -> Role:
    return Role(box.currentData())


class _NewPassword:
    """A new password typed twice, in a dialog's form."""

    def __init__(self, dialog: FormDialog, label: str) -> None:
        self.edit = password_edit("at least 10 characters")
        self.confirm_edit = password_edit("the same again")
        dialog.form.addRow(f"{label}:", self.edit)
        dialog.form.addRow("Repeat it:", self.confirm_edit)

    def problem(self) -> tuple[str, QWidget | None] | None:
        text = password_problem(self.edit.text())
        if text is not None:
            return text, self.edit
        if self.confirm_edit.text() != self.edit.text():
            return "the two passwords differ", self.confirm_edit
        return None


class AddUserDialog(FormDialog):
    def __init__(self, users: UserService, actor: Actor, pool: WorkerPool, parent: QWidget | None = None):
        super().__init__("Add user", "Add user", pool, parent)
        self._users = users
        self._actor = actor
        self.email_edit = QLineEdit()
        self.email_edit.setPlaceholderText("name@agency.example")
        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText("optional")
        self.role_box = role_combo()
        self.form.addRow("E-mail:", self.email_edit)
        self.form.addRow("Full name:", self.name_edit)
        self.form.addRow("Role:", self.role_box)
        self.password = _NewPassword(self, "Password")
        self.add_note("Give the password to the user privately; the addition is audited.")

    def problem(self) -> tuple[str, QWidget | None] | None:
        text = email_problem(normalise_email(self.email_edit.text()))
        return (text, self.email_edit) if text else self.password.problem()

    def work(self) -> Callable[[TaskControl], UserInfo]:
        users, actor = self._users, self._actor
        email, role = self.email_edit.text(), chosen_role(self.role_box)
        password, name = self.password.edit.text(), self.name_edit.text()
        return lambda _task: users.add_user(actor, email, role, password, full_name=name)


class _AccountDialog(FormDialog):
    """A change to one account, named at the top of the form; a subclass adds its fields in :meth:`build`."""

    title = ""
    action_text = ""

    def __init__(
        self,
        users: UserService,
        actor: Actor,
        user: UserInfo,
        pool: WorkerPool,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(self.title, self.action_text, pool, parent)
        self._users = users
        self._actor = actor
        self.user = user
        self.own = normalise_email(user.email) == actor.email
        self.form.addRow("Account:", QLabel(user.email))
        self.build()

    def build(self) -> None:
        raise NotImplementedError


class ChangeRoleDialog(_AccountDialog):
    title = action_text = "Change role"

    def build(self) -> None:
        self.role_box = role_combo(self.user.role)
        self.form.addRow("Role:", self.role_box)
        self.add_note(
            "The new role applies to the user's next action, and to their API keys at once "
            "(scopes their new role does not cover stop working)."
        )

    def problem(self) -> tuple[str, QWidget | None] | None:
        if chosen_role(self.role_box) is self.user.role:
            return f"{self.user.email} is {ROLE_NAMES[self.user.role].lower()} already", self.role_box
        return None

    def work(self) -> Callable[[TaskControl], UserInfo]:
        users, actor, email, role = self._users, self._actor, self.user.email, chosen_role(self.role_box)
        return lambda _task: users.set_role(actor, email, role)


class ResetPasswordDialog(_AccountDialog):
    """Another account's password, or (with the current one) the administrator's own."""

    title, action_text = "Reset password", "Set password"

    def build(self) -> None:
        self.current_edit: QLineEdit | None = None
        if self.own:
            self.current_edit = password_edit("the password you signed in with")
            self.form.addRow("Current password:", self.current_edit)
        self.password = _NewPassword(self, "New password")
        self.add_note(
            "Also lifts a sign-in lock. Give the password to the user privately; the change is audited."
        )

    def problem(self) -> tuple[str, QWidget | None] | None:
        if self.current_edit is not None and not self.current_edit.text():
            return "enter your current password", self.current_edit
        return self.password.problem()

    def work(self) -> Callable[[TaskControl], None]:
        users, actor, new = self._users, self._actor, self.password.edit.text()
        email = None if self.own else self.user.email
        current = self.current_edit.text() if self.current_edit is not None else None
        return lambda _task: users.change_password(actor, new, email=email, current_password=current)
