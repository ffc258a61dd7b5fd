"""The verifier on hand-made packages: no database, no media, no Qt."""

from __future__ import annotations

import base64
import hashlib
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from chronotrace_desktop.domain.errors import InvalidInputError
from chronotrace_desktop.domain.export import (
    MANIFEST_FORMAT,
    MANIFEST_VERSION,
    SIGNATURE_FORMAT,
    ProblemKind,
    key_fingerprint,
)
from chronotrace_desktop.services.verification import verify_package

SOURCE = b"pretend this is a whole CCTV recording"
SOURCE_SHA = hashlib.sha256(SOURCE).hexdigest()
KEY = Ed25519PrivateKey.generate()  # the exporting installation's key in these tests
OTHER_KEY = Ed25519PrivateKey.generate()  # somebody else's


def _public(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def _signer(key: Ed25519PrivateKey) -> dict[str, str]:
    public = _public(key)
    return {
        "algorithm": "Ed25519",
        "public_key": base64.b64encode(public).decode(),
        "fingerprint": key_fingerprint(public),
    }


def _sign(root: Path, key: Ed25519PrivateKey = KEY) -> None:
    """Sign ``manifest.json`` as it is now, as the exporter does (``manifest.sig`` beside it)."""
    signature = key.sign((root / "manifest.json").read_bytes())
    document = {
        "format": SIGNATURE_FORMAT,
        "signed_file": "manifest.json",
        **_signer(key),
        "signature": base64.b64encode(signature).decode(),
    }
    (root / "manifest.sig").write_text(json.dumps(document), encoding="utf-8")


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
        "signer": _signer(KEY),
        **manifest_changes,
    }
    (root / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    _sign(root)
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
    _sign(package)
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


# ------------------------------------------------------------------ signatures (issue 13, item 3)


def _forge(package: Path) -> None:
    """What a forger does: change a clip, then rewrite its hash and size in the manifest."""
    clip = package / "clips/redacted/a.mp4"
    clip.write_bytes(b"\x01other pictures" * 20)
    manifest = json.loads((package / "manifest.json").read_text())
    for entry in manifest["files"]:
        if entry["path"] == "clips/redacted/a.mp4":
            entry["sha256"] = hashlib.sha256(clip.read_bytes()).hexdigest()
            entry["size_bytes"] = clip.stat().st_size
    (package / "manifest.json").write_text(json.dumps(manifest))


def test_a_signed_package_reports_its_signer(tmp_path: Path) -> None:
    report = verify_package(_package(tmp_path))
    assert report.intact
    assert report.signer_fingerprint == key_fingerprint(_public(KEY))


def test_a_clip_changed_and_rehashed_in_the_manifest_is_not_intact(tmp_path: Path) -> None:
    package = _package(tmp_path)
    _forge(package)
    report = verify_package(package)
    assert not report.intact
    assert [p.kind for p in report.problems] == [ProblemKind.SIGNATURE]
    assert "changed after it was signed" in report.problems[0].detail


def test_an_unsigned_package_is_not_intact(tmp_path: Path) -> None:
    package = _package(tmp_path)
    (package / "manifest.sig").unlink()
    report = verify_package(package)
    assert not report.intact
    assert [(p.kind, p.path) for p in report.problems] == [(ProblemKind.SIGNATURE, "manifest.sig")]
    assert "not signed" in report.problems[0].detail


def test_a_forgery_re_signed_with_another_key_shows_another_fingerprint_and_fails_the_required_key(
    tmp_path: Path,
) -> None:
    package = _package(tmp_path)
    _forge(package)
    manifest = json.loads((package / "manifest.json").read_text())
    manifest["signer"] = _signer(OTHER_KEY)
    (package / "manifest.json").write_text(json.dumps(manifest))
    _sign(package, OTHER_KEY)
    alone = verify_package(package)
    assert alone.intact  # a consistent package, but signed by somebody else:
    assert alone.signer_fingerprint == key_fingerprint(_public(OTHER_KEY))
    required = verify_package(package, required_key=key_fingerprint(_public(KEY)))
    assert not required.intact
    assert [p.kind for p in required.problems] == [ProblemKind.SIGNATURE]


def test_the_required_key_may_be_typed_short_with_colons(tmp_path: Path) -> None:
    package = _package(tmp_path)
    digits = key_fingerprint(_public(KEY)).replace(" ", "")[:20]
    typed = ":".join(digits[i : i + 2] for i in range(0, 20, 2)).upper()
    assert verify_package(package, required_key=typed).intact
    assert not verify_package(package, required_key=digits[:8]).intact  # too short to mean anything


def test_a_signature_file_that_names_another_signer_than_the_manifest_is_refused(tmp_path: Path) -> None:
    package = _package(tmp_path)
    _sign(package, OTHER_KEY)  # a valid signature over the manifest, but the manifest names KEY
    (problem,) = verify_package(package).problems
    assert problem.kind is ProblemKind.SIGNATURE
    assert "does not name key" in problem.detail


@pytest.mark.parametrize("damage", ["not json", json.dumps({"format": "x"}), json.dumps([1])])
def test_a_damaged_signature_file_is_a_problem_not_a_crash(tmp_path: Path, damage: str) -> None:
    package = _package(tmp_path)
    (package / "manifest.sig").write_text(damage)
    (problem,) = verify_package(package).problems
    assert problem.kind is ProblemKind.SIGNATURE


# ------------------------------------------------------------------ hostile packages (issue 13, low)


def _zip_of(package: Path, archive: Path, **members: tuple[bytes, int]) -> Path:
    """A zip of ``package`` whose listed ``members`` (path -> raw bytes, compress type) are written as given."""
    with zipfile.ZipFile(archive, "w") as out:
        for path in sorted(p for p in package.rglob("*") if p.is_file()):
            rel = path.relative_to(package).as_posix()
            if rel not in members:
                out.write(path, rel)
        for rel, (data, method) in members.items():
            out.writestr(zipfile.ZipInfo(rel), data, compress_type=method)
    return archive


def _patch_member(archive: Path, name: str, change: Any) -> None:
    """Rewrite bytes of ``name``'s data or header in place (what a damaged or crafted zip holds)."""
    with zipfile.ZipFile(archive) as read:
        info = read.getinfo(name)
    raw = bytearray(archive.read_bytes())
    change(raw, info)
    archive.write_bytes(bytes(raw))


def test_a_damaged_deflate_stream_is_a_problem_not_a_traceback(tmp_path: Path) -> None:
    package = _package(tmp_path / "pkg")
    data = (package / "segments.csv").read_bytes()
    archive = _zip_of(package, tmp_path / "p.zip", **{"segments.csv": (data, zipfile.ZIP_DEFLATED)})

    def damage(raw: bytearray, info: zipfile.ZipInfo) -> None:
        start = info.header_offset + 30 + len(info.filename)
        raw[start : start + 4] = b"\xff\xff\xff\xff"

    _patch_member(archive, "segments.csv", damage)
    report = verify_package(archive)
    assert not report.intact
    assert [(p.kind, p.path) for p in report.problems] == [(ProblemKind.MISMATCH, "segments.csv")]


@pytest.mark.parametrize(
    ("flag", "method", "words"), [(0x1, zipfile.ZIP_STORED, "encrypted"), (0, 99, "compression")]
)
def test_encrypted_or_unsupported_members_are_problems(
    tmp_path: Path, flag: int, method: int, words: str
) -> None:
    package = _package(tmp_path / "pkg")
    data = (package / "segments.csv").read_bytes()
    archive = _zip_of(package, tmp_path / "p.zip", **{"segments.csv": (data, zipfile.ZIP_STORED)})

    def craft(raw: bytearray, info: zipfile.ZipInfo) -> None:
        """Set the encryption flag or an unknown method in the member's local and central headers."""
        local = info.header_offset
        central = raw.find(b"PK\x01\x02")
        while bytes(raw[central + 46 : central + 46 + 12]) != b"segments.csv":
            central = raw.find(b"PK\x01\x02", central + 4)
        for flags_at, method_at in ((local + 6, local + 8), (central + 8, central + 10)):
            raw[flags_at] |= flag
            if method:
                raw[method_at : method_at + 2] = method.to_bytes(2, "little")

    _patch_member(archive, "segments.csv", craft)
    report = verify_package(archive)
    assert not report.intact
    (problem,) = report.problems
    assert (problem.kind, problem.path) == (ProblemKind.MISMATCH, "segments.csv")
    assert words in problem.detail


def test_a_duplicate_zip_member_is_reported(tmp_path: Path) -> None:
    package = _package(tmp_path / "pkg")
    archive = tmp_path / "dup.zip"
    with zipfile.ZipFile(archive, "w") as out:
        for path in sorted(p for p in package.rglob("*") if p.is_file()):
            out.write(path, path.relative_to(package).as_posix())
        with pytest.warns(UserWarning, match="Duplicate name"):
            out.writestr("segments.csv", b"number,segment_id\r\n1,forged\r\n")
    kinds = {(p.kind, p.path) for p in verify_package(archive).problems}
    assert (ProblemKind.DUPLICATE, "segments.csv") in kinds


def test_a_declared_size_that_disagrees_is_reported_before_hashing(tmp_path: Path) -> None:
    package = _package(tmp_path / "pkg")
    big = b"\x00" * 5_000_000  # a bomb in small: compresses to a few kB, declares megabytes
    archive = _zip_of(package, tmp_path / "p.zip", **{"segments.csv": (big, zipfile.ZIP_DEFLATED)})
    (problem,) = verify_package(archive).problems
    assert (problem.kind, problem.path) == (ProblemKind.SIZE, "segments.csv")
    assert "5000000 bytes" in problem.detail


@pytest.mark.parametrize(
    "changes",
    [{"source_videos": 5}, {"segments": "x"}, {"source_videos": [{"video_id": ["v1"], "filename": 3}]}],
)
def test_malformed_records_in_a_manifest_are_problems_not_tracebacks(
    tmp_path: Path, changes: dict[str, Any]
) -> None:
    package = _package(tmp_path / "pkg", **changes)
    sources = tmp_path / "sources"
    sources.mkdir()
    report = verify_package(package, sources=sources)
    assert not report.intact
    assert {p.kind for p in report.problems} <= {ProblemKind.MANIFEST, ProblemKind.SOURCE}


def test_what_a_package_says_is_printed_with_control_characters_escaped(tmp_path: Path) -> None:
    package = _package(tmp_path / "pkg")
    (package / "evil\x1b[2J\nOK.txt").write_text("not listed")
    (problem,) = verify_package(package).problems
    shown = str(problem)
    assert "\x1b" not in shown
    assert "\n" not in shown
    assert "\\x1b[2J\\nOK.txt" in shown
