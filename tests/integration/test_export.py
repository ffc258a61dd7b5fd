"""Evidence export end to end on real footage, PostgreSQL, media store and Qt's PDF writer (both backends).

A package written from shared-clip segments verifies as intact; one changed byte in any file, a missing or an
extra file makes the verifier fail naming it; the ``exports`` row goes pending -> processing -> completed
(or failed) with its ``export_data`` audit row; unredacted originals need the right role, a justification and
a fresh re-authentication, each reveal audited; zip, watermark, re-cut, anomaly, camera range and search
selections; cancel.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import uuid
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import av
import pytest
import sqlalchemy as sa

from chronotrace_desktop.domain.errors import (
    AuthenticationError,
    InvalidInputError,
    OperationCancelledError,
    PermissionDeniedError,
)
from chronotrace_desktop.domain.export import (
    ExportRequest,
    ExportSelection,
    ExportType,
    FileKind,
    ProblemKind,
)
from chronotrace_desktop.domain.ingest import IngestOptions
from chronotrace_desktop.domain.roles import Role
from chronotrace_desktop.domain.search import SegmentQuery
from chronotrace_desktop.domain.tasks import Unattended
from chronotrace_desktop.domain.users import Actor, ReauthPurpose
from chronotrace_desktop.reports import QtPdfReportRenderer
from chronotrace_desktop.services.verification import verify_package
from chronotrace_desktop.storage.orm import Anomaly, AuditLog, Export, Video, VideoSegment
from tests.conftest import VIDEOS_DIR, scratch_dir
from tests.integration.conftest import ADMIN_PASSWORD, Installation, new_installation

CLIPS = ("car-detection.mp4", "classroom.gif", "bottle-detection.mp4")
RECORDED = datetime(2024, 2, 9, 14, 30)
CAMERA = "CAM-EXPORT"
REASON = "CASE-2024-0001: identify the driver seen at 14:30"


@dataclass
class Library:
    inst: Installation
    analyst: Actor
    viewer: Actor
    segments: list[uuid.UUID]
    renderer: QtPdfReportRenderer

    def request(self, dest: Path, **kwargs: Any) -> ExportRequest:
        kwargs.setdefault("selection", ExportSelection.of_segments(self.segments))
        return ExportRequest(case_id=kwargs.pop("case_id", "CASE-2024-0001"), destination=dest, **kwargs)

    def export(
        self,
        dest: Path,
        actor: Actor | None = None,
        task: Any = None,
        *,
        proof: Any = "confirm",
        **kwargs: Any,
    ) -> Any:
        """Export as ``actor`` (the analyst); with the originals, re-authenticated first unless ``proof`` given."""
        actor = actor or self.analyst
        request = self.request(dest, **kwargs)
        if proof == "confirm":
            proof = (
                self.inst.services.reauth.confirm(actor, ADMIN_PASSWORD, ReauthPurpose.EXPORT_UNREDACTED)
                if request.unredacted
                else None
            )
        return self.inst.services.exports.export(actor, request, task, renderer=self.renderer, proof=proof)

    def rows(self, model: Any, *where: Any) -> list[Any]:
        with self.inst.services.database.transaction() as session:
            found = list(session.scalars(sa.select(model).where(*where)))
            session.expunge_all()
            return found


@pytest.fixture(
    scope="module", params=[pytest.param("server", marks=pytest.mark.server_pg), pytest.param("embedded")]
)
def library(request: pytest.FixtureRequest, qapp: Any) -> Iterator[Library]:
    """``qapp``: the session's QApplication, made before the PDF renderer would make a bare QGuiApplication
    (after which no widget test in the same session could run)."""
    with new_installation(request.param) as inst:
        options = IngestOptions(camera_id=CAMERA, location="Export test site", recorded_at=RECORDED)
        results = inst.services.ingest.ingest_paths(
            inst.admin, [VIDEOS_DIR / c for c in CLIPS], options, Unattended()
        )
        assert all(r.ok for r in results), [r.error for r in results]
        with inst.services.database.transaction() as session:
            ids = list(
                session.scalars(
                    sa.select(VideoSegment.id).order_by(VideoSegment.video_id, VideoSegment.segment_index)
                )
            )
        _, analyst = inst.add_user(Role.ANALYST)
        _, viewer = inst.add_user(Role.VIEWER)
        yield Library(inst, analyst, viewer, ids, QtPdfReportRenderer())


@pytest.fixture(scope="module")
def package(library: Library) -> Path:
    """A redacted package of every segment (all four types), written once for the read-only checks."""
    result = library.export(scratch_dir("export-pkg-"))
    return Path(result.path)


def _manifest(path: Path) -> dict[str, Any]:
    return json.loads((path / "manifest.json").read_text(encoding="utf-8"))


def test_a_package_of_shared_clips_verifies_as_intact(library: Library, package: Path) -> None:
    report = verify_package(package)
    assert report.intact, report.problems
    manifest = _manifest(package)
    kinds = sorted(f["kind"] for f in manifest["files"])
    n = len(library.segments)
    assert n >= 5
    assert kinds == sorted(["redacted_clip"] * n + ["pdf_report", "csv_data", "json_data"])
    assert report.files_checked == n + 3
    videos = library.rows(Video)
    recorded = {str(v.id): v.meta["sha256"] for v in videos}
    assert {v["video_id"]: v["sha256"] for v in manifest["source_videos"]} == recorded
    for entry in manifest["files"]:
        if entry["kind"] == "redacted_clip":
            assert entry["source_video_sha256"] == recorded[entry["video_id"]]
            assert entry["wall_start"].startswith("2024-02-09T14:")
    assert manifest["exporter"]["email"] == library.analyst.email
    assert manifest["case_id"] == "CASE-2024-0001"
    assert manifest["redaction"]["mode"] == "redacted"
    assert not (package / "clips" / "original").exists(), "no original without a reveal"
    assert (package / "report.pdf").read_bytes().startswith(b"%PDF")


@pytest.mark.parametrize("kind", ["redacted_clip", "pdf_report", "csv_data", "json_data"])
def test_a_changed_byte_in_any_file_fails_verify_naming_it(package: Path, tmp_path: Path, kind: str) -> None:
    copy = tmp_path / package.name
    shutil.copytree(package, copy)
    name = next(f["path"] for f in _manifest(copy)["files"] if f["kind"] == kind)
    target = copy / name
    data = bytearray(target.read_bytes())
    data[len(data) // 2] ^= 0x01
    target.write_bytes(bytes(data))
    report = verify_package(copy)
    assert not report.intact
    assert [(p.kind, p.path) for p in report.problems] == [(ProblemKind.MISMATCH, name)]


def test_a_changed_manifest_is_reported(package: Path, tmp_path: Path) -> None:
    copy = tmp_path / package.name
    shutil.copytree(package, copy)
    text = (copy / "manifest.json").read_text(encoding="utf-8")
    (copy / "manifest.json").write_text(
        text.replace('"sha256": "', '"sha256": "0', 1)[:-10], encoding="utf-8"
    )
    report = verify_package(copy)
    assert not report.intact
    assert report.problems[0].path == "manifest.json"


def test_missing_and_extra_files_are_reported(package: Path, tmp_path: Path) -> None:
    copy = tmp_path / package.name
    shutil.copytree(package, copy)
    (copy / "segments.csv").unlink()
    (copy / "clips" / "notes.txt").write_text("added later")
    report = verify_package(copy)
    found = {(p.kind, p.path) for p in report.problems}
    assert found == {(ProblemKind.MISSING, "segments.csv"), (ProblemKind.EXTRA, "clips/notes.txt")}


def test_the_exports_row_and_audit_row_record_the_export(library: Library) -> None:
    seen: list[str | None] = []

    class Watch(Unattended):
        def progress(self, done: int, total: int, message: str = "") -> None:
            if not seen:
                (row,) = library.rows(
                    Export, Export.user_id == library.analyst.user_id, Export.completed_at.is_(None)
                )
                seen.append(row.status)

    result = library.export(scratch_dir("export-row-"), task=Watch(), types=frozenset({ExportType.CSV_DATA}))
    assert seen == ["processing"]
    (row,) = library.rows(Export, Export.id == result.export_id)
    assert row.status == "completed"
    assert row.export_type == "csv_data"
    assert row.format == "csv"
    assert row.file_path == str(result.path)
    assert row.file_size_bytes == result.total_bytes > 0
    assert sorted(row.segment_ids or []) == sorted(library.segments)
    assert row.expires_at is not None
    assert row.expires_at > datetime.now() + timedelta(days=29)
    assert row.meta["manifest_sha256"] == result.manifest_sha256
    (audit,) = library.rows(
        AuditLog, AuditLog.action == "export_data", AuditLog.resource_id == result.export_id
    )
    assert audit.success is True
    assert audit.user_id == library.analyst.user_id
    assert audit.meta["case_id"] == "CASE-2024-0001"
    assert audit.meta["manifest_sha256"] == result.manifest_sha256


def test_viewers_cannot_export_unredacted_media_and_the_attempt_is_audited(
    library: Library, tmp_path: Path
) -> None:
    with pytest.raises(PermissionDeniedError, match="export unredacted"):
        library.export(tmp_path, actor=library.viewer, reveal_justification=REASON)
    (denied,) = library.rows(
        AuditLog, AuditLog.user_id == library.viewer.user_id, AuditLog.action == "permission_denied"
    )
    assert denied.meta["requested_action"] == "export_unredacted"
    assert not library.rows(
        AuditLog, AuditLog.user_id == library.viewer.user_id, AuditLog.action == "pii_reveal"
    )
    assert not library.rows(Export, Export.user_id == library.viewer.user_id)
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(PermissionDeniedError):  # nor redacted: exporting is an analyst's job
        library.export(tmp_path, actor=library.viewer)


def test_unredacted_originals_need_a_justification_and_each_reveal_is_audited(library: Library) -> None:
    with pytest.raises(InvalidInputError, match="justification"):
        library.export(scratch_dir("export-short-"), reveal_justification="because")
    dest = scratch_dir("export-orig-")
    _, analyst = library.inst.add_user(Role.ANALYST)
    result = library.export(
        dest, actor=analyst, reveal_justification=REASON, types=frozenset({ExportType.VIDEO_CLIP})
    )
    assert verify_package(result.path).intact
    manifest = _manifest(result.path)
    originals = [f for f in manifest["files"] if f["kind"] == FileKind.ORIGINAL_CLIP.value]
    assert len(originals) == len(library.segments)
    stored = {s.id: s.segment_path for s in library.rows(VideoSegment)}
    for entry in originals:
        blob = library.inst.services.blobs.path(stored[uuid.UUID(entry["segment_id"])])
        assert hashlib.sha256(blob.read_bytes()).hexdigest() == entry["sha256"], (
            "bit for bit as cut at ingest"
        )
    reveals = library.rows(AuditLog, AuditLog.user_id == analyst.user_id, AuditLog.action == "pii_reveal")
    assert sorted(r.resource_id for r in reveals) == sorted(library.segments)
    assert {r.justification for r in reveals} == {REASON}
    (exported,) = library.rows(
        AuditLog, AuditLog.user_id == analyst.user_id, AuditLog.action == "export_data"
    )
    assert max(r.created_at for r in reveals) <= exported.created_at
    assert exported.justification == REASON
    assert manifest["redaction"]["mode"] == "redacted+original"


def test_a_zip_package_verifies_and_a_changed_member_is_named(library: Library, tmp_path: Path) -> None:
    result = library.export(scratch_dir("export-zip-"), zip=True)
    assert result.path.suffix == ".zip"
    assert verify_package(result.path).intact
    (row,) = library.rows(Export, Export.id == result.export_id)
    assert row.format == "zip"
    assert row.file_size_bytes == result.path.stat().st_size
    tampered = tmp_path / result.path.name
    with zipfile.ZipFile(result.path) as source, zipfile.ZipFile(tampered, "w") as out:
        for info in source.infolist():
            data = source.read(info)
            if info.filename.endswith("segments.json"):
                data = data.replace(b"CASE-2024-0001", b"CASE-2024-0002", 1)
            out.writestr(info, data)
    report = verify_package(tampered)
    assert [(p.kind, p.path) for p in report.problems] == [(ProblemKind.MISMATCH, "segments.json")]


def test_a_watermark_is_burned_into_fresh_redacted_clips(library: Library) -> None:
    first = library.segments[:1]
    result = library.export(
        scratch_dir("export-wm-"),
        selection=ExportSelection.of_segments(first),
        watermark="EVIDENCE - CASE-2024-0001",
        types=frozenset({ExportType.VIDEO_CLIP}),
    )
    (clip,) = _manifest(result.path)["files"]
    assert clip["rendition"] == "fresh"
    assert clip["burned_in"].startswith("EVIDENCE - CASE-2024-0001 | 2024-02-09 14:30:")
    with av.open(str(result.path / clip["path"])) as container:
        assert container.streams.video[0].codec_context.name == "h264"
        assert not container.streams.audio


def test_unredacted_originals_need_a_fresh_re_authentication(library: Library) -> None:
    """Issue 13 item 2: a workstation left signed in exports nothing unredacted without the password again."""
    _, analyst = library.inst.add_user(Role.ANALYST)
    reauth = library.inst.services.reauth
    for_a_reveal = reauth.confirm(analyst, ADMIN_PASSWORD, ReauthPurpose.REVEAL)
    for proof, reason in ((None, "Enter your password again"), (for_a_reveal, "for something else")):
        dest = scratch_dir("export-reauth-")
        with pytest.raises(AuthenticationError, match=reason):
            library.export(dest, actor=analyst, proof=proof, reveal_justification=REASON)
        assert list(dest.iterdir()) == []
    with pytest.raises(AuthenticationError, match="password is wrong"):
        reauth.confirm(analyst, "not my password", ReauthPurpose.EXPORT_UNREDACTED)
    refused = library.rows(AuditLog, AuditLog.user_id == analyst.user_id, AuditLog.action == "export_data")
    assert [(r.success, r.resource_id) for r in refused] == [(False, None), (False, None)]
    assert not library.rows(AuditLog, AuditLog.user_id == analyst.user_id, AuditLog.action == "pii_reveal")
    assert not library.rows(Export, Export.user_id == analyst.user_id)
    checks = library.rows(
        AuditLog, AuditLog.user_id == analyst.user_id, AuditLog.action == "user_reauthenticated"
    )
    assert sorted((r.success, r.meta["purpose"], r.error_message) for r in checks) == [
        (False, "export_unredacted", "wrong_password"),
        (True, "reveal", None),
    ]
    # Fresh, for this export: it goes through, each original revealed (audited) under the one proof.
    proof = reauth.confirm(analyst, ADMIN_PASSWORD, ReauthPurpose.EXPORT_UNREDACTED)
    result = library.export(
        scratch_dir("export-reauth-"),
        actor=analyst,
        proof=proof,
        reveal_justification=REASON,
        types=frozenset({ExportType.VIDEO_CLIP}),
    )
    assert result.unredacted
    reveals = library.rows(AuditLog, AuditLog.user_id == analyst.user_id, AuditLog.action == "pii_reveal")
    assert len(reveals) == len(library.segments)
    assert all(r.success for r in reveals)


def test_originals_can_be_re_cut_from_the_checked_source(library: Library) -> None:
    first = library.segments[:1]
    result = library.export(
        scratch_dir("export-recut-"),
        selection=ExportSelection.of_segments(first),
        reveal_justification=REASON,
        recut_originals=True,
        types=frozenset({ExportType.VIDEO_CLIP}),
    )
    original = next(f for f in _manifest(result.path)["files"] if f["kind"] == "original_clip")
    assert original["origin"] == "recut_from_source"
    assert verify_package(result.path, sources=VIDEOS_DIR).sources_checked == 1


def test_cancel_marks_the_export_failed_and_leaves_nothing(library: Library) -> None:
    class CancelOnFirstFile(Unattended):
        stop = False

        @property
        def cancelled(self) -> bool:
            return self.stop

        def check_cancelled(self) -> None:
            if self.stop:
                raise OperationCancelledError("cancelled")

        def progress(self, done: int, total: int, message: str = "") -> None:
            self.stop = self.stop or done >= 1

    dest = scratch_dir("export-cancel-")
    _, analyst = library.inst.add_user(Role.ANALYST)
    with pytest.raises(OperationCancelledError):
        library.export(dest, actor=analyst, task=CancelOnFirstFile())
    assert list(dest.iterdir()) == []
    (row,) = library.rows(Export, Export.user_id == analyst.user_id)
    assert row.status == "failed"
    assert row.meta["cancelled"] is True
    (audit,) = library.rows(AuditLog, AuditLog.user_id == analyst.user_id, AuditLog.action == "export_data")
    assert audit.success is False


def test_selection_by_anomaly_camera_range_and_search(library: Library) -> None:
    segment = library.rows(VideoSegment, VideoSegment.id == library.segments[0])[0]
    with library.inst.services.database.transaction() as session:
        anomaly = Anomaly(
            segment_id=segment.id,
            video_id=segment.video_id,
            anomaly_type="loitering",
            confidence=Decimal("0.8700"),
            title="Loitering near the entrance",
            detected_at=RECORDED,
        )
        session.add(anomaly)
        session.flush()
        anomaly_id = anomaly.id
    json_only = frozenset({ExportType.JSON_DATA})
    by_anomaly = library.export(
        scratch_dir("export-an-"), selection=ExportSelection.of_anomaly(anomaly_id), types=json_only
    )
    assert by_anomaly.segment_count == 1
    assert _manifest(by_anomaly.path)["segments"][0]["score"] == pytest.approx(0.87)

    window = ExportSelection.of_camera_range(
        CAMERA, RECORDED + timedelta(seconds=16), RECORDED + timedelta(seconds=29)
    )
    by_range = library.export(scratch_dir("export-cam-"), selection=window, types=json_only)
    starts = {s["start_s"] for s in _manifest(by_range.path)["segments"]}
    assert starts == {15.0}, "only segments overlapping 14:30:16-14:30:29"

    by_search = library.export(
        scratch_dir("export-search-"),
        selection=ExportSelection.of_search(SegmentQuery(text="car", limit=3)),
        types=json_only,
    )
    assert by_search.query_id is not None
    (row,) = library.rows(Export, Export.id == by_search.export_id)
    assert row.query_id == by_search.query_id
    assert _manifest(by_search.path)["selection"]["query_text"] == "car"


def test_opening_from_the_app_sets_downloaded_at_for_the_owner_only(library: Library, package: Path) -> None:
    (row,) = library.rows(Export, Export.file_path == str(package))
    _, other = library.inst.add_user(Role.ANALYST)
    with pytest.raises(PermissionDeniedError):
        library.inst.services.exports.mark_opened(other, row.id)
    assert library.rows(AuditLog, AuditLog.user_id == other.user_id, AuditLog.action == "permission_denied")
    assert library.inst.services.exports.mark_opened(library.analyst, row.id) == package
    (opened,) = library.rows(Export, Export.id == row.id)
    assert opened.downloaded_at is not None
    assert library.inst.services.exports.mark_opened(library.inst.admin, row.id) == package
    listed = library.inst.services.exports.exports(library.analyst)
    assert row.id in {e.id for e in listed}
