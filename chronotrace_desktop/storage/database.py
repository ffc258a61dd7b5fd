"""Engine, sessions and the two relational profiles.

Workstation: the embedded server in ``<data_dir>/postgres``, database ``settings.database_name`` (created on
first start). Team: ``settings.database_url`` with the password from the keyring. Both end in one
:class:`Database` holding a SQLAlchemy engine on psycopg 3.
"""

from __future__ import annotations

import logging
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy import URL, Engine, make_url
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from chronotrace_desktop.config import Paths, Profile, Settings
from chronotrace_desktop.domain.errors import EnvironmentProblemError
from chronotrace_desktop.domain.secrets import SecretName
from chronotrace_desktop.storage.embedded_pg import EmbeddedPostgres
from chronotrace_desktop.storage.secrets import SecretStore, secret_target

if TYPE_CHECKING:
    from collections.abc import Iterator

logger = logging.getLogger(__name__)


@dataclass
class Database:
    """One installation's relational store: engine, session factory and (workstation) the embedded server."""

    engine: Engine
    embedded: EmbeddedPostgres | None = None
    sessions: sessionmaker[Session] = field(init=False)

    def __post_init__(self) -> None:
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def display_url(self) -> str:
        """The URL as it may be shown or logged: never with a password."""
        return self.engine.url.render_as_string(hide_password=True)

    @property
    def description(self) -> str:
        """A short, human description: where the data is (never a password)."""
        url = self.engine.url
        if self.embedded is not None:
            return f"local database '{url.database}' in {self.embedded.pgdata}"
        where = f"{url.host or 'localhost'}:{url.port or 5432}/{url.database}"
        return f"PostgreSQL server {where}" + (f" as {url.username}" if url.username else "")

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session in one transaction: committed on success, rolled back on any exception."""
        with translate_db_errors(self.display_url), self.sessions.begin() as session:
            yield session

    def close(self) -> None:
        self.engine.dispose()
        if self.embedded is not None:
            self.embedded.stop()


@contextmanager
def translate_db_errors(where: str) -> Iterator[None]:
    """Turn lost connections and server-side resource problems into a known, user-facing error."""
    try:
        yield
    except (OperationalError, InterfaceError) as exc:
        raise EnvironmentProblemError(
            f"The database at {where} is not reachable: {_first_line(exc)}"
        ) from exc
    except DBAPIError as exc:
        if exc.connection_invalidated:
            raise EnvironmentProblemError(f"The connection to {where} was lost: {_first_line(exc)}") from exc
        raise


def _first_line(exc: DBAPIError) -> str:
    text = str(exc.orig) if exc.orig is not None else str(exc)
    return text.strip().splitlines()[0] if text.strip() else type(exc).__name__


def create_engine_for(url: URL) -> Engine:
    return sa.create_engine(
        url,
        pool_pre_ping=True,
        pool_size=5,
        max_overflow=10,
        connect_args={"connect_timeout": 10, "application_name": "chronotrace"},
    )


def ensure_database_exists(server_url: URL, name: str) -> URL:
    """Create database ``name`` on the server if missing; return the URL pointing at it."""
    admin = sa.create_engine(server_url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    try:
        with translate_db_errors(server_url.render_as_string(hide_password=True)), admin.connect() as conn:
            exists = conn.execute(
                sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}
            ).scalar()
            if not exists:
                logger.info("Creating database %s", name)
                conn.execute(sa.text(f"CREATE DATABASE \"{name}\" ENCODING 'UTF8' TEMPLATE template0"))
    finally:
        admin.dispose()
    return server_url.set(database=name)


def team_database_url(settings: Settings, secrets: SecretStore) -> URL:
    """The team profile's URL with the keyring's password filled in (never from the settings file)."""
    if not settings.database_url:
        raise EnvironmentProblemError(
            "The team profile needs a database URL: chronotrace config set database_url "
            "postgresql://USER@HOST:5432/chronotrace"
        )
    url = make_url(settings.database_url).set(drivername="postgresql+psycopg")
    password = secrets.get(
        SecretName.DATABASE_PASSWORD, secret_target(SecretName.DATABASE_PASSWORD, settings.database_url)
    )
    return url.set(password=password) if password else url


def open_database(settings: Settings, paths: Paths, secrets: SecretStore) -> Database:
    """Connect to the installation's database, starting the embedded server for the workstation profile."""
    if settings.profile is Profile.TEAM:
        url = team_database_url(settings, secrets)
        database = Database(create_engine_for(url))
    else:
        embedded = EmbeddedPostgres(paths.postgres_dir)
        server_url = embedded.start()
        try:
            url = ensure_database_exists(server_url, settings.database_name)
        except BaseException:
            embedded.stop()
            raise
        database = Database(create_engine_for(url), embedded=embedded)
    with database.transaction() as session:
        session.execute(sa.text("SELECT 1"))
    logger.info("Connected to %s", database.display_url)
    return database
