"""Sign-in gives nothing away and cannot be turned against the account's owner (issue 13 item 8).

Every refusal reads the same and costs one bcrypt check; failures are throttled per source and per account
with counters that decay; a third party who fails against an account does not shut its owner out.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from chronotrace_desktop.domain.clock import utcnow
from chronotrace_desktop.domain.errors import AuthenticationError
from chronotrace_desktop.domain.roles import Role
from chronotrace_desktop.services.access import auth as auth_module
from chronotrace_desktop.services.access.auth import WRONG_CREDENTIALS
from chronotrace_desktop.services.access.throttle import source_failure_limit
from chronotrace_desktop.storage.orm import AuditLog
from tests.integration.conftest import ADMIN_PASSWORD, Installation


class Clock:
    """``utcnow`` as the sign-in service sees it, moved on by hand."""

    def __init__(self) -> None:
        self.offset = timedelta()

    def __call__(self) -> datetime:
        return utcnow() + self.offset


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    moved = Clock()
    monkeypatch.setattr(auth_module, "utcnow", moved)
    return moved


def _refusal(inst: Installation, email: str, password: str, **where: Any) -> str:
    with pytest.raises(AuthenticationError) as refused:
        inst.services.auth.login(email, password, **where)
    return str(refused.value)


def _last_login_row(inst: Installation, email: str) -> AuditLog:
    with inst.services.database.transaction() as session:
        row = session.scalars(
            sa.select(AuditLog)
            .where(AuditLog.action == "user_login", AuditLog.username == email)
            .order_by(AuditLog.created_at.desc())
            .limit(1)
        ).one()
        session.expunge(row)
        return row


def test_every_refusal_reads_the_same_and_runs_bcrypt_once(
    installation: Installation, monkeypatch: pytest.MonkeyPatch
) -> None:
    locked, _ = installation.add_user(Role.VIEWER)
    disabled, _ = installation.add_user(Role.VIEWER)
    wrong, _ = installation.add_user(Role.VIEWER)
    installation.services.users.set_active(installation.admin, disabled, False)
    for _ in range(installation.settings.login_max_failures):
        _refusal(installation, locked, "wrong password!")
    checks: list[str] = []
    real_verify = auth_module.verify_password

    def counting_verify(password: str, password_hash: str | None, *, rounds: int) -> bool:
        checks.append(password)
        return real_verify(password, password_hash, rounds=rounds)

    monkeypatch.setattr(auth_module, "verify_password", counting_verify)
    messages = {}
    for case, email, password in (
        ("unknown", f"nobody-{uuid.uuid4().hex[:8]}@chronotrace.test", ADMIN_PASSWORD),
        ("wrong password", wrong, "wrong password!"),
        ("locked", locked, ADMIN_PASSWORD),  # the right password, while locked
        ("disabled", disabled, ADMIN_PASSWORD),  # the right password, account disabled
    ):
        checks.clear()
        messages[case] = _refusal(installation, email, password)
        assert len(checks) == 1, f"{case}: {len(checks)} bcrypt checks"
    assert set(messages.values()) == {WRONG_CREDENTIALS}, messages
    # The audit trail keeps the real reason.
    assert _last_login_row(installation, locked).error_message == "locked"
    assert _last_login_row(installation, disabled).error_message == "inactive"
    assert _last_login_row(installation, wrong).error_message == "wrong_password"


def test_failures_decay(installation: Installation, clock: Clock) -> None:
    email, _ = installation.add_user(Role.ANALYST)
    limit = installation.settings.login_max_failures
    for _ in range(limit - 1):
        _refusal(installation, email, "wrong password!")
    clock.offset = timedelta(minutes=3 * installation.settings.login_lockout_minutes)
    _refusal(installation, email, "wrong password!")  # the limit-th, but the early ones have faded
    assert installation.services.auth.login(email, ADMIN_PASSWORD).email == email


def test_a_source_that_fails_on_many_accounts_is_throttled(installation: Installation) -> None:
    email, _ = installation.add_user(Role.ANALYST)
    sprayer = f"203.0.113.{uuid.uuid4().int % 250 + 1}"
    per_account = installation.settings.login_max_failures - 1  # never enough to lock any one account
    sprayed = 0
    while sprayed < source_failure_limit(installation.settings):
        target = f"staff-{uuid.uuid4().hex[:8]}@chronotrace.test"
        for _ in range(per_account):
            _refusal(installation, target, "Spring2024!", source=sprayer)
            sprayed += 1
    assert _refusal(installation, email, ADMIN_PASSWORD, source=sprayer) == WRONG_CREDENTIALS
    assert _last_login_row(installation, email).error_message == "source_throttled"
    assert _last_login_row(installation, email).ip_address == sprayer
    elsewhere = installation.services.auth.login(email, ADMIN_PASSWORD, source="workstation-elsewhere")
    assert elsewhere.email == email


def test_a_third_party_cannot_shut_the_owner_out(installation: Installation, clock: Clock) -> None:
    email, _ = installation.add_user(Role.ANALYST)
    auth = installation.services.auth
    assert auth.login(email, ADMIN_PASSWORD, source="owners-workstation").email == email
    attacker = f"attacker-{uuid.uuid4().hex[:8]}"
    for _ in range(installation.settings.login_max_failures):
        _refusal(installation, email, "guess guess guess", source=attacker)
    # Locked against the attacker's machine, and against any machine the account never signed in from ...
    assert _refusal(installation, email, ADMIN_PASSWORD, source=attacker) == WRONG_CREDENTIALS
    assert _refusal(installation, email, ADMIN_PASSWORD, source="a-new-laptop") == WRONG_CREDENTIALS
    # ... but not against the owner's own.
    assert auth.login(email, ADMIN_PASSWORD, source="owners-workstation").email == email
    # Hammering while locked does not extend the lock: it ends after the lock-out time all the same.
    for _ in range(3 * installation.settings.login_max_failures):
        _refusal(installation, email, "guess guess guess", source=attacker)
    clock.offset = timedelta(minutes=installation.settings.login_lockout_minutes + 1)
    assert auth.login(email, ADMIN_PASSWORD, source="a-new-laptop").email == email


def test_a_wrong_current_password_is_audited_and_counts_toward_lock_out(installation: Installation) -> None:
    email, actor = installation.add_user(Role.ANALYST)
    users = installation.services.users
    for _ in range(installation.settings.login_max_failures):
        with pytest.raises(AuthenticationError, match="current password"):
            users.change_password(actor, "brand new password", current_password="not my password")
    with installation.services.database.transaction() as session:
        refused = session.scalars(
            sa.select(AuditLog).where(
                AuditLog.action == "password_changed", AuditLog.user_id == actor.user_id
            )
        ).all()
        assert [(row.success, row.error_message) for row in refused] == [
            (False, "wrong_current_password")
        ] * installation.settings.login_max_failures
    assert _refusal(installation, email, ADMIN_PASSWORD) == WRONG_CREDENTIALS
    with pytest.raises(AuthenticationError, match="current password"):
        users.change_password(actor, "brand new password", current_password=ADMIN_PASSWORD)
