"""Database maintenance (issue 18 item 4) on both backends: each task does what it says on the shared
installation, is recorded in ``maintenance_runs`` and audited; audit rows leave ``audit_log`` only through the
archive function, and the chain still verifies across archive and live rows."""

from __future__ import annotations

import uuid
import zipfile
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from chronotrace_desktop.domain.audit import AuditAction
from chronotrace_desktop.domain.clock import utcnow
from chronotrace_desktop.domain.errors import OperationCancelledError, PermissionDeniedError
from chronotrace_desktop.domain.export import ExportStatus
from chronotrace_desktop.domain.maintenance import MaintenanceStatus, MaintenanceTask, MaintenanceTrigger
from chronotrace_desktop.domain.roles import Role
from chronotrace_desktop.services.access import AuditChainVerifier, AuditEvent
from chronotrace_desktop.services.housekeeping import HousekeepingService
from chronotrace_desktop.storage.database import Database, create_engine_for
from chronotrace_desktop.storage.db_roles import group_role
from chronotrace_desktop.storage.orm import AuditLog, Export, Search
from chronotrace_desktop.storage.orm_maintenance import AuditLogArchive, MaintenanceRun
from tests.conftest import scratch_dir
from tests.integration.conftest import Installation


def _service(
    installation: Installation,
    *,
    database: Database | None = None,
    clock: Callable[[], datetime] = utcnow,
) -> HousekeepingService:
    services = installation.services
    return HousekeepingService(
        database or services.database,
        services.authorizer,
        services.audit,
        services.exports,
        services.settings,
        clock=clock,
    )


def _audited_runs(installation: Installation, run_ids: list[uuid.UUID]) -> list[AuditLog]:
    with installation.services.database.transaction() as session:
        return list(
            session.scalars(
                sa.select(AuditLog).where(
                    AuditLog.action == AuditAction.MAINTENANCE_RUN, AuditLog.resource_id.in_(run_ids)
                )
            )
        )


# ------------------------------------------------------------------------------------------------ searches
def test_searches_past_the_retention_are_removed_and_recent_ones_kept(installation: Installation) -> None:
    tag = uuid.uuid4().hex[:8]
    now = utcnow()
    with installation.services.database.transaction() as session:
        for age in (400, 91, 89, 1):
            session.add(
                Search(
                    user_id=installation.admin.user_id,
                    query_text=f"{tag} {age}",
                    created_at=now - timedelta(days=age),
                )
            )
    [run] = _service(installation).run(installation.admin, [MaintenanceTask.PURGE_SEARCHES])
    with installation.services.database.transaction() as session:
        left = session.scalars(sa.select(Search.query_text).where(Search.query_text.startswith(tag)))
        assert sorted(left) == [f"{tag} 1", f"{tag} 89"]
    assert run.status is MaintenanceStatus.SUCCEEDED, run
    assert run.trigger is MaintenanceTrigger.MANUAL
    assert run.rows_affected is not None
    assert run.rows_affected >= 2
    assert run.triggered_by == installation.admin.email
    [audited] = _audited_runs(installation, [run.id])
    assert audited.meta is not None
    assert (audited.success, audited.meta["task"], audited.meta["status"]) == (
        True,
        "purge_searches",
        "succeeded",
    )


# ------------------------------------------------------------------------------------------------ audit archive
def test_old_audit_rows_move_to_the_archive_in_one_piece_and_the_chain_still_verifies(
    installation: Installation,
) -> None:
    services = installation.services
    marker = services.audit.record(
        AuditEvent(AuditAction.SEARCH_QUERY, installation.admin, request_id="mark")
    )
    with services.database.transaction() as session:
        mark = session.get_one(AuditLog, marker)
        assert mark.created_at is not None
        assert mark.chain_seq is not None
        marked_at, marked_seq = mark.created_at, mark.chain_seq
        before = session.scalar(sa.select(sa.func.count()).select_from(AuditLog)) or 0
    # A year after the marker, everything written before it is past the archive age (365 days) and it is not.
    service = _service(installation, clock=lambda: marked_at + timedelta(days=365))
    [run] = service.run(installation.admin, [MaintenanceTask.ARCHIVE_AUDIT])
    assert run.status is MaintenanceStatus.SUCCEEDED, run
    with services.database.transaction() as session:
        live_first = session.scalar(sa.select(sa.func.min(AuditLog.chain_seq)))
        archived_last = session.scalar(sa.select(sa.func.max(AuditLogArchive.chain_seq)))
        in_both = session.scalar(
            sa.select(sa.func.count())
            .select_from(AuditLog)
            .join(AuditLogArchive, AuditLogArchive.id == AuditLog.id)
        )
        archived_row = session.scalars(
            sa.select(AuditLog)
            .where(AuditLog.action == AuditAction.AUDIT_ARCHIVED)
            .order_by(AuditLog.chain_seq.desc())
        ).first()
        live_after = session.scalar(sa.select(sa.func.count()).select_from(AuditLog)) or 0
    assert live_first == marked_seq  # the marker is the oldest row left
    assert archived_last == marked_seq - 1  # and every row before it is archived: no gap, no overlap
    assert in_both == 0
    assert run.rows_affected is not None
    assert run.rows_affected >= 1
    assert live_after == before - run.rows_affected + 2  # + the archive's own row and the run's audit row
    assert archived_row is not None
    assert archived_row.user_id == installation.admin.user_id
    assert archived_row.meta is not None
    assert archived_row.meta["rows"] == run.rows_affected
    assert archived_row.meta["last_seq"] == marked_seq - 1
    verifier = AuditChainVerifier(services.database, services.authorizer, services.audit)
    report = verifier.verify(installation.admin)
    assert report.ok, report
    with services.database.transaction() as session:
        archived = session.scalar(sa.select(sa.func.count()).select_from(AuditLogArchive)) or 0
    assert report.rows == archived + live_after  # archive + live, one chain


def _refusal(engine: sa.Engine, *statements: str) -> DBAPIError:
    """The error the last of ``statements`` (run in one transaction) ends in; the test fails if none does."""
    try:
        with engine.begin() as conn:
            for statement in statements:
                conn.execute(sa.text(statement))
    except DBAPIError as exc:
        return exc
    raise AssertionError(f"not refused: {statements}")


def test_no_login_of_the_app_may_remove_audit_rows(installation: Installation) -> None:
    """The app's own login (an administrator's) cannot delete from either table even with the archive's
    setting on; the owner's plain DELETE is refused by the trigger too; a non-administrator's group may not
    call the archive function."""
    app = installation.services.database.engine
    archiving = "SELECT set_config('chronotrace.archiving_audit', 'on', true)"
    for statements in (
        ["DELETE FROM audit_log"],
        [archiving, "DELETE FROM audit_log"],
        ["DELETE FROM audit_log_archive"],
        ["UPDATE audit_log_archive SET username = 'x'"],
    ):
        refused = _refusal(app, *statements)
        assert getattr(refused.orig, "sqlstate", "") == "42501", (statements, refused)
    owner = installation.owner_engine()
    database = str(app.url.database)
    try:
        newest = "DELETE FROM audit_log WHERE chain_seq = (SELECT max(chain_seq) FROM audit_log)"
        assert "audit_log is append-only: DELETE" in str(_refusal(owner, archiving, newest))
        for role in (Role.ANALYST, Role.VIEWER):
            refused = _refusal(
                owner,
                f'SET LOCAL ROLE "{group_role(database, role)}"',
                "SELECT chronotrace_archive_audit(now()::timestamp, NULL, 'x')",
            )
            assert "permission denied for function" in str(refused)
    finally:
        owner.dispose()


# ------------------------------------------------------------------------------------------------ exports
def _package(folder: Path, *, as_zip: bool) -> Path:
    if as_zip:
        path = folder / f"{uuid.uuid4().hex[:8]}.zip"
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("manifest.json", "{}")
        return path
    path = folder / uuid.uuid4().hex[:8]
    path.mkdir()
    (path / "manifest.json").write_text("{}")
    (path / "clip.mp4").write_bytes(b"\0" * 16)
    return path


def _export_row(installation: Installation, path: Path, case_id: str | None, expires: datetime) -> uuid.UUID:
    with installation.services.database.transaction() as session:
        row = Export(
            user_id=installation.admin.user_id,
            export_type="case_package",
            segment_ids=[],
            format="zip" if path.suffix == ".zip" else "folder",
            status=ExportStatus.COMPLETED.value,
            completed_at=expires - timedelta(days=30),
            expires_at=expires,
            file_path=str(path),
            case_id=case_id,
            meta={"case_id": case_id},
        )
        session.add(row)
        session.flush()
        return row.id


def test_expired_exports_are_ended_and_their_packages_removed_but_a_held_case_keeps_its_own(
    installation: Installation,
) -> None:
    package_dir = scratch_dir("housekeeping-exports-")
    admin, cases = installation.admin, installation.services.cases
    loose = cases.create(admin, "Lapsed export")
    held = cases.create(admin, "Held export")
    cases.set_hold(admin, held.case_id, "court order 12/2026")
    past, future = utcnow() - timedelta(days=1), utcnow() + timedelta(days=30)
    lapsed_folder, lapsed_zip, kept, current = (
        _package(package_dir, as_zip=False),
        _package(package_dir, as_zip=True),
        _package(package_dir, as_zip=False),
        _package(package_dir, as_zip=True),
    )
    ids = {
        "folder": _export_row(installation, lapsed_folder, loose.case_id, past),
        "zip": _export_row(installation, lapsed_zip, None, past),
        "held": _export_row(installation, kept, held.case_id, past),
        "current": _export_row(installation, current, loose.case_id, future),
    }
    [run] = _service(installation).run(admin, [MaintenanceTask.EXPIRE_EXPORTS])
    assert run.status is MaintenanceStatus.SUCCEEDED, run
    assert run.rows_affected is not None
    assert run.rows_affected >= 2
    with installation.services.database.transaction() as session:
        status = {name: session.get_one(Export, export_id).status for name, export_id in ids.items()}
    assert status == {"folder": "expired", "zip": "expired", "held": "completed", "current": "completed"}
    assert not lapsed_folder.exists()
    assert not lapsed_zip.exists()
    assert (kept / "manifest.json").is_file()
    assert current.is_file()


# ------------------------------------------------------------------------------------------------ failures
def test_a_failing_task_is_recorded_with_its_cause_and_the_next_task_still_runs(
    installation: Installation,
) -> None:
    """A purge that cannot get its lock (another session holds searches) fails; expiring exports goes on."""
    services = installation.services
    impatient = Database(
        create_engine_for(services.database.engine.url, lock_timeout=0.2),
        owner_url=services.database.owner_url,
    )
    owner = installation.owner_engine()
    try:
        with owner.begin() as blocker:
            blocker.execute(sa.text("LOCK TABLE searches IN ACCESS EXCLUSIVE MODE"))
            runs = _service(installation, database=impatient).run(
                installation.admin, [MaintenanceTask.PURGE_SEARCHES, MaintenanceTask.EXPIRE_EXPORTS]
            )
    finally:
        owner.dispose()
        impatient.engine.dispose()
    purge, expire = runs
    assert purge.status is MaintenanceStatus.FAILED
    assert purge.message is not None
    assert "lock" in purge.message
    assert expire.status is MaintenanceStatus.SUCCEEDED, expire
    [audited] = _audited_runs(installation, [purge.id])
    assert (audited.success, audited.error_message) == (False, purge.message)
    schedule = {entry.task: entry for entry in _service(installation).schedule(installation.admin)}
    entry = schedule[MaintenanceTask.PURGE_SEARCHES]
    assert entry.last_run is not None
    assert entry.last_run.id == purge.id  # the last run failed; the schedule counts only concluded runs
    assert entry.last_concluded is None or entry.last_concluded < purge.started_at


# ------------------------------------------------------------------------------------------------ VACUUM, REINDEX
def test_vacuum_and_reindex_run_where_a_role_may_and_are_skipped_with_the_remedy_elsewhere(
    installation: Installation,
) -> None:
    tasks = [MaintenanceTask.VACUUM_ANALYZE, MaintenanceTask.REINDEX]
    runs = _service(installation).run(installation.admin, tasks)
    if installation.backend == "embedded":  # the workstation's owner (the embedded superuser)
        assert [r.status for r in runs] == [MaintenanceStatus.SUCCEEDED] * 2, runs
        assert all("as the owner" in (r.message or "") for r in runs)
        # without the owner: the runtime login's MAINTAIN privilege (PostgreSQL 17+; the embedded one is 18)
        as_login = replace(installation.services.database, owner_url=None)
        runs = _service(installation, database=as_login).run(installation.admin, tasks)
        assert [r.status for r in runs] == [MaintenanceStatus.SUCCEEDED] * 2, runs
        assert all("as the login" in (r.message or "") for r in runs)
    else:  # a team server older than 17: only its owner may, and the record says how
        assert [r.status for r in runs] == [MaintenanceStatus.SKIPPED] * 2, runs
        assert all("--owner" in (r.message or "") for r in runs)
        owner = installation.owner_engine()  # as `maintenance run --owner ROLE` gives the owner for one run
        try:
            runs = _service(installation).run(installation.admin, tasks, owner_url=owner.url)
        finally:
            owner.dispose()
        assert [r.status for r in runs] == [MaintenanceStatus.SUCCEEDED] * 2, runs
        assert all("as the owner" in (r.message or "") for r in runs)


# ------------------------------------------------------------------------------------------------ who, when
def test_only_administrators_may_look_at_or_run_maintenance(installation: Installation) -> None:
    _, analyst = installation.add_user(Role.ANALYST)
    service = _service(installation)
    for call in (
        lambda: service.run(analyst, [MaintenanceTask.PURGE_SEARCHES]),
        lambda: service.due(analyst),
        lambda: service.history(analyst),
    ):
        with pytest.raises(PermissionDeniedError):
            call()


def test_due_follows_the_schedule_and_history_lists_runs_newest_first(installation: Installation) -> None:
    service = _service(installation)
    [run] = service.run(installation.admin, [MaintenanceTask.PURGE_SEARCHES])
    assert run.status is MaintenanceStatus.SUCCEEDED
    assert MaintenanceTask.PURGE_SEARCHES not in service.due(installation.admin)
    later = run.started_at + timedelta(days=1, minutes=1)
    assert MaintenanceTask.PURGE_SEARCHES in service.due(installation.admin, later)
    # a scheduled run of a task that is not due any more (done meanwhile elsewhere) records nothing
    assert (
        service.run(
            installation.admin, [MaintenanceTask.PURGE_SEARCHES], trigger=MaintenanceTrigger.SCHEDULED
        )
        == []
    )
    history = service.history(installation.admin, limit=5)
    assert history[0] == run
    assert [h.started_at for h in history] == sorted((h.started_at for h in history), reverse=True)


class _CancelOnFirstProgress:
    """A control whose user presses Cancel as soon as the run reports its first step."""

    cancelled = False

    def check_cancelled(self) -> None:
        if self.cancelled:
            raise OperationCancelledError("cancelled by the test")

    def progress(self, done: int, total: int, message: str = "") -> None:
        self.cancelled = True


def test_a_cancel_records_the_task_under_way_as_cancelled_and_starts_no_other(
    installation: Installation,
) -> None:
    service = _service(installation)
    before = {run.id for run in service.history(installation.admin)}
    with pytest.raises(OperationCancelledError):
        service.run(
            installation.admin,
            [MaintenanceTask.PURGE_SEARCHES, MaintenanceTask.EXPIRE_EXPORTS],
            control=_CancelOnFirstProgress(),
        )
    new = [run for run in service.history(installation.admin) if run.id not in before]
    assert [(run.task, run.status) for run in new] == [
        (MaintenanceTask.PURGE_SEARCHES, MaintenanceStatus.CANCELLED)
    ]
    [audited] = _audited_runs(installation, [new[0].id])
    assert audited.meta is not None
    assert audited.meta["status"] == "cancelled"


def test_a_task_running_elsewhere_is_not_started_again_and_a_stale_run_is_closed(
    installation: Installation,
) -> None:
    """Two workstations at the same hour: the second finds the first's run under way; a run left 'running' by
    an app that stopped mid-task (older than six hours) is marked failed as interrupted."""
    task = MaintenanceTask.EXPIRE_EXPORTS
    with installation.services.database.transaction() as session:
        stale, elsewhere = (
            MaintenanceRun(
                task=task.value,
                trigger="scheduled",
                status="running",
                started_at=utcnow() - age,
                triggered_by_email="other.admin@pd.example",
                meta={},
            )
            for age in (timedelta(hours=7), timedelta(minutes=1))
        )
        session.add_all([stale, elsewhere])
        session.flush()
        stale_id, elsewhere_id = stale.id, elsewhere.id
    try:
        [run] = _service(installation).run(installation.admin, [task])
        assert run.status is MaintenanceStatus.CANCELLED
        assert run.message is not None
        assert run.message.startswith("not started: already running since")
        assert "other.admin@pd.example" in run.message
        with installation.services.database.transaction() as session:
            closed = session.get_one(MaintenanceRun, stale_id)
            assert (closed.status, closed.finished_at is not None) == ("failed", True)
            assert closed.message is not None
            assert closed.message.startswith("interrupted")
    finally:
        with installation.services.database.transaction() as session:
            row = session.get_one(MaintenanceRun, elsewhere_id)
            row.status, row.finished_at, row.message = "failed", utcnow(), "closed by the test"
