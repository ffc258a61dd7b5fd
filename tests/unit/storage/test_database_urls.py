"""Issue 13 (Low): a remote team database is only ever reached over TLS (no server needed: the URL and engine)."""

from __future__ import annotations

import pytest

from chronotrace_desktop.config import Profile, Settings
from chronotrace_desktop.domain.secrets import SecretName
from chronotrace_desktop.storage.database import create_engine_for, team_database_url
from chronotrace_desktop.storage.secrets import SecretStore


class _Keyring(SecretStore):
    def get(self, name: SecretName, target: str) -> str | None:
        return "pw" if name is SecretName.DATABASE_PASSWORD else None


def _connect_params(database_url: str) -> dict[str, object]:
    settings = Settings(profile=Profile.TEAM, database_url=database_url)
    engine = create_engine_for(team_database_url(settings, _Keyring()))
    try:
        _args, params = engine.dialect.create_connect_args(engine.url)
        return dict(params)
    finally:
        engine.dispose()


def test_a_remote_database_gets_sslmode_require() -> None:
    params = _connect_params("postgresql://ct@db.example.org:5432/ct")
    assert params["sslmode"] == "require"
    assert params["host"] == "db.example.org"


@pytest.mark.parametrize("mode", ["verify-ca", "verify-full"])
def test_a_stricter_sslmode_is_kept(mode: str) -> None:
    assert _connect_params(f"postgresql://ct@db.example.org/ct?sslmode={mode}")["sslmode"] == mode


def test_a_local_database_is_left_as_configured() -> None:
    assert "sslmode" not in _connect_params("postgresql://ct@127.0.0.1:5432/ct")
    assert _connect_params("postgresql://ct@localhost/ct?sslmode=disable")["sslmode"] == "disable"
