"""Schema migrations: numbered plain-SQL files applied in order, each once, each in its own transaction.

The files live in the repository's ``sql/`` folder (``0001_core_schema.sql``, ``0002_…``); a built wheel carries a
copy of it inside this package (``storage/sql``, copied by ``setup.py``'s build step), which is read when it is
there, so an installed package never looks for a checkout. Each one is
executed with the raw psycopg connection (so a file may hold many statements and ``$$`` function bodies)
inside a transaction that also records it in ``schema_migrations`` (version, name, SHA-256 checksum,
applied_at): a file is applied completely or not at all.

Two processes migrating the same database at once are serialised by a transaction-level PostgreSQL advisory
lock taken at the start of every transaction here; after taking it, each transaction re-reads what is applied,
so the loser of a race skips what the winner did. Transaction-level locks end with the transaction, so nothing
stays locked if a connection dies.

An applied file whose contents changed since is an error (:class:`MigrationError`), never silently skipped;
so is a database that records migrations this program does not ship (a newer program migrated it).
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import psycopg
from sqlalchemy import text

from chronotrace_desktop.domain.errors import ExitCode, UserFacingError

if TYPE_CHECKING:
    from datetime import datetime

    from sqlalchemy import Connection, Engine

logger = logging.getLogger(__name__)

PACKAGED_SQL_DIR = Path(__file__).resolve().parent / "sql"  # a wheel or a bundle
CHECKOUT_SQL_DIR = Path(__file__).resolve().parents[2] / "sql"  # the repository (an editable install)
DEFAULT_SQL_DIR = PACKAGED_SQL_DIR if PACKAGED_SQL_DIR.is_dir() else CHECKOUT_SQL_DIR
MIGRATIONS_TABLE = "schema_migrations"
# Key of the advisory lock that serialises migration runs (ASCII "CTMIGRAT"); scoped to the database.
ADVISORY_LOCK_KEY = 0x43544D4947524154

_FILE_PATTERN = re.compile(r"^(?P<version>\d+)_(?P<slug>[A-Za-z0-9_]+)\.sql$")

_CREATE_TABLE = f"""
CREATE TABLE IF NOT EXISTS {MIGRATIONS_TABLE} (
    version     INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    checksum    CHAR(64) NOT NULL,
    applied_at  TIMESTAMPTZ NOT NULL DEFAULT now()
)
"""


class MigrationError(UserFacingError):
    """The database schema cannot be brought up to date safely; the message says why."""

    exit_code = ExitCode.ENVIRONMENT


@dataclass(frozen=True, slots=True)
class Migration:
    """One SQL file: ``0002_auth_lockout.sql`` has version 2 and name ``0002_auth_lockout``."""

    version: int
    name: str
    path: Path
    checksum: str

    def read_sql(self) -> str:
        return self.path.read_text(encoding="utf-8")


@dataclass(frozen=True, slots=True)
class MigrationState:
    """A migration as ``migration_status`` reports it."""

    version: int
    name: str
    applied: bool
    applied_at: datetime | None
    checksum_ok: bool


@dataclass(frozen=True, slots=True)
class _AppliedRow:
    version: int
    name: str
    checksum: str
    applied_at: datetime


def file_checksum(path: Path) -> str:
    """SHA-256 of the file with line endings normalised, so a CRLF checkout has the same checksum."""
    data = path.read_bytes().replace(b"\r\n", b"\n")
    return hashlib.sha256(data).hexdigest()


def discover_migrations(sql_dir: Path | None = None) -> list[Migration]:
    """The migration files in ``sql_dir`` (default: the repository's ``sql/``), in version order."""
    folder = DEFAULT_SQL_DIR if sql_dir is None else sql_dir
    if not folder.is_dir():
        raise MigrationError(f"the migrations folder {folder} does not exist")
    found: dict[int, Migration] = {}
    for path in sorted(folder.glob("*.sql")):
        match = _FILE_PATTERN.match(path.name)
        if match is None:
            raise MigrationError(
                f"{path.name} in {folder} is not a migration file name (expected e.g. 0004_add_cases.sql)"
            )
        version = int(match["version"])
        if version in found:
            raise MigrationError(
                f"two migration files share version {version}: {found[version].path.name} and {path.name}"
            )
        found[version] = Migration(version, path.stem, path, file_checksum(path))
    return [found[version] for version in sorted(found)]


def apply_migrations(engine: Engine, sql_dir: Path | None = None) -> list[str]:
    """Apply every pending migration in version order; return the names applied (``[]`` when up to date).

    Raises :class:`MigrationError` if an applied file changed, if the database records a migration this
    program does not have, or if a file fails (that file's transaction is rolled back; earlier ones stay).
    """
    migrations = discover_migrations(sql_dir)
    applied_names: list[str] = []
    with engine.connect() as conn:
        with conn.begin():
            _lock(conn)
            conn.execute(text(_CREATE_TABLE))
            applied = _read_applied(conn)
        _check_consistency(migrations, applied)
        for migration in migrations:
            if migration.version in applied:
                continue
            if _apply_one(conn, migration):
                applied_names.append(migration.name)
    if applied_names:
        logger.info("applied %d migration(s): %s", len(applied_names), ", ".join(applied_names))
    else:
        logger.debug("database schema is up to date (%d migrations)", len(migrations))
    return applied_names


def migration_status(engine: Engine, sql_dir: Path | None = None) -> list[MigrationState]:
    """Every known migration (files and recorded rows), in version order, with whether and when it ran."""
    migrations = {m.version: m for m in discover_migrations(sql_dir)}
    with engine.connect() as conn:
        exists = conn.execute(text("SELECT to_regclass(:name) IS NOT NULL"), {"name": MIGRATIONS_TABLE})
        applied = _read_applied(conn) if exists.scalar_one() else {}
    states: list[MigrationState] = []
    for version in sorted(migrations.keys() | applied.keys()):
        migration, row = migrations.get(version), applied.get(version)
        states.append(
            MigrationState(
                version=version,
                name=migration.name if migration is not None else row.name if row is not None else "",
                applied=row is not None,
                applied_at=row.applied_at if row is not None else None,
                checksum_ok=row is None or (migration is not None and migration.checksum == row.checksum),
            )
        )
    return states


def _lock(conn: Connection) -> None:
    """Take the migration lock for the current transaction (waits while another process migrates).

    A migration may rewrite a large table and another process may be migrating: this transaction alone
    lifts the connection's lock and statement time limits (``SET LOCAL`` ends with it)."""
    conn.execute(text("SET LOCAL lock_timeout = 0"))
    conn.execute(text("SET LOCAL statement_timeout = 0"))
    conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _signed64(ADVISORY_LOCK_KEY)})


def _signed64(value: int) -> int:
    return value - (1 << 64) if value >= 1 << 63 else value


def _read_applied(conn: Connection) -> dict[int, _AppliedRow]:
    rows = conn.execute(
        text(f"SELECT version, name, checksum, applied_at FROM {MIGRATIONS_TABLE} ORDER BY version")
    )
    return {row.version: _AppliedRow(row.version, row.name, row.checksum, row.applied_at) for row in rows}


def _check_consistency(migrations: list[Migration], applied: dict[int, _AppliedRow]) -> None:
    known = {m.version: m for m in migrations}
    unknown = sorted(applied.keys() - known.keys())
    if unknown:
        names = ", ".join(applied[v].name for v in unknown)
        raise MigrationError(
            f"the database has migrations this version of ChronoTrace does not know ({names}); "
            "it was upgraded by a newer version: install that version or newer"
        )
    for version, row in applied.items():
        _check_checksum(known[version], row)


def _check_checksum(migration: Migration, row: _AppliedRow) -> None:
    if migration.checksum != row.checksum:
        raise MigrationError(
            f"migration {migration.name} was applied on {row.applied_at:%Y-%m-%d %H:%M} but the file "
            f"{migration.path} has changed since (checksum {row.checksum[:12]}… recorded, "
            f"{migration.checksum[:12]}… now); applied migrations must never be edited: "
            "restore the file and add a new migration instead"
        )


def _apply_one(conn: Connection, migration: Migration) -> bool:
    """Apply one file with its record in one transaction; ``False`` if another process applied it first."""
    sql = migration.read_sql()
    with conn.begin():
        _lock(conn)
        row = conn.execute(
            text(f"SELECT version, name, checksum, applied_at FROM {MIGRATIONS_TABLE} WHERE version = :v"),
            {"v": migration.version},
        ).one_or_none()
        if row is not None:
            _check_checksum(migration, _AppliedRow(row.version, row.name, row.checksum, row.applied_at))
            logger.debug("migration %s was applied by another process meanwhile", migration.name)
            return False
        logger.info("applying migration %s", migration.name)
        driver = conn.connection.driver_connection
        if not isinstance(driver, psycopg.Connection):
            raise TypeError(f"migrations need the psycopg driver, not {type(driver).__name__}")
        try:
            driver.execute(sql.encode("utf-8"))
        except psycopg.Error as exc:
            raise MigrationError(
                f"migration {migration.name} failed and was rolled back: {exc.diag.message_primary or exc}"
            ) from exc
        conn.execute(
            text(f"INSERT INTO {MIGRATIONS_TABLE} (version, name, checksum) VALUES (:v, :n, :c)"),
            {"v": migration.version, "n": migration.name, "c": migration.checksum},
        )
    return True
