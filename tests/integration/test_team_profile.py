"""The team profile: a PostgreSQL server from settings, set up by its owner once; each workstation then runs as
its user's own login, whose password is only in the keyring."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import URL, make_url

from chronotrace_desktop.domain.secrets import SecretName
from chronotrace_desktop.storage.secrets import SecretStore, secret_target
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


def test_team_init_runs_as_the_owner_once_and_leaves_the_admins_own_login(
    tmp_path: Path, team_db: URL
) -> None:
    cli = Cli(tmp_path / "team")
    owner_url = team_db.set(drivername="postgresql").render_as_string(hide_password=True)
    assert cli("config", "set", "profile", "team").returncode == 0
    assert cli("config", "set", "database_url", owner_url).returncode == 0

    without_owner = cli("init", "--admin-email", ADMIN)
    assert without_owner.returncode == 2
    assert "--owner ROLE" in without_owner.stderr
    before_init = cli("doctor", "--json", password=None)
    assert not json.loads(before_init.stdout)["healthy"]

    init = cli("init", "--admin-email", ADMIN, "--owner", "postgres", CHRONOTRACE_DB_OWNER_PASSWORD=SECRET)
    assert init.returncode == 0, init.stderr
    assert "team profile" in init.stdout
    assert "database login:" in init.stdout
    settings = json.loads((tmp_path / "team" / "config" / "settings.json").read_text())
    login_url = make_url(settings["database_url"])
    assert login_url.username is not None
    assert login_url.username.startswith(f"{team_db.database}_u_"), settings
    assert settings["profile"] == "team"
    target = secret_target(SecretName.DATABASE_PASSWORD, settings["database_url"])
    login_password = SecretStore().get(SecretName.DATABASE_PASSWORD, target)
    assert login_password, "the administrator's login password is not in the keyring"
    assert login_password not in _all_text_under(tmp_path / "team"), "a secret leaked into settings or logs"
    assert SECRET not in _all_text_under(tmp_path / "team"), "the owner's password was kept"
    owner_target = secret_target(SecretName.DATABASE_PASSWORD, owner_url)
    assert SecretStore().get(SecretName.DATABASE_PASSWORD, owner_target) is None

    doctor = cli("doctor", "--json", password=None)
    assert json.loads(doctor.stdout)["healthy"], doctor.stdout
    database = next(c for c in json.loads(doctor.stdout)["checks"] if c["name"] == "database")
    assert database["status"] == "ok", database  # not connected as the owner or a superuser
    migrate = cli(
        "db", "migrate", "--user", ADMIN, "--owner", "postgres", CHRONOTRACE_DB_OWNER_PASSWORD=SECRET
    )
    assert migrate.returncode == 0, migrate.stderr
    assert "up to date" in migrate.stdout


def test_a_password_in_the_url_is_refused(tmp_path: Path) -> None:
    cli = Cli(tmp_path / "team")
    result = cli("config", "set", "database_url", "postgresql://u:hunter2hunter2@db.example.org/ct")
    assert result.returncode == 2
    assert "must not contain a password" in result.stderr
    assert not (tmp_path / "team" / "config" / "settings.json").exists()
