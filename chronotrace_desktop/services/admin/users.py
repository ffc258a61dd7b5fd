"""User administration: add, list, change password, enable/disable, change role, unlock.

Changing one's own password needs the current one; a wrong one is audited and counts toward the sign-in
throttle like a failed sign-in (issue 13), so the password dialog is no way around the throttle.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from chronotrace_desktop.config import Profile
from chronotrace_desktop.domain.audit import AuditAction
from chronotrace_desktop.domain.clock import utcnow
from chronotrace_desktop.domain.errors import (
    AuthenticationError,
    ConflictError,
    InvalidInputError,
    NotFoundError,
)
from chronotrace_desktop.domain.roles import Action, Role
from chronotrace_desktop.domain.users import (
    Actor,
    NewDatabaseLogin,
    UserInfo,
    email_problem,
    normalise_email,
    password_problem,
)
from chronotrace_desktop.services.access import AuditEvent, AuditService, SignInThrottle, attempt_source
from chronotrace_desktop.services.access.passwords import hash_password, verify_password
from chronotrace_desktop.storage.db_roles import provide_login, sync_login
from chronotrace_desktop.storage.orm import User

if TYPE_CHECKING:
    from datetime import datetime

    from sqlalchemy.orm import Session

    from chronotrace_desktop.config import Settings
    from chronotrace_desktop.services.access import Authorizer
    from chronotrace_desktop.storage.database import Database

logger = logging.getLogger(__name__)

WRONG_CURRENT_PASSWORD = (
    "The current password is wrong. After repeated failures it is refused for a while, even when right."
)


def user_info(user: User) -> UserInfo:
    return UserInfo(
        id=user.id,
        email=user.email,
        role=Role(user.role),
        full_name=user.full_name,
        organization=user.organization,
        is_active=bool(user.is_active),
        created_at=user.created_at,
        last_login_at=user.last_login_at,
        locked_until=user.locked_until,
        db_login=user.db_login,
    )


def new_user(email: str, password: str, role: Role, full_name: str | None, rounds: int) -> User:
    """A validated, not yet added ``User`` row with a bcrypt hash."""
    address = normalise_email(email)
    problem = email_problem(address) or password_problem(password)
    if problem:
        raise InvalidInputError(problem)
    return User(
        email=address,
        password_hash=hash_password(password, rounds),
        role=role.value,
        full_name=(full_name or "").strip() or None,
        is_active=True,
    )


class UserService:
    def __init__(
        self, database: Database, audit: AuditService, authorizer: Authorizer, settings: Settings
    ) -> None:
        self._db = database
        self._audit = audit
        self._authorizer = authorizer
        self._settings = settings
        self._throttle = SignInThrottle(settings)
        # Team profile: every user has a PostgreSQL login of its own, kept in step with role and status here.
        self._logins = settings.profile is Profile.TEAM

    def add_user(
        self, actor: Actor, email: str, role: Role, password: str, *, full_name: str | None = None
    ) -> UserInfo:
        actor = self._authorizer.require(actor, Action.MANAGE_USERS, resource_type="user")
        user = new_user(email, password, role, full_name, self._settings.bcrypt_rounds)
        try:
            with self._db.transaction() as session:
                session.add(user)
                session.flush()
                login = self._provide_login(session, user) if self._logins else None
                meta = {"role": role.value, "db_login": user.db_login}
                self._audit_change(session, actor, AuditAction.USER_CREATED, user, meta)
                info = replace(user_info(user), new_login=login)
        except IntegrityError as exc:
            raise ConflictError(f"A user with the e-mail {user.email} already exists.") from exc
        logger.info("%s added user %s (%s)", actor.email, info.email, role.value)
        return info

    def reset_database_login(self, actor: Actor, email: str) -> UserInfo:
        """Team profile: give the user a PostgreSQL login, or a new password for it (shown once, in the
        answer's ``new_login``); the old password stops working. For a user from before logins existed, or a
        workstation whose keyring lost it."""
        actor = self._authorizer.require(actor, Action.MANAGE_USERS, resource_type="user")
        if not self._logins:
            raise ConflictError(
                "Database logins are for the team profile; on a workstation the OS account is the boundary."
            )
        with self._db.transaction() as session:
            user = self._user(session, normalise_email(email))
            login = self._provide_login(session, user)
            self._audit_change(session, actor, AuditAction.USER_UPDATED, user, {"db_login": login.login})
            return replace(user_info(user), new_login=login)

    @staticmethod
    def _provide_login(session: Session, user: User) -> NewDatabaseLogin:
        name, password = provide_login(session.connection(), user.id)
        session.refresh(user)
        return NewDatabaseLogin(name, password)

    def list_users(self, actor: Actor) -> list[UserInfo]:
        self._authorizer.require(actor, Action.MANAGE_USERS)
        with self._db.transaction() as session:
            return [user_info(u) for u in session.scalars(sa.select(User).order_by(User.email))]

    def change_password(
        self,
        actor: Actor,
        new_password: str,
        *,
        email: str | None = None,
        current_password: str | None = None,
        source: str | None = None,
    ) -> None:
        """Own password (needs the current one) or, for administrators, anybody's. ``source``: where the
        request comes from, for the sign-in throttle (as :meth:`AuthService.login`)."""
        own = email is None or normalise_email(email) == actor.email
        action = Action.CHANGE_OWN_PASSWORD if own else Action.MANAGE_USERS
        actor = self._authorizer.require(actor, action, resource_type="user")
        problem = password_problem(new_password)
        if problem:
            raise InvalidInputError(problem)
        origin = attempt_source(source)
        with self._db.transaction() as session:
            user = self._user(session, actor.email if own else normalise_email(email or ""))
            refusal = (
                self._check_current(session, user, current_password or "", origin, utcnow()) if own else None
            )
            if refusal is None:
                user.password_hash = hash_password(new_password, self._settings.bcrypt_rounds)
                user.failed_login_count = 0
                user.locked_until = None
                self._throttle.clear_account(session, user.email)
            self._audit.record_in(
                session,
                AuditEvent(
                    AuditAction.PASSWORD_CHANGED,
                    actor=actor,
                    resource_type="user",
                    resource_id=user.id,
                    success=refusal is None,
                    error_message=refusal,
                    metadata={"email": user.email, "own": own, "source": origin},
                ),
            )
        if refusal is not None:
            logger.info("Password change refused for %s: %s", actor.email, refusal)
            raise AuthenticationError(WRONG_CURRENT_PASSWORD)

    def _check_current(
        self, session: Session, user: User, current: str, origin: str, now: datetime
    ) -> str | None:
        """Why ``current`` is refused as ``user``'s password (a wrong one counted as a failed sign-in), or
        ``None``. The session is signed in from ``origin``, so only that source's own counters hold it."""
        blocked = self._throttle.blocking(session, user.email, origin, trusted=True, now=now)
        right = verify_password(current, user.password_hash, rounds=self._settings.bcrypt_rounds)
        if blocked is not None:
            return "locked" if blocked != "source" else "source_throttled"
        if right:
            return None
        user.failed_login_count = (user.failed_login_count or 0) + 1
        user.locked_until = self._throttle.count_failure(session, user.email, origin, now)
        return "wrong_current_password"

    def set_active(self, actor: Actor, email: str, active: bool) -> UserInfo:
        return self._update(actor, email, {"is_active": active})

    def set_role(self, actor: Actor, email: str, role: Role) -> UserInfo:
        return self._update(actor, email, {"role": role.value})

    def unlock(self, actor: Actor, email: str) -> UserInfo:
        """Lift the account's sign-in throttle, from every source (a source's own counter stays)."""
        return self._update(actor, email, {"locked_until": None, "failed_login_count": 0}, unlock=True)

    def _update(self, actor: Actor, email: str, changes: dict[str, Any], *, unlock: bool = False) -> UserInfo:
        actor = self._authorizer.require(actor, Action.MANAGE_USERS, resource_type="user")
        with self._db.transaction() as session:
            user = self._user(session, normalise_email(email))
            if unlock:
                self._throttle.clear_account(session, user.email)
            before = {key: getattr(user, key) for key in changes}
            for key, value in changes.items():
                setattr(user, key, value)
            session.flush()
            self._ensure_an_admin_remains(session)
            if self._logins:
                sync_login(session.connection(), user.id)
            self._audit_change(
                session,
                actor,
                AuditAction.USER_UPDATED,
                user,
                {"before": _jsonable(before), "after": _jsonable(changes)},
            )
            return user_info(user)

    @staticmethod
    def _user(session: Session, email: str) -> User:
        user = session.scalars(sa.select(User).where(User.email == email)).first()
        if user is None:
            raise NotFoundError(f"No user with the e-mail {email}.")
        return user

    @staticmethod
    def _ensure_an_admin_remains(session: Session) -> None:
        is_active_admin = sa.and_(User.role == Role.ADMIN.value, User.is_active.is_(True))
        active_admins = sa.select(sa.func.count()).select_from(User).where(is_active_admin)
        admins = session.scalar(active_admins)
        if not admins:
            raise ConflictError("At least one active administrator must remain.")

    def _audit_change(
        self, session: Session, actor: Actor, action: AuditAction, user: User, meta: dict[str, Any]
    ) -> None:
        self._audit.record_in(
            session,
            AuditEvent(
                action,
                actor=actor,
                resource_type="user",
                resource_id=user.id,
                metadata={"email": user.email, **meta},
            ),
        )


def _jsonable(values: dict[str, Any]) -> dict[str, Any]:
    return {key: value.isoformat() if hasattr(value, "isoformat") else value for key, value in values.items()}
