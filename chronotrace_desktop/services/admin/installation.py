"""The installation itself: first administrator, and what it runs on."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

import sqlalchemy as sa

from chronotrace_desktop.config import Profile
from chronotrace_desktop.domain.audit import AuditAction
from chronotrace_desktop.domain.errors import ConflictError
from chronotrace_desktop.domain.roles import Role
from chronotrace_desktop.domain.users import Actor, UserInfo
from chronotrace_desktop.services.access import AuditEvent, AuditService
from chronotrace_desktop.services.admin.users import new_user, user_info
from chronotrace_desktop.storage.database import open_database
from chronotrace_desktop.storage.orm import User
from chronotrace_desktop.storage.secrets import SecretStore

if TYPE_CHECKING:
    from pathlib import Path

    from chronotrace_desktop.config import Paths, Settings
    from chronotrace_desktop.storage.database import Database

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
            info = user_info(user)
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
