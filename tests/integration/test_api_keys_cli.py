"""``chronotrace apikeys ...`` as a user runs them (real subprocesses, issue 17 item 1)."""

from __future__ import annotations

import json

import pytest

from chronotrace_desktop.cli.commands_apikeys import NOT_SHOWN_AGAIN
from chronotrace_desktop.domain.api_keys import KEY_PREFIX
from tests.conftest import scratch_dir
from tests.integration.test_cli import ADMIN, Cli

VIEWER = "v@b.cc"
MEMBER_PASSWORD = "member password 1"


@pytest.fixture(scope="module")
def cli() -> Cli:
    runner = Cli(scratch_dir("cli-apikeys-") / "installation")
    assert runner("init", "--admin-email", ADMIN).returncode == 0
    added = runner(
        "users", "add", "--user", ADMIN, "--email", VIEWER, "--role", "viewer",
        CHRONOTRACE_NEW_PASSWORD=MEMBER_PASSWORD,
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    return runner


def test_create_prints_the_key_once_and_list_never_shows_it(cli: Cli) -> None:
    made = cli(
        "apikeys", "create", "--name", "VMS Integration", "--scopes", "read:videos,write:searches",
        "--rate-hour", "5000", "--expires", "2099-01-31", "--user", ADMIN,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    assert NOT_SHOWN_AGAIN in made.stderr
    key = next(line.split()[2] for line in made.stdout.splitlines() if line.startswith("API key "))
    assert key.startswith(KEY_PREFIX)
    assert len(key) >= len(KEY_PREFIX) + 43
    assert "5000/hour" in made.stdout

    listed = cli("apikeys", "list", "--json", "--user", ADMIN)
    assert listed.returncode == 0, listed.stderr
    assert key not in listed.stdout
    (info,) = json.loads(listed.stdout)
    assert (info["prefix"], info["scopes"], info["expires_at_utc"]) == (
        key[:10],
        ["read:videos", "write:searches"],
        "2099-01-31T00:00:00Z",
    )
    assert "key_hash" not in info

    rotated = cli("apikeys", "rotate", info["key_id"], "--json", "--user", ADMIN)
    assert rotated.returncode == 0, rotated.stderr
    new = json.loads(rotated.stdout)
    assert new["key"].startswith(KEY_PREFIX)
    assert new["key"] != key
    assert new["rate_limit_per_hour"] == 5000
    again = cli("apikeys", "revoke", info["key_id"], "--user", ADMIN)
    assert again.returncode == 2, again.stderr  # rotation revoked it already
    revoked = cli("apikeys", "revoke", new["key_id"], "--user", ADMIN)
    assert revoked.returncode == 0, revoked.stderr
    states = {
        k["key_id"]: k["is_active"]
        for k in json.loads(cli("apikeys", "list", "--json", "--user", ADMIN).stdout)
    }
    assert states == {info["key_id"]: False, new["key_id"]: False}


def test_refusals_have_the_usual_exit_codes(cli: Cli) -> None:
    as_viewer = {"password": MEMBER_PASSWORD}
    beyond = cli(
        "apikeys", "create", "--name", "x", "--scopes", "write:videos", "--user", VIEWER, **as_viewer
    )
    assert beyond.returncode == 3, beyond.stderr
    assert "write:videos" in beyond.stderr
    for_other = cli(
        "apikeys", "create", "--name", "x", "--scopes", "read:videos", "--for-user", ADMIN, "--user", VIEWER,
        **as_viewer,
    )  # fmt: skip
    assert for_other.returncode == 3, for_other.stderr
    every = cli("apikeys", "list", "--all", "--user", VIEWER, **as_viewer)
    assert every.returncode == 3, every.stderr
    bad_scope = cli("apikeys", "create", "--name", "x", "--scopes", "read:all", "--user", VIEWER, **as_viewer)
    assert bad_scope.returncode == 2
    assert "'read:all'" in bad_scope.stderr
    bad_date = cli("apikeys", "create", "--name", "x", "--scopes", "read:videos", "--expires", "soon",
                   "--user", VIEWER, **as_viewer)  # fmt: skip
    assert bad_date.returncode == 2
    past = cli("apikeys", "create", "--name", "x", "--scopes", "read:videos", "--expires", "2001-01-01",
               "--user", VIEWER, **as_viewer)  # fmt: skip
    assert past.returncode == 2, past.stderr
    missing = cli("apikeys", "revoke", "00000000-0000-0000-0000-000000000000", "--user", VIEWER, **as_viewer)
    assert missing.returncode == 2, missing.stderr

    own = cli("apikeys", "create", "--name", "mine", "--scopes", "read:videos", "--json", "--user", VIEWER,
              **as_viewer)  # fmt: skip
    assert own.returncode == 0, own.stderr
    mine = json.loads(own.stdout)
    assert mine["user"] == VIEWER
    admins = cli("apikeys", "list", "--all", "--json", "--user", ADMIN)
    assert mine["key_id"] in {k["key_id"] for k in json.loads(admins.stdout)}
    assert mine["key"] not in admins.stdout
    theirs = cli("apikeys", "revoke", mine["key_id"], "--user", ADMIN)
    assert theirs.returncode == 0, theirs.stderr
