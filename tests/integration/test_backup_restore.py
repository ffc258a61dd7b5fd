"""Backup and restore of a team installation on the PostgreSQL server (the workstation's, on the embedded
server, runs in tests/gui/test_backup_panel.py on the session's ingested library).

One short clip is ingested once for the module. The backup is dumped with the server's own pg_dump as the
administrator's login (under row-level security), restored into a new empty server database as its owner, and
the restored installation answers the same search with the same hits.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

import pytest
import sqlalchemy as sa

from chronotrace_desktop.config import load_settings, resolve_paths
from chronotrace_desktop.domain.audit import AuditAction
from chronotrace_desktop.domain.errors import (
    InvalidInputError,
    OperationCancelledError,
    PermissionDeniedError,
)
from chronotrace_desktop.domain.ingest import IngestOptions, IngestStatus
from chronotrace_desktop.domain.roles import Role
from chronotrace_desktop.domain.search import SearchResult, SegmentQuery
from chronotrace_desktop.domain.tasks import Unattended
from chronotrace_desktop.services.app import open_app
from chronotrace_desktop.services.backup import BackupResult, SignIn, TeamTarget, restore_installation
from chronotrace_desktop.storage.orm import AuditLog
from tests.conftest import VIDEOS_DIR, scratch_dir
from tests.integration.conftest import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    Installation,
    _server_backend,
    create_database,
    drop_database,
    new_installation,
)

pytestmark = pytest.mark.server_pg
QUERY = SegmentQuery(text="bottle on a table", limit=10)


@dataclass
class Backed:
    inst: Installation
    backup: BackupResult
    hits: list[tuple[str, int, float]]


def hits_of(result: SearchResult) -> list[tuple[str, int, float]]:
    return [(h.video_filename, h.segment_index, round(h.score, 5)) for h in result.hits]


@pytest.fixture(scope="module")
def backed() -> Iterator[Backed]:
    with new_installation("server") as inst:
        (ingested,) = inst.services.ingest.ingest_paths(
            inst.admin,
            [VIDEOS_DIR / "bottle-detection.mp4"],
            IngestOptions("CAM-SHELF", "Store", datetime(2024, 3, 1, 9, 0)),
            Unattended(),
        )
        assert ingested.status is IngestStatus.COMPLETED, ingested.error
        hits = hits_of(inst.services.search.search(inst.admin, QUERY))
        assert hits
        out = scratch_dir("backups-")
        backup = inst.services.backup.backup(inst.admin, out, with_media=True, task=Unattended())
        yield Backed(inst, backup, hits)


def test_a_team_backup_holds_the_dump_vectors_settings_and_media_with_their_hashes(backed: Backed) -> None:
    folder = backed.backup.dir
    manifest = json.loads(backed.backup.manifest.read_text())
    assert folder.name.startswith("chronotrace-backup-")
    assert not any(p.name.endswith(".partial") for p in folder.parent.iterdir())
    assert manifest["profile"] == "team"
    assert manifest["database"]["server_major"] == 15  # the server's own pg_dump, not the wheel's 18
    assert (folder / "database.dump").read_bytes()[:5] == b"PGDMP"
    names = {c["spec"]["name"] for c in manifest["collections"]}
    assert names == {"video_segments", "video_segments__appearance"}
    assert any(name.startswith("media/") for name in manifest["files"])
    assert set(manifest["files"]) == {
        p.relative_to(folder).as_posix()
        for p in folder.rglob("*")
        if p.is_file() and p.name != "manifest.json"
    }
    settings = json.loads((folder / "settings.json").read_text())
    assert settings["profile"] == "team"
    secret_words = ("password", "secret", "api_key", "token")
    assert not [key for key in settings if any(word in key for word in secret_words)]
    with backed.inst.services.database.transaction() as session:
        actions = session.scalars(sa.select(AuditLog.action).where(AuditLog.action == "backup_created")).all()
    assert actions == [AuditAction.BACKUP_CREATED.value]


def test_a_restored_team_installation_answers_the_same_search_with_the_same_hits(backed: Backed) -> None:
    target = create_database(_server_backend())
    data_dir = scratch_dir("restored-team-") / "new"
    try:
        result = restore_installation(
            backed.backup.dir,
            data_dir,
            Unattended(),
            sign_in=SignIn(ADMIN_EMAIL, ADMIN_PASSWORD),
            team=TeamTarget(target.render_as_string(hide_password=True), "postgres"),
        )
        assert result.points > 0
        assert result.media_files > 0
        assert any("db-login" in line for line in result.reenter)
        paths = resolve_paths(data_dir)
        restored = open_app(load_settings(paths), paths)
        try:
            assert str(restored.database.engine.url.username).startswith(f"{target.database}_u_")
            admin = restored.auth.login(ADMIN_EMAIL, ADMIN_PASSWORD)
            assert hits_of(restored.search.search(admin, QUERY)) == backed.hits
            with restored.database.transaction() as session:  # audited in the restored installation
                restored_rows = session.scalars(
                    sa.select(AuditLog.action).where(AuditLog.action == AuditAction.BACKUP_RESTORED.value)
                ).all()
            assert len(restored_rows) == 1
        finally:
            restored.close()
    finally:
        drop_database(target)


def test_a_tampered_backup_is_refused_naming_the_file_and_nothing_is_created(backed: Backed) -> None:
    copy = scratch_dir("tampered-") / backed.backup.dir.name
    shutil.copytree(backed.backup.dir, copy)
    vectors = sorted((copy / "vectors").iterdir())[0]
    vectors.write_bytes(vectors.read_bytes()[:-1] + b"\x00")
    data_dir = scratch_dir("never-") / "new"
    with pytest.raises(InvalidInputError, match=f"vectors/{vectors.name}"):
        restore_installation(copy, data_dir, Unattended(), sign_in=SignIn(ADMIN_EMAIL, ADMIN_PASSWORD))
    assert not data_dir.exists()


def test_only_administrators_back_up(backed: Backed) -> None:
    _, analyst = backed.inst.add_user(Role.ANALYST)
    out = scratch_dir("refused-")
    with pytest.raises(PermissionDeniedError):
        backed.inst.services.backup.backup(analyst, out, with_media=False, task=Unattended())
    assert list(out.iterdir()) == []


def test_a_cancelled_backup_leaves_no_folder(backed: Backed) -> None:
    class CancelAfterDump(Unattended):
        calls = 0

        def check_cancelled(self) -> None:
            self.calls += 1
            if self.calls > 1:
                raise OperationCancelledError("cancelled")

    out = scratch_dir("cancelled-")
    with pytest.raises(OperationCancelledError):
        backed.inst.services.backup.backup(backed.inst.admin, out, with_media=True, task=CancelAfterDump())
    assert list(out.iterdir()) == []
