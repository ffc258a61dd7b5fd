"""Tools ▸ Settings…: administrators change values and passwords; others only read them."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from chronotrace_desktop.domain.roles import Role
from chronotrace_desktop.domain.secrets import SecretName
from chronotrace_desktop.domain.users import Actor
from chronotrace_desktop.services.app import AppServices
from chronotrace_desktop.storage.secrets import SecretStore
from chronotrace_desktop.ui.dialogs.settings_dialog import SettingsDialog
from chronotrace_desktop.ui.qt import QCheckBox, QDialogButtonBox, QFileDialog, QLabel, QLineEdit
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


# ---------------------------------------------------------------- embedding engines (issue 14)

NOVA_KEY_ID = "AKIAIOSFODNN7EXAMPLE"
NOVA_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


def _engines_tab(dialog: SettingsDialog) -> int:
    titles = [dialog.tabs.tabText(i) for i in range(dialog.tabs.count())]
    return titles.index("Embedding engines")


def test_an_administrator_configures_the_engines(
    qtbot, services: AppServices, admin: Actor, pool: WorkerPool, tmp_path, monkeypatch
) -> None:
    clip_dir = tmp_path / "clip-vit-b32"
    clip_dir.mkdir()
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *args: str(clip_dir))
    dialog = SettingsDialog(services, admin, pool)
    qtbot.addWidget(dialog)
    dialog.show()
    page = dialog.engines_page
    assert page is not None
    dialog.tabs.setCurrentIndex(_engines_tab(dialog))
    assert any("chronotrace reembed --engine NAME" in label.text() for label in page.findChildren(QLabel))
    assert not dialog.fields["nova_region"].isEnabled()  # parameters follow their engine's checkbox
    page.engine_checks["nova"].setChecked(True)
    page.engine_checks["clip"].setChecked(True)
    assert dialog.fields["nova_region"].isEnabled()
    assert "Amazon Nova" in page.engine_checks["nova"].toolTip()
    dialog.fields["nova_region"].setText("eu-west-1")  # type: ignore[attr-defined]
    dialog.fields["nova_profile"].setText("investigations")  # type: ignore[attr-defined]
    dialog.fields["nova_access_key_id"].setText(NOVA_KEY_ID)  # type: ignore[attr-defined]
    dialog.secrets[SecretName.BEDROCK_SECRET_ACCESS_KEY].setText(NOVA_SECRET)
    dimension = dialog.fields["nova_dimension"]
    dimension.setCurrentIndex(dimension.findData(3072))  # type: ignore[attr-defined]
    source = dialog.fields["nova_segment_source"]
    assert "redacted rendition" in page.source_note.text()
    source.setCurrentIndex(source.findData("original"))  # type: ignore[attr-defined]
    assert "unredacted" in page.source_note.text()
    assert "faces" in page.source_note.text()
    page.browse_button.click()
    assert dialog.fields["clip_model_dir"].text() == str(clip_dir)  # type: ignore[attr-defined]

    with qtbot.waitSignal(dialog.saved, timeout=10_000) as saved:
        _save(qtbot, dialog)
    assert set(saved.args[0]) == {
        "embedding_engines",
        "nova_region",
        "nova_profile",
        "nova_access_key_id",
        "nova_dimension",
        "nova_segment_source",
        "clip_model_dir",
        "bedrock-secret-access-key",
    }
    text = services.paths.settings_file.read_text()
    stored = json.loads(text)
    assert stored["embedding_engines"] == ["nova", "clip"]
    assert stored["nova_region"] == "eu-west-1"
    assert stored["nova_profile"] == "investigations"
    assert stored["nova_access_key_id"] == NOVA_KEY_ID
    assert stored["nova_dimension"] == 3072
    assert stored["nova_segment_source"] == "original"
    assert stored["clip_model_dir"] == str(clip_dir)
    assert "nova_model_id" not in stored  # untouched: the default stays out of the file
    assert NOVA_SECRET not in text
    assert SecretStore().get(SecretName.BEDROCK_SECRET_ACCESS_KEY, NOVA_KEY_ID) == NOVA_SECRET


def test_the_engines_are_shown_back_without_the_secret(
    qtbot, services: AppServices, admin: Actor, pool: WorkerPool, tmp_path, monkeypatch
) -> None:
    # What the dialog shows after a restart with these settings (the running app keeps those it started with).
    view = services.settings_admin.view(admin)
    values = {
        **view.values,
        "embedding_engines": ["clip", "nova"],
        "clip_model_dir": str(tmp_path),
        "nova_dimension": 256,
        "nova_access_key_id": NOVA_KEY_ID,
    }
    monkeypatch.setattr(services.settings_admin, "view", lambda actor: replace(view, values=values))
    SecretStore().set(SecretName.BEDROCK_SECRET_ACCESS_KEY, NOVA_KEY_ID, NOVA_SECRET)
    dialog = SettingsDialog(services, admin, pool)
    qtbot.addWidget(dialog)
    page = dialog.engines_page
    assert page is not None
    assert all(check.isChecked() for check in page.engine_checks.values())
    assert dialog.fields["clip_model_dir"].text() == str(tmp_path)  # type: ignore[attr-defined]
    assert dialog.fields["nova_dimension"].currentData() == 256  # type: ignore[attr-defined]
    assert dialog.fields["nova_access_key_id"].text() == NOVA_KEY_ID  # type: ignore[attr-defined]
    assert dialog.secrets[SecretName.BEDROCK_SECRET_ACCESS_KEY].text() == ""
    assert all(NOVA_SECRET not in edit.text() for edit in dialog.findChildren(QLineEdit))
    assert dialog.changes() == {}  # the same engines in another order are no change


def test_unticking_every_engine_leaves_the_offline_default(
    qtbot, services: AppServices, admin: Actor, pool: WorkerPool, tmp_path
) -> None:
    dialog = SettingsDialog(services, admin, pool)
    qtbot.addWidget(dialog)
    page = dialog.engines_page
    assert page is not None
    assert not any(check.isChecked() for check in page.engine_checks.values())
    assert dialog.changes() == {}
    page.engine_checks["clip"].setChecked(True)
    dialog.fields["clip_model_dir"].setText(str(tmp_path))  # type: ignore[attr-defined]
    assert dialog.changes() == {"embedding_engines": ["clip"], "clip_model_dir": str(tmp_path)}
    page.engine_checks["clip"].setChecked(False)
    assert dialog.changes() == {"clip_model_dir": str(tmp_path)}


def test_a_wrong_region_is_explained_on_the_engines_tab(
    qtbot, services: AppServices, admin: Actor, pool: WorkerPool
) -> None:
    dialog = SettingsDialog(services, admin, pool)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.engines_page is not None
    dialog.engines_page.engine_checks["nova"].setChecked(True)
    dialog.fields["nova_region"].setText("US East")  # type: ignore[attr-defined]
    _save(qtbot, dialog)
    qtbot.waitUntil(dialog.error_label.isVisible, timeout=10_000)
    assert dialog.error_label.text() == "nova_region: expected an AWS region such as us-east-1"
    assert dialog.tabs.currentIndex() == _engines_tab(dialog)
    assert dialog.isVisible()
    assert not services.paths.settings_file.exists()


@pytest.mark.parametrize(
    ("setup", "message", "field"),
    [
        ({"tick": "clip"}, "needs its model folder", "clip_model_dir"),
        ({"tick": "clip", "clip_model_dir": "/nonexistent/clip"}, "does not exist", "clip_model_dir"),
        (
            {"tick": "nova", "nova_access_key_id": NOVA_KEY_ID},
            "needs its secret access key",
            "nova_access_key_id",
        ),
    ],
)
def test_engine_settings_that_could_not_work_are_refused(
    qtbot, services: AppServices, admin: Actor, pool: WorkerPool, setup, message, field
) -> None:
    dialog = SettingsDialog(services, admin, pool)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.engines_page is not None
    dialog.engines_page.engine_checks[setup["tick"]].setChecked(True)
    for name, value in setup.items():
        if name != "tick":
            dialog.fields[name].setText(value)  # type: ignore[attr-defined]
    _save(qtbot, dialog)
    assert dialog.error_label.isVisible()  # refused before the service is asked
    assert message in dialog.error_label.text()
    assert dialog.tabs.currentIndex() == _engines_tab(dialog)
    assert dialog.focusWidget() is dialog.fields[field]
    assert dialog.buttons.isEnabled()
    assert not services.paths.settings_file.exists()


@pytest.mark.parametrize("role", [Role.VIEWER, Role.ANALYST])
def test_other_roles_get_no_engine_controls(
    qtbot, services: AppServices, admin: Actor, pool: WorkerPool, role: Role
) -> None:
    email = f"{role.value}@agency.example"
    services.users.add_user(admin, email, role, "long enough password")
    actor = services.auth.login(email, "long enough password")
    dialog = SettingsDialog(services, actor, pool)
    qtbot.addWidget(dialog)
    assert dialog.engines_page is None
    assert "Embedding engines" not in [dialog.tabs.tabText(i) for i in range(dialog.tabs.count())]
    assert not any(name.startswith(("nova_", "clip_", "embedding_")) for name in dialog.fields)
    assert SecretName.BEDROCK_SECRET_ACCESS_KEY not in dialog.secrets
    assert dialog.findChildren(QCheckBox) == []
