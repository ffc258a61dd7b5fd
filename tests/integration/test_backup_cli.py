"""``chronotrace backup`` and ``chronotrace restore`` as a user runs them (workstation profile, real processes)."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from chronotrace_desktop.services.backup import backup_name
from chronotrace_desktop.services.backup.rotation import partial_name
from tests.conftest import scratch_dir
from tests.integration.test_cli import ADMIN, Cli


@pytest.fixture(scope="module")
def backed_up() -> tuple[Cli, Path, dict[str, object]]:
    cli = Cli(scratch_dir("backup-cli-") / "installation")
    assert cli("init", "--admin-email", ADMIN).returncode == 0
    out = scratch_dir("backup-cli-out-")
    old = [backup_name(datetime(2020, 1, 1, 3, tzinfo=UTC) + timedelta(days=n)) for n in range(10)]
    for name in old:
        (out / name).mkdir()
    (out / "notes").mkdir()
    (out / partial_name(old[0])).mkdir()  # a backup a crash interrupted in 2020
    made = cli("backup", "--out", str(out), "--user", ADMIN, "--json")
    assert made.returncode == 0, made.stderr
    return cli, out, json.loads(made.stdout)


def test_backup_writes_a_dated_folder_and_rotation_removes_the_oldest(
    backed_up: tuple[Cli, Path, dict[str, object]],
) -> None:
    _, out, report = backed_up
    folder = Path(str(report["dir"]))
    assert folder.parent == out.resolve()
    assert (folder / "manifest.json").is_file()
    removed = {Path(str(p)).name for p in report["removed"]}  # type: ignore[attr-defined]
    # Today's backup, then the newest 6 of January 2020 as days; their ISO weeks and month keep no older one.
    oldest = {backup_name(datetime(2020, 1, 1, 3, tzinfo=UTC) + timedelta(days=n)) for n in range(4)}
    assert removed == oldest | {partial_name(min(oldest))}
    assert not any((out / name).exists() for name in removed)
    assert (out / "notes").is_dir()


def test_restore_refuses_a_tampered_backup_naming_the_file(
    backed_up: tuple[Cli, Path, dict[str, object]], tmp_path: Path
) -> None:
    cli, _, report = backed_up
    copy = tmp_path / "copy"
    shutil.copytree(str(report["dir"]), copy)
    (copy / "settings.json").write_text('{"profile": "team"}\n')
    new = scratch_dir("restore-tampered-") / "new"
    refused = cli("restore", str(copy), "--data-dir", str(new), "--user", ADMIN)
    assert refused.returncode == 2, refused.stderr
    assert "settings.json does not match its SHA-256" in refused.stderr
    assert not new.exists()


def test_restore_as_someone_who_is_not_an_administrator_there_leaves_nothing(
    backed_up: tuple[Cli, Path, dict[str, object]],
) -> None:
    cli, _, report = backed_up
    new = scratch_dir("restore-refused-") / "new"
    refused = cli("restore", str(report["dir"]), "--data-dir", str(new), "--user", ADMIN, password="wrong")
    assert refused.returncode == 2, refused.stderr
    assert not new.exists()


def test_restore_builds_a_working_installation(backed_up: tuple[Cli, Path, dict[str, object]]) -> None:
    cli, _, report = backed_up
    new = scratch_dir("restore-ok-") / "new"
    restored = cli("restore", str(report["dir"]), "--data-dir", str(new), "--user", ADMIN)
    assert restored.returncode == 0, restored.stderr
    assert "evidence-signing key" in restored.stdout
    listing = Cli(new)("users", "list", "--user", ADMIN)
    assert listing.returncode == 0, listing.stderr
    assert ADMIN in listing.stdout
