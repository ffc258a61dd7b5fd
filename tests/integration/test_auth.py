"""Sign-in, lock-out, roles and the audit rows they leave, on both database backends."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from chronotrace_desktop.domain.clock import utcnow
from chronotrace_desktop.domain.errors import (
    AuthenticationError,
    ConflictError,
    InvalidInputError,
    PermissionDeniedError,
)
from chronotrace_desktop.domain.roles import Role
from chronotrace_desktop.services.access import auth as auth_module
from chronotrace_desktop.services.access.auth import WRONG_CREDENTIALS
from chronotrace_desktop.services.access.throttle import default_source
from chronotrace_desktop.storage.orm import AuditLog, User
from tests.integration.conftest import ADMIN_PASSWORD, Installation


def _user_row(inst: Installation, email: str) -> User:
    with inst.services.database.transaction() as session:
        user = session.scalars(sa.select(User).where(User.email == email)).one()
        session.expunge(user)
        return user


def _login_rows(inst: Installation, email: str) -> list[AuditLog]:
    with inst.services.database.transaction() as session:
        rows = session.scalars(
            sa.select(AuditLog)
            .where(AuditLog.action == "user_login", AuditLog.username == email)
            .order_by(AuditLog.created_at)
        ).all()
        session.expunge_all()
        return list(rows)


def test_login_updates_last_login_and_audits_success(installation: Installation) -> None:
    email, _ = installation.add_user(Role.ANALYST)
    before = utcnow()
    actor = installation.services.auth.login(email.upper(), ADMIN_PASSWORD)
    assert actor.email == email
    assert actor.role is Role.ANALYST
    user = _user_row(installation, email)
    assert user.last_login_at is not None
    assert user.last_login_at >= before - timedelta(seconds=1)
    assert user.password_hash.startswith("$2b$")
    assert ADMIN_PASSWORD not in user.password_hash
    rows = _login_rows(installation, email)
    assert rows[-1].success is True
    assert rows[-1].user_id == user.id


@pytest.mark.parametrize(("who", "reason"), [("known", "wrong_password"), ("unknown", "unknown_user")])
def test_wrong_credentials_are_refused_alike_and_audited(
    installation: Installation, who: str, reason: str
) -> None:
    email, _ = installation.add_user(Role.VIEWER)
    if who == "unknown":
        email = "nobody-" + email
    with pytest.raises(AuthenticationError, match=re.escape(WRONG_CREDENTIALS)):
        installation.services.auth.login(email, "not the password")
    row = _login_rows(installation, email)[-1]
    assert row.success is False
    assert row.error_message == reason
    assert row.meta == {"reason": reason, "client": "desktop", "source": default_source()}


def test_repeated_failures_lock_the_account_until_it_expires(
    installation: Installation, monkeypatch: pytest.MonkeyPatch
) -> None:
    email, _ = installation.add_user(Role.VIEWER)
    auth = installation.services.auth
    for _ in range(installation.settings.login_max_failures):
        with pytest.raises(AuthenticationError, match=re.escape(WRONG_CREDENTIALS)):
            auth.login(email, "wrong password!")
    assert _user_row(installation, email).locked_until is not None  # shown to administrators
    with pytest.raises(AuthenticationError, match=re.escape(WRONG_CREDENTIALS)):
        auth.login(email, ADMIN_PASSWORD)  # even the right password waits for the lock to end
    assert _login_rows(installation, email)[-1].error_message == "locked"
    lock = timedelta(minutes=installation.settings.login_lockout_minutes, seconds=1)
    monkeypatch.setattr(auth_module, "utcnow", lambda: utcnow() + lock)
    assert auth.login(email, ADMIN_PASSWORD).email == email


def test_an_administrator_can_unlock(installation: Installation) -> None:
    email, _ = installation.add_user(Role.ANALYST)
    for _ in range(installation.settings.login_max_failures):
        with pytest.raises(AuthenticationError):
            installation.services.auth.login(email, "wrong password!")
    installation.services.users.unlock(installation.admin, email)
    assert installation.services.auth.login(email, ADMIN_PASSWORD).role is Role.ANALYST


def test_disabled_accounts_cannot_sign_in_and_lose_their_session(installation: Installation) -> None:
    email, actor = installation.add_user(Role.ANALYST)
    installation.services.users.set_active(installation.admin, email, False)
    with pytest.raises(AuthenticationError, match=re.escape(WRONG_CREDENTIALS)):
        installation.services.auth.login(email, ADMIN_PASSWORD)  # no hint, even with the password
    assert _login_rows(installation, email)[-1].error_message == "inactive"
    with pytest.raises(AuthenticationError, match="no longer active"):
        installation.services.users.change_password(
            actor, "another password 1", current_password=ADMIN_PASSWORD
        )


def test_roles_are_enforced_in_the_service_and_refusals_audited(installation: Installation) -> None:
    _, viewer = installation.add_user(Role.VIEWER)
    with pytest.raises(PermissionDeniedError, match=r"viewer\) may not manage users"):
        installation.services.users.add_user(
            viewer, "new-user@chronotrace.test", Role.ADMIN, "long enough password"
        )
    with installation.services.database.transaction() as session:
        assert session.scalar(sa.select(User.id).where(User.email == "new-user@chronotrace.test")) is None
        denied = session.scalars(
            sa.select(AuditLog).where(
                AuditLog.action == "permission_denied", AuditLog.user_id == viewer.user_id
            )
        ).one()
        assert denied.success is False
        assert denied.meta == {"requested_action": "manage_users", "role": "viewer"}


def test_a_demoted_user_loses_rights_at_once(installation: Installation) -> None:
    email, admin2 = installation.add_user(Role.ADMIN)
    assert installation.services.users.list_users(admin2)
    installation.services.users.set_role(installation.admin, email, Role.VIEWER)
    with pytest.raises(PermissionDeniedError):
        installation.services.users.list_users(admin2)


def test_the_last_active_administrator_stays(installation: Installation) -> None:
    admins = [u for u in installation.services.users.list_users(installation.admin) if u.role is Role.ADMIN]
    for other in admins:
        if other.email != installation.admin.email:
            installation.services.users.set_role(installation.admin, other.email, Role.ANALYST)
    with pytest.raises(ConflictError, match="administrator must remain"):
        installation.services.users.set_active(installation.admin, installation.admin.email, False)
    assert _user_row(installation, installation.admin.email).is_active


def test_first_admin_only_once(installation: Installation) -> None:
    assert not installation.services.installation.needs_first_admin()
    with pytest.raises(ConflictError, match="only once"):
        installation.services.installation.create_first_admin(
            "second@chronotrace.test", "long enough password"
        )


def test_duplicate_and_invalid_users_are_refused(installation: Installation) -> None:
    email, _ = installation.add_user(Role.VIEWER)
    users = installation.services.users
    with pytest.raises(ConflictError, match="already exists"):
        users.add_user(installation.admin, email.upper(), Role.VIEWER, "long enough password")
    with pytest.raises(InvalidInputError, match="valid e-mail"):
        users.add_user(installation.admin, "not-an-email", Role.VIEWER, "long enough password")
    with pytest.raises(InvalidInputError, match="at least 10"):
        users.add_user(installation.admin, "short@chronotrace.test", Role.VIEWER, "short")


def test_changing_your_own_password_needs_the_current_one(installation: Installation) -> None:
    email, actor = installation.add_user(Role.ANALYST)
    users = installation.services.users
    with pytest.raises(AuthenticationError, match="current password"):
        users.change_password(actor, "brand new password", current_password="wrong")
    users.change_password(actor, "brand new password", current_password=ADMIN_PASSWORD)
    assert installation.services.auth.login(email, "brand new password").email == email
    with pytest.raises(PermissionDeniedError):
        users.change_password(actor, "brand new password", email=installation.admin.email)
