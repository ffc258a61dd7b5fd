"""The Users panel through the real user service: add, role, disable/enable, unlock, reset password."""

from __future__ import annotations

import pytest

from chronotrace_desktop.domain.errors import AuthenticationError
from chronotrace_desktop.domain.roles import Role
from chronotrace_desktop.ui.admin.user_dialogs import AddUserDialog, ChangeRoleDialog, ResetPasswordDialog
from chronotrace_desktop.ui.admin.users_model import LOCKED, ROLE, STATUS, UserModel
from chronotrace_desktop.ui.admin.users_panel import UsersPanel
from chronotrace_desktop.ui.qt import QMessageBox

PASSWORD = "long enough password"
DET = "dana.detective@agency.example"


@pytest.fixture
def panel(qtbot, services, admin, pool) -> UsersPanel:
    services.users.add_user(admin, DET, Role.VIEWER, PASSWORD, full_name="Dana Detective")
    users = UsersPanel(services, admin, pool)
    qtbot.addWidget(users)
    users.show()
    qtbot.waitUntil(lambda: users.model.rowCount() == 2, timeout=10_000)
    users.confirm = lambda *_args: True
    return users


def _row(panel: UsersPanel, email: str, column: int) -> str:
    return str(panel.model.index(panel.model.row_of(email), column).data())


def _submit(qtbot, panel: UsersPanel, dialog) -> None:
    with qtbot.waitSignal(panel.refreshed, timeout=10_000):
        dialog.submit()


def test_an_administrator_adds_a_user(qtbot, qtmodeltester, panel: UsersPanel, services) -> None:
    qtmodeltester.check(panel.model)
    qtmodeltester.check(UserModel())
    dialog = panel.add_user()
    assert isinstance(dialog, AddUserDialog)
    dialog.show()
    dialog.email_edit.setText(DET)  # taken: the service's refusal, in the dialog, which stays open
    dialog.password.edit.setText(PASSWORD)
    dialog.password.confirm_edit.setText(PASSWORD)
    dialog.submit()
    qtbot.waitUntil(dialog.problem_label.isVisible, timeout=10_000)
    assert dialog.problem_label.text() == f"A user with the e-mail {DET} already exists."
    assert dialog.isVisible()
    dialog.email_edit.setText("not an address")
    dialog.submit()
    assert dialog.problem_label.isVisible()
    assert "is not a valid e-mail address" in dialog.problem_label.text()
    dialog.email_edit.setText("Newcomer@Agency.example")
    dialog.name_edit.setText("New Comer")
    dialog.role_box.setCurrentIndex(dialog.role_box.findData(Role.ANALYST))
    dialog.password.edit.setText(PASSWORD)
    dialog.password.confirm_edit.setText("something else entirely")
    dialog.submit()
    assert dialog.problem_label.text() == "The two passwords differ"
    dialog.password.confirm_edit.setText(PASSWORD)
    _submit(qtbot, panel, dialog)
    assert _row(panel, "newcomer@agency.example", ROLE) == "Analyst"
    assert panel.selected() is not None
    assert panel.selected().email == "newcomer@agency.example"
    assert services.auth.login("newcomer@agency.example", PASSWORD).role is Role.ANALYST
    qtmodeltester.check(panel.model)


def test_role_status_lock_and_password_of_an_account(qtbot, panel: UsersPanel, services, admin) -> None:
    panel.select(DET)
    dialog = panel.change_role()
    assert isinstance(dialog, ChangeRoleDialog)
    dialog.role_box.setCurrentIndex(dialog.role_box.findData(Role.ANALYST))
    _submit(qtbot, panel, dialog)
    assert _row(panel, DET, ROLE) == "Analyst"

    assert panel.active_button.text() == "Disable"
    with qtbot.waitSignal(panel.refreshed, timeout=10_000):
        panel.active_button.click()
    assert _row(panel, DET, STATUS) == "disabled"
    with pytest.raises(AuthenticationError):
        services.auth.login(DET, PASSWORD)
    assert panel.active_button.text() == "Enable"
    with qtbot.waitSignal(panel.refreshed, timeout=10_000):
        panel.active_button.click()
    assert _row(panel, DET, STATUS) == "active"
    assert services.auth.login(DET, PASSWORD).role is Role.ANALYST

    panel.select(admin.email)  # the only administrator may not demote themselves
    dialog = panel.change_role()
    dialog.show()
    dialog.role_box.setCurrentIndex(dialog.role_box.findData(Role.VIEWER))
    dialog.submit()
    qtbot.waitUntil(dialog.problem_label.isVisible, timeout=10_000)
    assert dialog.problem_label.text() == "At least one active administrator must remain."
    panel.active_button.click()  # nor disable themselves: the service's message in a box
    qtbot.waitUntil(lambda: bool(panel.findChildren(QMessageBox)), timeout=10_000)
    (box,) = panel.findChildren(QMessageBox)
    assert box.text() == "At least one active administrator must remain."
    box.close()
    assert services.auth.login(admin.email, "correct horse battery").role is Role.ADMIN

    for _attempt in range(services.settings.login_max_failures):
        with pytest.raises(AuthenticationError):
            services.auth.login(DET, "wrong password, again")
    with qtbot.waitSignal(panel.refreshed, timeout=10_000):
        panel.refresh()
    panel.select(DET)
    assert _row(panel, DET, LOCKED).startswith("locked until ")
    assert panel.unlock_button.isEnabled()
    with qtbot.waitSignal(panel.refreshed, timeout=10_000):
        panel.unlock_button.click()
    assert _row(panel, DET, LOCKED) == ""
    assert not panel.unlock_button.isEnabled()
    services.auth.login(DET, PASSWORD)

    dialog = panel.reset_password()
    assert isinstance(dialog, ResetPasswordDialog)
    assert dialog.current_edit is None  # another account's: no current password asked
    dialog.password.edit.setText("short")
    dialog.password.confirm_edit.setText("short")
    dialog.submit()
    assert dialog.problem_label.text() == "Passwords need at least 10 characters"
    dialog.password.edit.setText("a brand new passphrase")
    dialog.password.confirm_edit.setText("a brand new passphrase")
    _submit(qtbot, panel, dialog)
    with pytest.raises(AuthenticationError):
        services.auth.login(DET, PASSWORD)
    assert services.auth.login(DET, "a brand new passphrase").email == DET

    panel.select(admin.email)  # one's own password needs the current one, as the service requires
    own = panel.reset_password()
    assert isinstance(own, ResetPasswordDialog)
    assert own.current_edit is not None
    own.show()
    own.password.edit.setText("another long passphrase")
    own.password.confirm_edit.setText("another long passphrase")
    own.submit()
    assert own.problem_label.text() == "Enter your current password"
    own.current_edit.setText("not my password at all")
    own.submit()
    qtbot.waitUntil(
        lambda: own.problem_label.text().startswith("The current password is wrong"), timeout=10_000
    )
    assert own.isVisible()
    own.current_edit.setText("correct horse battery")
    _submit(qtbot, panel, own)
    assert services.auth.login(admin.email, "another long passphrase").email == admin.email
