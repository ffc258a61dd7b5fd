"""Engine, sessions and the two relational profiles.

Workstation: the embedded server in ``<data_dir>/postgres``, database ``settings.database_name`` (created on
first start), migrated at start by the cluster's superuser (the migration owner; the OS account is the
boundary there) and then used through the runtime login, which owns nothing (``storage.db_roles``). Team:
``settings.database_url`` with the password from the keyring: the signed-in user's own login, never the
owner; migrations are an administrator's ``chronotrace db migrate`` with the owner's credentials. Both end in
one :class:`Database` holding a SQLAlchemy engine on psycopg 3.
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

from chronotrace_desktop.config import (
    DEFAULT_LOCK_TIMEOUT,
    DEFAULT_STATEMENT_TIMEOUT,
    Paths,
    Profile,
    Settings,
    database_hosts,
    is_local_host,
)
from chronotrace_desktop.domain.errors import EnvironmentProblemError
from chronotrace_desktop.domain.secrets import SecretName
from chronotrace_desktop.storage.db_roles import migrate_database, role_exists, runtime_login
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
    # The workstation's migration owner (the embedded cluster's superuser, over its private socket); a team
    # profile's owner credentials are never kept: ``db migrate`` asks for them.
    owner_url: URL | None = None
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


# SQLSTATEs of a statement stopped by the connection's limits (lock_timeout, statement_timeout).
_LOCK_NOT_AVAILABLE = "55P03"
_QUERY_CANCELED = "57014"


@contextmanager
def translate_db_errors(where: str) -> Iterator[None]:
    """Turn lost connections, server-side resource problems and the connection's time limits into a known,
    user-facing error."""
    try:
        yield
    except DBAPIError as exc:
        problem = _environment_problem(exc, where)
        if problem is None:
            raise
        raise problem from exc


def _environment_problem(exc: DBAPIError, where: str) -> EnvironmentProblemError | None:
    state = getattr(exc.orig, "sqlstate", None)
    if state == _LOCK_NOT_AVAILABLE:
        return EnvironmentProblemError(
            f"The database at {where} is busy: a statement waited too long for a lock another session "
            f"holds ({_first_line(exc)}). Try again in a moment."
        )
    if state == _QUERY_CANCELED:
        return EnvironmentProblemError(
            f"A statement on the database at {where} went over its time limit and was stopped "
            f"({_first_line(exc)}); the database_statement_timeout setting sets the limit."
        )
    if isinstance(exc, OperationalError | InterfaceError):
        return EnvironmentProblemError(f"The database at {where} is not reachable: {_first_line(exc)}")
    if exc.connection_invalidated:
        return EnvironmentProblemError(f"The connection to {where} was lost: {_first_line(exc)}")
    return None


def _first_line(exc: DBAPIError) -> str:
    text = str(exc.orig) if exc.orig is not None else str(exc)
    return text.strip().splitlines()[0] if text.strip() else type(exc).__name__


def create_engine_for(
    url: URL,
    *,
    lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
    statement_timeout: float = DEFAULT_STATEMENT_TIMEOUT,
) -> Engine:
    """The installation's engine. Bound values never appear in its errors or logs (a password hash, an
    e-mail address). Every connection starts with ``lock_timeout`` and ``statement_timeout`` (seconds) as
    its session defaults, given at connection start-up so that a ``RESET ALL`` keeps them; a transaction
    that must wait or run longer (migrations) raises them with ``SET LOCAL`` for itself."""
    limits = f"-c lock_timeout={_ms(lock_timeout)} -c statement_timeout={_ms(statement_timeout)}"
    return sa.create_engine(
        url,
        pool_pre_ping=True,
        pool_size=5,
        max_overflow=10,
        hide_parameters=True,
        connect_args={"connect_timeout": 10, "application_name": "chronotrace", "options": limits},
    )


def _ms(seconds: float) -> int:
    return max(1, round(seconds * 1000))


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
    remote = any(not is_local_host(host) for host in database_hosts(url.host, url.query))
    if remote and url.query.get("sslmode") not in ("verify-ca", "verify-full"):
        # Settings refuse a weaker sslmode for a remote host; libpq's default (prefer) would fall back to
        # clear text, and PGSSLMODE in the environment could weaken it: say require, always.
        url = url.update_query_dict({"sslmode": "require"})
    password = secrets.get(
        SecretName.DATABASE_PASSWORD, secret_target(SecretName.DATABASE_PASSWORD, settings.database_url)
    )
    return url.set(password=password) if password else url


def open_database(
    settings: Settings, paths: Paths, secrets: SecretStore, *, migrate: bool = False
) -> Database:
    """Connect to the installation's database, starting the embedded server for the workstation profile.

    Workstation: with ``migrate`` the schema is brought up to date and the roles in step first (as the owner);
    the app then connects as the runtime login (as the owner only while no runtime login exists yet, i.e.
    before the first migration)."""
    if settings.profile is Profile.TEAM:
        url = team_database_url(settings, secrets)
        database = Database(create_engine_for(url, **_limits(settings)))
    else:
        embedded = EmbeddedPostgres(paths.postgres_dir)
        server_url = embedded.start()
        try:
            owner_url = ensure_database_exists(server_url, settings.database_name)
            url = _workstation_runtime_url(owner_url, migrate=migrate)
        except BaseException:
            embedded.stop()
            raise
        database = Database(
            create_engine_for(url, **_limits(settings)), embedded=embedded, owner_url=owner_url
        )
    with database.transaction() as session:
        session.execute(sa.text("SELECT 1"))
    logger.info("Connected to %s", database.display_url)
    return database


def owner_engine(url: URL) -> Engine:
    """A short-lived engine for the migration owner (one connection, no pool to leave behind)."""
    return sa.create_engine(url, poolclass=sa.pool.NullPool, hide_parameters=True)


def _workstation_runtime_url(owner_url: URL, *, migrate: bool) -> URL:
    engine = owner_engine(owner_url)
    try:
        with translate_db_errors(owner_url.render_as_string(hide_password=True)):
            if migrate:
                applied = migrate_database(engine, with_runtime_login=True)
                if applied:
                    logger.info("Applied migrations: %s", ", ".join(applied))
            login = runtime_login(str(owner_url.database))
            with engine.connect() as conn:
                exists = role_exists(conn, login)
    finally:
        engine.dispose()
    return owner_url.set(username=login) if exists else owner_url


def _limits(settings: Settings) -> dict[str, float]:
    return {
        "lock_timeout": settings.database_lock_timeout,
        "statement_timeout": settings.database_statement_timeout,
    }
