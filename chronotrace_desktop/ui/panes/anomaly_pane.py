"""The anomaly queue: filter, pick one (its segment plays), move it through the workflow with a note.

The workflow (new → acknowledged → investigating → resolved | false positive, and reopen) is enforced and
audited by the anomaly service; the buttons only offer the moves that make sense from the current status.
"""

from __future__ import annotations

import logging
import uuid
from typing import TYPE_CHECKING, Any

from chronotrace_desktop.domain.errors import UserFacingError
from chronotrace_desktop.domain.roles import Action, is_allowed
from chronotrace_desktop.services.anomalies import AnomalyRecord
from chronotrace_desktop.ui.errors import show_error
from chronotrace_desktop.ui.models.anomaly_model import (
    DETECTED,
    SEVERITY_ORDER,
    TITLE,
    AnomalyFilterProxy,
    AnomalyTableModel,
    ItemRole,
    words,
)
from chronotrace_desktop.ui.panes import PANE_MIN_HEIGHT, PANE_MIN_WIDTH
from chronotrace_desktop.ui.panes import anomaly_access as access
from chronotrace_desktop.ui.qt import (
    QAbstractItemView,
    QComboBox,
    QEvent,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPalette,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QSplitter,
    Qt,
    QTableView,
    QVBoxLayout,
    QWidget,
    Signal,
)
from chronotrace_desktop.ui.tasks import LatestTask, start_task

if TYPE_CHECKING:
    from collections.abc import Sequence

    from chronotrace_desktop.domain.users import Actor
    from chronotrace_desktop.services.app import AppServices
    from chronotrace_desktop.ui.models.anomaly_model import AnomalyLike
    from chronotrace_desktop.workers.base import WorkerPool

logger = logging.getLogger(__name__)

MOVES = (
    ("acknowledged", "Acknowledge"),
    ("investigating", "Investigate"),
    ("resolved", "Resolve"),
    ("false_positive", "False positive"),
)


class AnomalyPane(QWidget):
    segment_activated = Signal(uuid.UUID)  # segment id
    selection_changed = Signal()
    transitioned = Signal(AnomalyRecord)  # the updated anomaly

    def __init__(
        self, services: AppServices, actor: Actor, pool: WorkerPool, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setMinimumSize(PANE_MIN_WIDTH, PANE_MIN_HEIGHT)
        self._services = services
        self._actor = actor
        self._pool = pool
        self._load_task = LatestTask(pool)
        self._case_id: str | None = None
        self._pending_select: uuid.UUID | None = None  # asked for before the queue had loaded it
        self.can_triage = is_allowed(actor.role, Action.TRIAGE_ANOMALY)
        self._current_id: uuid.UUID | None = None

        self.model = AnomalyTableModel(self.palette())
        self.proxy = AnomalyFilterProxy()
        self.proxy.setSourceModel(self.model)
        self.filter_combos: dict[str, QComboBox] = {}
        filters = QHBoxLayout()
        for field, label in (
            ("status", "All statuses"),
            ("severity", "All severities"),
            ("type", "All types"),
            ("camera_id", "All cameras"),
        ):
            combo = QComboBox()
            combo.addItem(label, None)
            combo.currentIndexChanged.connect(
                lambda _i, f=field, c=combo: self.proxy.set_filter(f, c.currentData())
            )
            self.filter_combos[field] = combo
            filters.addWidget(combo)
        filters.addStretch(1)

        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(DETECTED, Qt.SortOrder.DescendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(TITLE, QHeaderView.ResizeMode.Stretch)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._selected())

        self.empty_label = QLabel()
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setWordWrap(True)
        self.empty_label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.detail_label = QLabel()
        self.detail_label.setWordWrap(True)
        self.detail_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.note_edit = QPlainTextEdit()
        self.note_edit.setPlaceholderText("Note for this step (required to resolve, dismiss or reopen)")
        self.note_edit.setMaximumHeight(64)
        self.move_buttons: dict[str, QPushButton] = {}
        moves = QHBoxLayout()
        for status, text in MOVES:
            button = QPushButton(text)
            button.clicked.connect(lambda _c=False, s=status: self.move_selected(s))
            button.setVisible(self.can_triage)
            self.move_buttons[status] = button
            moves.addWidget(button)
        moves.addStretch(1)
        self.note_edit.setVisible(self.can_triage)

        details = QWidget()
        details.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        details_layout = QVBoxLayout(details)
        details_layout.setContentsMargins(0, 0, 0, 0)
        details_layout.addWidget(self.detail_label)
        details_layout.addWidget(self.note_edit)
        details_layout.addLayout(moves)
        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.addLayout(filters)
        top_layout.addWidget(self.table, 1)
        top_layout.addWidget(self.empty_label, 1)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(top)
        splitter.addWidget(details)
        splitter.setStretchFactor(0, 3)
        splitter.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(splitter)
        self._selected()
        self.reload()

    # ------------------------------------------------------------------ loading
    def set_case(self, case_id: str | None) -> None:
        """Show the anomalies of the case's videos (None: of all footage)."""
        self._case_id = case_id
        self.reload()

    def reload(self) -> None:
        self._load_task.start(
            access.list_anomalies,
            self._services,
            self._actor,
            self._case_id,
            on_returned=lambda items: self._show_items(items, None),
            on_errored=lambda exc: self._show_items([], f"The queue could not be loaded: {exc}"),
            name="anomalies",
        )

    def _show_items(self, items: Sequence[AnomalyLike], message: str | None) -> None:
        selected = self.selected_anomaly()
        self.model.set_items(items)
        self._fill_filters(items)
        has = bool(items)
        self.table.setVisible(has)
        self.empty_label.setVisible(not has)
        none = (
            f"No anomalies in the videos of {self._case_id}."
            if self._case_id
            else "No anomalies. New ones appear here as videos are analysed."
        )
        self.empty_label.setText(message or none)
        wanted, self._pending_select = self._pending_select, None
        if wanted is not None and any(item.id == wanted for item in items):
            self.select(wanted)
        elif selected is not None:
            self._select_row(selected.id)
        self._selected()

    def _fill_filters(self, items: Sequence[AnomalyLike]) -> None:
        for field, combo in self.filter_combos.items():
            current = combo.currentData()
            values = sorted({getattr(i, field) for i in items if getattr(i, field)}, key=_order(field))
            combo.blockSignals(True)
            while combo.count() > 1:
                combo.removeItem(1)
            for value in values:
                combo.addItem(words(value), value)
            combo.setCurrentIndex(max(0, combo.findData(current)))
            combo.blockSignals(False)

    # ------------------------------------------------------------------ selection
    def selected_anomaly(self) -> AnomalyLike | None:
        rows = self.table.selectionModel().selectedRows()
        return rows[0].data(ItemRole) if rows else None

    def selected_segment_ids(self) -> list[uuid.UUID]:
        item = self.selected_anomaly()
        return [item.segment_id] if item is not None else []

    def select(self, anomaly_id: uuid.UUID) -> None:
        """Select ``anomaly_id`` (an alert was clicked): filters that hide it are cleared, and one the queue
        has not loaded yet is selected as soon as the reload brings it."""
        if self._select_row(anomaly_id):
            return
        loaded = any(
            self.model.index(row, 0).data(ItemRole).id == anomaly_id for row in range(self.model.rowCount())
        )
        if loaded:
            for combo in self.filter_combos.values():
                combo.setCurrentIndex(0)  # "All …": the filter that hid it is shown cleared
            self._select_row(anomaly_id)
            return
        self._pending_select = anomaly_id
        self.reload()

    def _select_row(self, anomaly_id: uuid.UUID) -> bool:
        for row in range(self.proxy.rowCount()):
            if self.proxy.index(row, 0).data(ItemRole).id == anomaly_id:
                self.table.selectRow(row)
                return True
        return False

    def _selected(self) -> None:
        item = self.selected_anomaly()
        if item is None:
            self.detail_label.setText("Select an anomaly to play its segment and work it.")
        else:
            description = getattr(item, "description", None) or ""
            self.detail_label.setText(
                f"<b>{_escape(item.title or words(item.type))}</b> — {words(item.severity)}, "
                f"{float(item.confidence):.0%} confident, {words(item.status)}<br>{_escape(description)}"
            )
        allowed = access.next_statuses(item.status) if item is not None else ()
        for status, button in self.move_buttons.items():
            button.setEnabled(status in allowed)
        reopen = item is not None and access.is_closed(item.status)
        self.move_buttons["investigating"].setText("Reopen" if reopen else "Investigate")
        self.selection_changed.emit()
        current = item.id if item is not None else None
        if item is not None and current != self._current_id:
            self.segment_activated.emit(item.segment_id)
        self._current_id = current

    # ------------------------------------------------------------------ workflow
    def move_selected(self, status: str) -> None:
        item = self.selected_anomaly()
        if item is None:
            return
        note = " ".join(self.note_edit.toPlainText().split()) or None
        for button in self.move_buttons.values():
            button.setEnabled(False)
        start_task(
            self._pool,
            access.transition,
            self._services,
            self._actor,
            item.id,
            status,
            note,
            on_returned=self._on_moved,
            on_errored=self._on_move_failed,
            name="anomaly transition",
        )

    def _on_moved(self, item: AnomalyRecord) -> None:
        self.note_edit.clear()
        self.model.replace_item(item)
        self._selected()
        self.transitioned.emit(item)

    def _on_move_failed(self, exc: Exception) -> None:
        self._selected()
        if isinstance(exc, UserFacingError):
            self.detail_label.setText(
                f"{self.detail_label.text()}<br><b>Not changed:</b> {_escape(str(exc))}"
            )
        else:
            show_error(self, exc, title="Anomaly queue")

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.PaletteChange:
            self.model.set_palette(self.palette())
        super().changeEvent(event)


def _order(field: str) -> Any:
    if field == "severity":
        return lambda value: SEVERITY_ORDER.get(value, 9)
    return lambda value: value


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
