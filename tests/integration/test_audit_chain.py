"""The hash chain over ``audit_log`` (0009): computed by the database for every writer, checked by
``AuditChainVerifier``; a row removed, changed or backdated by someone with the table owner's rights (triggers
disabled) is found, on both backends."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy import Connection

from chronotrace_desktop.domain.audit import AuditAction, AuditChainFault
from chronotrace_desktop.domain.errors import PermissionDeniedError
from chronotrace_desktop.domain.roles import Role
from chronotrace_desktop.services.access import AuditChainVerifier, AuditEvent, ChainReport
from chronotrace_desktop.storage.orm import AuditLog
from chronotrace_desktop.storage.orm_maintenance import AuditLogArchive
from tests.integration.conftest import Installation


def _verifier(installation: Installation) -> AuditChainVerifier:
    services = installation.services
    return AuditChainVerifier(services.database, services.authorizer, services.audit)


def _verify(installation: Installation) -> ChainReport:
    return _verifier(installation).verify(installation.admin)


@pytest.fixture
def tampered(installation: Installation) -> Iterator[Connection]:
    """A superuser connection (the rights of the table owner and more) for a test to tamper with the log; the
    log and the chain head are put back as they were afterwards, so the shared installation stays intact."""
    services = installation.services
    for i in range(3):
        services.audit.record(AuditEvent(AuditAction.SEARCH_QUERY, installation.admin, request_id=f"r{i}"))
    snapshot = f"audit_snapshot_{uuid.uuid4().hex[:8]}"
    engine = installation.owner_engine()
    with engine.begin() as conn:
        conn.execute(sa.text(f"CREATE TABLE {snapshot} AS SELECT * FROM audit_log"))
        conn.execute(sa.text(f"CREATE TABLE {snapshot}_head AS SELECT * FROM audit_chain_head"))
    try:
        with engine.connect() as conn:
            yield conn
            conn.rollback()
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text("ALTER TABLE audit_log DISABLE TRIGGER USER"))
            conn.execute(sa.text("DELETE FROM audit_log"))
            conn.execute(sa.text(f"INSERT INTO audit_log SELECT * FROM {snapshot}"))
            conn.execute(sa.text("DELETE FROM audit_chain_head"))
            conn.execute(sa.text(f"INSERT INTO audit_chain_head SELECT * FROM {snapshot}_head"))
            conn.execute(sa.text("ALTER TABLE audit_log ENABLE TRIGGER USER"))
            conn.execute(sa.text(f"DROP TABLE {snapshot}, {snapshot}_head"))
        engine.dispose()
        assert _verify(installation).ok


def _last_seq(conn: Connection) -> int:
    return int(conn.execute(sa.text("SELECT max(chain_seq) FROM audit_log")).scalar_one())


def test_an_untouched_log_verifies_and_the_check_is_audited(installation: Installation) -> None:
    services = installation.services
    services.audit.record(
        AuditEvent(AuditAction.SEARCH_QUERY, installation.admin, metadata={"q": "white car"})
    )
    with services.database.transaction() as session:  # live rows and archived ones (0015): one chain
        rows = session.scalar(sa.select(sa.func.count()).select_from(AuditLog)) or 0
        rows += session.scalar(sa.select(sa.func.count()).select_from(AuditLogArchive)) or 0
    report = _verify(installation)
    assert report.ok, report
    assert report.first_break is None
    assert report.rows == rows
    assert report.head_hash is not None
    assert len(report.head_hash) == 64
    with services.database.transaction() as session:
        last = session.scalars(sa.select(AuditLog).order_by(AuditLog.chain_seq.desc()).limit(1)).one()
        assert last.action == AuditAction.AUDIT_VERIFIED
        assert last.user_id == installation.admin.user_id
        assert last.success is True
        assert last.meta is not None
        assert last.meta["rows"] == rows
    assert _verify(installation).rows == rows + 1  # the verification's own row is chained too


def test_only_administrators_may_verify(installation: Installation) -> None:
    _, analyst = installation.add_user(Role.ANALYST)
    with pytest.raises(PermissionDeniedError):
        _verifier(installation).verify(analyst)


def test_every_writer_chains_concurrently_and_cannot_backdate(installation: Installation) -> None:
    services = installation.services

    def write(i: int) -> None:
        services.audit.record(AuditEvent(AuditAction.SEARCH_QUERY, installation.admin, request_id=f"c{i}"))

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(write, range(24)))
    before = datetime.now() - timedelta(days=1)
    with services.database.transaction() as session:
        row = AuditLog(action="search_query", username="x", created_at=datetime(2001, 1, 1))
        session.add(row)
        session.flush()
        row_id = row.id
    with services.database.transaction() as session:
        stored = session.get_one(AuditLog, row_id)
        assert stored.created_at is not None
        assert stored.created_at > before  # the database dates every row itself
        assert stored.row_hash is not None
        assert stored.prev_hash is not None
    assert _verify(installation).ok


@pytest.mark.parametrize(
    ("statement", "back", "fault"),
    [
        pytest.param(
            "DELETE FROM audit_log WHERE chain_seq = :s", 1, AuditChainFault.MISSING, id="row-deleted"
        ),
        pytest.param(
            "DELETE FROM audit_log WHERE chain_seq = :s", 0, AuditChainFault.MISSING, id="newest-deleted"
        ),
        pytest.param(
            "UPDATE audit_log SET username = 'someone else' WHERE chain_seq = :s",
            1,
            AuditChainFault.CHANGED,
            id="row-changed",
        ),
    ],
)
def test_a_row_deleted_or_changed_with_the_trigger_disabled_is_detected(
    installation: Installation, tampered: Connection, statement: str, back: int, fault: AuditChainFault
) -> None:
    """As the table's owner could: disable the append-only trigger, change the log, enable it again."""
    seq = _last_seq(tampered) - back
    tampered.execute(sa.text("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update_delete"))
    tampered.execute(sa.text(statement), {"s": seq})
    tampered.execute(sa.text("ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update_delete"))
    tampered.commit()
    report = _verify(installation)
    assert not report.ok
    assert report.first_break is not None
    assert report.first_break.fault is fault
    assert report.first_break.position == seq


def test_a_backdated_insert_is_detected(installation: Installation, tampered: Connection) -> None:
    """The attacker disables the triggers and appends a row dated a year ago with a correct link and hash."""
    tampered.execute(sa.text("ALTER TABLE audit_log DISABLE TRIGGER USER"))
    head = tampered.execute(sa.text("SELECT last_seq, last_hash FROM audit_chain_head")).one()
    tampered.execute(
        sa.text(
            "INSERT INTO audit_log (action, username, created_at, chain_seq, prev_hash) "
            "VALUES ('pii_reveal', 'someone', now() - interval '1 year', :seq, :prev)"
        ),
        {"seq": head.last_seq + 1, "prev": head.last_hash},
    )
    tampered.execute(
        sa.text("UPDATE audit_log a SET row_hash = audit_log_row_hash(a) WHERE chain_seq = :seq"),
        {"seq": head.last_seq + 1},
    )
    tampered.execute(
        sa.text(
            "UPDATE audit_chain_head SET last_seq = :seq, "
            "last_hash = (SELECT row_hash FROM audit_log WHERE chain_seq = :seq)"
        ),
        {"seq": head.last_seq + 1},
    )
    tampered.execute(sa.text("ALTER TABLE audit_log ENABLE TRIGGER USER"))
    tampered.commit()
    report = _verify(installation)
    assert report.first_break is not None
    assert report.first_break.fault is AuditChainFault.BACKDATED
    assert report.first_break.position == head.last_seq + 1


def test_a_row_inserted_without_the_chain_is_detected(
    installation: Installation, tampered: Connection
) -> None:
    tampered.execute(sa.text("ALTER TABLE audit_log DISABLE TRIGGER USER"))
    tampered.execute(sa.text("INSERT INTO audit_log (action, username) VALUES ('pii_reveal', 'someone')"))
    tampered.execute(sa.text("ALTER TABLE audit_log ENABLE TRIGGER USER"))
    tampered.commit()
    report = _verify(installation)
    assert report.first_break is not None
    assert report.first_break.fault is AuditChainFault.UNCHAINED
