"""The audit trail viewer's service (issue 18 item 2): filters, keyset pages, counts, the PII access trail and
the CSV export, on both backends; an analyst reads only its own rows, in the service and (team login) in the
store."""

from __future__ import annotations

import csv
import uuid
from contextlib import closing
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

from chronotrace_desktop.config import resolve_paths
from chronotrace_desktop.domain.audit import AuditAction
from chronotrace_desktop.domain.clock import utcnow
from chronotrace_desktop.domain.errors import AuthenticationError, PermissionDeniedError
from chronotrace_desktop.domain.roles import Role
from chronotrace_desktop.domain.secrets import SecretName
from chronotrace_desktop.domain.users import Actor
from chronotrace_desktop.services.access import (
    AUDIT_CSV_COLUMNS,
    AuditEvent,
    AuditExporter,
    AuditQuery,
)
from chronotrace_desktop.services.app import open_app
from chronotrace_desktop.storage.orm import Video, VideoSegment
from chronotrace_desktop.storage.secrets import SecretStore, secret_target
from tests.conftest import scratch_dir
from tests.integration.conftest import Installation
from tests.timeline_library import build_library

WHY = "Case 24-113: identify the driver of the blue van"


def _record(inst: Installation, actor: Actor, action: AuditAction, **fields: object) -> uuid.UUID:
    return inst.services.audit.record(AuditEvent(action, actor, **fields))  # type: ignore[arg-type]


def _all_ids(inst: Installation, actor: Actor, query: AuditQuery, limit: int) -> list[list[uuid.UUID]]:
    pages, cursor = [], None
    while True:
        page = inst.services.audit_reader.page_ids(actor, query, after_row=cursor, limit=limit)
        pages.append(list(page.ids))
        if page.next is None:
            return pages
        cursor = page.next


def test_pages_follow_each_other_newest_first_without_gap_or_repeat(installation: Installation) -> None:
    inst = installation
    _, analyst = inst.add_user(Role.ANALYST)
    marker = f"paging-{uuid.uuid4().hex[:8]}"
    written = [
        _record(inst, analyst, AuditAction.SEARCH_QUERY, resource_type=marker, metadata={"n": n})
        for n in range(7)
    ]
    query = AuditQuery(resource_type=marker)
    pages = _all_ids(inst, inst.admin, query, limit=3)
    assert [len(p) for p in pages] == [3, 3, 1]
    assert [i for p in pages for i in p] == written[::-1]
    entries = inst.services.audit_reader.entries_by_ids(inst.admin, pages[0])
    assert [e.id for e in entries] == pages[0]
    assert [e.metadata["n"] for e in entries] == [6, 5, 4]
    count = inst.services.audit_reader.count(inst.admin, query)
    assert (count.rows, count.exact) == (7, True)


def test_each_filter_narrows(installation: Installation) -> None:
    inst, reader = installation, installation.services.audit_reader
    email, analyst = inst.add_user(Role.ANALYST)
    marker = f"filters-{uuid.uuid4().hex[:8]}"
    target = uuid.uuid4()
    before = utcnow() - timedelta(seconds=1)
    revealed = _record(
        inst, analyst, AuditAction.PII_REVEAL, resource_type=marker, resource_id=target,
        justification="Case 24-113: identify the driver of the blue van",
    )  # fmt: skip
    failed = _record(
        inst, analyst, AuditAction.EXPORT_DATA, resource_type=marker, success=False,
        error_message="disk full while writing the package",
    )  # fmt: skip
    searched = _record(inst, inst.admin, AuditAction.SEARCH_QUERY, resource_type=marker)
    after = utcnow() + timedelta(seconds=1)

    def ids(**filters: object) -> list[uuid.UUID]:
        query = AuditQuery(resource_type=marker, **filters)  # type: ignore[arg-type]
        return list(reader.page_ids(inst.admin, query).ids)

    assert ids() == [searched, failed, revealed]
    assert ids(user_id=analyst.user_id) == [failed, revealed]
    assert ids(user_email=email.upper()) == [failed, revealed]
    assert ids(actions=(AuditAction.PII_REVEAL,)) == [revealed]
    assert ids(actions=(AuditAction.PII_REVEAL, AuditAction.SEARCH_QUERY)) == [searched, revealed]
    assert ids(resource_id=target) == [revealed]
    assert ids(success=False) == [failed]
    assert ids(success=True) == [searched, revealed]
    assert ids(text="BLUE VAN") == [revealed]
    assert ids(text="disk full") == [failed]
    assert ids(text="100%_") == []  # LIKE wildcards in the text are literal
    assert ids(since=before, until=after) == [searched, failed, revealed]
    assert ids(until=before) == []
    assert ids(since=after) == []


def test_an_analyst_reads_its_own_rows_only(installation: Installation) -> None:
    inst, reader = installation, installation.services.audit_reader
    _, mine = inst.add_user(Role.ANALYST)
    _, theirs = inst.add_user(Role.ANALYST)
    marker = f"own-{uuid.uuid4().hex[:8]}"
    own_row = _record(inst, mine, AuditAction.SEARCH_QUERY, resource_type=marker)
    other_row = _record(inst, theirs, AuditAction.SEARCH_QUERY, resource_type=marker)

    assert list(reader.page_ids(mine, AuditQuery(resource_type=marker)).ids) == [own_row]
    assert list(reader.page_ids(mine, AuditQuery(resource_type=marker, user_id=theirs.user_id)).ids) == []
    assert reader.entries_by_ids(mine, [other_row, own_row])[0].id == own_row
    assert len(reader.entries_by_ids(mine, [other_row])) == 0
    assert reader.count(mine, AuditQuery(resource_type=marker)).rows == 1
    everything = reader.page_ids(mine, AuditQuery(), limit=500).ids
    assert {e.user_id for e in reader.entries_by_ids(mine, everything)} == {mine.user_id}
    assert list(reader.page_ids(inst.admin, AuditQuery(resource_type=marker)).ids) == [other_row, own_row]


def test_a_viewer_is_refused_and_the_refusal_is_audited(installation: Installation) -> None:
    inst, reader = installation, installation.services.audit_reader
    _, viewer = inst.add_user(Role.VIEWER)
    with pytest.raises(PermissionDeniedError):
        reader.page_ids(viewer, AuditQuery())
    refused = reader.entries_by_ids(
        inst.admin,
        reader.page_ids(inst.admin, AuditQuery(user_id=viewer.user_id, success=False)).ids,
    )
    assert [(e.action, e.metadata["requested_action"]) for e in refused] == [
        ("permission_denied", "view_own_audit")
    ]


def test_the_reveal_trail_names_the_camera_the_corrected_time_and_the_reason(
    installation: Installation,
) -> None:
    inst, reader = installation, installation.services.audit_reader
    _, analyst = inst.add_user(Role.ANALYST)
    library = build_library(
        inst.services, videos=1, cameras=1, segments=3, prefix=f"AUD{uuid.uuid4().hex[:4]}"
    )
    with inst.services.database.transaction() as session:
        video = session.get_one(Video, library.video_ids[0])
        segment = session.scalars(
            sa.select(VideoSegment).where(VideoSegment.video_id == video.id, VideoSegment.segment_index == 2)
        ).one()
        expected = (segment.id, video.camera_id, video.recorded_at, video.filename)
    why = "Case 24-200: suspect seen leaving the car park"
    row = _record(
        inst, analyst, AuditAction.PII_REVEAL, resource_type="segment", resource_id=expected[0],
        justification=why, ip_address="10.1.2.3",
    )  # fmt: skip
    reveals, _ = reader.reveal_trail(inst.admin, AuditQuery(user_id=analyst.user_id))
    assert [r.id for r in reveals] == [row]
    reveal = reveals[0]
    assert (reveal.segment_id, reveal.camera_id, reveal.video_filename) == (
        expected[0],
        expected[1],
        expected[3],
    )
    assert expected[2] is not None
    assert reveal.segment_start == expected[2] + timedelta(seconds=30)  # segment 2 starts 30 s in
    assert (reveal.justification, reveal.ip_address) == (why, "10.1.2.3")


def test_the_csv_export_holds_the_filtered_rows_and_is_audited(installation: Installation) -> None:
    inst, reader = installation, installation.services.audit_reader
    _, analyst = inst.add_user(Role.ANALYST)
    marker = f"csv-{uuid.uuid4().hex[:8]}"
    formula = "=HYPERLINK('http://example.org')"
    for n in range(3):
        _record(
            inst,
            analyst,
            AuditAction.SEARCH_QUERY,
            resource_type=marker,
            justification=formula,
            metadata={"n": n},
        )
    exporter = AuditExporter(inst.services.database, inst.services.authorizer, inst.services.audit)
    path = scratch_dir("audit-csv-") / "trail.csv"
    query = AuditQuery(resource_type=marker)
    result = exporter.export_csv(inst.admin, query, path)
    assert result.rows == 3
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert tuple(rows[0]) == AUDIT_CSV_COLUMNS
    assert [r["metadata"] for r in rows] == ['{"n": 2}', '{"n": 1}', '{"n": 0}']
    assert {r["justification"] for r in rows} == {"'" + formula}  # never a live formula
    assert {r["username"] for r in rows} == {analyst.email}
    assert not list(path.parent.glob(".*.part"))
    note = reader.entries_by_ids(
        inst.admin,
        reader.page_ids(
            inst.admin, AuditQuery(user_id=inst.admin.user_id, actions=(AuditAction.AUDIT_EXPORTED,)), limit=1
        ).ids,
    )[0]
    assert note.metadata == {
        "filter": {"resource_type": marker},
        "rows": 3,
        "file": "trail.csv",
        "own_rows_only": False,
    }
    own = exporter.export_csv(analyst, AuditQuery(), scratch_dir("audit-csv-") / "mine.csv")
    with own.path.open(encoding="utf-8", newline="") as handle:
        assert {r["user_id"] for r in csv.DictReader(handle)} == {str(analyst.user_id)}


def _login(inst: Installation, role: Role) -> tuple[uuid.UUID, str, sa.Engine]:
    """A new user of ``role`` and an engine on its own PostgreSQL login (team profile)."""
    email = f"{role.value}-{uuid.uuid4().hex[:8]}@chronotrace.test"
    info = inst.services.users.add_user(inst.admin, email, role, "a long enough password")
    assert info.new_login is not None
    url = inst.services.database.engine.url.set(
        username=info.new_login.login, password=info.new_login.password
    )
    return info.id, email, sa.create_engine(url, poolclass=NullPool)


def test_an_analysts_own_login_reads_only_its_own_rows(installation: Installation) -> None:
    """Team profile: the analyst's PostgreSQL login, used straight in SQL, sees no other user's row (row-level
    security), while appending its own rows and a refused sign-in's (in nobody's name) still works; the chain
    of custody of a segment (an evidence package's) still names everyone, and only to those who may export."""
    inst = installation
    if inst.backend != "server":
        pytest.skip("logins per user exist in the team profile (server backend)")
    segment = uuid.uuid4()
    revealed = _record(
        inst,
        inst.admin,
        AuditAction.PII_REVEAL,
        resource_type="segment",
        resource_id=segment,
        justification=WHY,
    )
    user_id, email, engine = _login(inst, Role.ANALYST)
    _, _, viewer = _login(inst, Role.VIEWER)
    custody = "SELECT id FROM chronotrace_custody_trail(CAST(:s AS uuid[]), 10)"
    try:
        with engine.begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO audit_log (id, user_id, username, action) VALUES (:i, :u, :e, 'user_login')"
                ),
                {"i": uuid.uuid4(), "u": user_id, "e": email},
            )
            conn.execute(
                sa.text(
                    "INSERT INTO audit_log (id, username, action, success) VALUES (:i, 'x', 'user_login', false)"
                ),
                {"i": uuid.uuid4()},
            )
        with engine.connect() as conn:
            seen = conn.execute(sa.text("SELECT DISTINCT user_id FROM audit_log")).scalars().all()
            others = conn.execute(
                sa.text("SELECT count(*) FROM audit_log WHERE user_id IS DISTINCT FROM :u"), {"u": user_id}
            ).scalar_one()
            trail = conn.execute(sa.text(custody), {"s": [segment]}).scalars().all()
        with pytest.raises(DBAPIError, match="permission denied"), viewer.connect() as conn:
            conn.execute(sa.text(custody), {"s": [segment]})
    finally:
        engine.dispose()
        viewer.dispose()
    assert seen == [user_id]
    assert others == 0
    assert trail == [revealed]
    owner = inst.owner_engine()
    try:
        with owner.connect() as conn:
            assert conn.execute(sa.text("SELECT count(DISTINCT user_id) FROM audit_log")).scalar_one() > 1
    finally:
        owner.dispose()


def test_a_page_deep_in_the_trail_starts_where_the_last_ended(installation: Installation) -> None:
    inst = installation
    pages = _all_ids(inst, inst.admin, AuditQuery(since=datetime(2000, 1, 1)), limit=50)
    flat = [i for p in pages for i in p]
    assert len(flat) == len(set(flat)) > 10


def test_the_analysts_own_app_reads_its_trail_through_its_own_login(installation: Installation) -> None:
    """Team profile, end to end: the app as an analyst's workstation runs it (its own PostgreSQL login) pages,
    counts and exports the analyst's own rows under row-level security, and a refused sign-in of someone else
    through that app is still written."""
    inst = installation
    if inst.backend != "server":
        pytest.skip("logins per user exist in the team profile (server backend)")
    email = f"analyst-{uuid.uuid4().hex[:8]}@chronotrace.test"
    info = inst.services.users.add_user(inst.admin, email, Role.ANALYST, "a long enough password")
    assert info.new_login is not None
    database_url = make_url(inst.settings.database_url or "").set(username=info.new_login.login)
    shown = database_url.render_as_string(hide_password=True)
    target = secret_target(SecretName.DATABASE_PASSWORD, shown)
    SecretStore().set(SecretName.DATABASE_PASSWORD, target, info.new_login.password)
    folder = resolve_paths(scratch_dir("analyst-app-"))
    with closing(open_app(inst.settings.model_copy(update={"database_url": shown}), folder)) as app:
        with pytest.raises(AuthenticationError):
            app.auth.login("nobody-here@chronotrace.test", "a long enough password")
        analyst = app.auth.login(email, "a long enough password")
        page = app.audit_reader.page_ids(analyst, AuditQuery())
        entries = app.audit_reader.entries_by_ids(analyst, page.ids)
        count = app.audit_reader.count(analyst, AuditQuery())
        exporter = AuditExporter(app.database, app.authorizer, app.audit)
        written = exporter.export_csv(analyst, AuditQuery(), folder.data_dir / "mine.csv")
    assert {e.user_id for e in entries} == {info.id}
    assert [e.action for e in entries] == ["user_login"]
    assert (count.rows, written.rows) == (1, 1)
    refused = inst.services.audit_reader.page_ids(
        inst.admin, AuditQuery(user_email="nobody-here@chronotrace.test")
    )
    assert len(refused.ids) == 1
