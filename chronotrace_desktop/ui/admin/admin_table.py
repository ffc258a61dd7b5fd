"""What the Administration window's list panels share: a read-only, single-selection table over a record
model, reloaded off the GUI thread, with a row of buttons under it and a confirmation a test can answer."""

from __future__ import annotations

from typing import TYPE_CHECKING, Generic, TypeVar

from chronotrace_desktop.ui.errors import show_error
from chronotrace_desktop.ui.qt import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPalette,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
    Signal,
)
from chronotrace_desktop.ui.tasks import LatestTask, start_task

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from chronotrace_desktop.domain.tasks import TaskControl
    from chronotrace_desktop.domain.users import Actor
    from chronotrace_desktop.services.app import AppServices
    from chronotrace_desktop.ui.admin.record_model import RecordTableModel
    from chronotrace_desktop.workers.base import WorkerPool

T = TypeVar("T")


def ask(parent: QWidget, title: str, text: str) -> bool:
    answer = QMessageBox.question(
        parent,
        f"{title} \u2014 ChronoTrace",
        text,
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
        QMessageBox.StandardButton.Cancel,
    )
    return answer == QMessageBox.StandardButton.Yes


class AdminTablePanel(QWidget, Generic[T]):
    """``refreshed`` after each reload; ``changed`` after a change the panel made went through."""

    refreshed = Signal()
    changed = Signal()

    def __init__(
        self,
        services: AppServices,
        actor: Actor,
        pool: WorkerPool,
        model: RecordTableModel[T],
        explanation: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._services = services
        self._actor = actor
        self._pool = pool
        self._list_task = LatestTask(pool)
        self.confirm: Callable[[QWidget, str, str], bool] = ask  # a test answers for the user
        self._select_next: object = None  # the key of a record made just now, selected once it is listed
        self.model = model
        self.table = QTableView()
        self.table.setModel(model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(False)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.table.selectionModel().selectionChanged.connect(lambda *_a: self.update_buttons())
        intro = QLabel(explanation)
        intro.setWordWrap(True)
        intro.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.button_row = QHBoxLayout()
        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.clicked.connect(self.refresh)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.table, 1)
        layout.addLayout(self.button_row)

    def add_buttons(self, *buttons: QPushButton) -> None:
        for button in buttons:
            self.button_row.addWidget(button)
        self.button_row.addStretch(1)
        self.button_row.addWidget(self.refresh_button)

    # ------------------------------------------------------------------ loading
    def load(self) -> Sequence[T]:
        """The records (on a worker thread)."""
        raise NotImplementedError

    def refresh(self) -> None:
        self._list_task.start(
            lambda _task: self.load(),
            on_returned=self._loaded,
            on_errored=self.show_failure,
            name=f"list {type(self).__name__}",
        )

    def show_failure(self, exc: Exception) -> None:
        show_error(self, exc, title="Administration")

    def _loaded(self, items: Sequence[T]) -> None:
        selected = self.selected()
        wanted = self._select_next
        if wanted is None and selected is not None:
            wanted = self.model.key(selected)
        self._select_next = None
        self.model.set_items(items)
        if wanted is not None and (row := self.model.row_of(wanted)) >= 0:
            self.table.selectRow(row)
        self.update_buttons()
        self.refreshed.emit()

    # ------------------------------------------------------------------ changes
    def selected(self) -> T | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.item(rows[0].row()) if rows else None

    def select(self, key: object) -> None:
        """Select the record with ``key`` now, or when the list next holds it."""
        row = self.model.row_of(key) if key is not None else -1
        if row >= 0:
            self.table.selectRow(row)
        elif key is not None:
            self._select_next = key

    def update_buttons(self) -> None:
        """Enable the buttons that apply to the selection."""

    def run_change(self, name: str, fn: Callable[[TaskControl], object]) -> None:
        """Ask the service off the GUI thread; its refusal in a message box, then the list again. (The
        callbacks are the panel's methods, so nothing reaches a panel whose window was closed meanwhile.)"""
        start_task(self._pool, fn, on_returned=self.after_change, on_errored=self.show_failure, name=name)

    def after_change(self, _result: object = None) -> None:
        self.changed.emit()
        self.refresh()
