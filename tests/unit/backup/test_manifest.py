"""A backup's manifest: every file's SHA-256 checked; a changed, missing or added file refused by name."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

import pytest

from chronotrace_desktop.domain.errors import InvalidInputError
from chronotrace_desktop.services.backup import Manifest, verify_backup
from chronotrace_desktop.services.backup.manifest import files_under, sha256_of, write_manifest

if TYPE_CHECKING:
    from pathlib import Path


def make_backup(folder: Path) -> Manifest:
    (folder / "vectors").mkdir(parents=True)
    (folder / "database.dump").write_bytes(b"PGDMP" + bytes(range(256)) * 40)
    (folder / "vectors" / "c.tar.gz").write_bytes(b"vectors")
    (folder / "settings.json").write_text("{}\n")
    files = {
        p.as_posix(): {"sha256": sha256_of(folder / p), "bytes": (folder / p).stat().st_size}
        for p in files_under(folder)
    }
    manifest = Manifest(datetime.now(UTC), "workstation", False, {"file": "database.dump"}, (), files, ())
    write_manifest(folder, manifest)
    return manifest


def test_an_untouched_backup_verifies(tmp_path: Path) -> None:
    written = make_backup(tmp_path)
    read = verify_backup(tmp_path)
    assert read.files == written.files
    assert set(read.files) == {"database.dump", "settings.json", "vectors/c.tar.gz"}


@pytest.mark.parametrize(
    ("change", "named"),
    [
        (lambda f: (f / "vectors" / "c.tar.gz").write_bytes(b"vectorz"), "vectors/c.tar.gz"),
        (lambda f: (f / "database.dump").unlink(), "database.dump is missing"),
        (lambda f: (f / "extra.sql").write_text("DROP TABLE users"), "extra.sql"),
        (lambda f: (f / "manifest.json").unlink(), "no manifest.json"),
    ],
)
def test_a_changed_backup_is_refused_naming_the_file(tmp_path: Path, change: object, named: str) -> None:
    make_backup(tmp_path)
    assert callable(change)
    change(tmp_path)
    with pytest.raises(InvalidInputError, match=named.replace(".", r"\.")):
        verify_backup(tmp_path)
