"""Backups: back up the whole installation into a folder (with the media or not), see the backups there with
their date, size and whether every file still matches its hash, and restore one as a new installation.

Backing up, listing (which reads every file to check its SHA-256) and restoring all run on the pool's
threads, with progress; a backup can be cancelled and then leaves no folder behind. A restore never touches
this installation: it builds a new one in an empty folder the administrator chooses.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from chronotrace_desktop.services.backup import NOT_INCLUDED, BackupEntry, BackupResult, RestoreResult
from chronotrace_desktop.ui import formatting as fmt
from chronotrace_desktop.ui.admin.admin_table import AdminTablePanel
from chronotrace_desktop.ui.admin.backups_model import BackupsModel
from chronotrace_desktop.ui.errors import show_error
from chronotrace_desktop.ui.qt import (
    QCheckBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
    Signal,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from chronotrace_desktop.domain.users import Actor
    from chronotrace_desktop.services.app import AppServices
    from chronotrace_desktop.services.backup import BackupService
    from chronotrace_desktop.workers.base import Worker, WorkerPool
    from chronotrace_desktop.workers.task_state import TaskState

EXPLANATION = (
    "A backup holds the database (pg_dump), every vector collection, the settings and a manifest with each "
    "file's SHA-256; the clips and thumbnails too if you include the media. It holds no secret and not the "
    "evidence-signing key. The folder keeps 7 daily, 4 weekly and 12 monthly backups; older ones are removed."
)


def choose_directory(parent: QWidget, title: str, start: str) -> str:
    return QFileDialog.getExistingDirectory(parent, title, start)


def run_backup(
    state: TaskState, service: BackupService, actor: Actor, folder: Path, media: bool
) -> BackupResult:
    return service.backup(actor, folder, with_media=media, task=state)


def run_restore(
    state: TaskState, service: BackupService, actor: Actor, backup: Path, target: Path
) -> RestoreResult:
    return service.restore(actor, backup, target, state)


def restore_summary(result: RestoreResult) -> str:
    lines = [
        f"Restored into {result.data_dir} in {fmt.duration(result.seconds)}: {result.points:,} vectors in "
        f"{result.collections} collections, {result.media_files:,} media files.",
        f"Open it with: chronotrace --data-dir {result.data_dir} gui",
        "Not in the backup, to do again there:",
    ]
    return "\n".join(lines + [f"\u2022 {line}" for line in result.reenter])


class BackupPanel(AdminTablePanel[BackupEntry]):
    """``backup_finished(BackupResult)`` and ``restore_finished(RestoreResult)`` when a run succeeds."""

    backup_finished = Signal(BackupResult)
    restore_finished = Signal(RestoreResult)

    def __init__(
        self, services: AppServices, actor: Actor, pool: WorkerPool, parent: QWidget | None = None
    ) -> None:
        super().__init__(services, actor, pool, BackupsModel(), EXPLANATION, parent)
        self.setObjectName("backupPanel")
        self.choose: Callable[[QWidget, str, str], str] = choose_directory  # a test answers for the user
        self._run: Worker | None = None
        self.folder_edit = QLineEdit(str(services.paths.data_dir.parent / "ChronoTrace backups"))
        self.folder_edit.setReadOnly(True)
        self.folder_button = QPushButton("Choose folder\u2026")
        self.media_box = QCheckBox("Include the media (clips and thumbnails)")
        self.backup_button = QPushButton("&Back up now")
        self.restore_button = QPushButton("&Restore as a new installation\u2026")
        self.cancel_button = QPushButton("Cancel")
        self.progress_bar = QProgressBar()
        self.status_label = QLabel("")
        self.status_label.setWordWrap(True)
        self.folder_button.clicked.connect(self.choose_folder)
        self.backup_button.clicked.connect(self.start_backup)
        self.restore_button.clicked.connect(self.start_restore)
        self.cancel_button.clicked.connect(self.cancel)
        where = QHBoxLayout()
        for widget in (QLabel("Folder:"), self.folder_edit, self.folder_button):
            where.addWidget(widget)
        where.setStretch(1, 1)
        layout = self.layout()
        assert isinstance(layout, QVBoxLayout)
        layout.insertLayout(1, where)
        layout.insertWidget(2, self.media_box)
        self.add_buttons(self.backup_button, self.restore_button, self.cancel_button)
        layout.addWidget(self.progress_bar)
        layout.addWidget(self.status_label)
        self.status_label.setText(f"Not in a backup: {'; '.join(NOT_INCLUDED)}.")
        self._set_running(False)
        self.refresh()

    @property
    def folder(self) -> Path:
        return Path(self.folder_edit.text())

    def set_folder(self, folder: Path) -> None:
        self.folder_edit.setText(str(folder))
        self.refresh()

    def choose_folder(self) -> None:
        chosen = self.choose(self, "Folder that keeps the backups", str(self.folder))
        if chosen:
            self.set_folder(Path(chosen))

    def load(self) -> list[BackupEntry]:
        return self._services.backup.list_backups(self._actor, self.folder, verify=True)

    def update_buttons(self) -> None:
        entry = self.selected()
        self.restore_button.setEnabled(self._run is None and entry is not None and entry.verified is True)

    # ------------------------------------------------------------------ running
    def start_backup(self) -> None:
        if self._run is not None:
            return
        worker = self._pool.submit(
            run_backup, self._services.backup, self._actor, self.folder, self.media_box.isChecked(),
            name="backup",
        )  # fmt: skip
        worker.connect(returned=self._backed_up)
        self._started(worker, "Backing up\u2026")

    def start_restore(self) -> None:
        entry = self.selected()
        if self._run is not None or entry is None:
            return
        chosen = self.choose(self, "An empty folder for the new installation", str(self.folder))
        if not chosen:
            return
        target = Path(chosen)
        text = (
            f"This builds a NEW installation in {target} from the backup taken "
            f"{fmt.timestamp(entry.created_at)} UTC, after checking every file's hash. This installation is "
            f"not changed. Secrets are not in a backup: you enter them again there.\n\nRestore now?"
        )
        if not self.confirm(self, "Restore a backup", text):
            return
        worker = self._pool.submit(
            run_restore, self._services.backup, self._actor, entry.path, target, name="restore"
        )
        worker.connect(returned=self._restored)
        self._started(worker, f"Restoring into {target}\u2026")

    def _started(self, worker: Worker, text: str) -> None:
        worker.connect(progress=self._progressed, errored=self._failed, finished=self._run_done)
        self._run = worker
        self.status_label.setText(text)
        self._set_running(True)

    def cancel(self) -> None:
        if self._run is None:
            return
        self._run.cancel()  # the run stops at its next step and removes what it wrote; nothing more arrives
        self._run = None
        self.status_label.setText("Cancelled: nothing of this run is kept.")
        self._set_running(False)
        self.refresh()

    def _progressed(self, done: int, total: int, message: str) -> None:
        self.progress_bar.setRange(0, max(total, 1))
        self.progress_bar.setValue(done)
        self.progress_bar.setFormat(f"{message} %v/%m")

    def _backed_up(self, result: BackupResult) -> None:
        removed = f"; rotation removed {len(result.removed)} older" if result.removed else ""
        self.status_label.setText(
            f"Backup written: {result.dir.name}, {result.files} files, {fmt.size(result.bytes)} in "
            f"{fmt.duration(result.seconds)}{removed}."
        )
        self.select(result.dir)
        self.backup_finished.emit(result)

    def _restored(self, result: RestoreResult) -> None:
        self.status_label.setText(restore_summary(result))
        self.restore_finished.emit(result)

    def _failed(self, exc: Exception) -> None:
        self.status_label.setText(f"Failed: {exc}")
        show_error(self, exc, title="Backup and restore")

    def _run_done(self) -> None:
        self._run = None
        self._set_running(False)
        self.refresh()

    def _set_running(self, running: bool) -> None:
        for widget in (self.backup_button, self.folder_button, self.media_box):
            widget.setEnabled(not running)
        self.cancel_button.setEnabled(running)
        self.progress_bar.setVisible(running)
        self.update_buttons()
