"""The store, not only the client, enforces the roles (issue 13 item 1).

Team profile: every app user has a PostgreSQL login of its own in the group of its role. The tests take the
credentials a viewer's (or an analyst's) workstation holds and try each bypass the security review named
straight in SQL: the database refuses them. The same logins run the app's own paths. Workstation profile: the
app runs as a runtime login that owns nothing, not as the cluster's superuser.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import URL, Engine, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

from chronotrace_desktop.config import resolve_paths
from chronotrace_desktop.domain.errors import (
    AuthenticationError,
    EnvironmentProblemError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
)
from chronotrace_desktop.domain.ingest import IngestOptions, IngestStatus
from chronotrace_desktop.domain.roles import Role
from chronotrace_desktop.domain.search import SegmentQuery
from chronotrace_desktop.domain.secrets import SecretName
from chronotrace_desktop.domain.tasks import Unattended
from chronotrace_desktop.services.admin import OwnerCredentials, owner_url
from chronotrace_desktop.services.app import AppServices, open_app
from chronotrace_desktop.storage.db_roles import group_role
from chronotrace_desktop.storage.orm import AuditLog
from chronotrace_desktop.storage.secrets import SecretStore, secret_target
from tests.conftest import VIDEOS_DIR, scratch_dir
from tests.integration.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, Installation, new_installation

pytestmark = pytest.mark.server_pg

CLIP = VIDEOS_DIR / "car-detection.mp4"  # 30 s: a short ingest
USER_PASSWORD = "a long enough password"


@dataclass
class Member:
    email: str
    login: str
    password: str
    url: URL


@dataclass
class Team:
    inst: Installation
    viewer: Member
    analyst: Member
    member_dir: Path

    @property
    def database(self) -> str:
        return str(self.inst.services.database.engine.url.database)


def _member(inst: Installation, role: Role) -> Member:
    email = f"{role.value}-{uuid.uuid4().hex[:6]}@chronotrace.test"
    info = inst.services.users.add_user(inst.admin, email, role, USER_PASSWORD)
    assert info.new_login is not None
    assert info.db_login == info.new_login.login
    url = inst.services.database.engine.url.set(
        username=info.new_login.login, password=info.new_login.password
    )
    return Member(email, info.new_login.login, info.new_login.password, url)


@pytest.fixture(scope="module")
def team() -> Iterator[Team]:
    with new_installation("server") as inst:
        yield Team(inst, _member(inst, Role.VIEWER), _member(inst, Role.ANALYST), scratch_dir("member-"))


@pytest.fixture
def as_viewer(team: Team) -> Iterator[Engine]:
    engine = sa.create_engine(team.viewer.url, poolclass=NullPool)
    yield engine
    engine.dispose()


def _refused(engine: Engine, statement: str, **params: object) -> str:
    """Run ``statement`` as ``engine``'s login; the database's refusal (its SQLSTATE and message)."""
    with pytest.raises(DBAPIError) as caught, engine.begin() as conn:
        conn.execute(sa.text(statement), params)
    return f"{getattr(caught.value.orig, 'sqlstate', '')} {caught.value.orig}"


def _member_app(team: Team, member: Member) -> AppServices:
    """The app as ``member``'s workstation runs it: its own login in database_url, the password in the keyring."""
    settings = team.inst.settings
    database_url = make_url(settings.database_url or "").set(username=member.login)
    shown = database_url.render_as_string(hide_password=True)
    SecretStore().set(
        SecretName.DATABASE_PASSWORD, secret_target(SecretName.DATABASE_PASSWORD, shown), member.password
    )
    # One workstation folder for the members' apps in turn: without a Qdrant server here, the vectors stay in it.
    return open_app(settings.model_copy(update={"database_url": shown}), resolve_paths(team.member_dir))


# ------------------------------------------------------------------ each bypass, with a viewer's credentials


def test_a_viewer_login_cannot_make_itself_an_administrator(team: Team, as_viewer: Engine) -> None:
    refusal = _refused(as_viewer, "UPDATE users SET role = 'admin' WHERE email = :e", e=team.viewer.email)
    assert refusal.startswith("42501"), refusal  # insufficient_privilege
    assert "42501" in _refused(as_viewer, f'GRANT "{group_role(team.database, Role.ADMIN)}" TO CURRENT_USER')
    assert "42501" in _refused(as_viewer, "ALTER ROLE CURRENT_USER CREATEROLE")
    assert "42501" in _refused(as_viewer, "CREATE ROLE ct_sneaky LOGIN")
    with team.inst.services.database.transaction() as session:
        role = session.execute(sa.text("SELECT role FROM users WHERE email = :e"), {"e": team.viewer.email})
        assert role.scalar_one() == "viewer"


def test_a_viewer_login_cannot_call_the_login_functions(team: Team, as_viewer: Engine) -> None:
    own_id = team.inst.services.users.list_users(team.inst.admin)
    viewer_id = next(u.id for u in own_id if u.email == team.viewer.email)
    refusal = _refused(as_viewer, "SELECT chronotrace_provide_login(:u, 'SCRAM-SHA-256$x')", u=viewer_id)
    assert "42501" in refusal
    assert "42501" in _refused(as_viewer, "SELECT chronotrace_sync_login(:u)", u=viewer_id)


def test_a_viewer_login_cannot_point_a_segment_at_an_original(as_viewer: Engine) -> None:
    refusal = _refused(as_viewer, "UPDATE video_segments SET redacted_path = segment_path")
    assert refusal.startswith("42501"), refusal


def test_a_viewer_login_cannot_touch_the_audit_log(team: Team, as_viewer: Engine) -> None:
    for statement in (
        "ALTER TABLE audit_log DISABLE TRIGGER ALL",
        "DELETE FROM audit_log",
        "TRUNCATE audit_log",
        "UPDATE audit_log SET justification = 'nothing to see'",
        "DROP TABLE audit_log",
    ):
        refusal = _refused(as_viewer, statement)
        assert refusal.startswith("42501"), (statement, refusal)
    admin_id = team.inst.admin.user_id
    forged = "INSERT INTO audit_log (user_id, username, action) VALUES (:u, 'admin', 'pii_reveal')"
    assert "42501" in _refused(as_viewer, forged, u=admin_id)  # row-level security: not in another's name


def test_a_viewer_login_reads_its_own_user_row_only(team: Team, as_viewer: Engine) -> None:
    with as_viewer.connect() as conn:
        rows = conn.execute(sa.text("SELECT email FROM users")).scalars().all()
    assert rows == [team.viewer.email]


def test_a_viewer_login_reads_and_writes_its_own_searches_only(team: Team, as_viewer: Engine) -> None:
    """What someone searched for, and from where, is theirs and the administrators' (search analytics)."""
    admin_engine = team.inst.services.database.engine
    with admin_engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO searches (user_id, query_text) VALUES (:u, 'the administrator looked for this')"
            ),
            {"u": team.inst.admin.user_id},
        )
    with as_viewer.connect() as conn:
        seen = conn.execute(sa.text("SELECT query_text FROM searches")).scalars().all()
        own = conn.execute(sa.text("SELECT chronotrace_session_user_id()")).scalar_one()
    assert "the administrator looked for this" not in seen
    forged = "INSERT INTO searches (user_id, query_text) VALUES (:u, 'in the administrator''s name')"
    assert "42501" in _refused(as_viewer, forged, u=team.inst.admin.user_id)
    with as_viewer.begin() as conn:  # in its own name it may
        conn.execute(sa.text("INSERT INTO searches (user_id, query_text) VALUES (:u, 'mine')"), {"u": own})
    with admin_engine.connect() as conn:  # the administrators read every row
        everyone = conn.execute(sa.text("SELECT query_text FROM searches")).scalars().all()
    assert {"the administrator looked for this", "mine"} <= set(everyone)


def test_no_runtime_login_may_create_tables_or_migrate(team: Team) -> None:
    admin_engine = team.inst.services.database.engine
    assert "42501" in _refused(admin_engine, "CREATE TABLE sneaky (x int)")
    assert "42501" in _refused(admin_engine, "ALTER TABLE audit_log DISABLE TRIGGER ALL")
    assert "42501" in _refused(admin_engine, "DELETE FROM audit_log")


def test_an_analyst_login_cannot_change_users_or_the_audit_log(team: Team) -> None:
    engine = sa.create_engine(team.analyst.url, poolclass=NullPool)
    try:
        assert "42501" in _refused(engine, "UPDATE users SET role = 'admin'")
        assert "42501" in _refused(engine, "DELETE FROM audit_log")
        assert "42501" in _refused(engine, "ALTER TABLE audit_log DISABLE TRIGGER ALL")
    finally:
        engine.dispose()


# ------------------------------------------------------------------ the app on those same logins


def test_the_analyst_app_ingests_and_the_viewer_app_reads_and_searches(team: Team) -> None:
    with closing(_member_app(team, team.analyst)) as app:
        analyst = app.auth.login(team.analyst.email, USER_PASSWORD)
        result = app.ingest.ingest_file(analyst, CLIP, IngestOptions(camera_id="cam-lobby"), Unattended())
        assert result.status is IngestStatus.COMPLETED, result
        assert result.video_id is not None
        first = app.library.segments_of(analyst, result.video_id)[0].id
    with closing(_member_app(team, team.viewer)) as app:
        viewer = app.auth.login(team.viewer.email, USER_PASSWORD)
        assert result.video_id in app.library.video_ids(viewer)
        hits = app.search.search(viewer, SegmentQuery(text="a car on the road"))
        assert hits.hits, "the viewer's search found nothing in the analyst's clip"
        app.anomalies.list_anomalies(viewer)  # reads through its own grants
        with pytest.raises(NotFoundError, match="not ready yet"):  # its login may not record a rendition
            app.media.redacted_clip(viewer, first)
        with pytest.raises(AuthenticationError):  # another user's row is invisible to this login
            app.auth.login(ADMIN_EMAIL, ADMIN_PASSWORD)
    with closing(_member_app(team, team.analyst)) as app:
        analyst = app.auth.login(team.analyst.email, USER_PASSWORD)
        assert app.media.prerender(analyst, Unattended(), video_ids=[result.video_id]) >= 1
    with closing(_member_app(team, team.viewer)) as app:
        viewer = app.auth.login(team.viewer.email, USER_PASSWORD)
        assert app.media.redacted_clip(viewer, first).is_file()


def test_the_analyst_login_corrects_a_videos_clock_and_the_viewer_login_may_not(
    team: Team, as_viewer: Engine
) -> None:
    """0011's columns are covered by the table grants: the analyst's login moves recorded_at, re-runs the rules
    (anomalies) and audits; the administrator's sets a camera's offset; a viewer's login is refused."""
    with closing(_member_app(team, team.analyst)) as app:
        analyst = app.auth.login(team.analyst.email, USER_PASSWORD)
        options = IngestOptions(camera_id="cam-clock", recorded_at=datetime(2024, 2, 9, 14, 0))
        result = app.ingest.ingest_file(analyst, VIDEOS_DIR / "video02.avi", options, Unattended())
        assert result.status is IngestStatus.COMPLETED, result
        assert result.video_id is not None
        change = app.clock.set_video_time(analyst, result.video_id, offset_s=-30.0)
        assert change.after.recorded_at == datetime(2024, 2, 9, 13, 59, 30)
        assert change.anomalies_found is not None
        assert change.warnings == ()
        with pytest.raises(PermissionDeniedError):
            app.clock.set_camera_offset(analyst, "cam-clock", 5.0)
    assert team.inst.services.clock.set_camera_offset(team.inst.admin, "cam-clock", 5.0).after == 5.0
    refusal = _refused(
        as_viewer,
        "UPDATE videos SET clock_offset_s = 1, recorded_at = now() WHERE id = :id",
        id=result.video_id,
    )
    assert "42501" in refusal


def test_role_changes_and_disabling_move_the_login(team: Team) -> None:
    users = team.inst.services.users
    member = _member(team.inst, Role.VIEWER)
    admin_engine = team.inst.services.database.engine

    def groups_and_login() -> tuple[set[str], bool]:
        with admin_engine.connect() as conn:
            groups = conn.execute(
                sa.text(
                    "SELECT g.rolname FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid "
                    "JOIN pg_roles u ON u.oid = m.member WHERE u.rolname = :l"
                ),
                {"l": member.login},
            ).scalars()
            found = set(groups)
            can_login = conn.execute(
                sa.text("SELECT rolcanlogin FROM pg_roles WHERE rolname = :l"), {"l": member.login}
            ).scalar_one()
        return found, bool(can_login)

    assert groups_and_login() == ({group_role(team.database, Role.VIEWER)}, True)
    users.set_role(team.inst.admin, member.email, Role.ANALYST)
    assert groups_and_login() == ({group_role(team.database, Role.ANALYST)}, True)
    users.set_active(team.inst.admin, member.email, False)
    assert groups_and_login() == ({group_role(team.database, Role.ANALYST)}, False)
    users.set_active(team.inst.admin, member.email, True)
    assert groups_and_login()[1] is True


def test_a_new_database_login_password_replaces_the_old(team: Team) -> None:
    member = _member(team.inst, Role.VIEWER)
    info = team.inst.services.users.reset_database_login(team.inst.admin, member.email)
    assert info.new_login is not None
    assert info.new_login.login == member.login
    assert info.new_login.password != member.password
    with team.inst.services.database.transaction() as session:
        row = session.scalars(
            sa.select(AuditLog).where(AuditLog.resource_type == "user").order_by(AuditLog.chain_seq.desc())
        ).first()
        assert row is not None
        assert row.meta is not None
        assert row.meta.get("db_login") == member.login
        assert info.new_login.password not in str(row.meta)


# ------------------------------------------------------------------ migrations: the owner, by an administrator


def test_a_team_migration_needs_the_owner_and_is_audited(team: Team) -> None:
    maintenance = team.inst.services.maintenance
    with pytest.raises(InvalidInputError, match="owner"):
        maintenance.migrate(team.inst.admin)
    owner = owner_url(team.inst.settings, OwnerCredentials("postgres"))
    assert maintenance.migrate(team.inst.admin, owner) == []
    with team.inst.services.database.transaction() as session:
        row = session.scalars(
            sa.select(AuditLog)
            .where(AuditLog.action == "database_migrated")
            .order_by(AuditLog.chain_seq.desc())
        ).first()
    assert row is not None
    assert row.meta is not None
    assert row.meta["owner"] == "postgres"


def test_a_team_database_behind_the_program_is_refused_at_start(team: Team) -> None:
    owner = sa.create_engine(owner_url(team.inst.settings, OwnerCredentials("postgres")), poolclass=NullPool)
    try:
        with owner.begin() as conn:
            last = conn.execute(sa.text("SELECT max(version) FROM schema_migrations")).scalar_one()
            row = conn.execute(
                sa.text("SELECT * FROM schema_migrations WHERE version = :v"), {"v": last}
            ).one()
            conn.execute(sa.text("DELETE FROM schema_migrations WHERE version = :v"), {"v": last})
        try:
            with pytest.raises(EnvironmentProblemError, match="db migrate --owner"):
                open_app(team.inst.settings, resolve_paths(scratch_dir("behind-")))
        finally:
            with owner.begin() as conn:
                conn.execute(
                    sa.text("INSERT INTO schema_migrations VALUES (:v, :n, :c, :a)"),
                    {"v": row.version, "n": row.name, "c": row.checksum, "a": row.applied_at},
                )
    finally:
        owner.dispose()
