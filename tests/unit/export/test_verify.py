"""The verifier on hand-made packages: no database, no media, no Qt."""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest

from chronotrace_desktop.domain.errors import InvalidInputError
from chronotrace_desktop.domain.export import MANIFEST_FORMAT, MANIFEST_VERSION, ProblemKind
from chronotrace_desktop.services.verification import verify_package

SOURCE = b"pretend this is a whole CCTV recording"
SOURCE_SHA = hashlib.sha256(SOURCE).hexdigest()


def _entry(root: Path, rel: str, data: bytes, **extra: Any) -> dict[str, Any]:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return {
        "path": rel,
        "kind": "csv_data",
        "sha256": hashlib.sha256(data).hexdigest(),
        "size_bytes": len(data),
        **extra,
    }


def _package(root: Path, **manifest_changes: Any) -> Path:
    files = [
        _entry(
            root,
            "clips/redacted/a.mp4",
            b"\x00clip bytes" * 50,
            video_id="v1",
            source_video_sha256=SOURCE_SHA,
        ),
        _entry(root, "segments.csv", b"number,segment_id\r\n1,abc\r\n"),
    ]
    manifest = {
        "format": MANIFEST_FORMAT,
        "format_version": MANIFEST_VERSION,
        "case_id": "CASE-1",
        "source_videos": [{"video_id": "v1", "filename": "cam1.mp4", "sha256": SOURCE_SHA}],
        "segments": [{"segment_id": "s1", "video_id": "v1"}],
        "files": files,
        **manifest_changes,
    }
    (root / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return root


def test_an_untouched_package_is_intact(tmp_path: Path) -> None:
    report = verify_package(_package(tmp_path))
    assert report.intact
    assert report.files_checked == 2
    assert report.case_id == "CASE-1"
    assert report.manifest_sha256 == hashlib.sha256((tmp_path / "manifest.json").read_bytes()).hexdigest()


def test_a_size_change_is_reported_as_such(tmp_path: Path) -> None:
    package = _package(tmp_path)
    (package / "segments.csv").write_bytes(b"number,segment_id\r\n")
    (problem,) = verify_package(package).problems
    assert (problem.kind, problem.path) == (ProblemKind.SIZE, "segments.csv")


def test_a_folder_without_a_manifest_is_not_intact(tmp_path: Path) -> None:
    (tmp_path / "x.txt").write_text("x")
    report = verify_package(tmp_path)
    assert not report.intact
    assert report.problems[0].kind is ProblemKind.MANIFEST


@pytest.mark.parametrize("bad", ["../outside.txt", "/etc/passwd", "manifest.json", "a\\b"])
def test_unsafe_paths_in_a_manifest_are_refused(tmp_path: Path, bad: str) -> None:
    package = _package(tmp_path)
    manifest = json.loads((package / "manifest.json").read_text())
    manifest["files"].append({"path": bad, "sha256": "0" * 64, "size_bytes": 1})
    (package / "manifest.json").write_text(json.dumps(manifest))
    report = verify_package(package)
    assert [(p.kind, p.path) for p in report.problems] == [(ProblemKind.MANIFEST, bad)]


def test_a_source_hash_that_disagrees_with_the_recorded_one_is_reported(tmp_path: Path) -> None:
    package = _package(
        tmp_path, source_videos=[{"video_id": "v1", "filename": "cam1.mp4", "sha256": "f" * 64}]
    )
    (problem,) = verify_package(package).problems
    assert problem.kind is ProblemKind.MANIFEST
    assert problem.path == "clips/redacted/a.mp4"


def test_sources_are_re_hashed_when_given(tmp_path: Path) -> None:
    package = _package(tmp_path / "pkg")
    sources = tmp_path / "sources"
    (sources / "nested").mkdir(parents=True)
    (sources / "nested" / "cam1.mp4").write_bytes(SOURCE)
    assert verify_package(package, sources=sources).sources_checked == 1
    (sources / "nested" / "cam1.mp4").write_bytes(SOURCE + b"!")
    (problem,) = verify_package(package, sources=sources).problems
    assert (problem.kind, problem.path) == (ProblemKind.SOURCE, "cam1.mp4")


def test_a_symbolic_link_in_place_of_a_file_is_not_followed(tmp_path: Path) -> None:
    package = _package(tmp_path / "pkg")
    outside = tmp_path / "elsewhere.csv"
    outside.write_bytes((package / "segments.csv").read_bytes())
    (package / "segments.csv").unlink()
    (package / "segments.csv").symlink_to(outside)
    (problem,) = verify_package(package).problems
    assert (problem.kind, problem.path) == (ProblemKind.MISMATCH, "segments.csv")


def test_zips_with_or_without_a_top_folder_verify(tmp_path: Path) -> None:
    package = _package(tmp_path / "CASE-1_pkg")
    for top in ("CASE-1_pkg/", ""):
        archive = tmp_path / f"p{len(top)}.zip"
        with zipfile.ZipFile(archive, "w") as out:
            for path in sorted(p for p in package.rglob("*") if p.is_file()):
                out.write(path, top + path.relative_to(package).as_posix())
            out.writestr(top + "extra.txt", "not listed")
        report = verify_package(archive)
        assert [(p.kind, p.path) for p in report.problems] == [(ProblemKind.EXTRA, "extra.txt")]


def test_no_package_at_all_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError):
        verify_package(tmp_path / "missing")
    (tmp_path / "junk.zip").write_bytes(b"not a zip")
    with pytest.raises(InvalidInputError):
        verify_package(tmp_path / "junk.zip")
