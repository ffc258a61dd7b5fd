"""``chronotrace audit list|reveals|export`` as a user runs them: real processes on a fresh workstation."""

from __future__ import annotations

import csv
import json

import pytest

from tests.conftest import scratch_dir
from tests.integration.test_cli import ADMIN, PASSWORD, Cli

ANALYST = "analyst@b.cc"


@pytest.fixture(scope="module")
def cli() -> Cli:
    runner = Cli(scratch_dir("audit-trail-cli-") / "installation")
    assert runner("init", "--admin-email", ADMIN).returncode == 0
    added = runner(
        "users",
        "add",
        "--user",
        ADMIN,
        "--email",
        ANALYST,
        "--role",
        "analyst",
        CHRONOTRACE_NEW_PASSWORD=PASSWORD,
    )
    assert added.returncode == 0, added.stderr
    return runner


def test_an_administrator_filters_and_an_analyst_sees_only_their_own(cli: Cli) -> None:
    created = cli("audit", "list", "--user", ADMIN, "--action", "user_created", "--json")
    assert created.returncode == 0, created.stderr
    rows = json.loads(created.stdout)
    assert (rows["matching"], rows["exact"]) == (2, True)  # init's administrator, then the analyst
    assert rows["entries"][0]["username"] == ADMIN
    assert rows["entries"][0]["metadata"]["email"] == ANALYST
    assert rows["entries"][0]["created_at"].endswith("Z")

    own = json.loads(cli("audit", "list", "--user", ANALYST, "--json").stdout)
    assert own["entries"], "the analyst's own sign-in is in the trail"
    assert {e["username"] for e in own["entries"]} == {ANALYST}
    theirs = cli("audit", "list", "--user", ANALYST, "--by", ADMIN)
    assert theirs.stdout.splitlines() == ["(none)", "0 shown of 0 matching rows"]


def test_export_writes_the_filtered_trail_and_is_audited(cli: Cli) -> None:
    path = scratch_dir("audit-trail-csv-") / "created.csv"
    result = cli("audit", "export", "--user", ADMIN, "--action", "user_created", "--csv", str(path))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("2 rows written to ")
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["action"] for r in rows] == ["user_created", "user_created"]
    assert json.loads(rows[0]["metadata"])["email"] == ANALYST
    note = json.loads(cli("audit", "list", "--user", ADMIN, "--action", "audit_exported", "--json").stdout)
    assert note["entries"][0]["metadata"]["rows"] == 2
    assert note["entries"][0]["metadata"]["filter"] == {"actions": ["user_created"]}


def test_bad_filters_are_usage_errors(cli: Cli) -> None:
    bad = cli("audit", "list", "--user", ADMIN, "--action", "no_such_action")
    assert bad.returncode == 2
    assert "unknown action 'no_such_action'" in bad.stderr
    refused = cli("audit", "reveals", "--user", ADMIN, "--from", "yesterday")
    assert refused.returncode == 2
    assert "a time is YYYY-MM-DD" in refused.stderr
