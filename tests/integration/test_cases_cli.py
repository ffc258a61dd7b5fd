"""``chronotrace cases ...`` and ``chronotrace bookmarks ...`` as a user runs them (real subprocesses)."""

from __future__ import annotations

import json

import pytest

from tests.conftest import VIDEOS_DIR, scratch_dir
from tests.integration.test_cli import ADMIN, Cli

VIEWER = "v@b.cc"
ANALYST = "an@b.cc"
MEMBER_PASSWORD = "member password 1"


@pytest.fixture(scope="module")
def cli() -> Cli:
    runner = Cli(scratch_dir("cli-cases-") / "installation")
    assert runner("init", "--admin-email", ADMIN).returncode == 0
    for email, role in ((VIEWER, "viewer"), (ANALYST, "analyst")):
        added = runner(
            "users", "add", "--user", ADMIN, "--email", email, "--role", role,
            CHRONOTRACE_NEW_PASSWORD=MEMBER_PASSWORD,
        )  # fmt: skip
        assert added.returncode == 0, added.stderr
    return runner


def test_a_case_with_videos_bookmarks_and_a_hold(cli: Cli) -> None:
    ingested = cli(
        "ingest", str(VIDEOS_DIR / "bottle-detection.mp4"), "--camera-id", "CAM-1", "--recorded-at",
        "2024-02-09T14:00:00Z", "--json", "--user", ADMIN,
    )  # fmt: skip
    assert ingested.returncode == 0, ingested.stderr
    video_id = json.loads(ingested.stdout.splitlines()[0])["video_id"]

    as_analyst = {"password": MEMBER_PASSWORD}
    created = cli("cases", "create", "--title", "Depot robbery", "--video", video_id, "--json", "--user", ANALYST,
                  **as_analyst)  # fmt: skip
    assert created.returncode == 0, created.stderr
    case = json.loads(created.stdout)
    case_id = case["case_id"]
    assert (case["status"], case["videos"], case["evidence_hold"]) == ("open", 1, False)

    refused = cli("cases", "create", "--title", "Mine", "--user", VIEWER, password=MEMBER_PASSWORD)
    assert refused.returncode == 3, refused.stderr
    bad_id = cli("cases", "show", "CASE-12", "--user", VIEWER, password=MEMBER_PASSWORD)
    assert bad_id.returncode == 2
    assert "looks like CASE-2024-0001" in bad_id.stderr
    missing = cli("cases", "show", "CASE-1999-0001", "--user", VIEWER, password=MEMBER_PASSWORD)
    assert missing.returncode == 2, missing.stderr
    assert "no case CASE-1999-0001" in missing.stderr

    mark = cli("bookmarks", "add", video_id, "--at", "0:01.5", "--note", "Bottle moved", "--box", "0.1,0.1,0.2,0.3",
               "--case", case_id, "--json", "--user", ANALYST, **as_analyst)  # fmt: skip
    assert mark.returncode == 0, mark.stderr
    bookmark = json.loads(mark.stdout)
    assert bookmark["offset_seconds"] == 1.5
    assert bookmark["wall_time_utc"] == "2024-02-09T14:00:01.500000Z"
    assert bookmark["box"] == {"x": 0.1, "y": 0.1, "w": 0.2, "h": 0.3}
    bad_time = cli("bookmarks", "add", video_id, "--at", "soon", "--user", ANALYST, **as_analyst)
    assert bad_time.returncode == 2
    assert "seconds, M:SS or H:MM:SS" in bad_time.stderr

    edited = cli("bookmarks", "edit", bookmark["bookmark_id"], "--note", "Bottle taken", "--no-box", "--json",
                 "--user", ANALYST, **as_analyst)  # fmt: skip
    assert edited.returncode == 0, edited.stderr
    assert (json.loads(edited.stdout)["note"], json.loads(edited.stdout)["box"]) == ("Bottle taken", None)

    listed = cli("bookmarks", "list", "--case", case_id, "--user", VIEWER, password=MEMBER_PASSWORD)
    assert listed.returncode == 0, listed.stderr
    assert "Bottle taken" in listed.stdout
    assert "2024-02-09 14:00:01" in listed.stdout

    held = cli(
        "cases", "hold", case_id, "--reason", "Court order 9", "--json", "--user", ANALYST, **as_analyst
    )
    assert held.returncode == 0, held.stderr
    assert json.loads(held.stdout)["evidence_hold"] is True
    shown = cli("cases", "show", case_id, "--user", VIEWER, password=MEMBER_PASSWORD)
    assert "HELD: Court order 9" in shown.stdout
    assert video_id in shown.stdout
    release = cli("cases", "release", case_id, "--reason", "done", "--user", ANALYST, **as_analyst)
    assert release.returncode == 3, release.stderr
    released = cli("cases", "release", case_id, "--reason", "Order lifted", "--user", ADMIN)
    assert released.returncode == 0, released.stderr

    deleted = cli("bookmarks", "delete", bookmark["bookmark_id"], "--user", ANALYST, **as_analyst)
    assert deleted.returncode == 0, deleted.stderr
    closed = cli("cases", "update", case_id, "--status", "closed", "--json", "--user", ANALYST, **as_analyst)
    assert json.loads(closed.stdout)["status"] == "closed"
    listing = cli("cases", "list", "--open", "--json", "--user", VIEWER, password=MEMBER_PASSWORD)
    assert case_id not in {c["case_id"] for c in json.loads(listing.stdout)}
