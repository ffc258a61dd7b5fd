"""Audit trail benchmark: first and deep pages of the viewer's queries over a million audit rows.

    .venv/bin/python bench/audit_trail.py [--rows 1000000] [--users 20] [--repeats 7] [--keep DIR] [--export]

Build (not timed): a fresh workstation installation (embedded PostgreSQL) in a temp folder, or the one in
``--keep DIR`` (filled there on the first run, reused after): ``users`` analysts, a small synthetic library
(tests/timeline_library.py) for the reveals to point at, then ``rows`` audit rows written by the owner in one
``INSERT ... SELECT generate_series`` with the hash chain's trigger disabled for the fill (the rows are dated
one to six seconds apart, newest now, and left out of the chain: ``audit verify`` reports them as unchained, so
never do this to a real installation). Actions, users, failures and reveals are drawn from fixed proportions.

Measure, through ``AuditReader`` as the administrator (and as one analyst, whose rows are forced to its own):
the first page (200 ids + their rows, as the viewer's first fetch) and a page deep in the trail (after the
cursor at row ``rows // 2`` of that query's matches), median of ``repeats``; ``count``; and each query's plan
(the index the first page reads). ``--export`` also times the CSV export of the whole trail. ``--gui`` opens the
viewer (``AuditPanel``, offscreen) on the million rows, scrolls 25 pages down and changes the filter twice while
the stall watchdog of tests/gui/test_ingest_responsiveness measures the longest event-loop gap (goal 50 ms).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.timeline_library

import sqlalchemy as sa
from _machine import describe
from sqlalchemy.pool import NullPool

from chronotrace_desktop.config import load_settings, resolve_paths
from chronotrace_desktop.domain.audit import AuditAction
from chronotrace_desktop.domain.clock import utcnow
from chronotrace_desktop.domain.roles import Role
from chronotrace_desktop.services.access import AuditCursor, AuditExporter, AuditQuery
from chronotrace_desktop.services.access.audit_query import NEWEST_FIRST, after, conditions
from chronotrace_desktop.services.app import AppServices, open_app
from chronotrace_desktop.storage.orm import AuditLog, User
from tests.timeline_library import build_library

if TYPE_CHECKING:
    from collections.abc import Callable

    from chronotrace_desktop.domain.users import Actor

ADMIN = "bench.admin@agency.example"
PASSWORD = "benchmark password"
PAGE = 200

# One row in a hundred is drawn from this table by its position: 5 % reveals, 2 % failures (permission_denied).
_ACTIONS = ["search_query"] * 45 + ["api_call"] * 25 + ["user_login"] * 15 + ["pii_reveal"] * 5
_ACTIONS += ["export_data"] * 3 + ["anomaly_updated"] * 5 + ["permission_denied"] * 2

_FILL = """
INSERT INTO audit_log (id, user_id, username, action, resource_type, resource_id, justification, ip_address,
                       success, error_message, created_at, metadata)
SELECT gen_random_uuid(), (CAST(:user_ids AS uuid[]))[u], (CAST(:emails AS text[]))[u], a,
       CASE WHEN a = 'pii_reveal' THEN 'segment' WHEN a = 'search_query' THEN 'search' END,
       CASE WHEN a = 'pii_reveal' THEN (CAST(:segments AS uuid[]))[CAST(1 + n % :segment_count AS int)] END,
       CASE WHEN a = 'pii_reveal' THEN 'Case ' || (n % 900) || ': identify the person at the gate' END,
       CAST('10.0.' || (n % 200) || '.' || (n % 250) AS inet),
       a <> 'permission_denied',
       CASE WHEN a = 'permission_denied' THEN 'Your role (analyst) may not read the audit log.' END,
       now() AT TIME ZONE 'UTC' - make_interval(secs => (:rows - n) * 3.5 + (n % 7)),
       jsonb_build_object('n', n)
FROM (SELECT n, CAST(1 + (n * 104729) % :users AS int) AS u,
             (CAST(:actions AS text[]))[CAST(1 + (n * 7919) % :action_count AS int)] AS a
      FROM generate_series(CAST(1 AS bigint), :rows) AS n) drawn
"""


def _fill(app: AppServices, rows: int, users: int) -> None:
    admin = app.auth.login(ADMIN, PASSWORD)
    made = [
        app.users.add_user(admin, f"bench.analyst{n:02d}@agency.example", Role.ANALYST, PASSWORD)
        for n in range(users)
    ]
    library = build_library(app, videos=50, cameras=6, segments=8, days=20, prefix="AUD")
    with app.database.transaction() as session:
        segments = list(
            session.scalars(sa.text("SELECT id FROM video_segments WHERE camera_id LIKE 'AUD-%'"))
        )
    assert library.video_ids
    assert segments
    owner = sa.create_engine(app.database.owner_url or "", poolclass=NullPool)
    started = time.perf_counter()
    with owner.begin() as conn:
        conn.execute(sa.text("ALTER TABLE audit_log DISABLE TRIGGER audit_log_chain"))
        values = {
            "rows": rows,
            "users": users,
            "user_ids": [u.id for u in made],
            "emails": [u.email for u in made],
            "actions": _ACTIONS,
            "action_count": len(_ACTIONS),
            "segments": segments,
            "segment_count": len(segments),
        }
        conn.execute(sa.text(_FILL), values)
        conn.execute(sa.text("ALTER TABLE audit_log ENABLE TRIGGER audit_log_chain"))
    with owner.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text("VACUUM ANALYZE audit_log"))
    owner.dispose()
    print(f"filled {rows:,} audit rows in {time.perf_counter() - started:.1f} s (not part of the figures)")


def _median_ms(repeats: int, work: Callable[[], object]) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        work()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def _deep_cursor(app: AppServices, query: AuditQuery, only_user: object, depth: int) -> AuditCursor | None:
    """The cursor after row ``depth`` of the query's matches (found with OFFSET, not timed)."""
    where = conditions(query, only_user=only_user)  # type: ignore[arg-type]
    with app.database.transaction() as session:
        row = session.execute(
            sa.select(AuditLog.created_at, AuditLog.id)
            .where(*where)
            .order_by(*NEWEST_FIRST)
            .offset(depth)
            .limit(1)
        ).one_or_none()
    return None if row is None else AuditCursor(row.created_at, row.id)


def _plan(app: AppServices, query: AuditQuery, only_user: object, cursor: AuditCursor | None = None) -> str:
    where = [*conditions(query, only_user=only_user), *after(cursor)]  # type: ignore[arg-type]
    statement = (
        sa.select(AuditLog.id, AuditLog.created_at).where(*where).order_by(*NEWEST_FIRST).limit(PAGE + 1)
    )
    with app.database.transaction() as session:
        compiled = statement.compile(dialect=session.get_bind().dialect)
        lines = session.connection().exec_driver_sql(f"EXPLAIN {compiled}", compiled.params).scalars().all()
    used = [line.strip() for line in lines if "Index" in line or "Seq Scan" in line or "Sort" in line]
    return "; ".join(used[:2])[:160]


def _scenarios(app: AppServices, admin: Actor, analyst: Actor) -> list[tuple[str, Actor, AuditQuery]]:
    now = utcnow()
    return [
        ("everything", admin, AuditQuery()),
        ("one user", admin, AuditQuery(user_id=analyst.user_id)),
        ("pii_reveal", admin, AuditQuery(actions=(AuditAction.PII_REVEAL,))),
        ("failures", admin, AuditQuery(success=False)),
        ("one week", admin, AuditQuery(since=now - timedelta(days=14), until=now - timedelta(days=7))),
        ("user + action", admin, AuditQuery(user_id=analyst.user_id, actions=(AuditAction.USER_LOGIN,))),
        ("text 'Case 42:'", admin, AuditQuery(text="Case 42:")),
        ("analyst, own", analyst, AuditQuery()),
    ]


def _measure(app: AppServices, repeats: int) -> None:
    admin = app.auth.login(ADMIN, PASSWORD)
    analyst = app.auth.login("bench.analyst01@agency.example", PASSWORD)
    reader = app.audit_reader
    print(
        f"{'query':<16} {'matches':>12} {'count ms':>9} {'first ms':>9} {'deep ms':>8}  plan of the first page"
    )
    for name, actor, query in _scenarios(app, admin, analyst):
        only_user = analyst.user_id if actor is analyst else None
        count = reader.count(actor, query)
        count_ms = _median_ms(repeats, lambda: reader.count(actor, query))  # noqa: B023

        def first(actor: Actor = actor, query: AuditQuery = query) -> object:
            return reader.entries_by_ids(actor, reader.page_ids(actor, query, limit=PAGE).ids)

        first_ms = _median_ms(repeats, first)
        cursor = _deep_cursor(app, query, only_user, count.rows // 2)
        deep_ms = float("nan")
        if cursor is not None:

            def deep(actor: Actor = actor, query: AuditQuery = query, cursor: AuditCursor = cursor) -> object:
                return reader.entries_by_ids(
                    actor, reader.page_ids(actor, query, after_row=cursor, limit=PAGE).ids
                )

            deep_ms = _median_ms(repeats, deep)
        print(
            f"{name:<16} {count!s:>12} {count_ms:9.1f} {first_ms:9.1f} {deep_ms:8.1f}  {_plan(app, query, only_user)}"
        )
        if cursor is not None:
            print(f"{'':<58}deep: {_plan(app, query, only_user, cursor)}")


def _gui(app: AppServices) -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from chronotrace_desktop.ui.admin.audit_panel import AuditPanel
    from chronotrace_desktop.ui.qt import QApplication
    from chronotrace_desktop.workers.base import WorkerPool
    from tests.gui.test_ingest_responsiveness import GOAL_MS, Watchdog

    qt = QApplication.instance() or QApplication([])
    admin = app.auth.login(ADMIN, PASSWORD)
    pool, watchdog = WorkerPool(), Watchdog()

    def settle(until: Callable[[], bool]) -> None:
        deadline = time.monotonic() + 60
        while not until() and time.monotonic() < deadline:
            qt.processEvents()
            time.sleep(0.002)

    watchdog.start()
    started = time.perf_counter()
    panel = AuditPanel(app, admin, pool)
    panel.resize(1280, 720)
    panel.show()
    model = panel.trail_model
    settle(lambda: model.rowCount() > 0 and not model.loading)
    first = (time.perf_counter() - started) * 1000
    for _ in range(25):
        rows = model.rowCount()
        panel.trail_view.scrollToBottom()
        settle(lambda rows=rows: model.rowCount() > rows and not model.loading)  # type: ignore[misc]
    for action in (AuditAction.PII_REVEAL, None):
        panel.filters.action_box.setCurrentIndex(panel.filters.action_box.findData(action) if action else 0)
        panel.filters.apply()
        settle(lambda: model.rowCount() > 0 and not model.loading)
    watchdog.stop()
    panel.close()
    pool.wait_for_done(10_000)
    gaps = sorted(watchdog.gaps)
    print(
        f"viewer: first page shown {first:.0f} ms after opening; 25 pages scrolled and 2 filters applied; "
        f"event-loop gap worst {watchdog.worst_ms:.0f} ms, p95 {gaps[int(len(gaps) * 0.95)]:.0f} ms "
        f"(goal {GOAL_MS} ms)"
    )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--keep", type=Path, help="fill the installation here once and reuse it")
    parser.add_argument("--export", action="store_true", help="also time the CSV export of the whole trail")
    parser.add_argument("--gui", action="store_true", help="also measure the viewer's event-loop stalls")
    args = parser.parse_args()
    print(describe())
    with tempfile.TemporaryDirectory(prefix="ct-bench-audit-") as folder:
        paths = resolve_paths(args.keep or Path(folder) / "data")
        app = open_app(load_settings(paths), paths)
        try:
            with app.database.transaction() as session:
                fresh = session.scalar(sa.select(sa.func.count()).select_from(User)) == 0
            if fresh:
                app.installation.create_first_admin(ADMIN, PASSWORD, "Bench Admin")
                _fill(app, args.rows, args.users)
            _measure(app, args.repeats)
            if args.gui:
                _gui(app)
            if args.export:
                admin = app.auth.login(ADMIN, PASSWORD)
                exporter = AuditExporter(app.database, app.authorizer, app.audit)
                started = time.perf_counter()
                done = exporter.export_csv(admin, AuditQuery(), Path(folder) / "trail.csv")
                seconds = time.perf_counter() - started
                print(
                    f"CSV export: {done.rows:,} rows in {seconds:.1f} s ({done.path.stat().st_size / 1e6:.0f} MB)"
                )
        finally:
            app.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
