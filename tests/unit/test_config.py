from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from pydantic import ValidationError

from chronotrace_desktop.config import (
    WEAK_BCRYPT_ENV,
    Profile,
    Settings,
    load_settings,
    resolve_paths,
    update_settings_file,
)


def test_data_dir_isolates_every_folder(tmp_path: Path) -> None:
    paths = resolve_paths(tmp_path / "case")
    for folder in (
        paths.config_dir,
        paths.cache_dir,
        paths.log_dir,
        paths.postgres_dir,
        paths.vectors_dir,
        paths.media_dir,
    ):
        assert folder.is_relative_to(tmp_path / "case")


def test_environment_variable_chooses_the_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHRONOTRACE_DATA_DIR", str(tmp_path / "env"))
    assert resolve_paths().data_dir == tmp_path / "env"
    assert resolve_paths(tmp_path / "flag").data_dir == tmp_path / "flag"


def test_precedence_flag_env_file_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    paths = resolve_paths(tmp_path)
    paths.config_dir.mkdir(parents=True)
    paths.settings_file.write_text(json.dumps({"profile": "team", "log_level": "DEBUG", "bcrypt_rounds": 10}))
    monkeypatch.setenv("CHRONOTRACE_LOG_LEVEL", "WARNING")
    settings = load_settings(paths, bcrypt_rounds=5)
    assert settings.profile is Profile.TEAM  # file
    assert settings.log_level == "WARNING"  # env beats file
    assert settings.bcrypt_rounds == 5  # flag beats all
    assert load_settings(resolve_paths(tmp_path / "other")).profile is Profile.WORKSTATION


def test_unknown_keys_in_the_file_are_rejected(tmp_path: Path) -> None:
    paths = resolve_paths(tmp_path)
    paths.config_dir.mkdir(parents=True)
    paths.settings_file.write_text(json.dumps({"database_password": "x"}))
    with pytest.raises(ValidationError, match="database_password"):
        load_settings(paths)


def test_database_url_must_not_carry_a_password() -> None:
    with pytest.raises(ValidationError, match="must not contain a password"):
        Settings(database_url="postgresql://me:secret@db.example.org/ct")
    with pytest.raises(ValidationError, match="only PostgreSQL"):
        Settings(database_url="mysql://me@db.example.org/ct")
    assert Settings(database_url="postgresql://me@db.example.org:5432/ct").database_url


def test_the_file_keeps_only_its_own_keys(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    paths = resolve_paths(tmp_path)
    monkeypatch.setenv("CHRONOTRACE_LOG_LEVEL", "DEBUG")
    update_settings_file(paths, {"profile": "team"})
    updated = update_settings_file(paths, {"qdrant_url": "http://qdrant.example.org:6333"})
    assert updated.log_level == "DEBUG"
    assert json.loads(paths.settings_file.read_text()) == {
        "profile": "team",
        "qdrant_url": "http://qdrant.example.org:6333",
    }
    update_settings_file(paths, {"qdrant_url": None})
    assert json.loads(paths.settings_file.read_text()) == {"profile": "team"}


def test_invalid_changes_leave_the_file_alone(tmp_path: Path) -> None:
    paths = resolve_paths(tmp_path)
    update_settings_file(paths, {"profile": "team"})
    with pytest.raises(ValidationError):
        update_settings_file(paths, {"database_url": "postgresql://u:pw@h/db"})
    with pytest.raises(ValueError, match="unknown setting"):
        update_settings_file(paths, {"database_password": "x"})
    assert json.loads(paths.settings_file.read_text()) == {"profile": "team"}


def test_bcrypt_rounds_has_a_floor_of_12(monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 13 item 6: a cost below 12 is refused, unless the test-only escape is set (tests/conftest.py)."""
    monkeypatch.delenv(WEAK_BCRYPT_ENV, raising=False)
    monkeypatch.delenv("CHRONOTRACE_BCRYPT_ROUNDS", raising=False)
    with pytest.raises(ValidationError, match="at least 12"):
        Settings(bcrypt_rounds=4)
    with pytest.raises(ValidationError, match="at least 12"):
        Settings(bcrypt_rounds=11)
    assert Settings().bcrypt_rounds == 12
    assert Settings(bcrypt_rounds=13).bcrypt_rounds == 13
    monkeypatch.setenv(WEAK_BCRYPT_ENV, "yes")  # only the exact value "1" opens the escape
    with pytest.raises(ValidationError, match="at least 12"):
        Settings(bcrypt_rounds=4)
    monkeypatch.setenv(WEAK_BCRYPT_ENV, "1")
    assert Settings(bcrypt_rounds=4).bcrypt_rounds == 4


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_the_installation_folders_and_settings_are_owner_only(tmp_path: Path) -> None:
    root = tmp_path / "install"
    root.mkdir(mode=0o755)
    root.chmod(0o755)  # as a pre-existing, group-readable folder would be
    paths = resolve_paths(root)
    paths.ensure()
    for folder in (paths.config_dir, paths.cache_dir, paths.log_dir, paths.media_dir):
        assert folder.stat().st_mode & 0o777 == 0o700, folder
    # root runs the embedded server as a system account that must traverse the data folder itself
    expected = 0o755 if os.geteuid() == 0 else 0o700
    assert root.stat().st_mode & 0o777 == expected
    update_settings_file(paths, {"log_level": "DEBUG"})
    assert paths.settings_file.stat().st_mode & 0o777 == 0o600
