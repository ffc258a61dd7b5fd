"""VACUUM ANALYZE and REINDEX: outside any transaction, as a role that may run them.

Neither may run inside a transaction block (REINDEX ... CONCURRENTLY, used so writers are not blocked, cannot
either), so each statement runs on an autocommit connection, one table at a time (a cancel stops between
tables), with no statement time limit. Who runs them, first that applies:

1. the tables' owner: the workstation's embedded superuser (``Database.owner_url``), or a team database's
   owner when its credentials are given for the run (``chronotrace maintenance run --owner ROLE``);
2. the app's own login where it holds MAINTAIN on every table: PostgreSQL 17 and later, where the database
   roles grant it to the administrators' group (``storage.db_roles``);
3. nobody: a team database on PostgreSQL 16 or older, where only the owner may (a non-owner's VACUUM only
   warns and skips the table, its REINDEX fails). The task is then ``skipped``, saying how to run it; the
   server's autovacuum still vacuums and analyzes.
"""

from __future__ import annotations

import logging
import time
from contextlib import contextmanager
from typing import TYPE_CHECKING

import sqlalchemy as sa

from chronotrace_desktop.domain.maintenance import MaintenanceStatus, MaintenanceTask
from chronotrace_desktop.services.housekeeping.removals import Outcome
from chronotrace_desktop.storage.database import owner_engine, translate_db_errors
from chronotrace_desktop.storage.db_grants import MAINTAINED_TABLES
from chronotrace_desktop.storage.db_roles import MAINTAIN_SINCE, quote_ident

if TYPE_CHECKING:
    from collections.abc import Iterator

    from sqlalchemy import URL, Connection

    from chronotrace_desktop.domain.tasks import TaskControl
    from chronotrace_desktop.storage.database import Database

logger = logging.getLogger(__name__)

_STATEMENTS = {
    MaintenanceTask.VACUUM_ANALYZE: "VACUUM (ANALYZE) {table}",
    MaintenanceTask.REINDEX: "REINDEX TABLE CONCURRENTLY {table}",
}
NO_RIGHTS = (
    "only the tables' owner may run {what} on PostgreSQL {version} (the MAINTAIN privilege an "
    "administrator's login would need arrives in PostgreSQL 17): run 'chronotrace maintenance run --task "
    "{task} --owner OWNER_ROLE --user ADMIN' where the owner's password is at hand; the server's autovacuum "
    "keeps vacuuming and analyzing meanwhile"
)


def run_upkeep(database: Database, task: MaintenanceTask, owner: URL | None, control: TaskControl) -> Outcome:
    """VACUUM ANALYZE or REINDEX every table of ``MAINTAINED_TABLES``; skipped where no role here may."""
    statement = _STATEMENTS[task]
    started = time.perf_counter()
    with _maintenance_connection(database, owner) as (conn, who):
        if conn is None:
            what = statement.split(" ", 1)[0]
            text = NO_RIGHTS.format(what=what, version=who, task=task.value)
            return Outcome(0, text, MaintenanceStatus.SKIPPED, {"server_version": who})
        for table in MAINTAINED_TABLES:
            control.check_cancelled()
            conn.execute(sa.text(statement.format(table=quote_ident(table))))
    elapsed = time.perf_counter() - started
    count = len(MAINTAINED_TABLES)
    message = f"{statement.split(' {', 1)[0]} of {count} tables as {who} in {elapsed:.1f} s"
    logger.info("Maintenance: %s", message)
    return Outcome(count, message, details={"tables": list(MAINTAINED_TABLES), "as": who})


@contextmanager
def _maintenance_connection(database: Database, owner: URL | None) -> Iterator[tuple[Connection | None, str]]:
    """An autocommit connection without a statement limit and who it is (owner / the app's login); or
    ``(None, server version)`` when no role at hand may."""
    owner_url = owner or database.owner_url
    if owner_url is not None:
        engine = owner_engine(owner_url)
        try:
            with (
                translate_db_errors(owner_url.render_as_string(hide_password=True)),
                _autocommit(engine) as conn,
            ):
                yield conn, "the owner"
        finally:
            engine.dispose()
        return
    with translate_db_errors(database.display_url), _autocommit(database.engine) as conn:
        version = int(conn.execute(sa.text("SHOW server_version_num")).scalar_one())
        if version < MAINTAIN_SINCE or not _holds_maintain(conn):
            yield None, str(conn.execute(sa.text("SHOW server_version")).scalar_one()).split(" ")[0]
            return
        yield conn, f"the login {database.engine.url.username}"


@contextmanager
def _autocommit(engine: sa.Engine) -> Iterator[Connection]:
    with engine.connect() as conn:
        conn = conn.execution_options(isolation_level="AUTOCOMMIT")
        conn.execute(sa.text("SET statement_timeout = 0"))
        try:
            yield conn
        finally:  # a pooled connection goes back with its usual limit (the start-up value)
            conn.execute(sa.text("RESET statement_timeout"))


def _holds_maintain(conn: Connection) -> bool:
    for table in MAINTAINED_TABLES:
        if not conn.execute(
            sa.text("SELECT has_table_privilege(:t, 'MAINTAIN')"), {"t": f"public.{quote_ident(table)}"}
        ).scalar_one():
            return False
    return True
