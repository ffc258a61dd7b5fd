"""Issue 13 hardening of the engine: bound values never in errors, and bounded waits on locks and statements."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa
from sqlalchemy import make_url
from sqlalchemy.exc import DBAPIError

from chronotrace_desktop.config import Settings
from chronotrace_desktop.domain.errors import EnvironmentProblemError
from chronotrace_desktop.storage.database import Database, create_engine_for
from chronotrace_desktop.storage.migrations import ADVISORY_LOCK_KEY, apply_migrations

SECRET_VALUE = "$2b$12$not-a-real-hash-but-secret@example.org"


def test_a_failing_statement_shows_no_bound_values(empty_db_url: str) -> None:
    engine = create_engine_for(make_url(empty_db_url))
    try:
        with pytest.raises(DBAPIError) as caught, engine.connect() as conn:
            conn.execute(sa.text("SELECT 1 / 0 WHERE :hash <> :email"), {"hash": SECRET_VALUE, "email": "x"})
    finally:
        engine.dispose()
    assert "division by zero" in str(caught.value)
    assert SECRET_VALUE not in str(caught.value)
    assert "x'" not in str(caught.value)


def test_pooled_connections_carry_the_configured_timeouts(empty_db_url: str) -> None:
    defaults = Settings()
    assert (defaults.database_lock_timeout, defaults.database_statement_timeout) == (10.0, 300.0)
    settings = Settings(database_lock_timeout=2.5, database_statement_timeout=90)
    engine = create_engine_for(
        make_url(empty_db_url),
        lock_timeout=settings.database_lock_timeout,
        statement_timeout=settings.database_statement_timeout,
    )
    try:
        for _ in range(2):  # a fresh connection, then the same one back from the pool
            with engine.connect() as conn:
                assert conn.execute(sa.text("SHOW lock_timeout")).scalar_one() == "2500ms"
                assert conn.execute(sa.text("SHOW statement_timeout")).scalar_one() == "90s"
                conn.execute(sa.text("RESET ALL"))  # what a session default survives
        with create_engine_for(make_url(empty_db_url)).connect() as conn:
            assert conn.execute(sa.text("SHOW lock_timeout")).scalar_one() == "10s"
            assert conn.execute(sa.text("SHOW statement_timeout")).scalar_one() == "5min"
    finally:
        engine.dispose()


def test_a_statement_blocked_on_a_lock_fails_clearly(empty_db_url: str) -> None:
    database = Database(create_engine_for(make_url(empty_db_url), lock_timeout=0.5))
    holder = sa.create_engine(empty_db_url, poolclass=sa.pool.NullPool)
    try:
        with holder.connect() as conn, conn.begin():
            conn.execute(sa.text("CREATE TABLE held (x int)"))
        with holder.connect() as conn, conn.begin():
            conn.execute(sa.text("LOCK TABLE held IN ACCESS EXCLUSIVE MODE"))
            started = time.monotonic()
            with pytest.raises(EnvironmentProblemError, match="busy") as caught, database.transaction() as s:
                s.execute(sa.text("SELECT * FROM held"))
            assert time.monotonic() - started < 5
        assert "lock" in str(caught.value)
    finally:
        holder.dispose()
        database.close()


def test_a_statement_over_the_time_limit_fails_clearly(empty_db_url: str) -> None:
    database = Database(create_engine_for(make_url(empty_db_url), statement_timeout=0.5))
    try:
        with pytest.raises(EnvironmentProblemError, match="time limit"), database.transaction() as session:
            session.execute(sa.text("SELECT pg_sleep(5)"))
    finally:
        database.close()


def test_migrations_may_run_longer_than_the_statement_limit(empty_db_url: str, tmp_path: Path) -> None:
    (tmp_path / "0001_slow.sql").write_text("SELECT pg_sleep(1.2);\nCREATE TABLE slow_done (x int);\n")
    engine = create_engine_for(make_url(empty_db_url), lock_timeout=0.2, statement_timeout=0.5)
    dsn = make_url(empty_db_url).set(drivername="postgresql").render_as_string(hide_password=False)
    try:
        # another process migrating (holding the migration lock) longer than lock_timeout is waited for
        with psycopg.connect(dsn, autocommit=True) as other:
            other.execute("SELECT pg_advisory_lock(%s)", (ADVISORY_LOCK_KEY,))
            timer = threading.Timer(0.6, other.execute, ("SELECT pg_advisory_unlock_all()",))
            timer.start()
            assert apply_migrations(engine, tmp_path) == ["0001_slow"]
            timer.join()
        with engine.connect() as conn:  # the limits hold again afterwards
            assert conn.execute(sa.text("SHOW statement_timeout")).scalar_one() == "500ms"
    finally:
        engine.dispose()
