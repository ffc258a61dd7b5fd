"""The window's "Export…" command: what it would take from the panes, its enabled state, and the export dialog.

The selection follows the user's focus of work: the selected search hits (with the search that found them and
their scores), else the selected anomaly, else the segment in the player. The player's own "Export" button
exports its segment directly.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from chronotrace_desktop.domain.errors import InvalidInputError
from chronotrace_desktop.domain.export import ExportSelection
from chronotrace_desktop.reports import QtPdfReportRenderer
from chronotrace_desktop.ui.dialogs.export_dialog import ExportDialog
from chronotrace_desktop.ui.qt import QAction, QKeySequence, QObject, QStyle, Qt, QWidget

if TYPE_CHECKING:
    import uuid
    from collections.abc import Sequence

    from chronotrace_desktop.domain.cases import CaseInfo
    from chronotrace_desktop.domain.users import Actor
    from chronotrace_desktop.services.access import ReauthService
    from chronotrace_desktop.services.export import ExportService
    from chronotrace_desktop.ui.panes.anomaly_pane import AnomalyPane
    from chronotrace_desktop.ui.panes.player_pane import PlayerPane
    from chronotrace_desktop.ui.panes.search_pane import SearchPane
    from chronotrace_desktop.workers.base import WorkerPool

logger = logging.getLogger(__name__)

NO_EXPORT = "Select search hits, an anomaly or a segment in the player to export."


class ExportCommand(QObject):
    """Owns :attr:`action` ("Export…", Ctrl+E) and keeps it in step with the panes' selections."""

    def __init__(
        self,
        exports: ExportService,
        actor: Actor,
        pool: WorkerPool,
        *,
        reauth: ReauthService,
        search_pane: SearchPane,
        anomaly_pane: AnomalyPane,
        player_pane: PlayerPane,
        window: QWidget,
    ) -> None:
        super().__init__(window)
        self._exports = exports
        self._reauth = reauth
        self._actor = actor
        self._pool = pool
        self._search = search_pane
        self._anomalies = anomaly_pane
        self._player = player_pane
        self._window = window
        self._case_id: str | None = None
        self._cases: Sequence[CaseInfo] = ()
        self.action = QAction("&Export…", window)
        self.action.setIcon(window.style().standardIcon(QStyle.StandardPixmap.SP_DialogSaveButton))
        self.action.setShortcut(QKeySequence("Ctrl+E"))
        self.action.triggered.connect(self.export_selection)
        for signal in (
            search_pane.selection_changed,
            anomaly_pane.selection_changed,
            player_pane.segment_loaded,
        ):
            signal.connect(lambda *_: self.refresh())
        player_pane.export_requested.connect(self.export_segments)
        self.refresh()

    def candidates(self) -> ExportSelection | None:
        """The selected search hits, else the selected anomaly, else the player's segment."""
        hits = self._search.selected_segment_ids()
        result = self._search.last_result
        if hits:
            scores = {hit.segment_id: hit.score for hit in result.hits} if result is not None else {}
            return ExportSelection.of_segments(
                hits,
                query_id=result.search_id if result is not None else None,
                scores={segment: scores[segment] for segment in hits if segment in scores},
            )
        anomaly = self._anomalies.selected_anomaly()
        if anomaly is not None:
            return ExportSelection.of_anomaly(anomaly.id)
        detail = self._player.detail
        return ExportSelection.of_segments([detail.segment.id]) if detail is not None else None

    def set_case(self, case_id: str | None, cases: Sequence[CaseInfo]) -> None:
        """The case exports are filed in by default (the dialog offers ``cases`` to choose another)."""
        self._case_id, self._cases = case_id, tuple(cases)

    def refresh(self) -> None:
        selection = self.candidates()
        count = max(1, len(selection.segment_ids)) if selection is not None else 0
        tip = f"Export {count} segment{'s' if count != 1 else ''} as evidence" if count else NO_EXPORT
        self.action.setEnabled(count > 0)
        self.action.setToolTip(tip)
        self.action.setStatusTip(tip)

    def export_selection(self) -> ExportDialog | None:
        selection = self.candidates()
        return self._open(selection) if selection is not None else None

    def export_segments(self, segment_ids: list[uuid.UUID]) -> ExportDialog | None:
        try:
            selection = ExportSelection.of_segments(segment_ids) if segment_ids else None
        except InvalidInputError:
            logger.info("Nothing to export from the player's request")
            return None
        return self._open(selection) if selection is not None else None

    def _open(self, selection: ExportSelection) -> ExportDialog:
        dialog = ExportDialog(
            self._exports,
            self._actor,
            selection,
            self._pool,
            reauth=self._reauth,
            renderer=QtPdfReportRenderer(),
            cases=self._cases,
            current_case=self._case_id,
            parent=self._window,
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog
