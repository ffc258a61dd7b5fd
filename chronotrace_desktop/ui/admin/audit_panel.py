"""The audit trail viewer: every action (or, for an analyst, their own), the PII reveals with the segment's camera
and corrected time, the selected row in full, and the filtered trail to CSV (audited).

Both tables are lazy models over row ids (``ui.models.audit_model``); every query runs on the worker pool. What
a user may read is decided by the audit service (administrators: every row; analysts: their own) and, on a
team login, by the database; the panel only says which it is. Rows moved to the archive table are not shown.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from chronotrace_desktop.domain.roles import Action, is_allowed
from chronotrace_desktop.services.access import AuditCount, AuditExport, AuditExporter, AuditQuery
from chronotrace_desktop.ui.admin.audit_detail import AuditDetail
from chronotrace_desktop.ui.admin.audit_filters import AuditFilterBar
from chronotrace_desktop.ui.models.audit_model import WIDTHS, AuditTableModel, TrailMode
from chronotrace_desktop.ui.qt import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    Qt,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
    Signal,
)
from chronotrace_desktop.ui.tasks import start_task

if TYPE_CHECKING:
    from chronotrace_desktop.domain.users import Actor
    from chronotrace_desktop.services.app import AppServices
    from chronotrace_desktop.ui.qt import QItemSelection
    from chronotrace_desktop.workers.base import WorkerPool
    from chronotrace_desktop.workers.task_state import TaskState

ALL_ROWS = (
    "Every user's actions, newest first, from the audit log (rows moved to the archive are not shown). "
    "Filter, select a row to read it in full, or export what the filter shows to CSV (the export is audited)."
)
OWN_ROWS = (
    "Your own activity: you see only the audit rows of your own actions (administrators see everyone's). "
    "Filter, select a row to read it in full, or export it to CSV (the export is audited)."
)


class AuditPanel(QWidget):
    loaded = Signal()  # a page of the shown table arrived
    exported = Signal(AuditExport)

    def __init__(
        self, services: AppServices, actor: Actor, pool: WorkerPool, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._services = services
        self._actor = actor
        self._pool = pool
        self.sees_everyone = is_allowed(actor.role, Action.VIEW_AUDIT_LOG)
        self.notice = QLabel(ALL_ROWS if self.sees_everyone else OWN_ROWS)
        self.notice.setWordWrap(True)
        self.filters = AuditFilterBar(None if self.sees_everyone else actor.email)
        self.filters.applied.connect(self.apply)
        self.filters.refused.connect(self._say)

        reader = services.audit_reader
        self.trail_model = AuditTableModel(reader, actor, pool, TrailMode.ALL, self)
        self.reveals_model = AuditTableModel(reader, actor, pool, TrailMode.REVEALS, self)
        self.trail_view, self.reveals_view = self._table(self.trail_model), self._table(self.reveals_model)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.trail_view, "All actions")
        self.tabs.addTab(self.reveals_view, "PII reveals")
        self.tabs.currentChanged.connect(lambda _index: self._show_selected())
        self.detail = AuditDetail()
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.tabs)
        splitter.addWidget(self.detail)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([650, 350])  # proportions: the table gets most of the width

        self.count_label = QLabel("")
        self.status_label = QLabel("")
        self.status_label.setWordWrap(True)
        self.export_button = QPushButton("Export CSV\u2026")
        self.export_button.setToolTip("Write every row the filter matches (on the shown tab) to a CSV file")
        self.export_button.clicked.connect(self.choose_export_file)
        footer = QHBoxLayout()
        footer.addWidget(self.count_label)
        footer.addWidget(self.status_label, 1)
        footer.addWidget(self.export_button)

        layout = QVBoxLayout(self)
        layout.addWidget(self.notice)
        layout.addWidget(self.filters)
        layout.addWidget(splitter, 1)
        layout.addLayout(footer)
        for model in (self.trail_model, self.reveals_model):
            model.errored.connect(lambda exc: self._say(str(exc)))
            model.page_loaded.connect(self._page_loaded)
            model.counted.connect(lambda count, model=model: self._counted(model, count))
        self.apply(AuditQuery())

    # ------------------------------------------------------------------ public
    @property
    def shown_model(self) -> AuditTableModel:
        return self.reveals_model if self.tabs.currentIndex() == 1 else self.trail_model

    @property
    def shown_view(self) -> QTableView:
        return self.reveals_view if self.tabs.currentIndex() == 1 else self.trail_view

    def apply(self, query: AuditQuery) -> None:
        self.status_label.setText("")
        self.count_label.setText("Counting\u2026")
        self.detail.show_row(None)
        for model in (self.trail_model, self.reveals_model):
            model.set_query(query)

    def choose_export_file(self) -> None:
        name, _ = QFileDialog.getSaveFileName(
            self, "Export audit trail", "audit-trail.csv", "CSV files (*.csv)"
        )
        if name:
            self.export_to(Path(name))

    def export_to(self, path: Path) -> None:
        """Export what the shown tab's filter matches (on the worker pool); ``exported`` when written."""
        services, actor, query = self._services, self._actor, self.shown_model.query
        exporter = AuditExporter(services.database, services.authorizer, services.audit)

        def work(state: TaskState) -> AuditExport:
            return exporter.export_csv(actor, query, path, state)

        self.export_button.setEnabled(False)
        self._say(f"Writing {path.name}\u2026")
        start_task(
            self._pool,
            work,
            on_returned=self._exported,
            on_errored=self._export_failed,
            progress=lambda done, _total, note: self._say(note or f"{done:,} rows written"),
            name="audit CSV export",
        )

    # ------------------------------------------------------------------ inside
    def _table(self, model: AuditTableModel) -> QTableView:
        view = QTableView()
        view.setModel(model)
        view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        view.setAlternatingRowColors(True)
        view.setWordWrap(False)
        view.verticalHeader().setVisible(False)
        view.horizontalHeader().setStretchLastSection(True)
        view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        view.verticalHeader().setDefaultSectionSize(view.fontMetrics().height() + 8)
        for column, width in enumerate(WIDTHS[model.mode]):
            view.setColumnWidth(column, width)
        view.selectionModel().selectionChanged.connect(self._selection_changed)
        model.dataChanged.connect(lambda *_: self._show_selected())
        return view

    def _selection_changed(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        self._show_selected()

    def _show_selected(self) -> None:
        rows = self.shown_view.selectionModel().selectedRows()
        self.detail.show_row(self.shown_model.entry(rows[0].row()) if rows else None)

    def _page_loaded(self) -> None:
        if self.sender() is self.shown_model:
            self.loaded.emit()

    def _counted(self, model: AuditTableModel, count: AuditCount) -> None:
        if model is self.trail_model:
            self.count_label.setText(f"{count} rows")
        else:
            self.tabs.setTabText(1, f"PII reveals ({count})")

    def _exported(self, done: AuditExport) -> None:
        self.export_button.setEnabled(True)
        self._say(f"{done.rows:,} rows written to {done.path}")
        self.exported.emit(done)

    def _export_failed(self, exc: Exception) -> None:
        self.export_button.setEnabled(True)
        self._say(f"Export failed: {exc}")

    def _say(self, text: str) -> None:
        self.status_label.setText(text)
