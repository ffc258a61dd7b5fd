"""The export dialog on real services: a package written from the GUI verifies, the reveal option is offered
only to roles that may reveal (with a password field: the originals need the password again), Cancel leaves
nothing behind, "Open folder" records the opening."""

from __future__ import annotations

import os
import uuid
from datetime import datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from pytestqt.qtbot import QtBot

from chronotrace_desktop.domain.export import ExportSelection, ExportType
from chronotrace_desktop.domain.ingest import IngestOptions
from chronotrace_desktop.domain.roles import Role
from chronotrace_desktop.domain.tasks import Unattended
from chronotrace_desktop.domain.users import Actor
from chronotrace_desktop.reports import QtPdfReportRenderer
from chronotrace_desktop.services.app import AppServices
from chronotrace_desktop.services.verification import verify_package
from chronotrace_desktop.storage.orm import AuditLog, Export, VideoSegment
from chronotrace_desktop.ui.dialogs.export_dialog import ExportDialog
from chronotrace_desktop.ui.qt import QLineEdit, Qt, QUrl
from chronotrace_desktop.workers.base import WorkerPool
from tests.conftest import VIDEOS_DIR

PASSWORD = "correct horse battery"
CLIP = "car-detection.mp4"  # 30 s: two segments


def _user(services: AppServices, admin: Actor, role: Role) -> Actor:
    email = f"{role.value}@agency.example"
    services.users.add_user(admin, email, role, PASSWORD, full_name="Exporting Examiner")
    return services.auth.login(email, PASSWORD)


@pytest.fixture
def segment_ids(services: AppServices, admin: Actor) -> list[uuid.UUID]:
    options = IngestOptions(
        camera_id="CAM-GUI", location="Dialog test", recorded_at=datetime(2024, 2, 9, 14, 30)
    )
    (result,) = services.ingest.ingest_paths(admin, [VIDEOS_DIR / CLIP], options, Unattended())
    assert result.ok, result.error
    with services.database.transaction() as session:
        return list(session.scalars(sa.select(VideoSegment.id).order_by(VideoSegment.segment_index)))


def _dialog(
    qtbot: QtBot,
    services: AppServices,
    actor: Actor,
    ids: list[uuid.UUID],
    pool: WorkerPool,
    dest: Path,
    opened: list[QUrl],
) -> ExportDialog:
    def opener(url: QUrl) -> bool:
        opened.append(url)
        return True

    dialog = ExportDialog(
        services.exports,
        actor,
        ExportSelection.of_segments(ids),
        pool,
        reauth=services.reauth,
        renderer=QtPdfReportRenderer(),
        destination=dest,
        open_url=opener,
    )
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def test_an_analyst_exports_a_package_that_verifies_and_opens_it(
    qtbot: QtBot,
    services: AppServices,
    admin: Actor,
    segment_ids: list[uuid.UUID],
    pool: WorkerPool,
    tmp_path: Path,
) -> None:
    analyst = _user(services, admin, Role.ANALYST)
    opened: list[QUrl] = []
    dialog = _dialog(qtbot, services, analyst, segment_ids, pool, tmp_path, opened)
    qtbot.keyClicks(dialog.case_edit, "CASE-2024-0042")
    qtbot.keyClicks(dialog.watermark_edit, "EVIDENCE - CASE-2024-0042")
    with qtbot.waitSignal(dialog.export_finished, timeout=120_000) as finished:
        qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    result = finished.args[0]
    assert result.path.parent == tmp_path
    report = verify_package(result.path)
    assert report.intact, report.problems
    assert report.files_checked == 2 + 3  # two redacted clips, PDF, CSV, JSON
    assert dialog.open_button.isVisible()
    assert str(result.manifest_sha256) in dialog.status_label.text()
    shots = Path(os.environ.get("EXPORT_DIALOG_SCREENSHOTS", tmp_path))
    assert dialog.grab().save(str(shots / "export-dialog-done.png"))

    qtbot.mouseClick(dialog.open_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(opened), timeout=10_000)
    assert Path(opened[0].toLocalFile()) == result.path
    with services.database.transaction() as session:
        row = session.get(Export, result.export_id)
        assert row is not None
        assert row.status == "completed"
        assert row.downloaded_at is not None


def test_the_reveal_option_is_shown_only_to_roles_that_may_reveal(
    qtbot: QtBot, services: AppServices, admin: Actor, pool: WorkerPool, tmp_path: Path
) -> None:
    ids = [uuid.uuid4()]
    viewer = _user(services, admin, Role.VIEWER)
    analyst = _user(services, admin, Role.ANALYST)
    for_viewer = _dialog(qtbot, services, viewer, ids, pool, tmp_path, [])
    assert not for_viewer.reveal_check.isVisible()
    assert not for_viewer.justification_edit.isVisible()

    for_analyst = _dialog(qtbot, services, analyst, ids, pool, tmp_path, [])
    assert for_analyst.reveal_check.isVisible()
    assert not for_analyst.justification_edit.isVisible()
    assert not for_analyst.password_edit.isVisible()
    for_analyst.reveal_check.setChecked(True)
    assert for_analyst.justification_edit.isVisible()
    assert for_analyst.password_edit.isVisible()
    assert for_analyst.password_edit.echoMode() == QLineEdit.EchoMode.Password
    shots = Path(os.environ.get("EXPORT_DIALOG_SCREENSHOTS", tmp_path))
    qtbot.keyClicks(for_analyst.case_edit, "CASE-2024-0042")
    assert for_analyst.grab().save(str(shots / "export-dialog-reveal.png"))
    # Ticked without a reason: refused in the dialog, nothing started.
    qtbot.mouseClick(for_analyst.export_button, Qt.MouseButton.LeftButton)
    assert for_analyst.error_label.isVisible()
    assert not for_analyst.busy
    # A reason but no password: refused in the dialog too.
    qtbot.keyClicks(for_analyst.justification_edit, "CASE-2024-0042: identify the driver of the car")
    qtbot.mouseClick(for_analyst.export_button, Qt.MouseButton.LeftButton)
    assert "password" in for_analyst.error_label.text()
    assert not for_analyst.busy


def test_unredacted_originals_need_the_password_again(
    qtbot: QtBot,
    services: AppServices,
    admin: Actor,
    segment_ids: list[uuid.UUID],
    pool: WorkerPool,
    tmp_path: Path,
) -> None:
    """Issue 13 item 2: a wrong password exports nothing and is audited; the right one exports the originals."""
    analyst = _user(services, admin, Role.ANALYST)
    dialog = _dialog(qtbot, services, analyst, segment_ids[:1], pool, tmp_path, [])
    for kind, check in dialog.type_checks.items():
        check.setChecked(kind is ExportType.VIDEO_CLIP)
    qtbot.keyClicks(dialog.case_edit, "CASE-2024-0044")
    dialog.reveal_check.setChecked(True)
    qtbot.keyClicks(dialog.justification_edit, "CASE-2024-0044: identify the driver of the car")
    qtbot.keyClicks(dialog.password_edit, "not the password")
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.busy, timeout=30_000)
    assert "password is wrong" in dialog.error_label.text()
    assert dialog.password_edit.text() == ""  # to be typed again
    assert list(tmp_path.iterdir()) == []
    shots = Path(os.environ.get("EXPORT_DIALOG_SCREENSHOTS", tmp_path / "shots"))
    shots.mkdir(exist_ok=True)
    assert dialog.grab().save(str(shots / "export-dialog-wrong-password.png"))

    qtbot.keyClicks(dialog.password_edit, PASSWORD)
    with qtbot.waitSignal(dialog.export_finished, timeout=120_000) as finished:
        qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    assert finished.args[0].unredacted
    with services.database.transaction() as session:
        checks = session.scalars(
            sa.select(AuditLog)
            .where(AuditLog.user_id == analyst.user_id, AuditLog.action == "user_reauthenticated")
            .order_by(AuditLog.created_at)
        ).all()
        assert [(r.success, r.error_message, r.meta["purpose"]) for r in checks] == [
            (False, "wrong_password", "export_unredacted"),
            (True, None, "export_unredacted"),
        ]


def test_cancel_stops_the_export_and_leaves_nothing(
    qtbot: QtBot,
    services: AppServices,
    admin: Actor,
    segment_ids: list[uuid.UUID],
    pool: WorkerPool,
    tmp_path: Path,
) -> None:
    analyst = _user(services, admin, Role.ANALYST)
    dialog = _dialog(qtbot, services, analyst, segment_ids, pool, tmp_path, [])
    qtbot.keyClicks(dialog.case_edit, "CASE-2024-0043")
    qtbot.keyClicks(dialog.watermark_edit, "EVIDENCE")  # fresh renditions: slow enough to cancel
    finished: list[object] = []
    dialog.export_finished.connect(finished.append)
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "starting" in dialog.status_label.text(), timeout=30_000)
    shots = Path(os.environ.get("EXPORT_DIALOG_SCREENSHOTS", tmp_path / "shots"))
    shots.mkdir(exist_ok=True)
    assert dialog.grab().save(str(shots / "export-dialog-running.png"))
    qtbot.mouseClick(dialog.close_button, Qt.MouseButton.LeftButton)  # "Cancel export"
    assert not dialog.busy
    assert pool.wait_for_done(60_000)
    assert not finished
    left = [p for p in tmp_path.iterdir() if p.name != "shots"]
    assert left == [], "a cancelled export leaves no package and no partial folder"
    with services.database.transaction() as session:
        (row,) = session.scalars(sa.select(Export)).all()
        assert row.status == "failed"
        assert row.meta["cancelled"] is True
