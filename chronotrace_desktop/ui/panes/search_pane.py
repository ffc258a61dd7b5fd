"""The search pane: words (with history), filters, a still image dropped in, or "find similar" on a hit.

Searches, thumbnails, history and filter values all load in workers; a new search cancels the one before, so
the window never waits and a late answer never replaces a newer one.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chronotrace_desktop.domain.errors import InvalidInputError, UserFacingError
from chronotrace_desktop.domain.search import SearchResult, SegmentQuery
from chronotrace_desktop.ui.errors import show_error
from chronotrace_desktop.ui.models.search_model import IdRole, SearchResultsModel
from chronotrace_desktop.ui.panes import PANE_MIN_HEIGHT, PANE_MIN_WIDTH
from chronotrace_desktop.ui.panes.search_appearance import find_elsewhere
from chronotrace_desktop.ui.panes.search_engines import EngineWarningLabel, engines_text
from chronotrace_desktop.ui.panes.search_filters import SearchFiltersPanel
from chronotrace_desktop.ui.panes.search_results import THUMB_GRID, HitsView
from chronotrace_desktop.ui.qt import (
    QAction,
    QComboBox,
    QHBoxLayout,
    QImage,
    QLabel,
    QMenu,
    QPalette,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSplitter,
    Qt,
    QToolButton,
    QVBoxLayout,
    QWidget,
    Signal,
)
from chronotrace_desktop.ui.tasks import LatestTask, start_task
from chronotrace_desktop.ui.theme import DANGER, accent_text

if TYPE_CHECKING:
    from chronotrace_desktop.domain.media import Box
    from chronotrace_desktop.domain.users import Actor
    from chronotrace_desktop.services.app import AppServices
    from chronotrace_desktop.services.library import FilterOptions
    from chronotrace_desktop.ui.qt import QDragEnterEvent, QDropEvent, QModelIndex, QPoint
    from chronotrace_desktop.workers.base import WorkerPool
    from chronotrace_desktop.workers.task_state import TaskState

logger = logging.getLogger(__name__)

IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".bmp", ".webp", ".tif", ".tiff"})
EMPTY_HINT = (
    "Describe what you are looking for (e.g. “white car”, “person in a red top”) and press Enter, "
    "or drop a still image here."
)


def _search(state: TaskState, services: AppServices, actor: Actor, query: SegmentQuery) -> SearchResult:
    return services.search.search(actor, query)


def _thumbnails(
    state: TaskState, services: AppServices, actor: Actor, ids: list[uuid.UUID]
) -> dict[uuid.UUID, QImage]:
    images: dict[uuid.UUID, QImage] = {}
    for done, segment_id in enumerate(ids):
        state.check_cancelled()
        try:
            path = services.media.redacted_thumbnail(actor, segment_id)
        except UserFacingError as exc:
            logger.info("No thumbnail for %s: %s", segment_id, exc)
            continue
        image = QImage(str(path))
        if not image.isNull():
            images[segment_id] = image.scaled(
                THUMB_GRID, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
            )
        state.progress(done + 1, len(ids))
    return images


def _history_and_options(
    state: TaskState, services: AppServices, actor: Actor
) -> tuple[list[str], FilterOptions]:
    return services.library.recent_searches(actor), services.library.filter_options(actor)


def _image_paths(mime: Any) -> list[Path]:
    if mime is None or not mime.hasUrls():
        return []
    paths = [Path(url.toLocalFile()) for url in mime.urls() if url.isLocalFile()]
    return [p for p in paths if p.suffix.lower() in IMAGE_SUFFIXES]


class SearchPane(QWidget):
    search_finished = Signal(SearchResult)
    search_failed = Signal(Exception)
    segment_activated = Signal(uuid.UUID)  # segment id
    selection_changed = Signal()

    def __init__(
        self, services: AppServices, actor: Actor, pool: WorkerPool, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setMinimumSize(PANE_MIN_WIDTH, PANE_MIN_HEIGHT)
        self._services = services
        self._actor = actor
        self._pool = pool
        self._search_task = LatestTask(pool)
        self._case_id: str | None = None
        self._thumb_task = LatestTask(pool)
        self.last_result: SearchResult | None = None
        self.setAcceptDrops(True)

        self.query_combo = QComboBox()
        self.query_combo.setEditable(True)
        self.query_combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.query_combo.setMaxVisibleItems(15)
        self.query_edit = self.query_combo.lineEdit()
        assert self.query_edit is not None
        self.query_edit.setPlaceholderText("Search: e.g. white car, person in a red top, bag left behind")
        self.query_edit.setClearButtonEnabled(True)
        self.query_edit.returnPressed.connect(self.run_text_search)
        # Not ``activated``: an editable combo also emits it when its line edit loses focus (a dock floating,
        # a click elsewhere), which would search again. Picking from the history fills the box; Enter searches.
        self.search_button = QPushButton("Search")
        self.search_button.setDefault(True)
        self.search_button.clicked.connect(self.run_text_search)
        self.filters_button = QToolButton()
        self.filters_button.setText("Filters")
        self.filters_button.setCheckable(True)
        self.filters_button.setToolTip(
            "Show the filters: cameras, places, time, faces, motion, objects, score"
        )
        self.grid_button = QToolButton()
        self.grid_button.setText("Grid")
        self.grid_button.setCheckable(True)
        self.grid_button.setChecked(True)
        self.grid_button.setToolTip("Thumbnails in a grid, or a list with the details")
        self.similar_button = QPushButton("Find similar")
        self.similar_button.setToolTip("Segments that look like the selected hit")
        self.similar_button.clicked.connect(self.find_similar_to_selected)

        self.filters_panel = SearchFiltersPanel()
        self.filters_panel.changed.connect(self._update_filters_button)
        scroll = QScrollArea()
        scroll.setWidget(self.filters_panel)
        scroll.setWidgetResizable(True)
        scroll.setMinimumWidth(280)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.filters_button.toggled.connect(scroll.setVisible)
        scroll.hide()
        self.filters_scroll = scroll

        self.results_model = SearchResultsModel()
        self.results_view = HitsView()
        self.results_view.setModel(self.results_model)
        self.results_view.activated.connect(self._activated)
        self.results_view.doubleClicked.connect(self._activated)
        self.results_view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.results_view.customContextMenuRequested.connect(self._context_menu)
        self.results_view.selectionModel().selectionChanged.connect(lambda *_: self._selection_changed())
        self.grid_button.toggled.connect(self._set_grid)

        self.hint_label = QLabel(EMPTY_HINT)
        self.hint_label.setWordWrap(True)
        self.hint_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.hint_label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.status_label = QLabel()
        self.status_label.setWordWrap(True)
        self.engines_warning = EngineWarningLabel()  # "nova did not answer: …"
        self.busy_bar = QProgressBar()
        self.busy_bar.setRange(0, 0)
        self.busy_bar.setMaximumWidth(120)
        self.busy_bar.setTextVisible(False)
        self.busy_bar.hide()

        top = QHBoxLayout()
        top.addWidget(self.query_combo, 1)
        for widget in (self.search_button, self.filters_button, self.grid_button, self.similar_button):
            top.addWidget(widget)
        results = QWidget()
        results_layout = QVBoxLayout(results)
        results_layout.setContentsMargins(0, 0, 0, 0)
        results_layout.addWidget(self.results_view, 1)
        results_layout.addWidget(self.hint_label, 1)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(scroll)
        self.splitter.addWidget(results)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setChildrenCollapsible(False)
        status = QHBoxLayout()
        status.addWidget(self.status_label, 1)
        status.addWidget(self.busy_bar)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(top)
        layout.addWidget(self.splitter, 1)
        layout.addLayout(status)
        layout.addWidget(self.engines_warning)
        self.results_view.hide()
        self._selection_changed()
        self.refresh_options()

    # ------------------------------------------------------------------ public
    @property
    def busy(self) -> bool:
        return self._search_task.busy

    def selected_segment_ids(self) -> list[uuid.UUID]:
        rows = sorted(self.results_view.selectionModel().selectedRows(), key=lambda i: i.row())
        return [index.data(IdRole) for index in rows]

    def refresh_options(self) -> None:
        start_task(
            self._pool,
            _history_and_options,
            self._services,
            self._actor,
            on_returned=self._on_options,
            on_errored=lambda exc: logger.info("Search history unavailable: %s", exc),
            name="search history",
        )

    def run_text_search(self) -> None:
        text = self.query_combo.currentText().strip()
        if text:
            self.run({"text": text})

    def search_image(self, path: Path) -> None:
        self.run({"image_path": path})

    def find_similar(self, segment_id: uuid.UUID) -> None:
        self.run({"similar_to": segment_id})

    def find_similar_to_selected(self) -> None:
        ids = self.selected_segment_ids()
        if ids:
            self.find_similar(ids[0])

    def find_elsewhere(self, segment_id: uuid.UUID, seconds: float, box: Box) -> None:
        """Find this person (or vehicle) elsewhere: the box picked in the player, ``seconds`` after the segment's
        start (the redacted clip's own time); the hits give "appearance" as their reason."""
        self._thumb_task.cancel()
        self.busy_bar.show()
        self._show_status("Looking for the same appearance in other footage…")
        self._search_task.start(
            find_elsewhere,
            self._services,
            self._actor,
            segment_id,
            seconds,
            box,
            self._case_id,
            self.filters_panel.limit,
            on_returned=self._on_result,
            on_errored=self._on_failed,
            name="search",
        )

    def set_case(self, case_id: str | None) -> None:
        """Search the case's videos from now on (None: all footage); the search is recorded in the case."""
        self._case_id = case_id
        if self.query_edit is not None:
            where = f"in {case_id}" if case_id else "in all footage"
            self.query_edit.setPlaceholderText(f"Search {where}: e.g. white car, person in a red top")

    def run(self, what: dict[str, Any]) -> None:
        try:
            filters = replace(self.filters_panel.filters(), case_id=self._case_id)
            query = SegmentQuery(**what, filters=filters, limit=self.filters_panel.limit)
        except InvalidInputError as exc:
            self._show_status(str(exc), error=True)
            return
        self._thumb_task.cancel()
        self.engines_warning.clear_failures()
        self.busy_bar.show()
        self._show_status(f"Searching for {query.display_text}…")
        self._search_task.start(
            _search,
            self._services,
            self._actor,
            query,
            on_returned=self._on_result,
            on_errored=self._on_failed,
            name="search",
        )

    # ------------------------------------------------------------------ results
    def _on_result(self, result: SearchResult) -> None:
        self.show_result(result)
        self.refresh_options()
        self.search_finished.emit(result)

    def show_result(self, result: SearchResult) -> None:
        """Hits, the summary line (count, time, what was understood, the engines that answered), a warning
        for each engine that did not, and the thumbnails (loaded in a worker)."""
        self.busy_bar.hide()
        self.last_result = result
        self.results_model.set_hits(list(result.hits))
        has_hits = bool(result.hits)
        self.results_view.setVisible(has_hits)
        self.hint_label.setVisible(not has_hits)
        if not has_hits:
            self.hint_label.setText(f"Nothing matched {result.query_text!r} with these filters.")
        count = len(result.hits)
        parts = [
            f"{count} result{'s' if count != 1 else ''} for “{result.query_text}” in {result.timings.total_ms:.0f} ms"
        ]
        if result.understood:
            parts.append("understood: " + ", ".join(result.understood))
        if result.engines:
            parts.append(engines_text(result))
        self._show_status(" · ".join(parts))
        self.engines_warning.show_failures(result)
        if has_hits:
            self.results_view.setCurrentIndex(self.results_model.index(0))
            ids = [hit.segment_id for hit in result.hits]
            self._thumb_task.start(
                _thumbnails,
                self._services,
                self._actor,
                ids,
                on_returned=self.results_model.set_thumbnails,
                on_errored=lambda exc: logger.warning("Thumbnails failed: %s", exc),
                name="thumbnails",
            )

    def _on_failed(self, exc: Exception) -> None:
        self.busy_bar.hide()
        self.engines_warning.clear_failures()
        if isinstance(exc, UserFacingError):
            self._show_status(str(exc), error=True)
        else:
            self._show_status("The search failed (details in the error dialog).", error=True)
            show_error(self, exc, title="Search")
        self.search_failed.emit(exc)

    def _on_options(self, values: tuple[list[str], FilterOptions]) -> None:
        history, options = values
        text = self.query_combo.currentText()
        self.query_combo.blockSignals(True)
        self.query_combo.clear()
        self.query_combo.addItems(history)
        self.query_combo.setCurrentIndex(-1)
        self.query_combo.setEditText(text)
        self.query_combo.blockSignals(False)
        self.filters_panel.set_options(options)

    def _show_status(self, text: str, *, error: bool = False) -> None:
        self.status_label.setText(text)
        palette = self.palette()
        if error:
            palette.setColor(QPalette.ColorRole.WindowText, accent_text(DANGER, palette))
        self.status_label.setPalette(palette)

    # ------------------------------------------------------------------ view
    def _set_grid(self, grid: bool) -> None:
        self.results_view.set_grid(grid)
        self.grid_button.setText("Grid" if grid else "List")

    def _update_filters_button(self) -> None:
        try:
            count = self.filters_panel.active_count()
        except InvalidInputError:
            count = 0
        self.filters_button.setText(f"Filters ({count})" if count else "Filters")

    def _selection_changed(self) -> None:
        self.similar_button.setEnabled(bool(self.selected_segment_ids()))
        self.selection_changed.emit()

    def _activated(self, index: QModelIndex) -> None:
        segment_id = index.data(IdRole)
        if segment_id is not None:
            self.segment_activated.emit(segment_id)

    def _context_menu(self, pos: QPoint) -> None:
        index = self.results_view.indexAt(pos)
        if not index.isValid():
            return
        segment_id = index.data(IdRole)
        menu = QMenu(self)
        play = QAction("Play (redacted)", menu)
        play.triggered.connect(lambda: self.segment_activated.emit(segment_id))
        similar = QAction("Find similar", menu)
        similar.triggered.connect(lambda: self.find_similar(segment_id))
        menu.addAction(play)
        menu.addAction(similar)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        menu.popup(self.results_view.viewport().mapToGlobal(pos))

    # ------------------------------------------------------------------ Qt overrides
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if _image_paths(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = _image_paths(event.mimeData())
        if paths:
            event.acceptProposedAction()
            self.search_image(paths[0])
