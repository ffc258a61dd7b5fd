"""The API keys panel through the real key service: a key is shown once, then only its prefix is listed;
scopes follow the chosen user's role; revoke and rotate."""

from __future__ import annotations

import pytest

from chronotrace_desktop.domain.errors import AuthenticationError
from chronotrace_desktop.domain.roles import Role
from chronotrace_desktop.services.api_keys import Scope
from chronotrace_desktop.ui.admin.api_key_dialogs import NOT_SHOWN_AGAIN
from chronotrace_desktop.ui.admin.api_keys_model import PREFIX, REVOKED, USER, ApiKeyModel
from chronotrace_desktop.ui.admin.api_keys_panel import ApiKeysPanel
from chronotrace_desktop.ui.qt import QGuiApplication, QLabel

VIEWER = "vic.viewer@agency.example"


def _cells(model: ApiKeyModel) -> list[str]:
    return [
        str(model.index(row, column).data())
        for row in range(model.rowCount())
        for column in range(model.columnCount())
    ]


def _create(qtbot, panel: ApiKeysPanel, name: str, owner: str, scopes: set[Scope]) -> str:
    panel.create_button.click()
    qtbot.waitUntil(lambda: panel.create_dialog is not None, timeout=10_000)
    dialog = panel.create_dialog
    assert dialog is not None
    dialog.name_edit.setText(name)
    dialog.user_box.setCurrentIndex(dialog.user_box.findData(owner))
    for scope in scopes:
        dialog.scope_checks[scope].setChecked(True)
    with qtbot.waitSignal(panel.refreshed, timeout=10_000):
        dialog.submit()
    assert panel.shown_once is not None
    return panel.shown_once.key_edit.text()


def test_keys_are_shown_once_listed_by_prefix_revoked_and_rotated(
    qtbot, qtmodeltester, services, admin, pool
) -> None:
    services.users.add_user(admin, VIEWER, Role.VIEWER, "long enough password")
    panel = ApiKeysPanel(services, admin, pool)
    qtbot.addWidget(panel)
    panel.show()
    panel.confirm = lambda *_args: True
    qtbot.waitUntil(lambda: pool.active_count == 0, timeout=10_000)
    qtmodeltester.check(panel.model)
    assert panel.model.rowCount() == 0

    panel.create_button.click()
    qtbot.waitUntil(lambda: panel.create_dialog is not None, timeout=10_000)
    dialog = panel.create_dialog
    dialog.user_box.setCurrentIndex(dialog.user_box.findData(VIEWER))
    assert dialog.scope_checks[Scope.READ_VIDEOS].isEnabled()
    assert not dialog.scope_checks[Scope.WRITE_VIDEOS].isEnabled()  # beyond a viewer's role
    assert not dialog.scope_checks[Scope.ADMIN].isEnabled()
    dialog.name_edit.setText("VMS")
    dialog.submit()
    assert dialog.problem_label.text() == "A key needs at least one scope"
    dialog.reject()

    key = _create(qtbot, panel, "VMS integration", VIEWER, {Scope.READ_VIDEOS, Scope.READ_SEARCHES})
    shown = panel.shown_once
    assert key.startswith("ct_live_")
    assert any(label.text() == NOT_SHOWN_AGAIN for label in shown.findChildren(QLabel))
    shown.copy_button.click()
    assert QGuiApplication.clipboard().text() == key
    (info,) = services.api_keys.list_keys(admin, all_users=True)
    row = panel.model.row_of(info.key_id)
    assert panel.model.index(row, PREFIX).data() == f"{info.prefix}\u2026"
    assert panel.model.index(row, USER).data() == VIEWER
    assert not any(key in cell for cell in _cells(panel.model))  # only the prefix is listed
    assert services.api_keys.authenticate(key).actor.email == VIEWER
    shown.done(0)
    assert shown.key_edit.text() == ""  # closed: the key is gone from the screen
    qtmodeltester.check(panel.model)

    panel.select(info.key_id)
    assert panel.revoke_button.isEnabled()
    with qtbot.waitSignal(panel.refreshed, timeout=10_000):
        panel.revoke_button.click()
    assert panel.model.index(panel.model.row_of(info.key_id), REVOKED).data() != ""
    assert not panel.revoke_button.isEnabled()
    with pytest.raises(AuthenticationError, match="revoked"):
        services.api_keys.authenticate(key)

    second = _create(qtbot, panel, "Ingest node", admin.email, {Scope.WRITE_VIDEOS})
    panel.shown_once.done(0)
    (made,) = [k for k in services.api_keys.list_keys(admin, all_users=True) if k.is_active]
    panel.select(made.key_id)
    with qtbot.waitSignal(panel.refreshed, timeout=10_000):
        panel.rotate_button.click()
    rotated = panel.shown_once.key_edit.text()
    assert rotated.startswith("ct_live_")
    assert rotated != second
    assert services.api_keys.authenticate(rotated).actor.email == admin.email
    with pytest.raises(AuthenticationError):
        services.api_keys.authenticate(second)
    assert panel.model.rowCount() == 3
    qtmodeltester.check(panel.model)
