"""The login dialog against a real installation: refusals inline, Enter submits, first-run admin set-up."""

from __future__ import annotations

import pytest

from chronotrace_desktop.domain.roles import Role
from chronotrace_desktop.services.access import WRONG_CREDENTIALS
from chronotrace_desktop.services.app import AppServices
from chronotrace_desktop.ui.dialogs.login_dialog import LoginDialog
from chronotrace_desktop.ui.qt import QDialog, Qt
from chronotrace_desktop.workers.base import WorkerPool

ADMIN_EMAIL = "first.admin@agency.example"
ADMIN_PASSWORD = "a long enough passphrase"


def _dialog(qtbot, services: AppServices, pool: WorkerPool) -> LoginDialog:
    dialog = LoginDialog(
        services.auth,
        services.installation,
        pool,
        first_run=services.installation.needs_first_admin(),
    )
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def _error_shown(dialog: LoginDialog) -> bool:
    return dialog.error_frame.isVisible() and not dialog.busy


def test_wrong_password_shows_the_error_and_stays_open(qtbot, services, pool, admin_account) -> None:
    dialog = _dialog(qtbot, services, pool)
    assert not dialog.first_run
    assert not dialog.full_name_edit.isVisibleTo(dialog)

    qtbot.keyClicks(dialog.email_edit, admin_account.email)
    qtbot.keyClicks(dialog.password_edit, "not the password")
    qtbot.mouseClick(dialog.submit_button, Qt.MouseButton.LeftButton)
    assert dialog.busy  # the check runs in a worker: the dialog keeps painting meanwhile
    assert not dialog.submit_button.isEnabled()

    qtbot.waitUntil(lambda: _error_shown(dialog), timeout=10_000)
    assert dialog.error_label.text() == WRONG_CREDENTIALS
    assert dialog.isVisible()
    assert dialog.result() != QDialog.DialogCode.Accepted
    assert dialog.actor is None
    assert dialog.password_edit.text() == ""
    assert dialog.submit_button.isEnabled()


def test_enter_submits_and_signs_in(qtbot, services, pool, admin_account) -> None:
    dialog = _dialog(qtbot, services, pool)
    qtbot.keyClicks(dialog.email_edit, f"  {admin_account.email.upper()} ")  # normalised like the service
    qtbot.keyClicks(dialog.password_edit, admin_account.password)

    with qtbot.waitSignal(dialog.login_succeeded, timeout=10_000) as blocker:
        qtbot.keyClick(dialog.password_edit, Qt.Key.Key_Return)

    actor = blocker.args[0]
    assert actor.email == admin_account.email
    assert actor.role is Role.ADMIN
    assert dialog.actor == actor
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert not dialog.isVisible()


def test_empty_fields_are_explained_without_a_round_trip(qtbot, services, pool, admin_account) -> None:
    dialog = _dialog(qtbot, services, pool)
    qtbot.keyClick(dialog.email_edit, Qt.Key.Key_Return)
    assert dialog.error_label.text() == "Enter your e-mail address."
    qtbot.keyClicks(dialog.email_edit, admin_account.email)
    qtbot.keyClick(dialog.email_edit, Qt.Key.Key_Return)
    assert dialog.error_label.text() == "Enter your password."
    assert not dialog.busy


def test_a_locked_account_answers_like_a_wrong_password(qtbot, services, pool, admin_account) -> None:
    """Issue 13 item 8: no refusal tells that the account exists or is locked."""
    dialog = _dialog(qtbot, services, pool)
    qtbot.keyClicks(dialog.email_edit, admin_account.email)
    for _ in range(services.settings.login_max_failures):  # Enter submits again after each refusal
        qtbot.keyClicks(dialog.password_edit, "wrong password!")
        qtbot.keyClick(dialog.password_edit, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: _error_shown(dialog), timeout=10_000)
        assert dialog.error_label.text() == WRONG_CREDENTIALS

    dialog.show_error(None)
    qtbot.keyClicks(dialog.password_edit, admin_account.password)  # right, but too late
    qtbot.keyClick(dialog.password_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: _error_shown(dialog), timeout=10_000)
    assert dialog.error_label.text() == WRONG_CREDENTIALS
    assert "pauses for a while" in WRONG_CREDENTIALS  # the one hint, true of every account
    assert dialog.actor is None


def test_first_run_creates_the_administrator_and_signs_in(qtbot, services, pool) -> None:
    dialog = _dialog(qtbot, services, pool)
    assert dialog.first_run
    assert dialog.heading_label.text() == "Create the administrator"
    for field in (dialog.full_name_edit, dialog.confirm_edit, dialog.rules_label):
        assert field.isVisibleTo(dialog)
    assert "at least 10 characters" in dialog.rules_label.text()

    qtbot.keyClicks(dialog.email_edit, "not-an-address")
    qtbot.keyClicks(dialog.password_edit, "short")
    qtbot.keyClick(dialog.password_edit, Qt.Key.Key_Return)
    assert "is not a valid e-mail address" in dialog.error_label.text()

    dialog.email_edit.setText(ADMIN_EMAIL)
    qtbot.keyClick(dialog.password_edit, Qt.Key.Key_Return)
    assert dialog.error_label.text() == "Passwords need at least 10 characters."

    dialog.password_edit.setText(ADMIN_PASSWORD)
    dialog.confirm_edit.setText(ADMIN_PASSWORD + "x")
    qtbot.keyClick(dialog.confirm_edit, Qt.Key.Key_Return)
    assert "differ" in dialog.error_label.text()
    assert services.installation.needs_first_admin()  # nothing sent yet

    dialog.confirm_edit.setText(ADMIN_PASSWORD)
    qtbot.keyClicks(dialog.full_name_edit, "Ada Admin")
    with qtbot.waitSignal(dialog.login_succeeded, timeout=10_000) as blocker:
        qtbot.keyClick(dialog.confirm_edit, Qt.Key.Key_Return)

    actor = blocker.args[0]
    assert actor.email == ADMIN_EMAIL
    assert actor.role is Role.ADMIN
    assert actor.full_name == "Ada Admin"
    assert not services.installation.needs_first_admin()
    assert dialog.result() == QDialog.DialogCode.Accepted


def test_first_run_raced_by_another_setup_falls_back_to_sign_in(qtbot, services, pool) -> None:
    dialog = _dialog(qtbot, services, pool)
    assert dialog.first_run
    services.installation.create_first_admin("someone@agency.example", ADMIN_PASSWORD)  # e.g. from the CLI

    dialog.email_edit.setText(ADMIN_EMAIL)
    dialog.password_edit.setText(ADMIN_PASSWORD)
    dialog.confirm_edit.setText(ADMIN_PASSWORD)
    qtbot.keyClick(dialog.confirm_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: _error_shown(dialog), timeout=10_000)

    assert not dialog.first_run
    assert "already has users" in dialog.error_label.text()
    assert dialog.isVisible()


def test_closing_while_signing_in_delivers_nothing(qtbot, services, pool, admin_account) -> None:
    dialog = _dialog(qtbot, services, pool)
    received: list[object] = []
    dialog.login_succeeded.connect(received.append)
    dialog.email_edit.setText(admin_account.email)
    dialog.password_edit.setText(admin_account.password)
    dialog.submit()
    dialog.reject()

    assert pool.wait_for_done(10_000)
    qtbot.wait(20)
    assert received == []
    assert dialog.actor is None


@pytest.mark.parametrize("first_run", [False, True])
def test_modes_can_be_switched(qtbot, services, pool, first_run: bool) -> None:
    dialog = _dialog(qtbot, services, pool)
    dialog.set_first_run(first_run)
    assert dialog.confirm_edit.isVisibleTo(dialog) is first_run
    assert dialog.submit_button.text() == ("&Create and sign in" if first_run else "&Sign in")
