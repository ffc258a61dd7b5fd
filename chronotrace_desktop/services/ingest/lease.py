"""One ingest at a time per source: a PostgreSQL session-level advisory lock on the source's SHA-256.

Two ingests of the same bytes (two names in one batch, two workstations on one team database) would otherwise
work on one ``videos`` row at once, and one's reconcile would delete the other's uncommitted cuts and vectors.
The lock is held on a connection of its own, outside any transaction (autocommit: nothing stays "idle in
transaction" while a long file is cut), from before the row is claimed until the file's processing ends. It
is released when the processing ends in any way (finished, failed, cancelled); a killed process releases it
because its database session ends. Locks are per database, so other installations on the server are not held
up.

The key is the first 8 bytes of the SHA-256 as a signed 64-bit integer (PostgreSQL's ``bigint`` key space;
the migration and first-administrator locks are two fixed keys in it, a collision is 2⁻⁶⁴-unlikely).
"""

from __future__ import annotations

import logging
from contextlib import contextmanager
from typing import TYPE_CHECKING

import sqlalchemy as sa

from chronotrace_desktop.storage.database import translate_db_errors

if TYPE_CHECKING:
    from collections.abc import Iterator

    from chronotrace_desktop.storage.database import Database

logger = logging.getLogger(__name__)


def lock_key(sha256_hex: str) -> int:
    """The advisory-lock key of a source: its SHA-256's first 8 bytes, as PostgreSQL's signed bigint."""
    return int.from_bytes(bytes.fromhex(sha256_hex)[:8], "big", signed=True)


@contextmanager
def source_lease(database: Database, sha256_hex: str) -> Iterator[bool]:
    """Hold the lock of these bytes while the block runs: yields True when this session got it, False when
    another session (this process or another) is ingesting the same bytes now. Never waits."""
    key = lock_key(sha256_hex)
    with translate_db_errors(database.display_url):
        connection = database.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
    try:
        with translate_db_errors(database.display_url):
            held = bool(connection.scalar(sa.text("SELECT pg_try_advisory_lock(:key)"), {"key": key}))
        if not held:
            yield False
            return
        try:
            yield True
        finally:
            _release(connection, key)
    finally:
        connection.close()


def _release(connection: sa.Connection, key: int) -> None:
    """Unlock; when that cannot be confirmed, drop the connection so its session (and the lock) ends."""
    try:
        released = bool(connection.scalar(sa.text("SELECT pg_advisory_unlock(:key)"), {"key": key}))
    except sa.exc.SQLAlchemyError:
        logger.warning("Could not release the ingest lock %d; closing its connection instead", key)
        released = False
    if not released:
        connection.invalidate()
