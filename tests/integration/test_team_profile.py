"""The team profile: a PostgreSQL server from settings, its password only in the keyring."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import URL

from chronotrace_desktop.domain.secrets import SecretName
from chronotrace_desktop.storage.secrets import SecretStore
from tests.integration.conftest import _server_backend, create_database, drop_database
from tests.integration.test_cli import ADMIN, Cli

pytestmark = pytest.mark.server_pg
SECRET = "s3cret-Team-Passw0rd"


@pytest.fixture
def team_db() -> Iterator[URL]:
    url = create_database(_server_backend())
    yield url
    drop_database(url)


def _all_text_under(folder: Path) -> str:
    texts = []
    for path in folder.rglob("*"):
        if path.is_file() and "postgres" not in path.parts:
            texts.append(path.read_text(errors="replace"))
    return "\n".join(texts)


def test_team_profile_keeps_the_password_in_the_keyring(tmp_path: Path, team_db: URL) -> None:
    cli = Cli(tmp_path / "team")
    plain_url = team_db.set(drivername="postgresql").render_as_string(hide_password=True)
    assert cli("config", "set", "profile", "team").returncode == 0
    assert cli("config", "set", "database_url", plain_url).returncode == 0
    stored = cli("config", "set-secret", "database-password", CHRONOTRACE_SECRET=SECRET)
    assert stored.returncode == 0, stored.stderr

    init = cli("init", "--admin-email", ADMIN)
    assert init.returncode == 0, init.stderr
    assert "team profile" in init.stdout
    doctor = cli("doctor", "--json", password=None)
    assert json.loads(doctor.stdout)["healthy"], doctor.stdout

    settings = json.loads((tmp_path / "team" / "config" / "settings.json").read_text())
    assert settings == {"profile": "team", "database_url": plain_url}
    assert SECRET not in _all_text_under(tmp_path / "team"), "a secret leaked into settings or logs"
    target = team_db.render_as_string(hide_password=True)
    assert SecretStore().get(SecretName.DATABASE_PASSWORD, target) == SECRET


def test_a_password_in_the_url_is_refused(tmp_path: Path) -> None:
    cli = Cli(tmp_path / "team")
    result = cli("config", "set", "database_url", "postgresql://u:hunter2hunter2@db.example.org/ct")
    assert result.returncode == 2
    assert "must not contain a password" in result.stderr
    assert not (tmp_path / "team" / "config" / "settings.json").exists()
