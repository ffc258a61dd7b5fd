"""Issue 13 (Low): the refused paths that wrote nothing now leave an audit row.

* an export refused or failing before its ``exports`` row: a failed ``export_data`` row with the reason;
* opening an export from the app (``mark_opened``): ``export_opened``, refused (unknown, expired) or not;
* a file an ingest refuses as bad input: a failed ``video_upload`` row with the file name and the reason.

One embedded installation with one short shared clip (bottle-detection.mp4), exported once as JSON.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from chronotrace_desktop.domain.clock import utcnow
from chronotrace_desktop.domain.errors import InvalidInputError, NotFoundError, PermissionDeniedError
from chronotrace_desktop.domain.export import ExportRequest, ExportSelection, ExportType
from chronotrace_desktop.domain.ingest import IngestOptions, IngestStatus
from chronotrace_desktop.domain.roles import Role
from chronotrace_desktop.domain.tasks import Unattended
from chronotrace_desktop.domain.users import Actor
from chronotrace_desktop.storage.orm import AuditLog, Export, VideoSegment
from tests.conftest import VIDEOS_DIR, scratch_dir
from tests.integration.conftest import Installation, new_installation

BOTTLES = VIDEOS_DIR / "bottle-detection.mp4"


@pytest.fixture(scope="module")
def ingested() -> Iterator[tuple[Installation, uuid.UUID]]:
    with new_installation("embedded") as inst:
        (result,) = inst.services.ingest.ingest_paths(
            inst.admin, [BOTTLES], IngestOptions(camera_id="CAM-REFUSED"), Unattended()
        )
        assert result.status is IngestStatus.COMPLETED, result
        with inst.services.database.transaction() as session:
            segment = session.scalars(
                sa.select(VideoSegment.id).where(VideoSegment.video_id == result.video_id).limit(1)
            ).one()
        yield inst, segment


def _rows(inst: Installation, action: str, actor: Actor) -> list[AuditLog]:
    with inst.services.database.transaction() as session:
        rows = session.scalars(
            sa.select(AuditLog)
            .where(AuditLog.action == action, AuditLog.user_id == actor.user_id)
            .order_by(AuditLog.created_at, AuditLog.id)
        ).all()
        session.expunge_all()
        return list(rows)


def _request(segments: list[uuid.UUID], **fields: Any) -> ExportRequest:
    return ExportRequest(
        case_id="CASE-2024-0113",
        destination=scratch_dir("export-refused-"),
        selection=ExportSelection.of_segments(segments),
        **fields,
    )


def test_an_export_refused_before_its_row_is_audited(ingested: tuple[Installation, uuid.UUID]) -> None:
    inst, segment = ingested
    _, analyst = inst.add_user(Role.ANALYST)
    exports = inst.services.exports
    assert exports.renderer is None
    with inst.services.database.transaction() as session:
        rows_before = session.scalar(sa.select(sa.func.count()).select_from(Export))

    with pytest.raises(InvalidInputError, match="PDF"):
        exports.export(analyst, _request([segment], types=frozenset({ExportType.PDF_REPORT})))
    with pytest.raises(InvalidInputError, match="justification"):
        exports.export(
            analyst,
            _request([segment], types=frozenset({ExportType.VIDEO_CLIP}), reveal_justification="case 1"),
        )
    with pytest.raises(NotFoundError):
        exports.export(analyst, _request([uuid.uuid4()], types=frozenset({ExportType.JSON_DATA})))

    with inst.services.database.transaction() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Export)) == rows_before
    rows = _rows(inst, "export_data", analyst)
    assert [(r.success, r.resource_id, (r.meta or {}).get("case_id")) for r in rows] == [
        (False, None, "CASE-2024-0113")
    ] * 3
    assert "PDF" in (rows[0].error_message or "")
    assert "justification" in (rows[1].error_message or "")
    assert rows[1].justification == "case 1"
    assert rows[2].error_message
    assert _rows(inst, "permission_denied", analyst) == []


def test_a_permission_refusal_is_not_audited_twice(ingested: tuple[Installation, uuid.UUID]) -> None:
    inst, segment = ingested
    _, viewer = inst.add_user(Role.VIEWER)
    with pytest.raises(PermissionDeniedError):
        inst.services.exports.export(
            viewer,
            _request([segment], types=frozenset({ExportType.VIDEO_CLIP}), reveal_justification="x" * 40),
        )
    assert len(_rows(inst, "permission_denied", viewer)) == 1
    assert _rows(inst, "export_data", viewer) == []


def test_opening_an_export_is_audited_refused_or_not(ingested: tuple[Installation, uuid.UUID]) -> None:
    inst, segment = ingested
    _, analyst = inst.add_user(Role.ANALYST)
    exports = inst.services.exports
    result = exports.export(analyst, _request([segment], types=frozenset({ExportType.JSON_DATA})))
    assert exports.mark_opened(analyst, result.export_id) == result.path

    unknown = uuid.uuid4()
    with pytest.raises(NotFoundError):
        exports.mark_opened(analyst, unknown)
    with inst.services.database.transaction() as session:
        row = session.get(Export, result.export_id)
        assert row is not None
        row.expires_at = utcnow() - timedelta(minutes=1)
    with pytest.raises(NotFoundError, match="expired"):
        exports.mark_opened(analyst, result.export_id)

    rows = _rows(inst, "export_opened", analyst)
    assert [(r.success, r.resource_id) for r in rows] == [
        (True, result.export_id),
        (False, unknown),
        (False, result.export_id),
    ]
    assert rows[0].error_message is None
    assert "No export" in (rows[1].error_message or "")
    assert "expired" in (rows[2].error_message or "")


def test_a_file_refused_as_bad_input_is_audited(ingested: tuple[Installation, uuid.UUID]) -> None:
    inst, _ = ingested
    _, analyst = inst.add_user(Role.ANALYST)
    corrupt = scratch_dir("ingest-corrupt-") / "broken-camera.mp4"
    corrupt.write_bytes(os.urandom(256))
    (result,) = inst.services.ingest.ingest_paths(
        analyst, [corrupt], IngestOptions(camera_id="CAM-REFUSED"), Unattended()
    )
    assert result.status is IngestStatus.FAILED
    assert result.error
    rows = _rows(inst, "video_upload", analyst)
    assert [(r.success, r.resource_id, r.error_message) for r in rows] == [
        (False, result.video_id, result.error)
    ]
    assert (rows[0].meta or {}).get("filename") == "broken-camera.mp4"
