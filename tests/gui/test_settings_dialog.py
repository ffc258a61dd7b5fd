"""Tools ▸ Settings…: administrators change values and passwords; others only read them."""

from __future__ import annotations

import json

import pytest

from chronotrace_desktop.domain.roles import Role
from chronotrace_desktop.domain.secrets import SecretName
from chronotrace_desktop.domain.users import Actor
from chronotrace_desktop.services.app import AppServices
from chronotrace_desktop.storage.secrets import SecretStore
from chronotrace_desktop.ui.dialogs.settings_dialog import SettingsDialog
from chronotrace_desktop.ui.qt import QDialogButtonBox, QLineEdit
from chronotrace_desktop.workers.base import WorkerPool


def _save(qtbot: object, dialog: SettingsDialog) -> None:
    dialog.buttons.button(QDialogButtonBox.StandardButton.Save).click()


def test_an_administrator_saves_values_and_a_password(
    qtbot, services: AppServices, admin: Actor, pool: WorkerPool
) -> None:
    dialog = SettingsDialog(services, admin, pool)
    qtbot.addWidget(dialog)
    dialog.fields["profile"].setCurrentIndex(1)  # type: ignore[attr-defined]
    url = "postgresql://chronotrace@db.example.org:5432/chronotrace"
    dialog.fields["database_url"].setText(url)  # type: ignore[attr-defined]
    dialog.fields["ingest_detect_interval"].setValue(2.0)  # type: ignore[attr-defined]
    dialog.secrets[SecretName.DATABASE_PASSWORD].setText("s3cret team password")
    with qtbot.waitSignal(dialog.saved, timeout=10_000) as saved:
        _save(qtbot, dialog)
    assert set(saved.args[0]) == {"profile", "database_url", "ingest_detect_interval", "database-password"}
    stored = json.loads(services.paths.settings_file.read_text())
    assert stored["profile"] == "team"
    assert stored["database_url"] == url
    assert stored["ingest_detect_interval"] == 2.0
    assert "s3cret" not in services.paths.settings_file.read_text()
    target = "postgresql+psycopg://chronotrace@db.example.org:5432/chronotrace"
    assert SecretStore().get(SecretName.DATABASE_PASSWORD, target) == "s3cret team password"


def test_an_invalid_value_is_explained_inline(
    qtbot, services: AppServices, admin: Actor, pool: WorkerPool
) -> None:
    dialog = SettingsDialog(services, admin, pool)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.fields["database_url"].setText("postgresql://u:pw@db.example.org/ct")  # type: ignore[attr-defined]
    _save(qtbot, dialog)
    qtbot.waitUntil(dialog.error_label.isVisible, timeout=10_000)
    assert "must not contain a password" in dialog.error_label.text()
    assert dialog.isVisible()


@pytest.mark.parametrize("role", [Role.VIEWER, Role.ANALYST])
def test_other_roles_only_read(
    qtbot, services: AppServices, admin: Actor, pool: WorkerPool, role: Role
) -> None:
    email = f"{role.value}@agency.example"
    services.users.add_user(admin, email, role, "long enough password")
    actor = services.auth.login(email, "long enough password")
    dialog = SettingsDialog(services, actor, pool)
    qtbot.addWidget(dialog)
    assert not dialog.editable
    assert dialog.buttons.button(QDialogButtonBox.StandardButton.Save) is None
    assert all(not w.isEnabled() for w in dialog.findChildren(QLineEdit))


def test_an_administrator_chooses_the_redaction_mode(
    qtbot, services: AppServices, admin: Actor, pool: WorkerPool
) -> None:
    dialog = SettingsDialog(services, admin, pool)
    qtbot.addWidget(dialog)
    box = dialog.fields["redaction_mode"]
    assert box.currentData() == "heads"  # type: ignore[attr-defined]
    box.setCurrentIndex(box.findData("upper_body"))  # type: ignore[attr-defined]
    with qtbot.waitSignal(dialog.saved, timeout=10_000) as saved:
        _save(qtbot, dialog)
    assert saved.args[0] == ["redaction_mode"]
    assert json.loads(services.paths.settings_file.read_text())["redaction_mode"] == "upper_body"
