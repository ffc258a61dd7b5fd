"""Users: every account with its role, status and sign-in lock; Add user…, Change role…, Disable/Enable, Unlock
and Reset password… ask the user service the CLI's ``users`` commands ask, which checks the role, audits each
change and refuses to leave the installation without an active administrator (its message is shown)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chronotrace_desktop.ui.admin.admin_table import AdminTablePanel
from chronotrace_desktop.ui.admin.user_dialogs import AddUserDialog, ChangeRoleDialog, ResetPasswordDialog
from chronotrace_desktop.ui.admin.users_model import NAME, UserModel, is_locked
from chronotrace_desktop.ui.qt import QHeaderView, QMessageBox, QPushButton, Qt, QWidget

if TYPE_CHECKING:
    from chronotrace_desktop.domain.users import Actor, UserInfo
    from chronotrace_desktop.services.app import AppServices
    from chronotrace_desktop.ui.admin.form_dialog import FormDialog
    from chronotrace_desktop.workers.base import WorkerPool

EXPLANATION = (
    "Accounts of this installation. Every change is checked by the user service and written to the audit "
    "log; at least one active administrator always remains."
)


class UsersPanel(AdminTablePanel["UserInfo"]):
    def __init__(
        self, services: AppServices, actor: Actor, pool: WorkerPool, parent: QWidget | None = None
    ) -> None:
        super().__init__(services, actor, pool, UserModel(), EXPLANATION, parent)
        self.dialog: FormDialog | None = None
        self.table.horizontalHeader().setSectionResizeMode(NAME, QHeaderView.ResizeMode.Stretch)
        self.add_button = QPushButton("Add user\u2026")
        self.role_button = QPushButton("Change role\u2026")
        self.active_button = QPushButton("Disable")
        self.unlock_button = QPushButton("Unlock")
        self.password_button = QPushButton("Reset password\u2026")
        self.add_button.clicked.connect(self.add_user)
        self.role_button.clicked.connect(self.change_role)
        self.active_button.clicked.connect(self.toggle_active)
        self.unlock_button.clicked.connect(self.unlock)
        self.password_button.clicked.connect(self.reset_password)
        self.unlock_button.setToolTip("Lift the lock that repeated failed sign-ins put on the account")
        self.add_buttons(
            self.add_button, self.role_button, self.active_button, self.unlock_button, self.password_button
        )
        self.update_buttons()
        self.refresh()

    def load(self) -> list[UserInfo]:
        return self._services.users.list_users(self._actor)

    def update_buttons(self) -> None:
        user = self.selected()
        for button in (self.role_button, self.active_button, self.password_button):
            button.setEnabled(user is not None)
        self.active_button.setText("Enable" if user is not None and not user.is_active else "Disable")
        self.unlock_button.setEnabled(user is not None and is_locked(user))

    # ------------------------------------------------------------------ the commands
    def _open(self, dialog: FormDialog) -> FormDialog:
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.succeeded.connect(self.after_change)
        self.dialog = dialog
        dialog.open()
        return dialog

    def add_user(self) -> FormDialog:
        dialog = AddUserDialog(self._services.users, self._actor, self._pool, self)
        dialog.succeeded.connect(self._added)
        return self._open(dialog)

    def _added(self, info: UserInfo) -> None:
        if info.new_login is not None:  # team profile: the database login's password, this once
            box = QMessageBox(
                QMessageBox.Icon.Information, "Database login \u2014 ChronoTrace", "", parent=self
            )
            box.setTextFormat(Qt.TextFormat.PlainText)
            box.setText(f"Database login of {info.email}: {info.new_login.login}")
            box.setInformativeText(
                f"Password (shown once; give it to {info.email} privately): {info.new_login.password}"
            )
            box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            box.open()
        self.select(info.email)

    def change_role(self) -> FormDialog | None:
        user = self.selected()
        if user is None:
            return None
        dialog = ChangeRoleDialog(self._services.users, self._actor, user, self._pool, self)
        return self._open(dialog)

    def reset_password(self) -> FormDialog | None:
        user = self.selected()
        if user is None:
            return None
        dialog = ResetPasswordDialog(self._services.users, self._actor, user, self._pool, self)
        return self._open(dialog)

    def toggle_active(self) -> None:
        user = self.selected()
        if user is None:
            return
        users, actor, email, enable = self._services.users, self._actor, user.email, not user.is_active
        if not enable:
            own = " This is your own account: you will be signed out." if email == actor.email else ""
            text = (
                f"Disable {email}? The account can no longer sign in and its API keys stop working "
                f"until it is enabled again.{own}"
            )
            if not self.confirm(self, "Disable user", text):
                return
        self.run_change("set user active", lambda _task: users.set_active(actor, email, enable))

    def unlock(self) -> None:
        user = self.selected()
        if user is not None:
            users, actor, email = self._services.users, self._actor, user.email
            self.run_change("unlock user", lambda _task: users.unlock(actor, email))
