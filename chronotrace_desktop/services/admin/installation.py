"""The installation itself: first administrator, and what it runs on."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy import make_url

from chronotrace_desktop.config import Profile, update_settings_file
from chronotrace_desktop.domain.audit import AuditAction
from chronotrace_desktop.domain.errors import ConflictError
from chronotrace_desktop.domain.roles import Role
from chronotrace_desktop.domain.secrets import SecretName
from chronotrace_desktop.domain.users import Actor, NewDatabaseLogin, UserInfo
from chronotrace_desktop.services.access import AuditEvent, AuditService
from chronotrace_desktop.services.admin.users import new_user, user_info
from chronotrace_desktop.storage.database import (
    Database,
    open_database,
    owner_engine,
    team_database_url,
    translate_db_errors,
)
from chronotrace_desktop.storage.db_roles import migrate_database, provide_login
from chronotrace_desktop.storage.orm import User
from chronotrace_desktop.storage.secrets import SecretStore, secret_target

if TYPE_CHECKING:
    from pathlib import Path

    from sqlalchemy import URL

    from chronotrace_desktop.config import Paths, Settings

logger = logging.getLogger(__name__)

# pg_advisory_xact_lock key: serialises "is there a user yet?" with "create the first admin".
_FIRST_ADMIN_LOCK = 0x43545F41444D494E  # "CT_ADMIN"
_ALREADY_INITIALISED = (
    "This installation already has users; the first administrator can be created only once. "
    "An administrator adds users with 'chronotrace users add'."
)


@dataclass(frozen=True, slots=True)
class InstallationInfo:
    profile: str
    database: str
    vector_store: str
    data_dir: Path


class InstallationService:
    def __init__(
        self, database: Database, audit: AuditService, settings: Settings, paths: Paths, vector_store: str
    ) -> None:
        self._db = database
        self._audit = audit
        self._settings = settings
        self._paths = paths
        self._vector_store = vector_store
        self._team = settings.profile is Profile.TEAM

    def needs_first_admin(self) -> bool:
        with self._db.transaction() as session:
            return not session.scalar(sa.select(sa.exists().select_from(User)))

    def require_uninitialised(self) -> None:
        """Raise :class:`ConflictError` if the installation already has users."""
        if not self.needs_first_admin():
            raise ConflictError(_ALREADY_INITIALISED)

    def create_first_admin(self, email: str, password: str, full_name: str | None = None) -> UserInfo:
        """Create the first administrator; refused once any user exists."""
        user = new_user(email, password, Role.ADMIN, full_name, self._settings.bcrypt_rounds)
        with self._db.transaction() as session:
            session.execute(sa.select(sa.func.pg_advisory_xact_lock(_FIRST_ADMIN_LOCK)))
            if session.scalar(sa.select(sa.exists().select_from(User))):
                raise ConflictError(_ALREADY_INITIALISED)
            session.add(user)
            session.flush()
            actor = Actor(user.id, user.email, Role.ADMIN, user.full_name, client="installer")
            for action in (AuditAction.INSTALLATION_INITIALISED, AuditAction.USER_CREATED):
                self._audit.record_in(
                    session,
                    AuditEvent(
                        action,
                        actor=actor,
                        resource_type="user",
                        resource_id=user.id,
                        metadata={
                            "email": user.email,
                            "role": Role.ADMIN.value,
                            "profile": self._settings.profile,
                        },
                    ),
                )
            login = provide_login(session.connection(), user.id) if self._team else None
            if login is not None:
                session.refresh(user)
            info = replace(user_info(user), new_login=NewDatabaseLogin(*login) if login else None)
        logger.info("Installation initialised with administrator %s", info.email)
        return info

    def describe(self) -> InstallationInfo:
        return InstallationInfo(
            profile=self._settings.profile.value,
            database=self._db.description,
            vector_store=self._vector_store,
            data_dir=self._paths.data_dir,
        )


def installation_has_users(settings: Settings, paths: Paths) -> bool:
    """Whether the installation at ``paths`` has any user, without creating anything: a workstation without
    its embedded database, or a team profile without a database URL, has none; else the database is asked
    (an unreachable one raises :class:`EnvironmentProblemError`: "unknown" is never taken for "none")."""
    if settings.profile is Profile.WORKSTATION and not (paths.postgres_dir / "PG_VERSION").exists():
        return False
    if settings.profile is Profile.TEAM and not settings.database_url:
        return False
    database = open_database(settings, paths, SecretStore())
    try:
        with database.transaction() as session:
            if session.scalar(sa.select(sa.func.to_regclass("users"))) is None:
                return False  # a database that was never initialised
            return bool(session.scalar(sa.select(sa.exists().select_from(User))))
    finally:
        database.close()


def initialise_team(
    settings: Settings,
    paths: Paths,
    owner: OwnerCredentials,
    admin_email: str,
    admin_password: str,
    full_name: str | None = None,
) -> tuple[Settings, UserInfo]:
    """Set up a team database: migrate it and make its roles as ``owner``, create the first administrator
    with a login of its own, keep that login's password in this workstation's keyring and point
    ``database_url`` at the login. The owner's credentials are used for this and not kept.

    Returns the settings to open the installation with (also written to ``settings.json``) and the admin.
    """
    secrets = SecretStore()
    url = owner_url(settings, owner)
    engine = owner_engine(url)
    try:
        with translate_db_errors(url.render_as_string(hide_password=True)):
            migrate_database(engine, with_runtime_login=False)
        database = Database(engine)
        installer = InstallationService(database, AuditService(database), settings, paths, "")
        admin = installer.create_first_admin(admin_email, admin_password, full_name)
    finally:
        engine.dispose()
    assert admin.new_login is not None
    login_url = make_url(settings.database_url or "").set(username=admin.new_login.login)
    database_url = login_url.render_as_string(hide_password=True)
    target = secret_target(SecretName.DATABASE_PASSWORD, database_url)
    secrets.set(SecretName.DATABASE_PASSWORD, target, admin.new_login.password)
    update_settings_file(paths, {"database_url": database_url})
    logger.info("Team database initialised; this workstation connects as %s", admin.new_login.login)
    return settings.model_copy(update={"database_url": database_url}), admin


@dataclass(frozen=True, slots=True)
class OwnerCredentials:
    """The migration owner's role and password, for one migration or initialisation."""

    role: str
    password: str | None = field(default=None, repr=False)


def owner_url(settings: Settings, owner: OwnerCredentials) -> URL:
    """The team database's URL as ``owner`` (same server, database and TLS settings as the runtime's)."""
    return team_database_url(settings, SecretStore()).set(username=owner.role, password=owner.password)
