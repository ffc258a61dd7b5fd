"""``chronotrace config set`` (issue 13 item 6): before the installation has users anyone at the machine sets it
up; once it has users only an administrator, signed in with ``--user``, and every change is audited."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from chronotrace_desktop.config import WEAK_BCRYPT_ENV, load_settings, resolve_paths
from chronotrace_desktop.services.app import open_app
from chronotrace_desktop.storage.orm import AuditLog
from tests.conftest import scratch_dir
from tests.integration.test_cli import ADMIN, Cli

VIEWER = "viewer@b.cc"
VIEWER_PASSWORD = "viewer password 1"


def _file(cli: Cli) -> dict[str, object]:
    return json.loads((cli.data_dir / "config" / "settings.json").read_text())


@pytest.fixture(scope="module")
def cli() -> Cli:
    runner = Cli(scratch_dir("config-cli-") / "installation")
    # Setting up before `init`: no user exists yet, so nobody can sign in and nobody needs to.
    bootstrap = runner("config", "set", "ingest_detect_interval", "1.5", password=None)
    assert bootstrap.returncode == 0, bootstrap.stderr
    assert runner("init", "--admin-email", ADMIN).returncode == 0
    added = runner(
        "users", "add", "--user", ADMIN, "--email", VIEWER, "--role", "viewer",
        CHRONOTRACE_NEW_PASSWORD=VIEWER_PASSWORD,
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    return runner


def test_once_there_are_users_config_set_needs_a_signed_in_administrator(cli: Cli) -> None:
    anonymous = cli("config", "set", "login_max_failures", "1000", password=None)
    assert anonymous.returncode == 2
    assert "--user" in anonymous.stderr
    viewer = cli("config", "set", "login_max_failures", "1000", "--user", VIEWER, password=VIEWER_PASSWORD)
    assert viewer.returncode == 3, viewer.stderr
    wrong = cli("config", "set", "login_max_failures", "1000", "--user", ADMIN, password="not the password")
    assert wrong.returncode == 2
    assert "login_max_failures" not in _file(cli)

    admin = cli("config", "set", "ingest_detect_interval", "2", "--user", ADMIN)
    assert admin.returncode == 0, admin.stderr
    assert _file(cli)["ingest_detect_interval"] == 2.0

    paths = resolve_paths(cli.data_dir)
    services = open_app(load_settings(paths), paths, migrate=False)
    try:
        with services.database.transaction() as session:
            rows = session.scalars(
                sa.select(AuditLog).where(AuditLog.action == "settings_changed").order_by(AuditLog.created_at)
            ).all()
            audited = [(row.username, row.success, row.meta) for row in rows]
    finally:
        services.close()
    assert audited[-1] == (
        ADMIN,
        True,
        {
            "settings": ["ingest_detect_interval"],
            "before": {"ingest_detect_interval": 1.5},
            "after": {"ingest_detect_interval": 2.0},
            "secrets": [],
        },
    )


def test_bcrypt_rounds_below_12_are_refused(cli: Cli) -> None:
    production = {WEAK_BCRYPT_ENV: "0", "CHRONOTRACE_BCRYPT_ROUNDS": "12"}  # as outside the test suite
    lowered = cli("config", "set", "bcrypt_rounds", "4", "--user", ADMIN, **production)
    assert lowered.returncode == 2
    assert "at least 12" in lowered.stderr
    assert "bcrypt_rounds" not in _file(cli)
