"""The evidence package the export dialog asks for, outside its widgets: its parts by name (``TYPE_LABELS``),
what it covers in words (:func:`describe`), and the work run in a worker that writes it (:func:`run_export`,
after the user's password when the unredacted originals go in) and records its opening (:func:`mark_opened`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from chronotrace_desktop.domain.export import ExportType, SelectionKind
from chronotrace_desktop.domain.users import ReauthPurpose

if TYPE_CHECKING:
    from pathlib import Path

    from chronotrace_desktop.domain.export import (
        ExportRequest,
        ExportResult,
        ExportSelection,
        ReportRenderer,
    )
    from chronotrace_desktop.domain.users import Actor
    from chronotrace_desktop.services.access import ReauthService
    from chronotrace_desktop.services.export import ExportService
    from chronotrace_desktop.workers.task_state import TaskState

TYPE_LABELS = {
    ExportType.VIDEO_CLIP: "Video clips",
    ExportType.PDF_REPORT: "PDF report",
    ExportType.CSV_DATA: "CSV data",
    ExportType.JSON_DATA: "JSON data",
}


def run_export(
    state: TaskState,
    exports: ExportService,
    reauth: ReauthService,
    actor: Actor,
    request: ExportRequest,
    renderer: ReportRenderer | None,
    password: str | None,
) -> ExportResult:
    proof = None
    if request.unredacted:  # the password is checked (and a wrong one audited) before anything is exported
        proof = reauth.confirm(actor, password or "", ReauthPurpose.EXPORT_UNREDACTED)
    return exports.export(actor, request, state, renderer=renderer, proof=proof)


def mark_opened(state: TaskState, exports: ExportService, actor: Actor, result: ExportResult) -> Path:
    return exports.mark_opened(actor, result.export_id)


def describe(selection: ExportSelection) -> str:
    if selection.kind is SelectionKind.ANOMALY:
        return "the segment of the selected anomaly"
    if selection.kind is SelectionKind.CAMERA_RANGE:
        return f"camera {selection.camera_id} from {selection.recorded_from} to {selection.recorded_to} UTC"
    if selection.kind is SelectionKind.SEARCH and selection.search is not None:
        return f"the hits of the search \u201c{selection.search.display_text}\u201d"
    count = len(selection.segment_ids)
    return f"{count} selected segment{'s' if count != 1 else ''}"
