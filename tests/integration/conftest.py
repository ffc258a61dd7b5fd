"""Real PostgreSQL for the integration tests, on two backends.

``server``: the PostgreSQL server at 127.0.0.1:5432 (trust auth, user ``postgres``), marked ``server_pg``.
``embedded``: the workstation profile's embedded PostgreSQL, started once per session in a temp folder.

Every database a test uses is created here (``ct_test_<hex>``) and dropped at the end, so nothing touches the
server's own databases. Fixtures:

* ``pg_admin_url`` (session): URL of the backend's ``postgres`` database, for creating/dropping databases;
* ``pg_url`` (session): a fresh database for the migrated schema, as a SQLAlchemy URL string;
* ``migrated_engine`` (session): an engine on ``pg_url`` after ``apply_migrations``;
* ``empty_db_url`` (function): a brand-new empty database, as a URL string.
"""

from __future__ import annotations

import socket
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import URL, Engine, make_url
from sqlalchemy.pool import NullPool

from chronotrace_desktop.config import Settings, load_settings, resolve_paths
from chronotrace_desktop.domain.roles import Role
from chronotrace_desktop.domain.users import Actor
from chronotrace_desktop.services.admin import OwnerCredentials, initialise_team
from chronotrace_desktop.services.app import AppServices, open_app
from chronotrace_desktop.services.engines import EngineFactory
from chronotrace_desktop.storage.db_roles import role_prefix
from chronotrace_desktop.storage.migrations import apply_migrations
from tests.conftest import scratch_dir

SERVER_URL = make_url("postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def start_embedded_backend(pgdata: Path) -> tuple[URL, Callable[[], None]]:
    """Start the embedded server in ``pgdata``: its ``postgres`` database URL and a function that stops it.

    The one place that knows how the embedded backend is started.
    """
    from chronotrace_desktop.storage.embedded_pg import EmbeddedPostgres

    server = EmbeddedPostgres(pgdata)
    return server.start(), server.stop


def _server_backend() -> URL:
    probe = sa.create_engine(SERVER_URL, poolclass=NullPool, connect_args={"connect_timeout": 5})
    try:
        with probe.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except sa.exc.OperationalError as exc:
        pytest.fail(
            f"the PostgreSQL server at 127.0.0.1:5432 is not reachable ({exc.orig}); start it with "
            "'pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start' "
            "or deselect it with -m 'not server_pg'"
        )
    finally:
        probe.dispose()
    return SERVER_URL


@pytest.fixture(
    scope="session",
    params=[
        pytest.param("server", marks=pytest.mark.server_pg),
        pytest.param("embedded"),
    ],
)
def pg_admin_url(request: pytest.FixtureRequest) -> Iterator[URL]:
    """The ``postgres`` database of one backend (parametrized: ``server``, ``embedded``)."""
    if request.param == "server":
        yield _server_backend()
        return
    url, stop = start_embedded_backend(scratch_dir("embedded-pg-") / "pgdata")
    try:
        yield url
    finally:
        stop()


def _admin_engine(admin_url: URL) -> Engine:
    return sa.create_engine(admin_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)


def create_database(admin_url: URL) -> URL:
    """A new empty database ``ct_test_<hex>`` on the backend; its URL."""
    name = f"ct_test_{uuid.uuid4().hex[:16]}"
    admin = _admin_engine(admin_url)
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f"CREATE DATABASE {name} ENCODING 'UTF8' TEMPLATE template0"))
    finally:
        admin.dispose()
    return admin_url.set(database=name)


def drop_database(url: URL) -> None:
    """Drop the database of ``url`` (closing whatever still connects to it) and its roles (cluster-wide, so
    they would outlive it: groups, runtime and user logins all carry the database's name as prefix)."""
    admin = _admin_engine(url.set(database="postgres"))
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f"DROP DATABASE IF EXISTS {url.database} WITH (FORCE)"))
            prefix = role_prefix(str(url.database))
            roles = conn.execute(
                sa.text("SELECT rolname FROM pg_roles WHERE starts_with(rolname, :p)"), {"p": prefix + "_"}
            ).scalars()
            for role in sorted(roles, key=lambda name: "_u_" not in name and "_runtime" not in name):
                conn.execute(sa.text(f'DROP ROLE IF EXISTS "{role}"'))
    finally:
        admin.dispose()


@pytest.fixture(scope="session")
def pg_url(pg_admin_url: URL) -> Iterator[str]:
    """A fresh database for this session's migrated schema (dropped at session end)."""
    url = create_database(pg_admin_url)
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        drop_database(url)


@pytest.fixture(scope="session")
def migrated_engine(pg_url: str) -> Iterator[Engine]:
    """An engine on ``pg_url`` with every migration applied."""
    engine = sa.create_engine(pg_url)
    try:
        apply_migrations(engine)
        yield engine
    finally:
        engine.dispose()


@pytest.fixture
def empty_db_url(pg_admin_url: URL) -> Iterator[str]:
    """A brand-new empty database for one test (dropped afterwards)."""
    url = create_database(pg_admin_url)
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        drop_database(url)


# ---------------------------------------------------------------- the whole application, on both backends

ADMIN_EMAIL = "admin@chronotrace.test"
ADMIN_PASSWORD = "correct horse battery"


@dataclass
class Installation:
    """An opened installation with its first administrator signed in."""

    backend: str
    services: AppServices
    admin: Actor
    data_dir: Path
    settings: Settings

    def owner_engine(self) -> Engine:
        """An engine as the tables' owner (the cluster's superuser here), for a test that tampers the way only
        the owner could; the app itself never connects so. Dispose of it after use."""
        database = self.services.database
        url = database.owner_url or database.engine.url.set(username=SERVER_URL.username, password=None)
        return sa.create_engine(url, poolclass=NullPool)

    def add_user(self, role: Role, *, password: str = ADMIN_PASSWORD) -> tuple[str, Actor]:
        email = f"{role.value}-{uuid.uuid4().hex[:8]}@chronotrace.test"
        self.services.users.add_user(self.admin, email, role, password)
        return email, self.services.auth.login(email, password, client="cli")


def installation_settings(
    backend: str, data_dir: Path, database_url: URL | None, **overrides: object
) -> Settings:
    """Workstation profile for ``embedded``; team profile on a fresh server database for ``server``."""
    paths = resolve_paths(data_dir)
    if backend == "embedded":
        return load_settings(paths, profile="workstation", **overrides)
    assert database_url is not None
    return load_settings(
        paths, profile="team", database_url=database_url.render_as_string(hide_password=True), **overrides
    )


@contextmanager
def new_installation(
    backend: str, *, engine_factories: Mapping[str, EngineFactory] | None = None, **overrides: object
) -> Iterator[Installation]:
    """A brand-new installation on ``backend``, its administrator signed in; closed and removed afterwards.

    ``overrides`` are settings (e.g. the team profile's S3 media store); ``engine_factories`` builds the
    configured engines (Nova on a stubbed Bedrock client)."""
    data_dir = scratch_dir(f"install-{backend}-")
    database_url = create_database(_server_backend()) if backend == "server" else None
    settings = installation_settings(backend, data_dir, database_url, **overrides)
    paths = resolve_paths(data_dir)
    if database_url is not None:  # team: set up as the owner, then run as the administrator's own login
        owner = OwnerCredentials(str(database_url.username))
        settings, _ = initialise_team(settings, paths, owner, ADMIN_EMAIL, ADMIN_PASSWORD, "First Admin")
    services = open_app(settings, paths, engine_factories=engine_factories)
    try:
        if database_url is None:
            services.installation.create_first_admin(ADMIN_EMAIL, ADMIN_PASSWORD, "First Admin")
        admin = services.auth.login(ADMIN_EMAIL, ADMIN_PASSWORD)
        yield Installation(backend, services, admin, data_dir, settings)
    finally:
        services.close()
        if database_url is not None:
            drop_database(database_url)


@pytest.fixture(
    scope="session",
    params=[pytest.param("server", marks=pytest.mark.server_pg), pytest.param("embedded")],
)
def installation(request: pytest.FixtureRequest) -> Iterator[Installation]:
    """A fresh installation per backend, shared by the session's tests (they use distinct users/files)."""
    with new_installation(request.param) as made:
        yield made


def wait_for_port(port: int, process: subprocess.Popen[bytes], name: str, timeout: float = 20.0) -> None:
    """Wait until a server process we started accepts connections on 127.0.0.1:``port``."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            assert process.poll() is None, f"{name} exited"
            assert time.monotonic() < deadline, f"{name} did not start"
            time.sleep(0.1)
