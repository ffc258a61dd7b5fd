"""``chronotrace audit verify`` as a user runs it: a real process on a fresh workstation installation."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy.pool import NullPool

from tests.conftest import scratch_dir
from tests.integration.conftest import start_embedded_backend
from tests.integration.test_cli import ADMIN, Cli


@pytest.fixture(scope="module")
def cli() -> Cli:
    runner = Cli(scratch_dir("audit-cli-") / "installation")
    result = runner("init", "--admin-email", ADMIN, "--full-name", "Ada Admin")
    assert result.returncode == 0, result.stderr
    return runner


@pytest.fixture
def owner_connection(cli: Cli) -> Iterator[sa.Connection]:
    """A superuser connection to the installation's embedded database, as its OS user could open."""
    url, stop = start_embedded_backend(cli.data_dir / "postgres")
    engine = sa.create_engine(url.set(database="chronotrace"), poolclass=NullPool)
    try:
        with engine.connect() as conn:
            yield conn
    finally:
        engine.dispose()
        stop()


def test_verify_passes_on_an_untouched_log_and_is_refused_without_an_administrator(cli: Cli) -> None:
    result = cli("audit", "verify", "--user", ADMIN)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("OK: the audit log's ")
    report = json.loads(cli("audit", "verify", "--user", ADMIN, "--json").stdout)
    assert report["ok"] is True
    assert report["rows"] >= 3  # init's rows and the first verification's own row
    assert cli("audit", "verify", "--user", ADMIN, password="wrong password").returncode == 2


def test_verify_names_a_removed_row_and_exits_1(cli: Cli, owner_connection: sa.Connection) -> None:
    conn = owner_connection
    seq = conn.execute(sa.text("SELECT max(chain_seq) - 1 FROM audit_log")).scalar_one()
    conn.execute(sa.text("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update_delete"))
    conn.execute(sa.text("DELETE FROM audit_log WHERE chain_seq = :s"), {"s": seq})
    conn.execute(sa.text("ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update_delete"))
    conn.commit()
    result = cli("audit", "verify", "--user", ADMIN)
    assert result.returncode == 1, result.stderr
    assert result.stdout.startswith(f"BROKEN (missing): rows {seq}..{seq} are missing")
