"""The ``chronotrace`` command as a user runs it: a real process on a fresh data dir (workstation profile)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from chronotrace_desktop.services.access import WRONG_CREDENTIALS
from tests.conftest import scratch_dir

ADMIN = "a@b.cc"
PASSWORD = "correct horse battery"


@dataclass
class Cli:
    data_dir: Path

    def __call__(
        self, *args: str, password: str | None = PASSWORD, **env: str
    ) -> subprocess.CompletedProcess[str]:
        environment = {**os.environ, **env}
        environment.pop("CHRONOTRACE_PASSWORD", None)
        if password is not None:
            environment["CHRONOTRACE_PASSWORD"] = password
        return subprocess.run(
            [sys.executable, "-m", "chronotrace_desktop", "--data-dir", str(self.data_dir), *args],
            capture_output=True,
            text=True,
            env=environment,
            stdin=subprocess.DEVNULL,
            timeout=120,
            check=False,
        )


@pytest.fixture(scope="module")
def cli() -> Cli:
    runner = Cli(scratch_dir("cli-") / "new-installation")
    result = runner("init", "--admin-email", ADMIN, "--full-name", "Ada Admin")
    assert result.returncode == 0, result.stderr
    assert "administrator: a@b.cc" in result.stdout
    return runner


def test_doctor_passes_on_a_new_installation(cli: Cli) -> None:
    result = cli("doctor", "--json", password=None)
    report = json.loads(result.stdout)
    assert result.returncode == 0, report
    assert report["healthy"] is True
    names = {check["name"] for check in report["checks"]}
    assert {"database", "vector index", "model files", "free disk"} <= names


def test_doctor_reports_an_uninitialised_folder(tmp_path: Path) -> None:
    result = Cli(tmp_path / "empty")("doctor", password=None)
    assert result.returncode == 1
    assert "run 'chronotrace init'" in result.stdout
    assert not (tmp_path / "empty" / "postgres").exists(), "doctor must not create a database"


def test_init_is_refused_once_a_user_exists(cli: Cli) -> None:
    result = cli("init", "--admin-email", "other@b.cc")
    assert result.returncode == 2
    assert "only once" in result.stderr


def test_users_add_and_list(cli: Cli) -> None:
    added = cli(
        "users",
        "add",
        "--user",
        ADMIN,
        "--email",
        "Viewer@B.cc",
        "--role",
        "viewer",
        CHRONOTRACE_NEW_PASSWORD="viewer password 1",
    )
    assert added.returncode == 0, added.stderr
    listing = cli("users", "list", "--user", ADMIN, "--json")
    assert listing.returncode == 0, listing.stderr
    roles = {row["email"]: row["role"] for row in json.loads(listing.stdout)}
    assert roles["viewer@b.cc"] == "viewer"
    assert roles[ADMIN] == "admin"


def test_wrong_credentials_exit_2_with_one_line(cli: Cli) -> None:
    result = cli("users", "list", "--user", ADMIN, password="not my password")
    assert result.returncode == 2
    assert result.stderr.strip() == f"chronotrace: {WRONG_CREDENTIALS}"
    assert result.stdout == ""


def test_missing_password_without_terminal_is_a_clear_error(cli: Cli) -> None:
    result = cli("users", "list", "--user", ADMIN, password=None)
    assert result.returncode == 2
    assert "CHRONOTRACE_PASSWORD" in result.stderr


def test_a_role_that_may_not_exits_3_and_changes_nothing(cli: Cli) -> None:
    cli(
        "users",
        "add",
        "--user",
        ADMIN,
        "--email",
        "v2@b.cc",
        "--role",
        "viewer",
        CHRONOTRACE_NEW_PASSWORD="viewer password 2",
    )
    denied = cli(
        "users",
        "add",
        "--user",
        "v2@b.cc",
        "--email",
        "x@b.cc",
        "--role",
        "admin",
        password="viewer password 2",
        CHRONOTRACE_NEW_PASSWORD="whatever password",
    )
    assert denied.returncode == 3
    assert "may not manage users" in denied.stderr
    listing = json.loads(cli("users", "list", "--user", ADMIN, "--json").stdout)
    assert "x@b.cc" not in {row["email"] for row in listing}


def test_db_status_and_migrate(cli: Cli) -> None:
    status = cli("db", "status", "--user", ADMIN, "--json")
    assert status.returncode == 0, status.stderr
    rows = json.loads(status.stdout)
    assert rows
    assert all(row["applied"] and row["checksum_ok"] for row in rows)
    migrate = cli("db", "migrate", "--user", ADMIN)
    assert migrate.returncode == 0
    assert "up to date" in migrate.stdout


def test_bad_usage_exits_2(cli: Cli) -> None:
    assert (
        cli(
            "users",
            "add",
            "--user",
            ADMIN,
            "--email",
            "r@b.cc",
            "--role",
            "superuser",
            CHRONOTRACE_NEW_PASSWORD="long enough pw",
        ).returncode
        == 2
    )
    assert cli("no-such-command").returncode == 2


def test_password_change_then_old_one_fails(cli: Cli) -> None:
    cli(
        "users",
        "add",
        "--user",
        ADMIN,
        "--email",
        "p@b.cc",
        "--role",
        "analyst",
        CHRONOTRACE_NEW_PASSWORD="first password 1",
    )
    changed = cli(
        "users",
        "passwd",
        "--user",
        "p@b.cc",
        password="first password 1",
        CHRONOTRACE_NEW_PASSWORD="second password 2",
    )
    assert changed.returncode == 0, changed.stderr
    assert cli("users", "list", "--user", "p@b.cc", password="first password 1").returncode == 2
    assert cli("users", "list", "--user", "p@b.cc", password="second password 2").returncode == 3


def test_gui_without_display_explains_itself(cli: Cli) -> None:
    env = {k: v for k, v in os.environ.items() if k not in {"DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"}}
    result = subprocess.run(
        [sys.executable, "-m", "chronotrace_desktop", "--data-dir", str(cli.data_dir), "gui"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "xvfb-run" in result.stderr
    assert "Aborted" not in result.stderr


_HOLD_OPEN = """
import sys
from chronotrace_desktop.config import load_settings, resolve_paths
from chronotrace_desktop.services.app import open_app
paths = resolve_paths(sys.argv[1])
app = open_app(load_settings(paths), paths)
print("open", flush=True)
sys.stdin.readline()
app.close()
"""


def test_a_second_instance_on_the_same_data_dir_gets_a_clear_message(cli: Cli) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLD_OPEN, str(cli.data_dir)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "open"
        second = cli("users", "list", "--user", ADMIN)
        assert second.returncode == 4
        assert "in use by another ChronoTrace window or command" in second.stderr
        assert "Traceback" not in second.stderr
    finally:
        holder.communicate("done\n", timeout=60)
    assert cli("users", "list", "--user", ADMIN).returncode == 0, "usable again once the first one closed"


def test_building_the_vector_index_on_demand(cli: Cli) -> None:
    built = cli("db", "optimize-vectors", "--user", ADMIN)
    assert built.returncode == 0, built.stderr
    assert "Built the vector search index" in built.stdout
    cli("users", "add", "--user", ADMIN, "--email", "v3@b.cc", "--role", "viewer",
        CHRONOTRACE_NEW_PASSWORD="viewer password 3")  # fmt: skip
    assert cli("db", "optimize-vectors", "--user", "v3@b.cc", password="viewer password 3").returncode == 3
