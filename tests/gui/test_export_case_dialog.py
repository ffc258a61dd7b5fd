"""The export dialog files the export in the case the window works in (issue 16): preselected, the reference is
the case's id, the row gets ``exports.case_id``; all footage lets the user type a free reference."""

from __future__ import annotations

import json
from pathlib import Path

import sqlalchemy as sa
from pytestqt.qtbot import QtBot

from chronotrace_desktop.domain.export import ExportSelection, ExportType
from chronotrace_desktop.services.cases import NewBookmark
from chronotrace_desktop.storage.orm import Export
from chronotrace_desktop.ui.dialogs.export_dialog import ExportDialog
from chronotrace_desktop.workers.base import WorkerPool
from tests.gui.conftest import Library, segments_of


def test_the_current_case_is_preselected_and_the_export_is_filed_in_it(
    qtbot: QtBot, library: Library, pool: WorkerPool, tmp_path: Path
) -> None:
    services, analyst = library.services, library.analyst
    other = services.cases.create(analyst, "Another matter")
    case = services.cases.create(analyst, "Van at the gate")
    video = library.video_ids["car-detection.mp4"]
    mark = services.bookmarks.create(analyst, NewBookmark(video, 4.0, "Van arrives", case_id=case.case_id))
    dialog = ExportDialog(
        services.exports,
        analyst,
        ExportSelection.of_segments(segments_of(library, "car-detection.mp4")[:1]),
        pool,
        reauth=services.reauth,
        destination=tmp_path,
        case_id="REF-FREE",
        cases=services.cases.list_cases(analyst),
        current_case=case.case_id,
    )
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.case == case.case_id
    assert dialog.case_edit.text() == case.case_id
    assert not dialog.case_edit.isEnabled()
    assert not dialog.case_edit.isVisibleTo(dialog)  # in a case, its id is the reference: no second field

    dialog.case_combo.setCurrentIndex(0)  # all footage: the free reference comes back
    assert dialog.case is None
    assert dialog.case_edit.isEnabled()
    assert dialog.case_edit.text() == "REF-FREE"
    assert dialog.case_edit.isVisibleTo(dialog)
    assert dialog.request().case is None
    dialog.case_combo.setCurrentIndex(dialog.case_combo.findData(other.case_id))
    assert dialog.request().case == other.case_id
    dialog.case_combo.setCurrentIndex(dialog.case_combo.findData(case.case_id))

    for kind, check in dialog.type_checks.items():
        check.setChecked(kind is ExportType.JSON_DATA)
    with qtbot.waitSignal(dialog.export_finished, timeout=60_000) as finished:
        dialog.submit()
    result = finished.args[0]
    assert result.case == case.case_id
    with services.database.transaction() as session:
        assert session.scalar(sa.select(Export.case_id).where(Export.id == result.export_id)) == case.case_id
    data = json.loads((Path(result.path) / "segments.json").read_text(encoding="utf-8"))
    assert [b["bookmark_id"] for b in data["bookmarks"]] == [str(mark.bookmark_id)]
