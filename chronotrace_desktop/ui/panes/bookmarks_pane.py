"""The bookmarks of the current case (or of all footage): double-click or Enter jumps to the moment; Edit note…
and Delete (confirmed) go through the bookmark service, which checks the role and audits each change. Viewers
read the list; its buttons are disabled for them and say why."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from chronotrace_desktop.domain.roles import Action, is_allowed
from chronotrace_desktop.ui.dialogs.bookmark_dialog import BookmarkDialog
from chronotrace_desktop.ui.errors import show_error
from chronotrace_desktop.ui.models.bookmark_model import AUTHOR, NOTE, BookmarkModel
from chronotrace_desktop.ui.panes import PANE_MIN_HEIGHT, PANE_MIN_WIDTH
from chronotrace_desktop.ui.qt import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QKeyEvent,
    QLabel,
    QMessageBox,
    QPalette,
    QPushButton,
    Qt,
    QTableView,
    QVBoxLayout,
    QWidget,
    Signal,
)
from chronotrace_desktop.ui.tasks import LatestTask, start_task

if TYPE_CHECKING:
    import uuid
    from collections.abc import Callable
    from datetime import datetime

    from chronotrace_desktop.domain.cases import Bookmark
    from chronotrace_desktop.domain.users import Actor
    from chronotrace_desktop.services.app import AppServices
    from chronotrace_desktop.workers.base import WorkerPool
    from chronotrace_desktop.workers.task_state import TaskState

logger = logging.getLogger(__name__)

VIEWER_TIP = "Viewers read bookmarks; an analyst or an administrator edits and deletes them"
AUTHOR_WIDTH = 130  # pixels: the author column, elided


def _list(
    state: TaskState, services: AppServices, actor: Actor, case_id: str | None
) -> tuple[list[Bookmark], dict[uuid.UUID, datetime]]:
    """The bookmarks, and the recorder's own start of their videos whose clock an offset corrects."""
    marks = services.bookmarks.list_bookmarks(actor, case_id=case_id)
    videos = services.library.rows(actor, [m.video_id for m in marks]) if marks else {}
    recorder = {
        v.id: v.recorder_recorded_at
        for v in videos.values()
        if v.clock_offset_s and v.recorder_recorded_at is not None
    }
    return marks, recorder


def _edit(
    state: TaskState, services: AppServices, actor: Actor, bookmark_id: uuid.UUID, note: str
) -> Bookmark:
    return services.bookmarks.update(actor, bookmark_id, note=note)


def _delete(state: TaskState, services: AppServices, actor: Actor, bookmark_id: uuid.UUID) -> None:
    services.bookmarks.delete(actor, bookmark_id)


def ask_delete(parent: QWidget, text: str) -> bool:
    answer = QMessageBox.question(
        parent,
        "Delete bookmark \u2014 ChronoTrace",
        text,
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
        QMessageBox.StandardButton.Cancel,
    )
    return answer == QMessageBox.StandardButton.Yes


class _Table(QTableView):
    activated_row = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.activated_row.emit()
            return
        super().keyPressEvent(event)


class BookmarksPane(QWidget):
    """``jump_requested(video_id, offset_s)``: show that moment in the player; ``refreshed`` after a reload."""

    jump_requested = Signal(object, float)
    refreshed = Signal()

    def __init__(
        self, services: AppServices, actor: Actor, pool: WorkerPool, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setMinimumSize(PANE_MIN_WIDTH, PANE_MIN_HEIGHT)
        self._services = services
        self._actor = actor
        self._pool = pool
        self._list_task = LatestTask(pool)
        self.case_id: str | None = None
        self.can_edit = is_allowed(actor.role, Action.BOOKMARK)
        self.confirm: Callable[[QWidget, str], bool] = ask_delete  # a test answers for the user
        self.edit_dialog: BookmarkDialog | None = None

        self.title_label = QLabel()
        font = self.title_label.font()
        font.setBold(True)
        self.title_label.setFont(font)
        self.model = BookmarkModel()
        self.table = _Table()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(NOTE, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(AUTHOR, QHeaderView.ResizeMode.Interactive)  # a long e-mail is elided,
        header.resizeSection(AUTHOR, AUTHOR_WIDTH)  # the note keeps the room
        self.table.doubleClicked.connect(lambda _index: self.jump())
        self.table.activated_row.connect(self.jump)
        self.table.selectionModel().selectionChanged.connect(lambda *_a: self._update_enabled())
        self.empty_label = QLabel()
        self.empty_label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.empty_label.setWordWrap(True)
        self.jump_button = QPushButton("Show in player")
        self.edit_button = QPushButton("Edit note\u2026")
        self.delete_button = QPushButton("Delete")
        self.jump_button.clicked.connect(self.jump)
        self.edit_button.clicked.connect(self.edit_selected)
        self.delete_button.clicked.connect(self.delete_selected)
        if not self.can_edit:
            for button in (self.edit_button, self.delete_button):
                button.setToolTip(VIEWER_TIP)
        buttons = QHBoxLayout()
        buttons.addWidget(self.jump_button)
        buttons.addStretch(1)
        buttons.addWidget(self.edit_button)
        buttons.addWidget(self.delete_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.title_label)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.empty_label)
        layout.addLayout(buttons)
        self._set_title()
        self._update_enabled()

    # ------------------------------------------------------------------ loading
    def set_case(self, case_id: str | None) -> None:
        """Show the bookmarks of ``case_id`` (None: every bookmark, all footage)."""
        self.case_id = case_id
        self._set_title()
        self.refresh()

    def refresh(self) -> None:
        self._list_task.start(
            _list,
            self._services,
            self._actor,
            self.case_id,
            on_returned=self._loaded,
            on_errored=lambda exc: show_error(self, exc, title="Bookmarks"),
            name="list bookmarks",
        )

    def _loaded(self, result: tuple[list[Bookmark], dict[uuid.UUID, datetime]]) -> None:
        items, recorder = result
        selected = self.selected()
        self.model.set_items(items, recorder)
        if selected is not None and (row := self.model.row_of(selected.bookmark_id)) >= 0:
            self.table.selectRow(row)
        self.empty_label.setText(
            ""
            if items
            else "No bookmarks yet. In the player, press M to mark a moment with a note (and a box)."
        )
        self.empty_label.setVisible(not items)
        self._update_enabled()
        self.refreshed.emit()

    def _set_title(self) -> None:
        self.title_label.setText(
            f"Bookmarks of case {self.case_id}" if self.case_id else "Bookmarks \u2014 all footage"
        )

    # ------------------------------------------------------------------ actions
    def selected(self) -> Bookmark | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.item(rows[0].row()) if rows else None

    def _update_enabled(self) -> None:
        chosen = self.selected() is not None
        self.jump_button.setEnabled(chosen)
        self.edit_button.setEnabled(chosen and self.can_edit)
        self.delete_button.setEnabled(chosen and self.can_edit)

    def jump(self) -> None:
        mark = self.selected()
        if mark is not None:
            self.jump_requested.emit(mark.video_id, mark.offset_s)

    def edit_selected(self) -> BookmarkDialog | None:
        mark = self.selected()
        if mark is None or not self.can_edit:
            return None
        where = f"case {mark.case_id}" if mark.case_id else "all footage"
        dialog = BookmarkDialog(
            self.model.when(mark),
            mark.camera_id or "",
            where,
            None,
            note=mark.note,
            editing=True,
            parent=self,
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self._save_note(mark, dialog.note))
        self.edit_dialog = dialog
        dialog.open()
        return dialog

    def _save_note(self, mark: Bookmark, note: str) -> None:
        self.edit_dialog = None
        if note == mark.note:
            return
        start_task(
            self._pool,
            _edit,
            self._services,
            self._actor,
            mark.bookmark_id,
            note,
            on_returned=lambda _b: self.refresh(),
            error_parent=self,
            name="edit bookmark",
        )

    def delete_selected(self) -> None:
        mark = self.selected()
        if mark is None or not self.can_edit:
            return
        note = mark.note or "(no note)"
        text = f"Delete the bookmark at {self.model.when(mark)}?\n\n{note}\n\nThe deletion is audited."
        if not self.confirm(self, text):
            return
        start_task(
            self._pool,
            _delete,
            self._services,
            self._actor,
            mark.bookmark_id,
            on_returned=lambda _r: self.refresh(),
            error_parent=self,
            name="delete bookmark",
        )
