"""Issue 13 (low): no anomaly workflow on a soft-deleted video; an expired export cannot be opened.

One embedded installation with two short shared clips: classroom.gif (its video is soft-deleted, with an
anomaly on it) and bottle-detection.mp4 (exported as JSON, then its export is made to have expired).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from chronotrace_desktop.domain.anomalies import AnomalyStatus
from chronotrace_desktop.domain.clock import utcnow
from chronotrace_desktop.domain.errors import NotFoundError
from chronotrace_desktop.domain.export import ExportRequest, ExportSelection, ExportStatus, ExportType
from chronotrace_desktop.domain.ingest import IngestOptions, IngestResult, IngestStatus
from chronotrace_desktop.domain.tasks import Unattended
from chronotrace_desktop.services.anomalies.service import AnomalyFilter
from chronotrace_desktop.storage.orm import Anomaly, Export, VideoSegment
from tests.conftest import VIDEOS_DIR, scratch_dir
from tests.integration.conftest import Installation, new_installation

CLASSROOM = VIDEOS_DIR / "classroom.gif"
BOTTLES = VIDEOS_DIR / "bottle-detection.mp4"


@pytest.fixture(scope="module")
def ingested() -> Iterator[tuple[Installation, dict[str, IngestResult]]]:
    with new_installation("embedded") as inst:
        results = inst.services.ingest.ingest_paths(
            inst.admin, [CLASSROOM, BOTTLES], IngestOptions(camera_id="CAM-LOW"), Unattended()
        )
        assert [r.status for r in results] == [IngestStatus.COMPLETED] * 2, results
        yield inst, {r.path.name: r for r in results}


def _first_segment(inst: Installation, video_id: uuid.UUID | None) -> uuid.UUID:
    with inst.services.database.transaction() as session:
        return session.scalars(
            sa.select(VideoSegment.id)
            .where(VideoSegment.video_id == video_id)
            .order_by(VideoSegment.segment_index)
            .limit(1)
        ).one()


def test_no_anomaly_workflow_on_a_soft_deleted_video(
    ingested: tuple[Installation, dict[str, IngestResult]],
) -> None:
    inst, results = ingested
    video_id = results[CLASSROOM.name].video_id
    assert video_id is not None
    with inst.services.database.transaction() as session:
        row = Anomaly(
            video_id=video_id,
            segment_id=_first_segment(inst, video_id),
            anomaly_type="loitering",
            confidence=Decimal("0.9000"),
            severity="high",
            title="someone waits",
            camera_id="CAM-LOW",
            detected_at=utcnow(),
            meta={"source": "test"},
        )
        session.add(row)
        session.flush()
        anomaly_id = row.id
    anomalies = inst.services.anomalies
    assert anomalies.get(inst.admin, anomaly_id).status is AnomalyStatus.NEW
    inst.services.library.delete_video(inst.admin, video_id)

    for status in (AnomalyStatus.ACKNOWLEDGED, AnomalyStatus.INVESTIGATING):
        with pytest.raises(NotFoundError, match="deleted video"):
            anomalies.set_status(inst.admin, anomaly_id, status)
    with pytest.raises(NotFoundError, match="deleted video"):
        anomalies.set_status(inst.admin, anomaly_id, AnomalyStatus.FALSE_POSITIVE, note="not a person")
    with pytest.raises(NotFoundError, match="deleted video"):
        anomalies.get(inst.admin, anomaly_id)
    listed = anomalies.list_anomalies(inst.admin, AnomalyFilter(camera_id="CAM-LOW"))
    assert anomaly_id not in {a.id for a in listed}
    assert anomaly_id not in {a.id for a in anomalies.new_alerts_since(inst.admin, None)}
    with inst.services.database.transaction() as session:
        untouched = session.get(Anomaly, anomaly_id)
        assert untouched is not None
        assert untouched.status == AnomalyStatus.NEW.value
        assert "workflow" not in (untouched.meta or {})


def test_an_expired_export_cannot_be_opened_and_is_listed_as_expired(
    ingested: tuple[Installation, dict[str, IngestResult]],
) -> None:
    inst, results = ingested
    segment = _first_segment(inst, results[BOTTLES.name].video_id)
    request = ExportRequest(
        case_id="CASE-2024-0013",
        destination=scratch_dir("export-expired-"),
        selection=ExportSelection.of_segments([segment]),
        types=frozenset({ExportType.JSON_DATA}),
        retention_days=7,
    )
    exports = inst.services.exports
    result = exports.export(inst.admin, request)
    with inst.services.database.transaction() as session:
        row = session.get(Export, result.export_id)
        assert row is not None
        assert row.expires_at is not None
        assert timedelta(days=6, hours=23) < row.expires_at - utcnow() <= timedelta(days=7)
    assert exports.mark_opened(inst.admin, result.export_id) == result.path
    (listed,) = [e for e in exports.exports(inst.admin) if e.id == result.export_id]
    assert listed.status is ExportStatus.COMPLETED

    with inst.services.database.transaction() as session:
        row = session.get(Export, result.export_id)
        assert row is not None
        row.expires_at = utcnow() - timedelta(minutes=1)
        row.downloaded_at = None
        opened_before = (row.meta or {}).get("opened_count")

    with pytest.raises(NotFoundError, match="expired"):
        exports.mark_opened(inst.admin, result.export_id)
    with inst.services.database.transaction() as session:
        row = session.get(Export, result.export_id)
        assert row is not None
        assert row.downloaded_at is None, "an expired export is not marked opened"
        assert (row.meta or {}).get("opened_count") == opened_before
    (listed,) = [e for e in exports.exports(inst.admin) if e.id == result.export_id]
    assert listed.status is ExportStatus.EXPIRED
