"""The migrations runner, the append-only audit log and the ORM mapping, on real PostgreSQL (two backends)."""

from __future__ import annotations

import shutil
import threading
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from chronotrace_desktop.domain.errors import UserFacingError
from chronotrace_desktop.storage.migrations import (
    DEFAULT_SQL_DIR,
    MigrationError,
    apply_migrations,
    discover_migrations,
    migration_status,
)
from chronotrace_desktop.storage.orm import (
    Anomaly,
    ApiKey,
    AuditLog,
    Base,
    Export,
    Search,
    User,
    Video,
    VideoSegment,
)

ALL_NAMES = [m.name for m in discover_migrations()]


@pytest.fixture
def empty_engine(empty_db_url: str) -> Iterator[Engine]:
    engine = sa.create_engine(empty_db_url, poolclass=NullPool)
    yield engine
    engine.dispose()


@pytest.fixture
def sql_copy(tmp_path: Path) -> Path:
    """A private copy of the migration files that a test may edit."""
    folder = tmp_path / "sql"
    shutil.copytree(DEFAULT_SQL_DIR, folder)
    return folder


def _table_exists(engine: Engine, name: str) -> bool:
    with engine.connect() as conn:
        return bool(conn.execute(sa.text("SELECT to_regclass(:n) IS NOT NULL"), {"n": name}).scalar_one())


# ------------------------------------------------------------------------------------------------ runner
def test_the_repository_ships_the_three_migrations() -> None:
    assert ALL_NAMES[:3] == ["0001_core_schema", "0002_auth_lockout", "0003_audit_append_only"]


def test_apply_is_idempotent_and_status_follows(empty_engine: Engine) -> None:
    before = migration_status(empty_engine)
    assert [(s.name, s.applied, s.applied_at) for s in before] == [(n, False, None) for n in ALL_NAMES]
    assert apply_migrations(empty_engine) == ALL_NAMES
    assert apply_migrations(empty_engine) == []
    after = migration_status(empty_engine)
    assert [s.name for s in after] == ALL_NAMES
    assert all(s.applied and s.checksum_ok and isinstance(s.applied_at, datetime) for s in after)


def test_status_of_the_session_database(migrated_engine: Engine) -> None:
    states = migration_status(migrated_engine)
    assert [(s.version, s.name, s.applied, s.checksum_ok) for s in states] == [
        (int(n[:4]), n, True, True) for n in ALL_NAMES
    ]
    assert apply_migrations(migrated_engine) == []


def test_an_edited_applied_migration_is_refused(empty_engine: Engine, sql_copy: Path) -> None:
    assert apply_migrations(empty_engine, sql_copy) == ALL_NAMES
    edited = sql_copy / "0002_auth_lockout.sql"
    edited.write_text(edited.read_text() + "\n-- an afterthought\n")
    with pytest.raises(MigrationError, match=r"0002_auth_lockout .* has changed") as info:
        apply_migrations(empty_engine, sql_copy)
    assert isinstance(info.value, UserFacingError)
    checks = {s.name: s.checksum_ok for s in migration_status(empty_engine, sql_copy)}
    assert checks == {n: n != "0002_auth_lockout" for n in ALL_NAMES}


def test_crlf_line_endings_do_not_change_the_checksum(empty_engine: Engine, sql_copy: Path) -> None:
    apply_migrations(empty_engine, sql_copy)
    path = sql_copy / "0001_core_schema.sql"
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    assert apply_migrations(empty_engine, sql_copy) == []


def test_a_database_from_a_newer_program_is_refused(empty_engine: Engine, sql_copy: Path) -> None:
    apply_migrations(empty_engine, sql_copy)
    (sql_copy / f"{ALL_NAMES[-1]}.sql").unlink()
    with pytest.raises(MigrationError, match="newer version"):
        apply_migrations(empty_engine, sql_copy)


def test_a_failing_migration_is_rolled_back_whole(empty_engine: Engine, sql_copy: Path) -> None:
    broken = sql_copy / "0099_broken.sql"
    broken.write_text("CREATE TABLE half_done (id int);\nSELECT * FROM no_such_table;\n")
    with pytest.raises(MigrationError, match=r"0099_broken failed .*no_such_table"):
        apply_migrations(empty_engine, sql_copy)
    assert not _table_exists(empty_engine, "half_done")
    assert [s.name for s in migration_status(empty_engine, sql_copy) if s.applied] == ALL_NAMES
    broken.write_text("CREATE TABLE half_done (id int);\n")
    assert apply_migrations(empty_engine, sql_copy) == ["0099_broken"]


def test_badly_named_or_duplicate_files_are_refused(tmp_path: Path) -> None:
    (tmp_path / "0001_a.sql").write_text("SELECT 1;")
    (tmp_path / "1_b.sql").write_text("SELECT 1;")
    with pytest.raises(MigrationError, match="share version 1"):
        discover_migrations(tmp_path)
    (tmp_path / "1_b.sql").unlink()
    (tmp_path / "add-things.sql").write_text("SELECT 1;")
    with pytest.raises(MigrationError, match="not a migration file name"):
        discover_migrations(tmp_path)
    with pytest.raises(MigrationError, match="does not exist"):
        discover_migrations(tmp_path / "missing")


def test_two_threads_migrating_at_once_do_not_collide(empty_db_url: str) -> None:
    barrier = threading.Barrier(2)

    def migrate() -> list[str]:
        engine = sa.create_engine(empty_db_url, poolclass=NullPool)
        try:
            barrier.wait(timeout=30)
            return apply_migrations(engine)
        finally:
            engine.dispose()

    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = [pool.submit(migrate) for _ in range(2)]
        first, second = (future.result(timeout=120) for future in futures)  # re-raises a thread's error
    assert sorted(first + second) == ALL_NAMES  # each file applied exactly once


# ----------------------------------------------------------------------------------- append-only audit_log
def _user_with_audit_rows(engine: Engine, rows: int = 2) -> uuid.UUID:
    with Session(engine) as session, session.begin():
        user = User(email=f"audited-{uuid.uuid4().hex[:8]}@example.org", password_hash="x")
        session.add(user)
        session.flush()
        for i in range(rows):
            session.add(
                AuditLog(user_id=user.id, username=user.email, action="user_login", request_id=str(i))
            )
        return user.id


@pytest.mark.parametrize(
    ("statement", "operation"),
    [
        ("UPDATE audit_log SET action = 'tampered' WHERE user_id = :u", "UPDATE"),
        ("UPDATE audit_log SET user_id = NULL, username = 'someone' WHERE user_id = :u", "UPDATE"),
        ("UPDATE audit_log SET created_at = now() - interval '1 year' WHERE user_id = :u", "UPDATE"),
        ("DELETE FROM audit_log WHERE user_id = :u", "DELETE"),
        ("TRUNCATE audit_log", "TRUNCATE"),
        ("TRUNCATE users CASCADE", "TRUNCATE"),
    ],
)
def test_audit_log_rejects_changes(migrated_engine: Engine, statement: str, operation: str) -> None:
    user_id = _user_with_audit_rows(migrated_engine)
    with migrated_engine.connect() as conn:
        with pytest.raises(sa.exc.DBAPIError, match=f"audit_log is append-only: {operation} is not allowed"):
            conn.execute(sa.text(statement), {"u": user_id})
        conn.rollback()
        count = conn.execute(
            sa.text("SELECT count(*) FROM audit_log WHERE user_id = :u AND action = 'user_login'"),
            {"u": user_id},
        )
        assert count.scalar_one() == 2


def test_deleting_a_user_keeps_the_audit_rows_with_user_id_cleared(migrated_engine: Engine) -> None:
    user_id = _user_with_audit_rows(migrated_engine)
    with Session(migrated_engine) as session, session.begin():
        email = session.get_one(User, user_id).email
        session.delete(session.get_one(User, user_id))
    with Session(migrated_engine) as session:
        rows = session.scalars(sa.select(AuditLog).where(AuditLog.username == email)).all()
        assert sorted((r.user_id, r.action, r.request_id) for r in rows) == [
            (None, "user_login", "0"),
            (None, "user_login", "1"),
        ]


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_log SET user_id = NULL WHERE user_id = :u",
        "UPDATE audit_log SET user_id = NULL, request_id = 'other' WHERE user_id = :u",
    ],
)
def test_clearing_user_id_while_the_user_exists_is_refused(migrated_engine: Engine, statement: str) -> None:
    """Only the foreign key's ON DELETE SET NULL may clear user_id: while the user exists, nobody may."""
    user_id = _user_with_audit_rows(migrated_engine, rows=1)
    with migrated_engine.connect() as conn:
        with pytest.raises(sa.exc.DBAPIError, match="audit_log is append-only: UPDATE is not allowed"):
            conn.execute(sa.text(statement), {"u": user_id})
        conn.rollback()
        assert (
            conn.execute(
                sa.text("SELECT count(*) FROM audit_log WHERE user_id = :u"), {"u": user_id}
            ).scalar_one()
            == 1
        )


# -------------------------------------------------------------------------------------------------- ORM
def test_the_orm_maps_every_live_column(migrated_engine: Engine) -> None:
    inspector = sa.inspect(migrated_engine)
    problems = []
    for table in Base.metadata.sorted_tables:
        live = {c["name"]: c for c in inspector.get_columns(table.name)}
        mapped = {c.name: c for c in table.columns}
        problems += [f"{table.name}.{n}: not mapped" for n in sorted(live.keys() - mapped.keys())]
        problems += [
            f"{table.name}.{n}: mapped but not in the database" for n in sorted(mapped.keys() - live)
        ]
        for name in sorted(live.keys() & mapped.keys()):
            if live[name]["nullable"] != mapped[name].nullable:
                problems.append(f"{table.name}.{name}: nullable {mapped[name].nullable} in the ORM")
            if mapped[name].computed is not None:
                if live[name].get("computed") is None:
                    problems.append(f"{table.name}.{name}: generated in the ORM, not in the database")
            elif (live[name]["default"] is not None) != (mapped[name].server_default is not None):
                problems.append(f"{table.name}.{name}: server default mapped differently")
    assert not problems, "\n".join(problems)
    # procrastinate's own tables (0018's job queue) are read by procrastinate, not mapped here.
    ours = {name for name in inspector.get_table_names() if not name.startswith("procrastinate_")}
    assert {t.name for t in Base.metadata.sorted_tables} == ours - {"schema_migrations"}


def test_orm_round_trip_of_every_table(migrated_engine: Engine) -> None:
    tag = uuid.uuid4().hex[:8]
    with Session(migrated_engine) as session, session.begin():
        user = User(email=f"orm-{tag}@example.org", password_hash="$2b$04$hash")
        video = Video(filename="cam1.mp4", original_path="/v/cam1.mp4", uploader=user)
        segment = VideoSegment(
            video=video, segment_index=0, start_time=Decimal("0"), end_time=Decimal("15.5")
        )
        search = Search(user=user, query_text="white car", ip_address="10.1.2.3", filters={"cam": ["c1"]})
        anomaly = Anomaly(
            segment=segment,
            video=video,
            anomaly_type="loitering",
            confidence=Decimal("0.8734"),
            detected_at=datetime(2024, 2, 9, 14, 35, 22),
            alert_recipients=["a@b.cd"],
        )
        audit = AuditLog(user=user, username=user.email, action="pii_reveal", ip_address="192.168.1.100")
        api_key = ApiKey(user=user, key_hash=f"sha256-{tag}", key_prefix="ct_live_Ab")
        export = Export(user=user, export_type="video_clip", segment_ids=[uuid.UUID(int=1), uuid.UUID(int=2)])
        session.add_all([user, video, segment, search, anomaly, audit, api_key, export])
        session.flush()  # ids come from the database's gen_random_uuid()
        ids = {
            type(o).__name__: o.id for o in (user, video, segment, search, anomaly, audit, api_key, export)
        }

    with Session(migrated_engine) as session:
        user = session.get_one(User, ids["User"])
        assert (user.role, user.is_active, user.is_verified, user.meta) == ("viewer", True, False, {})
        assert (user.failed_login_count, user.locked_until) == (0, None)
        assert isinstance(user.created_at, datetime)
        assert user.created_at.tzinfo is None
        video = session.get_one(Video, ids["Video"])
        assert (video.processing_status, video.s3_bucket, video.uploader) == (
            "pending",
            "chronotrace-videos",
            user,
        )
        segment = session.get_one(VideoSegment, ids["VideoSegment"])
        assert video.segments == [segment]
        assert segment.video is video
        assert segment.duration == Decimal("15.500")
        assert (segment.has_faces, segment.face_count, segment.motion_detected) == (False, 0, False)
        search = session.get_one(Search, ids["Search"])
        assert (search.query_type, search.cache_hit, search.ip_address) == ("text", False, "10.1.2.3")
        assert search.filters == {"cam": ["c1"]}
        assert search.user is user
        anomaly = session.get_one(Anomaly, ids["Anomaly"])
        assert (anomaly.status, anomaly.severity, anomaly.alert_sent) == ("new", "medium", False)
        assert (anomaly.segment, anomaly.video, segment.anomalies) == (segment, video, [anomaly])
        assert (anomaly.confidence, anomaly.alert_recipients) == (Decimal("0.8734"), ["a@b.cd"])
        audit = session.get_one(AuditLog, ids["AuditLog"])
        assert (audit.success, audit.ip_address, audit.user, audit.meta) == (True, "192.168.1.100", user, {})
        api_key = session.get_one(ApiKey, ids["ApiKey"])
        assert api_key.scopes == ["read:videos"]
        assert (api_key.rate_limit_per_hour, api_key.rate_limit_per_day, api_key.request_count) == (
            1000,
            10000,
            0,
        )
        assert user.api_keys == [api_key]
        export = session.get_one(Export, ids["Export"])
        assert (export.status, export.segment_ids) == ("pending", [uuid.UUID(int=1), uuid.UUID(int=2)])
        assert (user.exports, user.videos) == ([export], [video])

    with Session(migrated_engine) as session, session.begin():
        segment = session.get_one(VideoSegment, ids["VideoSegment"])
        segment.end_time = Decimal("12.25")
        session.flush()
        assert segment.duration == Decimal("12.250")  # recomputed by the database
        session.delete(segment.video)  # ON DELETE CASCADE removes the segment and the anomaly
    with Session(migrated_engine) as session:
        assert session.get(VideoSegment, ids["VideoSegment"]) is None
        assert session.get(Anomaly, ids["Anomaly"]) is None
