"""Anomalies end to end on real footage: the ingest hook, records, the review workflow, rescan, eval.

One installation (embedded backend) with two shared clips ingested once: the six people who wait at the
table (one-by-one-person-detection.mp4, camera CAM-TABLE) and the school gym (G330, camera CAM-GYM).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from chronotrace_desktop.domain.anomalies import AnomalyStatus, AnomalyType, Severity
from chronotrace_desktop.domain.audit import AuditAction
from chronotrace_desktop.domain.errors import (
    ConflictError,
    InvalidInputError,
    PermissionDeniedError,
)
from chronotrace_desktop.domain.ingest import IngestOptions, IngestStatus
from chronotrace_desktop.domain.roles import Role
from chronotrace_desktop.domain.tasks import Unattended
from chronotrace_desktop.services.anomalies.service import AnomalyFilter
from chronotrace_desktop.services.cameras import CameraChanges
from chronotrace_desktop.storage.orm import AnomalyScan, AuditLog, Video
from tests.conftest import VIDEOS_DIR
from tests.integration.conftest import Installation, new_installation

TABLE = VIDEOS_DIR / "one-by-one-person-detection.mp4"
GYM = VIDEOS_DIR / "2018-03-11.16-20-00.16-25-00.school.G330.annotated.mp4"
# What a person sees in one-by-one-person-detection.mp4 (eval/dev_events.json): six waits at the table.
WAITS = [(7, 19), (24, 44), (52, 69), (76, 86), (94, 118), (125, 135)]


@pytest.fixture(scope="module")
def footage() -> Iterator[Installation]:
    with new_installation("embedded") as inst:
        for path, camera in ((TABLE, "CAM-TABLE"), (GYM, "CAM-GYM")):
            results = inst.services.ingest.ingest_paths(
                inst.admin, [path], IngestOptions(camera_id=camera), Unattended()
            )
            assert [r.status for r in results] == [IngestStatus.COMPLETED], results
        yield inst


def _of(inst: Installation, camera: str, kind: AnomalyType | None = None) -> list:  # type: ignore[type-arg]
    filters = AnomalyFilter(camera_id=camera, types=(kind,) if kind else ())
    return sorted(
        inst.services.anomalies.list_anomalies(inst.admin, filters), key=lambda a: a.video_offset or 0
    )


def test_ingest_finds_the_six_waits_at_the_table(footage: Installation) -> None:
    found = _of(footage, "CAM-TABLE")
    assert [a.type for a in found] == [AnomalyType.LOITERING] * 6
    with footage.services.database.transaction() as session:
        recorded_at = session.scalars(
            sa.select(Video.recorded_at).where(Video.camera_id == "CAM-TABLE")
        ).one()
    assert recorded_at is not None
    for anomaly, (start, end) in zip(found, WAITS, strict=True):
        offset = anomaly.metadata["video_offset_start"]
        assert start - 2 <= offset <= start + 2
        assert anomaly.metadata["video_offset_end"] <= end + 2
        assert 0.0 <= anomaly.confidence <= 1.0
        assert anomaly.severity is Severity.LOW
        assert anomaly.status is AnomalyStatus.NEW
        assert anomaly.detected_at == recorded_at + timedelta(seconds=offset)
        assert anomaly.metadata["detected_at_source"] == "recorded_at"
        assert anomaly.metadata["track_ids"]
        assert anomaly.metadata["boxes"]
        assert f"{anomaly.metadata['duration_seconds']:.0f} s" in anomaly.description
        assert anomaly.title
        assert anomaly.metadata["source"] == "rules"


def test_the_gym_crowd_and_the_bag_left_on_the_bleachers_are_found_without_loitering(
    footage: Installation,
) -> None:
    found = _of(footage, "CAM-GYM")
    assert {a.type.value for a in found} == {"crowd_formation", "object_abandonment"}
    assert sum(1 for a in found if a.type is AnomalyType.CROWD_FORMATION) == 1

    def on_the_bag(a: Any) -> bool:
        box = a.metadata["bounding_box"]
        return 0.28 <= box["x"] + box["w"] / 2 <= 0.36 and 0.85 <= box["y"] + box["h"] / 2 <= 0.93

    # NanoDet-g also sees a spectator stay at the far right and leave; a small dark blob there is reported
    # too (an object to check, as every left-behind finding says). The bag is found once.
    (bag,) = [a for a in found if a.type is AnomalyType.OBJECT_ABANDONMENT and on_the_bag(a)]
    # The man on the lowest bleacher walks off at 13 s; his small black bag stays to the end (75 s).
    assert 12.0 <= bag.metadata["video_offset_start"] <= 17.0
    assert bag.metadata["video_offset_end"] >= 60.0  # someone stops by it near the end (NanoDet sees them)
    assert bag.metadata["found_by"] == "left_behind"
    box = bag.metadata["bounding_box"]
    assert 0.28 <= box["x"] + box["w"] / 2 <= 0.36  # where the bag is (x 0.30-0.35, y 0.86-0.94)
    assert 0.85 <= box["y"] + box["h"] / 2 <= 0.93
    assert bag.severity in (Severity.HIGH, Severity.CRITICAL)
    crowd = next(a for a in found if a.type is AnomalyType.CROWD_FORMATION)
    assert crowd.metadata["count_source"] == "dense_count"
    assert crowd.metadata["person_count"] >= 10
    assert crowd.metadata["detected_at_source"] == "ingest_time_plus_offset"  # the clip has no recording time
    with footage.services.database.transaction() as session:
        scan = session.get(AnomalyScan, crowd.video_id)
        assert scan is not None
        assert scan.status == "completed"
        assert scan.evidence["aspect"] == pytest.approx(16 / 9, abs=0.01)  # 480x360 shown at 16:9
        assert len(scan.evidence["crowd_counts"]) >= 20


def test_the_workflow_is_enforced_by_role_and_audited(footage: Installation) -> None:
    service = footage.services.anomalies
    _, analyst = footage.add_user(Role.ANALYST)
    _, other = footage.add_user(Role.ANALYST)
    _, viewer = footage.add_user(Role.VIEWER)
    target = _of(footage, "CAM-TABLE")[-1]
    assert service.list_anomalies(viewer)  # viewers see the queue ...
    with pytest.raises(PermissionDeniedError):  # ... but do not triage it
        service.set_status(viewer, target.id, AnomalyStatus.ACKNOWLEDGED)
    with pytest.raises(ConflictError):
        service.set_status(analyst, target.id, AnomalyStatus.RESOLVED, "too early")
    service.set_status(analyst, str(target.id)[:8], "acknowledged")
    service.set_status(analyst, target.id, AnomalyStatus.INVESTIGATING, "checking the entrance camera")
    with pytest.raises(InvalidInputError, match="note"):
        service.set_status(analyst, target.id, AnomalyStatus.RESOLVED)
    done = service.set_status(analyst, target.id, AnomalyStatus.RESOLVED, "customer waiting for a colleague")
    assert done.resolved_by == analyst.user_id
    assert done.resolved_at is not None
    assert done.resolution_notes == "customer waiting for a colleague"
    with pytest.raises(PermissionDeniedError, match="administrator"):
        service.set_status(other, target.id, AnomalyStatus.INVESTIGATING, "reopen")
    reopened = service.set_status(
        footage.admin, target.id, AnomalyStatus.INVESTIGATING, "new footage came in"
    )
    assert reopened.resolved_by is None
    assert reopened.status is AnomalyStatus.INVESTIGATING
    assert [step["to"] for step in reopened.metadata["workflow"]] == [
        "acknowledged",
        "investigating",
        "resolved",
        "investigating",
    ]
    with footage.services.database.transaction() as session:
        rows = session.execute(
            sa.select(AuditLog.action, AuditLog.justification, AuditLog.success)
            .where(AuditLog.resource_id == target.id)
            .order_by(AuditLog.created_at)
        ).all()
    actions = [r.action for r in rows if r.success]
    assert actions == [
        AuditAction.ANOMALY_ACKNOWLEDGED,
        AuditAction.ANOMALY_INVESTIGATING,
        AuditAction.ANOMALY_RESOLVED,
        AuditAction.ANOMALY_REOPENED,
    ]
    assert ("anomaly_resolved", "customer waiting for a colleague", True) in [tuple(r) for r in rows]
    assert (
        sum(1 for r in rows if r.action == AuditAction.PERMISSION_DENIED) == 1
    )  # the other analyst's reopen


def test_rescan_replaces_machine_rows_and_keeps_reviewed_ones(footage: Installation) -> None:
    services = footage.services
    before = _of(footage, "CAM-TABLE")
    reviewed = before[0]  # 12 s: below the new threshold
    services.anomalies.set_status(footage.admin, reviewed.id, AnomalyStatus.ACKNOWLEDGED)
    _, analyst = footage.add_user(Role.ANALYST)
    with pytest.raises(PermissionDeniedError):
        services.cameras.update(
            analyst, "CAM-TABLE", CameraChanges(thresholds={"loitering": {"min_seconds": 15}})
        )
    services.cameras.update(
        footage.admin, "CAM-TABLE", CameraChanges(name="Table", thresholds={"loitering": {"min_seconds": 15}})
    )
    results = services.anomalies.rescan(analyst, camera_id="CAM-TABLE")
    assert [r.status for r in results] == ["completed"]
    after = {a.id: a for a in _of(footage, "CAM-TABLE")}
    assert reviewed.id in after
    assert after[reviewed.id].status is AnomalyStatus.ACKNOWLEDGED
    long_waits = {a.id for a in before if a.metadata["duration_seconds"] >= 15}
    assert long_waits <= set(after)  # the same rows, updated in place
    short_untouched = {
        a.id for a in before if a.metadata["duration_seconds"] < 15 and a.status is AnomalyStatus.NEW
    }
    assert short_untouched
    assert not (short_untouched - {reviewed.id}) & set(after)
    with services.database.transaction() as session:
        configured = session.scalars(
            sa.select(AuditLog.meta).where(AuditLog.action == AuditAction.CAMERA_CONFIGURED)
        ).all()
    assert configured[-1]["after"]["thresholds"] == {"loitering": {"min_seconds": 15.0}}
    services.cameras.update(footage.admin, "CAM-TABLE", CameraChanges(reset_thresholds=True))
    services.anomalies.rescan(footage.admin, camera_id="CAM-TABLE")


def test_eval_reports_precision_and_recall_per_type(footage: Installation, tmp_path: Path) -> None:
    events = {
        "videos": [
            {
                "filename": TABLE.name,
                "events": [{"type": "loitering", "start": s, "end": e} for s, e in WAITS],
            },
            {
                "filename": GYM.name,
                "events": [
                    {"type": "crowd_formation", "start": 0, "end": 75.1},
                    {"type": "object_abandonment", "start": 13.2, "end": 75.1},
                ],
            },
            {"filename": "not-ingested.mp4", "events": []},
        ]
    }
    path = tmp_path / "events.json"
    path.write_text(json.dumps(events), encoding="utf-8")
    report = footage.services.anomalies.evaluate(footage.admin, path)
    scores = {s.type: s for s in report.per_type}
    assert (scores["loitering"].precision, scores["loitering"].recall) == (1.0, 1.0)
    assert (scores["crowd_formation"].precision, scores["crowd_formation"].recall) == (1.0, 1.0)
    assert (scores["object_abandonment"].precision, scores["object_abandonment"].recall) == (1.0, 1.0)
    assert scores["fall_detection"].precision is None
    assert scores["fall_detection"].recall is None
    assert report.missing == ("not-ingested.mp4",)


def test_unreadable_stored_evidence_is_decoded_again_on_rescan(footage: Installation) -> None:
    services = footage.services
    with services.database.transaction() as session:
        video_id = session.scalars(sa.select(Video.id).where(Video.camera_id == "CAM-GYM")).one()
        scan = session.get(AnomalyScan, video_id)
        assert scan is not None
        damaged = dict(scan.evidence)
        damaged["left_objects"] = [{"box": [0.1, 0.2]}]  # written by something else: not readable
        scan.evidence = damaged
    before = len(_of(footage, "CAM-GYM", AnomalyType.OBJECT_ABANDONMENT))
    services.anomalies.rescan(footage.admin, camera_id="CAM-GYM")
    found = _of(footage, "CAM-GYM", AnomalyType.OBJECT_ABANDONMENT)
    assert len(found) == before >= 1  # decoded again: the same findings as from the first scan
    with services.database.transaction() as session:
        scan = session.get(AnomalyScan, video_id)
        assert scan is not None
        assert scan.evidence["left_behind"] == "done"
        assert all(len(item["box"]) == 6 for item in scan.evidence["left_objects"])
