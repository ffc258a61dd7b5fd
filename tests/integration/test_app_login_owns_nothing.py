"""The app never runs as the owner of the tables (issue 13 item 1). Workstation profile: the OS account is the
boundary, yet the app connects as a runtime login that owns nothing, not as the embedded cluster's superuser;
team profile: as the signed-in administrator's own login. Neither can ALTER, TRUNCATE, UPDATE or DELETE the
audit log or create tables."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from tests.integration.conftest import Installation


def test_the_workstation_app_runs_as_a_login_that_owns_nothing(installation: Installation) -> None:
    engine = installation.services.database.engine
    with engine.connect() as conn:
        who, superuser = conn.execute(
            sa.text("SELECT current_user, rolsuper FROM pg_roles WHERE rolname = current_user")
        ).one()
    # workstation: the runtime login; team: the administrator's own login (no one runs as the owner)
    assert who.endswith(
        "_runtime" if installation.backend == "embedded" else "_u_" + installation.admin.user_id.hex[:12]
    ), who
    assert not superuser
    for statement in (
        "ALTER TABLE audit_log DISABLE TRIGGER ALL",
        "DELETE FROM audit_log",
        "TRUNCATE users",
        "CREATE TABLE sneaky (x int)",
    ):
        with pytest.raises(DBAPIError) as caught, engine.begin() as conn:
            conn.execute(sa.text(statement))
        assert getattr(caught.value.orig, "sqlstate", "") == "42501", (statement, caught.value)
