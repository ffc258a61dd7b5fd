"""``chronotrace maintenance run|history`` as an administrator runs them: a real process on a fresh workstation."""

from __future__ import annotations

import json

import pytest

from tests.conftest import scratch_dir
from tests.integration.test_cli import ADMIN, Cli


@pytest.fixture(scope="module")
def cli() -> Cli:
    runner = Cli(scratch_dir("maintenance-cli-") / "installation")
    result = runner("init", "--admin-email", ADMIN, "--full-name", "Ada Admin")
    assert result.returncode == 0, result.stderr
    return runner


def test_run_chosen_tasks_then_only_what_is_due_and_list_the_history(cli: Cli) -> None:
    result = cli(
        "maintenance", "run", "--task", "purge_searches", "--task", "vacuum-analyze", "--user", ADMIN
    )
    assert result.returncode == 0, result.stderr
    assert "purge_searches" in result.stdout
    assert "vacuum_analyze" in result.stdout
    due = json.loads(cli("maintenance", "run", "--due-only", "--json", "--user", ADMIN).stdout)
    assert sorted(run["task"] for run in due) == ["archive_audit", "expire_exports", "reindex"]
    assert all(run["status"] == "succeeded" and run["trigger"] == "manual" for run in due), due
    history = json.loads(cli("maintenance", "history", "--json", "--user", ADMIN).stdout)
    assert [run["task"] for run in history[:3]] == ["reindex", "expire_exports", "archive_audit"]
    assert len(history) == 5
    assert history[-1]["by"] == ADMIN


def test_bad_task_names_are_refused_with_exit_2(cli: Cli) -> None:
    bad = cli("maintenance", "run", "--task", "defrag", "--user", ADMIN)
    assert bad.returncode == 2
    assert "unknown maintenance task 'defrag'" in bad.stderr
