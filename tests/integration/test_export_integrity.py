"""Chain of custody (issue 13, item 3): packages are signed with the installation's key, and stored evidence that
changed in the media store after it was made is refused before it can leave in a package.

One short shared clip, ingested once on the embedded backend; each test works on its own exports.
"""

from __future__ import annotations

import hashlib
import json
import os
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

from chronotrace_desktop.domain.errors import EvidenceIntegrityError
from chronotrace_desktop.domain.export import (
    ExportRequest,
    ExportSelection,
    ExportStatus,
    ExportType,
    ProblemKind,
)
from chronotrace_desktop.domain.ingest import IngestOptions
from chronotrace_desktop.domain.tasks import Unattended
from chronotrace_desktop.domain.users import ReauthPurpose
from chronotrace_desktop.services.export.leftovers import owner_tag
from chronotrace_desktop.services.verification import verify_package
from chronotrace_desktop.storage.orm import AuditLog, Export, VideoSegment
from tests.conftest import VIDEOS_DIR, scratch_dir
from tests.integration.conftest import ADMIN_PASSWORD, Installation, new_installation

CLIP = "car-detection.mp4"
REASON = "CASE-2024-0099: the driver's face is the question of this case"


@dataclass
class Library:
    inst: Installation
    segments: list[uuid.UUID]

    def export(self, **kwargs: Any) -> Any:
        request = ExportRequest(
            case_id=kwargs.pop("case_id", "CASE-2024-0099"),
            destination=scratch_dir("export-integrity-"),
            selection=ExportSelection.of_segments(self.segments[:1]),
            types=frozenset({ExportType.VIDEO_CLIP, ExportType.JSON_DATA}),
            **kwargs,
        )
        proof = (
            self.inst.services.reauth.confirm(
                self.inst.admin, ADMIN_PASSWORD, ReauthPurpose.EXPORT_UNREDACTED
            )
            if request.unredacted
            else None
        )
        return self.inst.services.exports.export(self.inst.admin, request, Unattended(), proof=proof)

    def rows(self, model: Any, *where: Any) -> list[Any]:
        with self.inst.services.database.transaction() as session:
            found = list(session.scalars(sa.select(model).where(*where)))
            session.expunge_all()
            return found

    def stored(self, column: Any) -> Path:
        (key,) = [getattr(s, column) for s in self.rows(VideoSegment, VideoSegment.id == self.segments[0])]
        return self.inst.services.blobs.readable(key)


@pytest.fixture(scope="module")
def library() -> Iterator[Library]:
    with new_installation("embedded") as inst:
        options = IngestOptions(camera_id="CAM-CUSTODY", recorded_at=datetime(2024, 2, 9, 14, 30))
        (result,) = inst.services.ingest.ingest_paths(inst.admin, [VIDEOS_DIR / CLIP], options, Unattended())
        assert result.ok, result.error
        with inst.services.database.transaction() as session:
            ids = list(session.scalars(sa.select(VideoSegment.id).order_by(VideoSegment.segment_index)))
        yield Library(inst, ids)


def _same_size_substitute(path: Path) -> None:
    """Another file of exactly the same size (what a size check alone cannot see)."""
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 64] = bytes(b ^ 0x5A for b in data[middle : middle + 64])
    path.write_bytes(bytes(data))


def test_the_manifest_is_signed_by_this_installations_key(library: Library) -> None:
    first = library.export()
    second = library.export()
    signer = library.inst.services.signer.existing()
    assert signer is not None
    for result in (first, second):
        report = verify_package(Path(result.path))
        assert report.intact, report.problems
        assert report.signer_fingerprint == signer.fingerprint == result.signer_fingerprint
        manifest = json.loads((Path(result.path) / "manifest.json").read_text(encoding="utf-8"))
        assert manifest["signer"]["fingerprint"] == signer.fingerprint
        assert verify_package(Path(result.path), required_key=signer.fingerprint).intact
    created = library.rows(AuditLog, AuditLog.action == "signing_key_created")
    assert len(created) == 1, "one key per installation, made once"
    assert created[0].meta["fingerprint"] == signer.fingerprint
    exports = library.rows(AuditLog, AuditLog.action == "export_data", AuditLog.success.is_(True))
    assert {row.meta["signing_key_fingerprint"] for row in exports} == {signer.fingerprint}


def test_a_clip_changed_and_rehashed_after_export_no_longer_verifies(
    library: Library, tmp_path: Path
) -> None:
    package = Path(library.export().path)
    forged = tmp_path / package.name
    shutil.copytree(package, forged)
    manifest = json.loads((forged / "manifest.json").read_text(encoding="utf-8"))
    entry = next(f for f in manifest["files"] if f["kind"] == "redacted_clip")
    clip = forged / entry["path"]
    _same_size_substitute(clip)
    entry["sha256"] = hashlib.sha256(clip.read_bytes()).hexdigest()
    (forged / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    report = verify_package(forged)
    assert not report.intact
    assert [p.kind for p in report.problems] == [ProblemKind.SIGNATURE]


def test_a_same_size_substitution_of_a_stored_cut_is_refused(library: Library) -> None:
    cut = library.stored("segment_path")
    original = cut.read_bytes()
    _same_size_substitute(cut)
    try:
        with pytest.raises(EvidenceIntegrityError, match="changed in the media store"):
            library.export(reveal_justification=REASON, case_id="CASE-2024-0100")
    finally:
        cut.write_bytes(original)
    (row,) = library.rows(Export, Export.meta["case_id"].astext == "CASE-2024-0100")
    assert row.status == ExportStatus.FAILED.value
    (audit,) = library.rows(
        AuditLog,
        AuditLog.action == "export_data",
        AuditLog.success.is_(False),
        AuditLog.resource_id == row.id,
    )
    assert "changed in the media store" in (audit.error_message or "")


def test_a_substituted_redacted_rendition_is_refused(library: Library) -> None:
    library.export()  # renders (and records) the rendition
    rendition = library.stored("redacted_path")
    original = rendition.read_bytes()
    _same_size_substitute(rendition)
    try:
        with pytest.raises(EvidenceIntegrityError, match="redacted rendition"):
            library.export(case_id="CASE-2024-0101")
    finally:
        rendition.write_bytes(original)
    assert library.export(case_id="CASE-2024-0102").signer_fingerprint is not None


# ------------------------------------------------------------------ item 9: who can read evidence on disk


def _mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


def test_stored_originals_and_thumbnails_are_owner_only(library: Library) -> None:
    (row,) = library.rows(VideoSegment, VideoSegment.id == library.segments[0])
    blobs = library.inst.services.blobs
    assert _mode(blobs.root) == 0o700
    for key in (row.segment_path, row.thumbnail_path, row.redacted_thumbnail_path):
        assert _mode(blobs.readable(key)) == 0o600, key


def test_a_package_of_originals_is_owner_only_and_a_redacted_one_is_not(library: Library) -> None:
    private = Path(library.export(reveal_justification=REASON, case_id="CASE-2024-0103").path)
    assert _mode(private) == 0o700
    assert {_mode(p) for p in private.rglob("*") if p.is_file()} == {0o600}
    assert {_mode(p) for p in private.rglob("*") if p.is_dir()} <= {0o700}
    public = Path(library.export(case_id="CASE-2024-0104").path)
    assert _mode(public) == 0o755


def test_what_a_crashed_export_left_is_removed_by_the_next_one(library: Library) -> None:
    dead = subprocess.Popen(["true"])
    dead.wait()
    destination = scratch_dir("export-leftovers-")
    tag = owner_tag().rsplit(".", 1)[0]
    abandoned = destination / f".CASE-X_20240101T000000Z.{tag}.{dead.pid}.k3j_x.partial"
    (abandoned / "clips" / "original").mkdir(parents=True)
    (abandoned / "clips" / "original" / "face.mp4").write_bytes(b"an original")
    abandoned_zip = destination / f".CASE-X_20240101T000000Z.zip.{tag}.{dead.pid}.partial"
    abandoned_zip.write_bytes(b"half a zip")
    running = destination / f".CASE-Y_20240101T000000Z.{tag}.{os.getppid()}.a1.partial"
    running.mkdir()
    request = ExportRequest(
        case_id="CASE-2024-0105",
        destination=destination,
        selection=ExportSelection.of_segments(library.segments[:1]),
        types=frozenset({ExportType.JSON_DATA}),
    )
    library.inst.services.exports.export(library.inst.admin, request, Unattended())
    assert not abandoned.exists()
    assert not abandoned_zip.exists()
    assert running.exists(), "another export still running is left alone"
