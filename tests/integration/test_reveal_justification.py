"""A reveal refused for a too-short justification leaves an audit row (issue 13, Low: refused paths audited)."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from chronotrace_desktop.domain.errors import InvalidInputError
from chronotrace_desktop.domain.roles import Role
from chronotrace_desktop.domain.users import ReauthPurpose
from chronotrace_desktop.storage.orm import AuditLog
from tests.integration.conftest import ADMIN_PASSWORD, Installation


def test_a_reveal_refused_for_its_justification_is_audited(installation: Installation) -> None:
    _, analyst = installation.add_user(Role.ANALYST)
    segment_id = uuid.uuid4()  # refused before the segment is looked up
    proof = installation.services.reauth.confirm(analyst, ADMIN_PASSWORD, ReauthPurpose.REVEAL)
    with pytest.raises(InvalidInputError, match="justification"):
        installation.services.media.reveal(analyst, segment_id, "  because \n ", proof=proof)
    with installation.services.database.transaction() as session:
        rows = session.scalars(
            sa.select(AuditLog).where(AuditLog.action == "pii_reveal", AuditLog.user_id == analyst.user_id)
        ).all()
        refused = [(r.success, r.error_message, r.justification, r.resource_id, r.meta) for r in rows]
    assert refused == [(False, "justification_too_short", "because", segment_id, {"what": "clip"})]
