"""The backup panel on the session's ingested library (workstation profile, embedded PostgreSQL): a backup made
through the panel is listed as verified, a restore through it builds a new installation that answers the same
search with the same hits, and a cancelled backup leaves nothing."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from pytestqt.qtbot import QtBot

from chronotrace_desktop.config import load_settings, resolve_paths
from chronotrace_desktop.domain.search import SearchResult, SegmentQuery
from chronotrace_desktop.services.app import open_app
from chronotrace_desktop.services.backup import BackupResult, RestoreResult
from chronotrace_desktop.ui.admin.backup_panel import BackupPanel
from chronotrace_desktop.ui.admin.backups_model import VERIFIED
from chronotrace_desktop.ui.qt import Qt
from chronotrace_desktop.workers.base import WorkerPool
from tests.gui.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, Library

QUERY = SegmentQuery(text="car in a car park", limit=10)


def hits_of(result: SearchResult) -> list[tuple[str, int, float]]:
    return [(h.video_filename, h.segment_index, round(h.score, 5)) for h in result.hits]


def test_back_up_through_the_panel_then_restore_a_working_installation(
    qtbot: QtBot, qtmodeltester: object, library: Library, pool: WorkerPool, installations_dir: Path
) -> None:
    folder = Path(tempfile.mkdtemp(prefix="backups-", dir=installations_dir))
    panel = BackupPanel(library.services, library.admin, pool)
    qtbot.addWidget(panel)
    with qtbot.waitSignal(panel.refreshed, timeout=10_000):
        panel.set_folder(folder)
    assert panel.model.rowCount() == 0
    assert not panel.restore_button.isEnabled()

    panel.media_box.setChecked(True)
    with qtbot.waitSignal(panel.backup_finished, timeout=120_000) as made:
        qtbot.mouseClick(panel.backup_button, Qt.MouseButton.LeftButton)
    result: BackupResult = made.args[0]
    assert result.dir.parent == folder.resolve()
    qtbot.waitUntil(lambda: panel.model.rowCount() == 1 and panel.cancel_button.isEnabled() is False)
    qtmodeltester.check(panel.model)  # type: ignore[attr-defined]
    assert panel.model.index(0, VERIFIED).data() == "verified"

    target = Path(tempfile.mkdtemp(prefix="restored-", dir=installations_dir)) / "new"
    panel.table.selectRow(0)
    assert panel.restore_button.isEnabled()
    panel.choose = lambda _parent, _title, _start: str(target)
    asked: list[str] = []
    panel.confirm = lambda _parent, _title, text: asked.append(text) or True
    with qtbot.waitSignal(panel.restore_finished, timeout=180_000) as restored:
        panel.restore_button.click()
    assert "NEW installation" in asked[0]
    outcome: RestoreResult = restored.args[0]
    assert outcome.data_dir == target.resolve()
    assert outcome.media_files > 0
    assert "evidence-signing key" in panel.status_label.text()

    expected = hits_of(library.services.search.search(library.admin, QUERY))
    assert expected
    paths = resolve_paths(target)
    copy = open_app(load_settings(paths), paths)
    try:
        admin = copy.auth.login(ADMIN_EMAIL, ADMIN_PASSWORD)
        assert hits_of(copy.search.search(admin, QUERY)) == expected
        assert copy.appearance.index().count() == library.services.appearance.index().count()
    finally:
        copy.close()
        shutil.rmtree(target, ignore_errors=True)


def test_a_cancelled_backup_leaves_no_folder(
    qtbot: QtBot, library: Library, pool: WorkerPool, installations_dir: Path
) -> None:
    folder = Path(tempfile.mkdtemp(prefix="cancelled-", dir=installations_dir))
    panel = BackupPanel(library.services, library.admin, pool)
    qtbot.addWidget(panel)
    panel.set_folder(folder)
    panel.media_box.setChecked(True)
    panel.start_backup()
    assert panel.cancel_button.isEnabled()
    panel.cancel()
    assert pool.wait_for_done(120_000)
    assert list(folder.iterdir()) == []
    assert panel.backup_button.isEnabled()
    assert "Cancelled" in panel.status_label.text()
