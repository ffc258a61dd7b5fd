"""What "Export…" exports, and opening the export dialog (``ui/export_dialog.py``) for it.

The selection follows the user's focus of work: the selected search hits (with the search that found them and
their scores), else the selected anomaly, else the segment in the player.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from chronotrace_desktop.domain.errors import InvalidInputError
from chronotrace_desktop.domain.export import ExportSelection
from chronotrace_desktop.reports.pdf import QtPdfReportRenderer
from chronotrace_desktop.ui.dialogs.export_dialog import ExportDialog
from chronotrace_desktop.ui.qt import Qt

if TYPE_CHECKING:
    import uuid

    from chronotrace_desktop.ui.main_window import MainWindow

logger = logging.getLogger(__name__)


def current_selection(window: MainWindow) -> ExportSelection | None:
    hits = window.search_pane.selected_segment_ids()
    result = window.search_pane.last_result
    if hits:
        scores = {hit.segment_id: hit.score for hit in result.hits} if result is not None else {}
        return ExportSelection.of_segments(
            hits,
            query_id=result.search_id if result is not None else None,
            scores={segment: scores[segment] for segment in hits if segment in scores},
        )
    anomaly = window.anomaly_pane.selected_anomaly()
    if anomaly is not None:
        return ExportSelection.of_anomaly(anomaly.id)
    detail = window.player_pane.detail
    return ExportSelection.of_segments([detail.segment.id]) if detail is not None else None


def selection_size(selection: ExportSelection | None) -> int:
    if selection is None:
        return 0
    return max(1, len(selection.segment_ids))


def segments_selection(segment_ids: list[uuid.UUID]) -> ExportSelection | None:
    try:
        return ExportSelection.of_segments(segment_ids) if segment_ids else None
    except InvalidInputError:
        return None


def open_export_dialog(window: MainWindow, selection: ExportSelection) -> ExportDialog:
    dialog = ExportDialog(
        window.services.exports,
        window.actor,
        selection,
        window.pool,
        renderer=QtPdfReportRenderer(),
        parent=window,
    )
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    return dialog
