"""A team backup restored into an empty server database, as its owner.

The dump goes in without ownership, grants or row policies (they name the old server's roles); the owner then
makes this database's groups, grants and policies (``migrate_database``). Users' database logins are roles of
the old server: a login that does not exist here (or belongs to another database's prefix) is cleared, the
administrator restoring gets a new login at once (its password straight into this workstation's keyring), and
the others are issued new ones with ``chronotrace users db-login``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy import make_url

from chronotrace_desktop.config import update_settings_file
from chronotrace_desktop.domain.errors import InvalidInputError, NotFoundError
from chronotrace_desktop.domain.secrets import SecretName
from chronotrace_desktop.domain.users import normalise_email
from chronotrace_desktop.storage.database import owner_engine, translate_db_errors
from chronotrace_desktop.storage.db_roles import migrate_database, provide_login, role_prefix
from chronotrace_desktop.storage.pg_backup import restore_database
from chronotrace_desktop.storage.secrets import SecretStore, secret_target

if TYPE_CHECKING:
    from pathlib import Path

    from chronotrace_desktop.config import Paths, Settings

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class TeamTarget:
    """The empty server database to restore into (URL without password) and its owner's credentials."""

    database_url: str
    owner_role: str
    owner_password: str | None = field(default=None, repr=False)


def restore_team_database(
    dump: Path, settings: Settings, paths: Paths, target: TeamTarget, admin_email: str
) -> Settings:
    """Restore ``dump`` into ``target``; the settings to connect with as ``admin_email``'s new login."""
    url = make_url(target.database_url).set(drivername="postgresql+psycopg")
    if url.password:
        raise InvalidInputError(
            "give the database URL without a password (the owner's comes from the prompt)"
        )
    owner_url = url.set(username=target.owner_role, password=target.owner_password)
    where = owner_url.render_as_string(hide_password=True)
    engine = owner_engine(owner_url)
    try:
        with translate_db_errors(where):
            _require_empty(engine, where)
            restore_database(owner_url, dump, paths.data_dir)
            migrate_database(engine, with_runtime_login=False)
            with engine.begin() as conn:
                login, password = _logins_for_this_database(conn, str(url.database), admin_email)
    finally:
        engine.dispose()
    login_url = url.set(username=login).render_as_string(hide_password=True)
    SecretStore().set(
        SecretName.DATABASE_PASSWORD, secret_target(SecretName.DATABASE_PASSWORD, login_url), password
    )
    logger.info("Team database restored into %s; this workstation connects as %s", where, login)
    return update_settings_file(paths, {"database_url": login_url})


def _require_empty(engine: sa.Engine, where: str) -> None:
    with engine.connect() as conn:
        tables = conn.execute(
            sa.text("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
        ).scalar_one()
    if tables:
        raise InvalidInputError(
            f"The database {where} already holds {tables} tables: a restore goes into an empty database"
        )


def _logins_for_this_database(conn: sa.Connection, database: str, admin_email: str) -> tuple[str, str]:
    prefix = role_prefix(database) + "_u_"
    cleared = conn.execute(
        sa.text(
            "UPDATE users SET db_login = NULL WHERE db_login IS NOT NULL AND (NOT starts_with(db_login, :p) "
            "OR NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = db_login))"
        ),
        {"p": prefix},
    ).rowcount
    logger.info("Cleared %d database logins of another server", cleared)
    user_id = conn.execute(
        sa.text("SELECT id FROM users WHERE email = :e AND role = 'admin' AND is_active"),
        {"e": normalise_email(admin_email)},
    ).scalar()
    if user_id is None:
        raise NotFoundError(f"The backup has no active administrator {admin_email}")
    return provide_login(conn, user_id)
