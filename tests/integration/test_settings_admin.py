"""Changing settings through the service (issue 13 item 6): administrators only, the old and new values audited,
the file and its audit row together or neither."""

from __future__ import annotations

import json
from typing import Any

import pytest
import sqlalchemy as sa

from chronotrace_desktop.config import WEAK_BCRYPT_ENV, read_settings_file
from chronotrace_desktop.domain.errors import InvalidInputError, PermissionDeniedError
from chronotrace_desktop.domain.roles import Role
from chronotrace_desktop.services.admin import settings as settings_module
from chronotrace_desktop.storage.orm import AuditLog
from tests.integration.conftest import Installation


def _settings_rows(inst: Installation) -> list[tuple[str | None, bool | None, dict[str, Any]]]:
    with inst.services.database.transaction() as session:
        rows = session.scalars(
            sa.select(AuditLog).where(AuditLog.action == "settings_changed").order_by(AuditLog.created_at)
        ).all()
        return [(row.username, row.success, dict(row.meta or {})) for row in rows]


def test_a_setting_change_is_audited_with_old_and_new_value(installation: Installation) -> None:
    service = installation.services.settings_admin
    service.set_value(installation.admin, "login_lockout_minutes", "20")
    assert service.set_value(installation.admin, "login_lockout_minutes", "30") == 30.0
    assert read_settings_file(installation.services.paths)["login_lockout_minutes"] == 30.0
    assert _settings_rows(installation)[-1] == (
        installation.admin.email,
        True,
        {
            "settings": ["login_lockout_minutes"],
            "before": {"login_lockout_minutes": 20.0},
            "after": {"login_lockout_minutes": 30.0},
            "secrets": [],
        },
    )
    service.set_value(installation.admin, "login_lockout_minutes", None)  # back to the default
    assert "login_lockout_minutes" not in read_settings_file(installation.services.paths)
    assert _settings_rows(installation)[-1][2]["after"] == {"login_lockout_minutes": None}


def test_only_administrators_change_settings(installation: Installation) -> None:
    _, analyst = installation.add_user(Role.ANALYST)
    before = read_settings_file(installation.services.paths)
    with pytest.raises(PermissionDeniedError):
        installation.services.settings_admin.set_value(analyst, "bcrypt_rounds", "12")
    with pytest.raises(PermissionDeniedError):
        installation.services.settings_admin.save(analyst, {"ingest_detect_interval": 2.0}, {})
    assert read_settings_file(installation.services.paths) == before


def test_a_refused_value_changes_nothing_and_leaves_no_row(
    installation: Installation, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(WEAK_BCRYPT_ENV)
    monkeypatch.setenv("CHRONOTRACE_BCRYPT_ROUNDS", "12")
    rows = _settings_rows(installation)
    before = read_settings_file(installation.services.paths)
    with pytest.raises(InvalidInputError, match="at least 12"):
        installation.services.settings_admin.set_value(installation.admin, "bcrypt_rounds", "4")
    with pytest.raises(InvalidInputError, match="unknown setting"):
        installation.services.settings_admin.set_value(installation.admin, "data_dir", "/tmp")
    assert read_settings_file(installation.services.paths) == before
    assert _settings_rows(installation) == rows


def test_when_the_audit_row_cannot_commit_the_file_is_put_back(
    installation: Installation, monkeypatch: pytest.MonkeyPatch
) -> None:
    service = installation.services.settings_admin
    service.set_value(installation.admin, "min_free_disk_mb", "1000")
    settings_file = installation.services.paths.settings_file
    text = settings_file.read_text()
    rows = _settings_rows(installation)
    real_write = settings_module.update_settings_file

    def write_then_fail(*args: Any, **kwargs: Any) -> Any:
        real_write(*args, **kwargs)
        assert json.loads(settings_file.read_text())["min_free_disk_mb"] == 5
        raise RuntimeError("the database went away before the commit")

    monkeypatch.setattr(settings_module, "update_settings_file", write_then_fail)
    with pytest.raises(RuntimeError, match="went away"):
        service.set_value(installation.admin, "min_free_disk_mb", "5")
    assert settings_file.read_text() == text
    assert _settings_rows(installation) == rows


def test_the_desktop_dialogs_save_is_audited_with_old_and_new_values(installation: Installation) -> None:
    service = installation.services.settings_admin
    service.save(installation.admin, {"ingest_workers": 1}, {})
    assert service.save(installation.admin, {"ingest_workers": 2}, {}) == ["ingest_workers"]
    assert _settings_rows(installation)[-1][2] == {
        "settings": ["ingest_workers"],
        "before": {"ingest_workers": 1},
        "after": {"ingest_workers": 2},
        "secrets": [],
    }
    with pytest.raises(InvalidInputError, match="cannot be changed here"):
        service.save(installation.admin, {"bcrypt_rounds": 13}, {})
