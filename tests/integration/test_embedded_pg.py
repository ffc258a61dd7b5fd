"""The workstation profile's embedded PostgreSQL: start, share, crash recovery, stop."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import psutil
import pytest
import sqlalchemy as sa

from chronotrace_desktop.storage.embedded_pg import EmbeddedPostgres

_HOLDER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from chronotrace_desktop.storage.embedded_pg import EmbeddedPostgres
    server = EmbeddedPostgres(Path(sys.argv[1]))
    server.start()
    print(server.server_pid(), flush=True)
    if sys.argv[2] == "crash":
        import os, signal
        os.kill(os.getpid(), signal.SIGKILL)
    sys.stdin.readline()  # hold the server until told to go
    server.stop()
    """
)


def _holder(pgdata: Path, mode: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", _HOLDER, str(pgdata), mode],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )


def _query_ok(server: EmbeddedPostgres) -> bool:
    engine = sa.create_engine(server.start(), poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            return conn.execute(sa.text("SELECT 1")).scalar() == 1
    finally:
        engine.dispose()


def _wait_gone(pid: int, seconds: float = 15) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
            return True
        time.sleep(0.1)
    return False


def test_start_query_stop(scratch: Path) -> None:
    server = EmbeddedPostgres(scratch / "pg")
    assert _query_ok(server)
    pid = server.server_pid()
    assert pid is not None
    server.stop()
    assert _wait_gone(pid)
    assert server.server_pid() is None


def test_a_second_instance_shares_the_running_server(scratch: Path) -> None:
    pgdata = scratch / "pg"
    other = _holder(pgdata, "hold")
    assert other.stdout is not None
    pid = int(other.stdout.readline())
    server = EmbeddedPostgres(pgdata)
    assert _query_ok(server)
    assert server.server_pid() == pid, "the second instance must join, not start another server"
    server.stop()
    assert psutil.pid_exists(pid), "the server must keep running while the other instance uses it"
    other.communicate("go\n", timeout=30)
    assert _wait_gone(pid), "the last instance to leave stops the server"


def test_recovers_after_the_app_was_killed(scratch: Path) -> None:
    pgdata = scratch / "pg"
    crashed = _holder(pgdata, "crash")
    assert crashed.stdout is not None
    pid = int(crashed.stdout.readline())
    crashed.wait(timeout=30)
    assert crashed.returncode == -signal.SIGKILL
    server = EmbeddedPostgres(pgdata)
    assert _query_ok(server)
    assert server.server_pid() == pid  # the orphaned server is adopted
    server.stop()
    assert _wait_gone(pid), "after a crash the next run must still stop the server on exit"


def test_recovers_after_the_server_itself_was_killed(scratch: Path) -> None:
    pgdata = scratch / "pg"
    server = EmbeddedPostgres(pgdata)
    assert _query_ok(server)
    pid = server.server_pid()
    assert pid is not None
    os.kill(pid, signal.SIGKILL)
    assert _wait_gone(pid)
    server.stop()
    assert (pgdata / "postmaster.pid").exists(), "a killed server leaves its pid file"
    restarted = EmbeddedPostgres(pgdata)
    assert _query_ok(restarted)
    assert restarted.server_pid() not in (None, pid)
    restarted.stop()


def test_a_reused_pid_in_a_stale_pid_file_is_not_trusted(scratch: Path) -> None:
    pgdata = scratch / "pg"
    server = EmbeddedPostgres(pgdata)
    assert _query_ok(server)
    server.stop()
    # Simulate a crash whose postmaster.pid now names an unrelated live process (this test process).
    (pgdata / "postmaster.pid").write_text(f"{os.getpid()}\n{pgdata}\n0\n5432\n{pgdata}\n\n  0 0\nready\n")
    again = EmbeddedPostgres(pgdata)
    assert _query_ok(again)
    assert again.server_pid() != os.getpid()
    again.stop()


@pytest.mark.parametrize("bad", ["file"])
def test_an_unusable_data_folder_is_a_clear_error(scratch: Path, bad: str) -> None:
    from chronotrace_desktop.domain.errors import EnvironmentProblemError

    blocker = scratch / "blocked"
    blocker.write_text("not a folder")
    with pytest.raises((EnvironmentProblemError, OSError)):
        EmbeddedPostgres(blocker / "pg").start()


def test_only_the_apps_os_account_is_admitted(scratch: Path) -> None:
    """initdb's trust would admit any OS account that reaches the socket; peer authentication admits the app's
    own. Shown with another account that can reach the socket: the server's own, when the tests run as root
    (as CI does: the wheel then runs the server as a system user that owns the data folder)."""
    server = EmbeddedPostgres(scratch / "pg")
    try:
        assert _query_ok(server)  # the app's own account
        hba = (scratch / "pg" / "pg_hba.conf").read_text()
        assert [line for line in hba.splitlines() if not line.startswith("#")] == [
            "local all all peer map=chronotrace"
        ]
        other = Path(server.pgdata).owner()
        if os.geteuid() != 0 or other == "root" or shutil.which("psql") is None:
            pytest.skip("needs root, the server's own system account and psql to act as another account")
        psql = ["psql", "-h", str(server.pgdata), "-U", "postgres", "-d", "postgres", "-Atc", "SELECT 1"]
        attempt = subprocess.run(
            ["runuser", "-u", other, "--", *psql],
            capture_output=True,
            text=True,
            check=False,
        )
        assert attempt.returncode != 0, attempt.stdout
        assert "Peer authentication failed" in attempt.stderr
    finally:
        server.stop()
