"""The library pane: every video with its status (live while it ingests), filter, add by dialog or drop, delete."""

from __future__ import annotations

import logging
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chronotrace_desktop.config import Profile
from chronotrace_desktop.domain.ingest import IngestStatus, VideoStatus
from chronotrace_desktop.domain.roles import Action, is_allowed
from chronotrace_desktop.ui.delegates import ProgressDelegate
from chronotrace_desktop.ui.dialogs.ingest_dialog import IngestDialog
from chronotrace_desktop.ui.dialogs.video_time_dialog import VideoTimeDialog, start_set_time
from chronotrace_desktop.ui.errors import show_error
from chronotrace_desktop.ui.models.library_model import (
    FILE,
    STATUS,
    UPLOADED,
    IdRole,
    LibraryFilterProxy,
    ProgressRole,
    VideoTableModel,
)
from chronotrace_desktop.ui.panes import PANE_MIN_HEIGHT, PANE_MIN_WIDTH
from chronotrace_desktop.ui.panes.ingest_panel import IngestPanel
from chronotrace_desktop.ui.panes.queue_panel import QueuePanel
from chronotrace_desktop.ui.qt import (
    QAbstractItemView,
    QAction,
    QComboBox,
    QEvent,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QMessageBox,
    QPalette,
    QSplitter,
    Qt,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
    Signal,
)
from chronotrace_desktop.ui.tasks import start_task
from chronotrace_desktop.workers.ingest_job import lower_thread_priority

if TYPE_CHECKING:
    from chronotrace_desktop.domain.ingest import IngestProgress, IngestResult
    from chronotrace_desktop.domain.users import Actor
    from chronotrace_desktop.services.app import AppServices
    from chronotrace_desktop.ui.qt import QDragEnterEvent, QDropEvent, QModelIndex
    from chronotrace_desktop.workers.base import WorkerPool
    from chronotrace_desktop.workers.task_state import TaskState

logger = logging.getLogger(__name__)

STATUSES = (VideoStatus.COMPLETED, VideoStatus.PROCESSING, VideoStatus.PENDING, VideoStatus.FAILED)
MAX_FILE_COLUMN = 260
VIDEO_FILTER = (
    "Videos (*.mp4 *.m4v *.mov *.avi *.mkv *.webm *.mpg *.mpeg *.ts *.mts *.m2ts *.3gp *.flv *.wmv *.gif "
    "*.h264 *.h265 *.dav *.mxf);;All files (*)"
)


def _delete(state: TaskState, services: AppServices, actor: Actor, video_id: uuid.UUID) -> uuid.UUID:
    services.library.delete_video(actor, video_id)
    return video_id


def _filter_values(
    state: TaskState, services: AppServices, actor: Actor
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    options = services.library.filter_options(actor)
    return options.cameras, options.locations


class LibraryPane(QWidget):
    video_activated = Signal(uuid.UUID)  # video id
    selection_changed = Signal()
    video_deleted = Signal(uuid.UUID)  # video id

    def __init__(
        self, services: AppServices, actor: Actor, pool: WorkerPool, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setMinimumSize(PANE_MIN_WIDTH, PANE_MIN_HEIGHT)
        self._services = services
        self._actor = actor
        self._pool = pool
        self.can_ingest = is_allowed(actor.role, Action.INGEST_VIDEO)
        self.can_delete = is_allowed(actor.role, Action.DELETE_VIDEO)
        self.can_set_time = is_allowed(actor.role, Action.CORRECT_VIDEO_TIME)
        self.setAcceptDrops(self.can_ingest)

        self.model = VideoTableModel(services.library, actor, pool, self.palette(), self)
        self.model.errored.connect(self._on_model_error)
        self.model.loaded.connect(self._update_summary)
        self.model.loaded.connect(self._size_columns_once)
        self._sized = False
        for signal in (self.model.rowsInserted, self.model.rowsRemoved, self.model.modelReset):
            signal.connect(self._update_summary)
        self.proxy = LibraryFilterProxy()
        self.proxy.setParent(self)
        self.proxy.setSourceModel(self.model)

        self.filter_edit = QLineEdit()
        self.filter_edit.setPlaceholderText("Filter by file, camera or location")
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.textChanged.connect(self.proxy.set_text)
        self.status_combo = QComboBox()
        self.status_combo.addItem("All statuses", "")
        for status in STATUSES:
            self.status_combo.addItem(status.capitalize(), status.value)
        self.status_combo.currentIndexChanged.connect(
            lambda _i: self.proxy.set_status(self.status_combo.currentData())
        )
        self.add_button = _tool_button("Add", "Ingest video files or a folder (or drop them here)")
        self.add_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        add_menu = QMenu(self.add_button)
        add_menu.addAction("Files…", self.choose_files)
        add_menu.addAction("Folder…", self.choose_folder)
        self.add_button.setMenu(add_menu)
        self.delete_button = _tool_button("Delete", "Remove the selected videos from the library (audited)")
        self.delete_button.clicked.connect(self.delete_selected)
        self.add_button.setVisible(self.can_ingest)
        self.delete_button.setVisible(self.can_delete)

        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setItemDelegateForColumn(STATUS, ProgressDelegate(ProgressRole))
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(UPLOADED, Qt.SortOrder.DescendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 10)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setHighlightSections(False)
        for column, width in ((FILE, 220), (STATUS, 130)):
            header.resizeSection(column, width)
        self.table.doubleClicked.connect(self._activated)
        if self.can_set_time:
            self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
            self.set_time_action = QAction("Set recording time…", self.table)
            self.set_time_action.setToolTip("Correct the recorder's clock of this video (audited)")
            self.set_time_action.triggered.connect(self.ask_video_time)
            self.table.addAction(self.set_time_action)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._selection_changed())

        self.empty_label = QLabel(
            "No videos yet. Drop video files or folders here, or use Add ▸ Files…"
            if self.can_ingest
            else "No videos yet. An analyst or administrator adds them."
        )
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setWordWrap(True)
        self.empty_label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.summary_label = QLabel()
        self.summary_label.setForegroundRole(QPalette.ColorRole.PlaceholderText)

        self.ingest_panel = IngestPanel(services.ingest, actor, pool)
        self.ingest_panel.hide()
        self.ingest_panel.file_progressed.connect(self._on_ingest_progress)
        self.ingest_panel.file_finished.connect(self._on_ingest_result)
        self.ingest_panel.ingest_finished.connect(lambda _results: self.model.reload())
        self.ingest_panel.ingest_finished.connect(self._prerender_after_ingest)

        bar = QHBoxLayout()
        bar.addWidget(self.filter_edit, 1)
        bar.addWidget(self.status_combo)
        bar.addWidget(self.add_button)
        bar.addWidget(self.delete_button)
        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.addLayout(bar)
        top_layout.addWidget(self.table, 1)
        top_layout.addWidget(self.empty_label)
        top_layout.addWidget(self.summary_label)
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.addWidget(top)
        self.splitter.addWidget(self.ingest_panel)
        # Team profile (issue 19): files added here go on the team's queue, worked by `chronotrace worker`s.
        self.queue_panel: QueuePanel | None = None
        if services.settings.profile is Profile.TEAM:
            self.queue_panel = QueuePanel(services.jobs, actor, pool)
            self.queue_panel.jobs_finished.connect(self.model.reload)
            self.splitter.addWidget(self.queue_panel)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.splitter)
        self._update_summary()
        self._selection_changed()
        self.model.reload()

    # ------------------------------------------------------------------ selection
    def selected_ids(self) -> list[uuid.UUID]:
        rows = self.table.selectionModel().selectedRows()
        return [index.data(IdRole) for index in sorted(rows, key=lambda i: i.row())]

    def _selection_changed(self) -> None:
        self.delete_button.setEnabled(bool(self.selected_ids()) and not self.ingest_panel.running)
        self.selection_changed.emit()

    def _activated(self, index: QModelIndex) -> None:
        video_id = index.data(IdRole)
        if video_id is not None:
            self.video_activated.emit(video_id)

    def _size_columns_once(self) -> None:
        if self._sized or self.model.rowCount() == 0:
            return
        self._sized = True
        self.table.resizeColumnsToContents()
        header = self.table.horizontalHeader()
        header.resizeSection(FILE, min(header.sectionSize(FILE), MAX_FILE_COLUMN))
        header.resizeSection(STATUS, max(header.sectionSize(STATUS), 130))

    def _on_model_error(self, exc: BaseException) -> None:
        show_error(self, exc, title="Library")

    def _update_summary(self) -> None:
        count = self.model.rowCount()
        self.table.setVisible(count > 0)
        self.empty_label.setVisible(count == 0 and not self.model.loading)
        self.summary_label.setText(f"{count} video{'s' if count != 1 else ''}" if count else "")

    # ------------------------------------------------------------------ adding videos
    def choose_files(self) -> None:
        files, _ = QFileDialog.getOpenFileNames(self, "Add videos", "", VIDEO_FILTER)
        if files:
            self.ask_ingest([Path(f) for f in files])

    def choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Add a folder of videos")
        if folder:
            self.ask_ingest([Path(folder)])

    def ask_ingest(self, paths: list[Path]) -> IngestDialog | None:
        """Open the ingest dialog for ``paths`` (not blocking); the ingest starts when it is accepted."""
        if not self.can_ingest or not paths:
            return None
        if self.ingest_panel.running:
            QMessageBox.information(self, "Ingest", "An ingest is running; add more when it has finished.")
            return None
        dialog = IngestDialog(paths, parent=self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self.start_ingest(dialog.paths, dialog.options))
        start_task(
            self._pool,
            _filter_values,
            self._services,
            self._actor,
            on_returned=lambda values: _fill_combos(dialog, *values),
            on_errored=lambda exc: logger.info("No camera list for the ingest dialog: %s", exc),
        )
        dialog.open()
        return dialog

    def start_ingest(self, paths: list[Path], options: Any) -> None:
        if self.queue_panel is not None:
            self.queue_panel.enqueue(paths, options)
            return
        self.ingest_panel.start(paths, options)
        self._selection_changed()

    def _prerender_after_ingest(self, results: object) -> None:
        """Render the new videos' redacted clips at low priority, so the player and exports find them ready."""
        finished = results if isinstance(results, list) else []
        ids = [r.video_id for r in finished if r.status is IngestStatus.COMPLETED and r.video_id is not None]
        if ids and self.can_ingest:
            start_task(
                self._pool,
                _prerender,
                self._services,
                self._actor,
                ids,
                on_errored=lambda exc: logger.warning("Pre-rendering redacted clips stopped: %s", exc),
                name="pre-render redacted clips",
            )

    def _on_ingest_progress(self, event: IngestProgress) -> None:
        self.model.set_progress(str(event.path), event.stage, event.done, event.total)

    def _on_ingest_result(self, result: IngestResult) -> None:
        self.model.clear_progress(str(result.path))
        if result.video_id is not None:
            if self.model.row_of(result.video_id) < 0:
                self.model.schedule_reload()
            else:
                self.model.refresh([result.video_id])

    # ------------------------------------------------------------------ deleting
    def delete_selected(self) -> QMessageBox | None:
        ids = self.selected_ids()
        if not ids or not self.can_delete:
            return None
        names = [row.filename for row in (self.model.cached(i) for i in ids) if row is not None]
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            "Delete videos",
            f"Delete {len(ids)} video{'s' if len(ids) != 1 else ''} from the library?",
            QMessageBox.StandardButton.Cancel,
            self,
        )
        box.setInformativeText(
            "\n".join(names[:10])
            + ("\n…" if len(names) > 10 else "")
            + "\n\nThey disappear from the library "
            "and from every search. The deletion is recorded in the audit log."
        )
        delete = box.addButton("Delete", QMessageBox.ButtonRole.DestructiveRole)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.buttonClicked.connect(lambda button: self.delete_videos(ids) if button is delete else None)
        box.open()
        return box

    def delete_videos(self, ids: list[uuid.UUID]) -> None:
        for video_id in ids:
            start_task(
                self._pool,
                _delete,
                self._services,
                self._actor,
                video_id,
                on_returned=self._on_deleted,
                error_parent=self,
                name="delete video",
            )

    def _on_deleted(self, video_id: uuid.UUID) -> None:
        self.video_deleted.emit(video_id)
        self.model.schedule_reload()

    # ------------------------------------------------------------------ recording time
    def ask_video_time(self) -> VideoTimeDialog | None:
        """The recording-time dialog for the selected video; on "Set time" the change runs in the background."""
        ids = self.selected_ids()
        row = self.model.cached(ids[0]) if ids and self.can_set_time else None
        if row is None:
            return None
        dialog = VideoTimeDialog(row, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(
            lambda: start_set_time(
                self._pool, self._services, self._actor, row.id, dialog, self.model.schedule_reload
            )
        )
        dialog.open()
        return dialog

    # ------------------------------------------------------------------ Qt overrides
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if self.can_ingest and _local_paths(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = _local_paths(event.mimeData())
        if paths:
            event.acceptProposedAction()
            self.ask_ingest(paths)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.PaletteChange:
            self.model.set_palette(self.palette())
            self.ingest_panel.model._palette = self.palette()
        super().changeEvent(event)


def _local_paths(mime: Any) -> list[Path]:
    if mime is None or not mime.hasUrls():
        return []
    return [Path(url.toLocalFile()) for url in mime.urls() if url.isLocalFile()]


def _fill_combos(dialog: IngestDialog, cameras: tuple[str, ...], locations: tuple[str, ...]) -> None:
    try:
        _add_values(dialog, cameras, locations)
    except RuntimeError:  # the dialog was closed (and deleted) before the values arrived
        logger.debug("Ingest dialog gone before its camera list arrived")


def _add_values(dialog: IngestDialog, cameras: tuple[str, ...], locations: tuple[str, ...]) -> None:
    for combo, values in ((dialog.camera_edit, cameras), (dialog.location_edit, locations)):
        text = combo.currentText()
        combo.addItems([v for v in values if combo.findText(v) < 0])
        combo.setEditText(text)


def _tool_button(text: str, tooltip: str) -> QToolButton:
    button = QToolButton()
    button.setText(text)
    button.setToolTip(tooltip)
    button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
    return button


def _prerender(state: TaskState, services: AppServices, actor: Actor, video_ids: list[uuid.UUID]) -> int:
    lower_thread_priority()
    return services.media.prerender(actor, state, video_ids=video_ids)
