"""Re-authentication before a reveal (issue 13 item 2): the services refuse without a fresh proof of the password.

A workstation left signed in must not reveal: ``MediaAccessService.reveal`` refuses (and audits) a missing,
lapsed, tampered, another user's or another purpose's proof; a wrong password is audited and counts toward the
sign-in lock like a wrong current password; a disabled account cannot re-authenticate.
"""

from __future__ import annotations

import dataclasses
import uuid

import pytest
import sqlalchemy as sa

from chronotrace_desktop.domain.errors import AuthenticationError
from chronotrace_desktop.domain.roles import Role
from chronotrace_desktop.domain.users import ReauthPurpose
from chronotrace_desktop.services.access import reauth
from chronotrace_desktop.storage.orm import AuditLog, User
from tests.integration.conftest import ADMIN_PASSWORD, Installation

REASON = "CASE-2024-0200: identify the person at the counter"


def _rows(inst: Installation, action: str, user_id: uuid.UUID) -> list[AuditLog]:
    with inst.services.database.transaction() as session:
        rows = list(
            session.scalars(
                sa.select(AuditLog)
                .where(AuditLog.action == action, AuditLog.user_id == user_id)
                .order_by(AuditLog.created_at)
            )
        )
        session.expunge_all()
        return rows


def test_a_reveal_without_a_fresh_proof_is_refused_and_audited(
    installation: Installation, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, analyst = installation.add_user(Role.ANALYST)
    _, colleague = installation.add_user(Role.ANALYST)
    services = installation.services
    segment_id = uuid.uuid4()  # refused before the segment is looked up
    proof = services.reauth.confirm(analyst, ADMIN_PASSWORD, ReauthPurpose.REVEAL)
    (confirmed,) = _rows(installation, "user_reauthenticated", analyst.user_id)
    assert (confirmed.success, confirmed.meta["purpose"]) == (True, "reveal")

    refused = {
        "reauth_missing": None,
        "reauth_other_user": services.reauth.confirm(colleague, ADMIN_PASSWORD, ReauthPurpose.REVEAL),
        "reauth_other_purpose": services.reauth.confirm(
            analyst, ADMIN_PASSWORD, ReauthPurpose.EXPORT_UNREDACTED
        ),
        # A proof changed after it was made (here: made to last longer) is not the one the service sealed.
        "reauth_invalid": dataclasses.replace(proof, expires_at=proof.expires_at + 3600),
    }
    for given in refused.values():
        with pytest.raises(AuthenticationError, match="password"):
            services.media.reveal(analyst, segment_id, REASON, proof=given)
    # Past the freshness window (reauth_minutes) the proof has lapsed.
    monkeypatch.setattr(reauth, "monotonic", lambda: proof.expires_at + 1)
    with pytest.raises(AuthenticationError, match="too long ago"):
        services.media.reveal(analyst, segment_id, REASON, proof=proof)
    with pytest.raises(AuthenticationError, match="too long ago"):
        services.media.revealer(analyst, REASON, proof=proof, purpose=ReauthPurpose.REVEAL)

    rows = _rows(installation, "pii_reveal", analyst.user_id)
    assert [(r.success, r.error_message) for r in rows] == [
        *((False, reason) for reason in refused),
        (False, "reauth_expired"),
        (False, "reauth_expired"),
    ]
    assert rows[0].resource_id == segment_id
    assert rows[-1].resource_id is None  # the batch's check names no segment yet


def test_a_wrong_password_is_audited_and_counts_toward_the_lock(installation: Installation) -> None:
    email, analyst = installation.add_user(Role.ANALYST)
    services = installation.services
    limit = installation.settings.login_max_failures
    for _ in range(limit):
        with pytest.raises(AuthenticationError, match="password is wrong"):
            services.reauth.confirm(analyst, "a guess at the password", ReauthPurpose.REVEAL)
    # Locked like after failed sign-ins: the right password is refused now, here and at sign-in elsewhere.
    with pytest.raises(AuthenticationError):
        services.reauth.confirm(analyst, ADMIN_PASSWORD, ReauthPurpose.REVEAL)
    with pytest.raises(AuthenticationError):
        services.auth.login(email, ADMIN_PASSWORD, source="another-workstation")
    with services.database.transaction() as session:
        user = session.get(User, analyst.user_id)
        assert user is not None
        assert user.failed_login_count == limit
        assert user.locked_until is not None
    rows = _rows(installation, "user_reauthenticated", analyst.user_id)
    assert [(r.success, r.error_message) for r in rows] == [(False, "wrong_password")] * limit + [
        (False, "locked")
    ]
    assert all(r.meta["purpose"] == "reveal" and r.meta["source"] for r in rows)
    services.users.unlock(installation.admin, email)
    assert services.reauth.confirm(analyst, ADMIN_PASSWORD, ReauthPurpose.REVEAL).user_id == analyst.user_id


def test_a_disabled_account_cannot_re_authenticate(installation: Installation) -> None:
    email, analyst = installation.add_user(Role.ANALYST)
    installation.services.users.set_active(installation.admin, email, False)
    with pytest.raises(AuthenticationError):
        installation.services.reauth.confirm(analyst, ADMIN_PASSWORD, ReauthPurpose.EXPORT_UNREDACTED)
    (row,) = _rows(installation, "user_reauthenticated", analyst.user_id)
    assert (row.success, row.error_message, row.meta["purpose"]) == (False, "inactive", "export_unredacted")
