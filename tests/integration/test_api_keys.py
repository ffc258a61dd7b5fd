"""Issue 17 items 1 and 3 (service): API keys made, checked, limited and audited on the real database.

Both backends share one installation per session; each test makes its own users and keys.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import uuid
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import closing
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

from chronotrace_desktop.config import resolve_paths
from chronotrace_desktop.domain.audit import AuditAction
from chronotrace_desktop.domain.clock import utcnow
from chronotrace_desktop.domain.errors import (
    AuthenticationError,
    ConflictError,
    InvalidInputError,
    PermissionDeniedError,
    RateLimitedError,
)
from chronotrace_desktop.domain.roles import Role
from chronotrace_desktop.domain.secrets import SecretName
from chronotrace_desktop.services.access import AuditService, Authorizer
from chronotrace_desktop.services.api_keys import KEY_PREFIX, ApiKeyService, KeyActor, Scope
from chronotrace_desktop.services.app import AppServices, open_app
from chronotrace_desktop.storage.database import Database
from chronotrace_desktop.storage.orm import ApiKey, AuditLog
from chronotrace_desktop.storage.secrets import SecretStore, secret_target
from tests.conftest import scratch_dir
from tests.integration.conftest import Installation, new_installation

READ = frozenset({Scope.READ_VIDEOS})
MEMBER_PASSWORD = "a long enough password"


def _row(inst: Installation, key_id: uuid.UUID) -> ApiKey:
    with inst.services.database.transaction() as session:
        row = session.get(ApiKey, key_id)
        assert row is not None
        session.expunge(row)
        return row


def _audit_rows(inst: Installation, action: AuditAction, key_id: uuid.UUID) -> list[AuditLog]:
    with inst.services.database.transaction() as session:
        rows = session.scalars(
            sa.select(AuditLog).where(AuditLog.action == action.value, AuditLog.resource_id == key_id)
        ).all()
        session.expunge_all()
        return list(rows)


def _mentions(inst: Installation, text: str) -> int:
    """Audit rows whose any column (metadata included) holds ``text``."""
    with inst.services.database.transaction() as session:
        return int(
            session.scalar(
                sa.text("SELECT count(*) FROM audit_log a WHERE strpos(a::text, :t) > 0"), {"t": text}
            )
            or 0
        )


def test_a_key_is_stored_as_hash_and_prefix_and_authenticates(installation: Installation) -> None:
    keys = installation.services.api_keys
    email, analyst = installation.add_user(Role.ANALYST)
    made = keys.create(analyst, name="VMS Integration", scopes={Scope.READ_VIDEOS, Scope.WRITE_SEARCHES})
    assert made.key.startswith(KEY_PREFIX)
    assert len(made.key) >= len(KEY_PREFIX) + 43
    assert made.key not in repr(made)
    row = _row(installation, made.info.key_id)
    assert row.key_hash == hashlib.sha256(made.key.encode()).hexdigest()
    assert row.key_prefix == made.key[:10] == made.info.prefix
    assert sorted(row.scopes or []) == ["read:videos", "write:searches"]
    assert made.key not in str(made.info.as_json())

    who = keys.authenticate(made.key)
    assert (who.actor.email, who.actor.role, who.actor.client) == (email, Role.ANALYST, "api")
    assert who.scopes == {Scope.READ_VIDEOS, Scope.WRITE_SEARCHES}
    assert who.allows(Scope.READ_VIDEOS)
    assert not who.allows(Scope.WRITE_VIDEOS)
    assert [k.key_id for k in keys.list_keys(analyst)] == [made.info.key_id]

    created = _audit_rows(installation, AuditAction.API_KEY_CREATED, made.info.key_id)
    assert len(created) == 1
    assert (created[0].meta or {})["key_prefix"] == made.info.prefix
    assert _mentions(installation, made.key) == 0


@pytest.mark.parametrize(
    "text", ["", "not a key", KEY_PREFIX, KEY_PREFIX + "x" * 43, "Bearer " + KEY_PREFIX + "y" * 43]
)
def test_malformed_and_unknown_keys_are_refused(installation: Installation, text: str) -> None:
    with pytest.raises(AuthenticationError) as refused:
        installation.services.api_keys.authenticate(text)
    assert text not in str(refused.value) or not text


def test_revoked_expired_and_disabled_keys_are_refused(installation: Installation) -> None:
    keys = installation.services.api_keys
    email, viewer = installation.add_user(Role.VIEWER)
    revoked = keys.create(viewer, name="old", scopes=READ)
    keys.revoke(viewer, revoked.info.key_id)
    with pytest.raises(AuthenticationError, match="revoked") as why:
        keys.authenticate(revoked.key)
    assert revoked.key not in str(why.value)
    with pytest.raises(ConflictError):
        keys.revoke(viewer, revoked.info.key_id)

    expiring = keys.create(viewer, name="soon", scopes=READ, expires_at=utcnow() + timedelta(days=1))
    keys.authenticate(expiring.key)
    with installation.services.database.transaction() as session:
        session.execute(
            sa.update(ApiKey)
            .where(ApiKey.id == expiring.info.key_id)
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
    with pytest.raises(AuthenticationError, match="expired"):
        keys.authenticate(expiring.key)
    with pytest.raises(InvalidInputError):
        keys.create(viewer, name="past", scopes=READ, expires_at=utcnow() - timedelta(days=1))

    live = keys.create(viewer, name="live", scopes=READ)
    installation.services.users.set_active(installation.admin, email, False)
    with pytest.raises(AuthenticationError, match="disabled"):
        keys.authenticate(live.key)
    installation.services.users.set_active(installation.admin, email, True)
    assert keys.authenticate(live.key).actor.email == email
    assert [k.is_active for k in keys.list_keys(viewer)] == [False, False, True]


def test_scopes_stay_within_the_role(installation: Installation) -> None:
    keys = installation.services.api_keys
    viewer_email, viewer = installation.add_user(Role.VIEWER)
    analyst_email, analyst = installation.add_user(Role.ANALYST)
    with pytest.raises(PermissionDeniedError, match=r"^A viewer's key may not have the scope write:videos"):
        keys.create(viewer, name="x", scopes={Scope.WRITE_VIDEOS})
    with pytest.raises(PermissionDeniedError, match=r"^An analyst's key may not have the scope admin"):
        keys.create(analyst, name="x", scopes={Scope.ADMIN})
    with pytest.raises(PermissionDeniedError):
        keys.create(analyst, name="x", scopes=READ, for_user=viewer_email)
    with pytest.raises(PermissionDeniedError):
        keys.list_keys(analyst, all_users=True)
    # An administrator makes keys for anyone, but within that user's role too.
    with pytest.raises(PermissionDeniedError, match="write:videos"):
        keys.create(installation.admin, name="x", scopes={Scope.WRITE_VIDEOS}, for_user=viewer_email)
    theirs = keys.create(installation.admin, name="for them", scopes=READ, for_user=analyst_email)
    assert theirs.info.user_email == analyst_email
    assert theirs.info.key_id in {k.key_id for k in keys.list_keys(installation.admin, all_users=True)}
    admin_key = keys.create(installation.admin, name="root", scopes={Scope.ADMIN})
    assert keys.authenticate(admin_key.key).allows(Scope.WRITE_VIDEOS)
    # A user manages only their own keys.
    with pytest.raises(PermissionDeniedError):
        keys.revoke(viewer, theirs.info.key_id)
    with pytest.raises(PermissionDeniedError):
        keys.rotate(viewer, theirs.info.key_id)
    keys.revoke(installation.admin, theirs.info.key_id)

    # A demoted user's key shrinks at once.
    writer = keys.create(analyst, name="ingest", scopes={Scope.WRITE_VIDEOS, Scope.READ_VIDEOS})
    installation.services.users.set_role(installation.admin, analyst_email, Role.VIEWER)
    shrunk = keys.authenticate(writer.key)
    assert shrunk.actor.role is Role.VIEWER
    assert shrunk.scopes == READ


def test_rotate_revokes_the_old_key_and_keeps_the_settings(installation: Installation) -> None:
    keys = installation.services.api_keys
    _, analyst = installation.add_user(Role.ANALYST)
    old = keys.create(analyst, name="vms", scopes={Scope.READ_SEARCHES}, rate_per_hour=7, rate_per_day=70)
    new = keys.rotate(analyst, old.info.key_id)
    assert new.key != old.key
    assert new.info.key_id != old.info.key_id
    assert (new.info.name, new.info.scopes, new.info.rate_limit_per_hour, new.info.rate_limit_per_day) == (
        "vms",
        frozenset({Scope.READ_SEARCHES}),
        7,
        70,
    )
    with pytest.raises(AuthenticationError, match="revoked"):
        keys.authenticate(old.key)
    assert keys.authenticate(new.key).key_id == new.info.key_id
    with pytest.raises(ConflictError):
        keys.rotate(analyst, old.info.key_id)
    rotated = _audit_rows(installation, AuditAction.API_KEY_ROTATED, new.info.key_id)
    assert len(rotated) == 1
    assert (rotated[0].meta or {})["rotated_from"] == str(old.info.key_id)
    for key in (old.key, new.key):
        assert _mentions(installation, key) == 0


def _hit(service: ApiKeyService, who: KeyActor, times: int) -> tuple[int, list[int]]:
    passed, waits = 0, []
    for _ in range(times):
        try:
            service.consume(who)
            passed += 1
        except RateLimitedError as refused:
            waits.append(refused.retry_after_s)
    return passed, waits


def test_the_hourly_limit_refuses_exactly_the_n_plus_first(installation: Installation) -> None:
    keys = installation.services.api_keys
    _, analyst = installation.add_user(Role.ANALYST)
    made = keys.create(analyst, name="hourly", scopes=READ, rate_per_hour=3, rate_per_day=100)
    who = keys.authenticate(made.key)
    states = [keys.consume(who) for _ in range(3)]
    assert [s.hour_count for s in states] == [1, 2, 3]
    assert states[-1].remaining == 0
    with pytest.raises(RateLimitedError, match="per hour") as refused:
        keys.consume(who)
    assert 0 < refused.value.retry_after_s <= 3600
    assert made.key not in str(refused.value)
    row = _row(installation, made.info.key_id)
    assert row.request_count == 3  # refused requests are not counted
    assert row.last_used_at is not None
    assert abs(row.last_used_at - utcnow()) < timedelta(minutes=5)
    assert keys.list_keys(analyst)[0].request_count == 3


def test_the_daily_limit_refuses_exactly_the_n_plus_first(installation: Installation) -> None:
    keys = installation.services.api_keys
    _, analyst = installation.add_user(Role.ANALYST)
    made = keys.create(analyst, name="daily", scopes=READ, rate_per_hour=100, rate_per_day=2)
    who = keys.authenticate(made.key)
    assert [keys.consume(who).day_count for _ in range(2)] == [1, 2]
    with pytest.raises(RateLimitedError, match="per day") as refused:
        keys.consume(who)
    assert 0 < refused.value.retry_after_s <= 86400  # until the next midnight UTC


def test_concurrent_requests_never_pass_the_limit(installation: Installation) -> None:
    keys = installation.services.api_keys
    _, analyst = installation.add_user(Role.ANALYST)
    made = keys.create(analyst, name="busy", scopes=READ, rate_per_hour=50, rate_per_day=1000)
    who = keys.authenticate(made.key)
    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(lambda _: _hit(keys, who, 5), range(20)))
    assert sum(p for p, _ in results) == 50
    assert sum(len(w) for _, w in results) == 50
    assert _row(installation, made.info.key_id).request_count == 50


def test_every_call_is_audited_without_the_key(installation: Installation) -> None:
    keys = installation.services.api_keys
    _, analyst = installation.add_user(Role.ANALYST)
    made = keys.create(analyst, name="audited", scopes=READ)
    who = keys.authenticate(made.key)
    request_id = uuid.uuid4().hex
    keys.record_call(
        who, method="GET", path=f"/v1/videos?api_key={made.key}", status=200, outcome="ok",
        ip_address="192.0.2.7", user_agent="VMS/2.1", request_id=request_id,
    )  # fmt: skip
    refused_id = uuid.uuid4().hex
    keys.record_call(
        None, method="GET", path="/v1/videos", status=401, outcome="The API key is not valid.",
        ip_address="not an address", user_agent=f"curl {made.key}", request_id=refused_id,
        key_prefix=made.key,
    )  # fmt: skip
    with installation.services.database.transaction() as session:
        rows = {
            row.request_id: row
            for row in session.scalars(
                sa.select(AuditLog).where(
                    AuditLog.action == AuditAction.API_CALL.value,
                    AuditLog.request_id.in_([request_id, refused_id]),
                )
            )
        }
        session.expunge_all()
    ok, bad = rows[request_id], rows[refused_id]
    assert (ok.success, ok.ip_address, ok.user_agent, ok.user_id) == (
        True,
        "192.0.2.7",
        "VMS/2.1",
        who.actor.user_id,
    )
    assert (ok.meta or {})["key_prefix"] == made.info.prefix
    assert (ok.meta or {})["path"] == "/v1/videos"
    assert (ok.meta or {})["status"] == 200
    assert (bad.success, bad.ip_address, bad.user_id) == (False, None, None)
    assert (bad.meta or {})["key_prefix"] == made.info.prefix
    assert _mentions(installation, made.key) == 0


@pytest.mark.server_pg
def test_a_members_own_login_reaches_its_own_keys_only() -> None:
    """Team profile: with the credentials a viewer's workstation holds, the store itself keeps it to its own keys
    (no minting a key for the administrator in SQL), while the app on that login makes, uses and revokes its own."""
    with new_installation("server") as inst:
        email = f"viewer-{uuid.uuid4().hex[:6]}@chronotrace.test"
        made = inst.services.users.add_user(inst.admin, email, Role.VIEWER, MEMBER_PASSWORD)
        assert made.new_login is not None
        admin_key = inst.services.api_keys.create(inst.admin, name="admin's", scopes={Scope.ADMIN})
        inst.services.api_keys.consume(inst.services.api_keys.authenticate(admin_key.key))
        url = inst.services.database.engine.url.set(
            username=made.new_login.login, password=made.new_login.password
        )
        engine = sa.create_engine(url, poolclass=NullPool)
        try:
            with engine.begin() as conn:
                assert conn.execute(sa.text("SELECT count(*) FROM api_keys")).scalar() == 0
                assert conn.execute(sa.text("SELECT count(*) FROM api_key_usage")).scalar() == 0
                assert conn.execute(sa.text("UPDATE api_keys SET revoked_at = now()")).rowcount == 0
                assert conn.execute(sa.text("DELETE FROM api_key_usage")).rowcount == 0
            for statement in (
                "INSERT INTO api_keys (user_id, key_hash, key_prefix, scopes) "
                "VALUES (:admin, 'forged', 'ct_live_xx', ARRAY['admin'])",
                "DELETE FROM api_keys",
            ):
                with pytest.raises(DBAPIError) as refused, engine.begin() as conn:
                    conn.execute(sa.text(statement), {"admin": inst.admin.user_id})
                assert getattr(refused.value.orig, "sqlstate", "") == "42501", statement
            with closing(_app_as(inst, made.new_login.login, made.new_login.password)) as app:
                viewer = app.auth.login(email, MEMBER_PASSWORD)
                own = app.api_keys.create(viewer, name="mine", scopes=READ)
                who = app.api_keys.authenticate(own.key)
                assert app.api_keys.consume(who).hour_count == 1
                assert [k.key_id for k in app.api_keys.list_keys(viewer)] == [own.info.key_id]
                app.api_keys.revoke(viewer, own.info.key_id)
                with pytest.raises(AuthenticationError):  # another account's key is not even visible here
                    app.api_keys.authenticate(admin_key.key)
        finally:
            engine.dispose()
        assert inst.services.api_keys.authenticate(admin_key.key).allows(Scope.WRITE_VIDEOS)


def _app_as(inst: Installation, login: str, password: str) -> AppServices:
    """The app as a member's workstation runs it: its own login in database_url, the password in the keyring."""
    database_url = make_url(inst.settings.database_url or "").set(username=login)
    shown = database_url.render_as_string(hide_password=True)
    SecretStore().set(
        SecretName.DATABASE_PASSWORD, secret_target(SecretName.DATABASE_PASSWORD, shown), password
    )
    settings = inst.settings.model_copy(update={"database_url": shown})
    return open_app(settings, resolve_paths(scratch_dir("apikeys-member-")))


def _consume_in_process(url: str, key: str, times: int) -> int:
    """A separate server process: its own engine, its own services, counting ``times`` requests of ``key``."""
    database = Database(sa.create_engine(url, poolclass=NullPool))
    try:
        audit = AuditService(database)
        service = ApiKeyService(database, Authorizer(database, audit), audit)
        return _hit(service, service.authenticate(key), times)[0]
    finally:
        database.engine.dispose()


@pytest.mark.server_pg
@pytest.mark.slow
def test_several_server_processes_share_one_limit(installation: Installation) -> None:
    if installation.backend != "server":
        pytest.skip("the embedded server listens on a private socket of this process's installation")
    keys = installation.services.api_keys
    _, analyst = installation.add_user(Role.ANALYST)
    made = keys.create(analyst, name="processes", scopes=READ, rate_per_hour=1000, rate_per_day=30)
    url = installation.services.database.engine.url.render_as_string(hide_password=False)
    with ProcessPoolExecutor(max_workers=4, mp_context=multiprocessing.get_context("spawn")) as pool:
        passed = list(pool.map(_consume_in_process, [url] * 4, [made.key] * 4, [12] * 4))
    assert sum(passed) == 30
    assert _row(installation, made.info.key_id).request_count == 30
