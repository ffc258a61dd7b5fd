"""Exports belong to a case (issue 16): ``exports.case_id``, the case's bookmarks in the report (note and a
redacted still) and in the JSON, and an evidence hold that keeps the case's exports from expiring."""

from __future__ import annotations

import json
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from chronotrace_desktop.domain.errors import ConflictError
from chronotrace_desktop.domain.export import ExportRequest, ExportSelection, ExportStatus, ExportType
from chronotrace_desktop.domain.ingest import IngestOptions
from chronotrace_desktop.domain.media import Box
from chronotrace_desktop.domain.tasks import Unattended
from chronotrace_desktop.reports import QtPdfReportRenderer
from chronotrace_desktop.services.cases import NewBookmark
from chronotrace_desktop.services.export.tracking import hold_refusal
from chronotrace_desktop.services.verification import verify_package
from chronotrace_desktop.storage.orm import AuditLog, Export, VideoSegment
from tests.conftest import VIDEOS_DIR, scratch_dir
from tests.integration.conftest import Installation, new_installation

CLIP = "car-detection.mp4"
NOTE = "White hatchback turns into the car park"


@dataclass
class Library:
    inst: Installation
    video_id: uuid.UUID
    segments: list[tuple[uuid.UUID, float, float]]  # id, start, end

    def export(self, *, case: str | None, types: frozenset[ExportType] | None = None) -> Any:
        request = ExportRequest(
            case_id="" if case else "REF-ALL-FOOTAGE",  # in a case, the reference is the case's id
            case=case,
            destination=scratch_dir("export-case-"),
            selection=ExportSelection.of_segments([self.segments[0][0]]),
            types=types or frozenset({ExportType.PDF_REPORT, ExportType.JSON_DATA}),
        )
        services = self.inst.services
        return services.exports.export(self.inst.admin, request, Unattended(), renderer=QtPdfReportRenderer())

    def row(self, export_id: uuid.UUID) -> Export:
        with self.inst.services.database.transaction() as session:
            found = session.get(Export, export_id)
            assert found is not None
            session.expunge(found)
            return found


@pytest.fixture(scope="module")
def library(qapp: Any) -> Iterator[Library]:
    with new_installation("server") as inst:
        options = IngestOptions(camera_id="CAM-CASE", recorded_at=datetime(2024, 2, 9, 14, 30))
        (result,) = inst.services.ingest.ingest_paths(inst.admin, [VIDEOS_DIR / CLIP], options, Unattended())
        assert result.ok, result.error
        assert result.video_id is not None
        with inst.services.database.transaction() as session:
            rows = session.execute(
                sa.select(VideoSegment.id, VideoSegment.start_time, VideoSegment.end_time).order_by(
                    VideoSegment.segment_index
                )
            ).all()
        yield Library(inst, result.video_id, [(r[0], float(r[1]), float(r[2])) for r in rows])


def _pdf_text(path: Path) -> str:
    tool = shutil.which("pdftotext")
    assert tool is not None, "poppler's pdftotext reads the report back"
    return subprocess.run(
        [tool, "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


def test_an_export_in_a_case_carries_its_bookmarks(library: Library) -> None:
    services, admin = library.inst.services, library.inst.admin
    case = services.cases.create(admin, "Depot robbery")
    _seg, start, end = library.segments[0]
    box = Box(0.25, 0.3, 0.3, 0.4)
    mark = services.bookmarks.create(
        admin, NewBookmark(library.video_id, start + 2.0, NOTE, box=box, case_id=case.case_id)
    )
    later = services.bookmarks.create(  # in the case, outside the exported segment: a case lists all its own
        admin, NewBookmark(library.video_id, library.segments[-1][1] + 1.0, "Leaves", case_id=case.case_id)
    )

    result = library.export(case=case.case_id)

    assert library.row(result.export_id).case_id == case.case_id
    package = Path(result.path)
    assert verify_package(package).intact
    data = json.loads((package / "segments.json").read_text(encoding="utf-8"))
    assert data["case"]["case_id"] == case.case_id
    assert data["case"]["title"] == "Depot robbery"
    assert [b["bookmark_id"] for b in data["bookmarks"]] == [str(mark.bookmark_id), str(later.bookmark_id)]
    assert data["bookmarks"][0]["note"] == NOTE
    assert data["bookmarks"][0]["box"] == {"x": 0.25, "y": 0.3, "w": 0.3, "h": 0.4}
    manifest = json.loads((package / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["case"]["case_id"] == case.case_id
    assert [b["note"] for b in manifest["bookmarks"]] == [NOTE, "Leaves"]
    text = _pdf_text(package / "report.pdf")
    assert "Bookmarks of case " + case.case_id in text
    assert NOTE in text
    assert "Depot robbery" in text
    assert "no evidence hold" in text
    assert end > start


def test_an_export_in_all_footage_carries_the_bookmarks_within_its_segments(library: Library) -> None:
    services, admin = library.inst.services, library.inst.admin
    _seg, start, end = library.segments[0]
    inside = services.bookmarks.create(admin, NewBookmark(library.video_id, (start + end) / 2, "Inside"))
    outside = services.bookmarks.create(admin, NewBookmark(library.video_id, end + 1.0, "Outside"))

    result = library.export(case=None, types=frozenset({ExportType.JSON_DATA}))

    assert library.row(result.export_id).case_id is None
    data = json.loads((Path(result.path) / "segments.json").read_text(encoding="utf-8"))
    ids = {b["bookmark_id"] for b in data["bookmarks"]}
    assert str(inside.bookmark_id) in ids
    assert str(outside.bookmark_id) not in ids
    assert data["case"] is None


def test_a_held_cases_exports_do_not_expire(library: Library) -> None:
    services, admin = library.inst.services, library.inst.admin
    case = services.cases.create(admin, "Held matter")
    held = library.export(case=case.case_id, types=frozenset({ExportType.JSON_DATA}))
    free = library.export(case=None, types=frozenset({ExportType.JSON_DATA}))
    services.cases.set_hold(admin, case.case_id, "court order 17/2026")
    with services.database.transaction() as session:  # both past their retention
        session.execute(
            sa.update(Export)
            .where(Export.id.in_([held.export_id, free.export_id]))
            .values(expires_at=datetime(2020, 1, 1))
        )

    listed = {e.id: e for e in services.exports.exports(admin)}
    assert listed[held.export_id].status is ExportStatus.COMPLETED
    assert listed[held.export_id].held
    assert listed[free.export_id].status is ExportStatus.EXPIRED
    assert services.exports.mark_opened(admin, held.export_id) == Path(held.path)

    with pytest.raises(ConflictError, match=f"{case.case_id}, which is under an evidence hold"):
        services.exports.expire(admin, held.export_id)
    expired = services.exports.expire_due(admin)
    assert free.export_id in {e.id for e in expired}
    assert held.export_id not in {e.id for e in expired}
    assert library.row(held.export_id).status == ExportStatus.COMPLETED.value
    assert library.row(free.export_id).status == ExportStatus.EXPIRED.value
    with services.database.transaction() as session:
        audited = session.scalars(
            sa.select(AuditLog.resource_id).where(AuditLog.action == "export_expired")
        ).all()
    assert free.export_id in audited
    assert held.export_id not in audited

    services.cases.release_hold(admin, case.case_id, "case closed")
    assert services.exports.expire(admin, held.export_id).status is ExportStatus.EXPIRED


def test_the_stores_refusal_is_worded_as_the_services_word_it(library: Library) -> None:
    """The trigger is the backstop (a hold set between the service's check and its write): its error, raised
    here by writing the row directly, becomes the same clean message."""
    services, admin = library.inst.services, library.inst.admin
    case = services.cases.create(admin, "Backstop")
    held = library.export(case=case.case_id, types=frozenset({ExportType.JSON_DATA}))
    services.cases.set_hold(admin, case.case_id, "appeal pending")
    with pytest.raises(DBAPIError) as raised, services.database.transaction() as session:
        session.execute(sa.update(Export).where(Export.id == held.export_id).values(status="expired"))
    refusal = hold_refusal(raised.value, held.export_id)
    assert refusal is not None
    assert str(refusal).startswith(f"Export {held.export_id} belongs to case {case.case_id}, which is under")
    assert library.row(held.export_id).status == ExportStatus.COMPLETED.value
