"""``chronotrace ingest --clock-offset``, ``chronotrace videos set-time`` and ``chronotrace cameras set-clock``
as a user runs them (real subprocesses on a fresh installation)."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from tests.conftest import VIDEOS_DIR, scratch_dir
from tests.integration.test_cli import ADMIN, Cli

VIEWER = "v@b.cc"
ANALYST = "an@b.cc"


@pytest.fixture(scope="module")
def cli() -> Cli:
    runner = Cli(scratch_dir("cli-clock-") / "installation")
    assert runner("init", "--admin-email", ADMIN).returncode == 0
    for email, role in ((VIEWER, "viewer"), (ANALYST, "analyst")):
        added = runner(
            "users", "add", "--user", ADMIN, "--email", email, "--role", role,
            CHRONOTRACE_NEW_PASSWORD="member password 1",
        )  # fmt: skip
        assert added.returncode == 0, added.stderr
    return runner


def test_offsets_at_ingest_by_hand_and_per_camera(cli: Cli) -> None:
    ingested = cli(
        "ingest", str(VIDEOS_DIR / "video02.avi"), "--camera-id", "CAM-1", "--recorded-at",
        "2024-02-09T14:00:00Z", "--clock-offset", "-73", "--json", "--user", ADMIN,
    )  # fmt: skip
    assert ingested.returncode == 0, ingested.stderr
    video_id = json.loads(ingested.stdout.splitlines()[0])["video_id"]

    viewer = cli(
        "videos", "set-time", video_id, "--offset", "10", "--user", VIEWER, password="member password 1"
    )
    assert viewer.returncode == 3, viewer.stderr

    by_offset = cli("videos", "set-time", video_id, "--offset", "3600", "--json", "--user", ANALYST,
                    password="member password 1")  # fmt: skip
    assert by_offset.returncode == 0, by_offset.stderr
    change = json.loads(by_offset.stdout)
    assert change["before"] == {
        "recorded_at": "2024-02-09T13:58:47Z",
        "recorder_recorded_at": "2024-02-09T14:00:00Z",
        "clock_offset_s": -73.0,
        "clock_source": "flag",
    }
    assert change["after"]["recorded_at"] == "2024-02-09T15:00:00Z"
    assert change["after"]["recorder_recorded_at"] == "2024-02-09T14:00:00Z"
    assert change["points_updated"] >= 1
    assert change["anomalies_found"] is not None

    by_start = cli(
        "videos", "set-time", video_id, "--recorded-at", "2024-02-09T14:00:30+00:00", "--user", ADMIN
    )
    assert by_start.returncode == 0, by_start.stderr
    assert (
        "after   start 2024-02-09T14:00:30Z  (recorder 2024-02-09T14:00:00Z; offset +30 s" in by_start.stdout
    )

    both = cli("videos", "set-time", video_id, "--recorded-at", "2024-02-09T14:00:30", "--offset", "3",
               "--user", ADMIN)  # fmt: skip
    assert both.returncode == 2
    bad = cli("videos", "set-time", video_id, "--offset", "soon", "--user", ADMIN)
    assert bad.returncode == 2
    assert "not a number of seconds" in bad.stderr

    refused = cli(
        "cameras", "set-clock", "CAM-2", "--offset", "5", "--user", ANALYST, password="member password 1"
    )
    assert refused.returncode == 3, refused.stderr
    camera = cli("cameras", "set-clock", "CAM-2", "--offset", "120", "--json", "--user", ADMIN)
    assert camera.returncode == 0, camera.stderr
    assert json.loads(camera.stdout)["clock_offset_s"] == 120.0
    shown_camera = cli("cameras", "show", "CAM-2", "--user", ADMIN)
    assert "clock offset  120 s (+2 min 0 s) for its new videos" in shown_camera.stdout
    assert (
        json.loads(cli("cameras", "show", "CAM-2", "--json", "--user", ADMIN).stdout)["clock_offset_s"]
        == 120.0
    )
    second = cli(
        "ingest", str(VIDEOS_DIR / "bottle-detection.mp4"), "--camera-id", "CAM-2", "--recorded-at",
        "2024-02-09T14:00:00Z", "--json", "--user", ADMIN,
    )  # fmt: skip
    assert second.returncode == 0, second.stderr
    second_id = json.loads(second.stdout.splitlines()[0])["video_id"]
    shown = cli("videos", "set-time", second_id, "--offset", "120", "--json", "--user", ADMIN)
    before = json.loads(shown.stdout)["before"]
    assert before["recorded_at"] == "2024-02-09T14:02:00Z"
    assert before["clock_source"] == "camera"


def test_read_clock_reads_the_on_screen_clock_and_accept_sets_the_start(cli: Cli) -> None:
    ingested = cli(
        "ingest", str(VIDEOS_DIR / "video02.avi"), "--camera-id", "CAM-OCR", "--json", "--user", ADMIN,
    )  # fmt: skip
    assert ingested.returncode == 0, ingested.stderr
    video_id = json.loads(ingested.stdout.splitlines()[0])["video_id"]
    viewer = cli("videos", "read-clock", video_id, "--user", VIEWER, password="member password 1")
    assert viewer.returncode == 3, viewer.stderr

    shown = cli("videos", "read-clock", video_id, "--user", ANALYST, password="member password 1")
    assert shown.returncode == 0, shown.stderr
    assert "read from its original file" in shown.stdout
    assert "Not applied" in shown.stdout

    accepted = cli("videos", "read-clock", video_id, "--accept", "--json", "--user", ADMIN)
    assert accepted.returncode == 0, accepted.stderr
    reading = json.loads(accepted.stdout)
    # What a person reads on the first frame of the highway clip: 17/09/07 12:04:11 (dd/mm/yy).
    start = datetime.fromisoformat(reading["recording_start"].replace("Z", "+00:00")).replace(tzinfo=None)
    assert abs((start - datetime(2007, 9, 17, 12, 4, 11)).total_seconds()) <= 2
    after = reading["accepted"]["after"]
    assert after["clock_source"] == "ocr"
    assert after["recorded_at"] == reading["recording_start"]
