"""``chronotrace search --like-track`` and ``chronotrace appearance index`` as a user runs them (real processes)."""

from __future__ import annotations

import json

import pytest

from tests.conftest import VIDEOS_DIR, scratch_dir
from tests.integration.test_cli import ADMIN, Cli

PAUSE = "face-demographics-walking-and-pause.gif"  # the bald man is tracks 2 and 4


@pytest.fixture(scope="module")
def cli() -> tuple[Cli, str]:
    runner = Cli(scratch_dir("cli-appearance-") / "data")
    assert runner("init", "--admin-email", ADMIN).returncode == 0
    ingested = runner("ingest", "--user", ADMIN, "--camera-id", "CAM-LOBBY", str(VIDEOS_DIR / PAUSE))
    assert ingested.returncode == 0, ingested.stderr
    hits = json.loads(runner("search", "person", "--json", "--user", ADMIN).stdout)
    return runner, hits[0]["video_id"]


def test_like_track_prints_appearance_hits(cli: tuple[Cli, str]) -> None:
    runner, video_id = cli
    result = runner("search", "--like-track", f"{video_id}:2", "--json", "--user", ADMIN)
    assert result.returncode == 0, result.stderr
    hits = json.loads(result.stdout)
    assert hits
    assert hits[0]["why"][0].startswith("appearance: ")
    assert "track 2 of CAM-LOBBY" in hits[0]["why"][0]
    plain = runner("search", "--like-track", f"{video_id}:2", "--other-cameras", "--user", ADMIN)
    assert plain.returncode == 0, plain.stderr
    assert "0 hits in" in plain.stdout  # one camera only


def test_backfill_reports_what_it_indexed(cli: tuple[Cli, str]) -> None:
    runner, _ = cli
    result = runner("appearance", "index", "--all", "--json", "--user", ADMIN)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["videos"] == 1
    assert report["tracks"] >= 3
    assert report["state"] == "indexed"
    assert "[1/1]" in result.stderr


@pytest.mark.parametrize(
    "args",
    [
        ("--like-track", "nope"),
        ("--like-track", "00000000-0000-0000-0000-000000000000:1"),
        ("--like-track", "00000000-0000-0000-0000-000000000000:1", "--window", "2024-01-01"),
        ("car", "--other-cameras"),
        ("car", "--like-track", "00000000-0000-0000-0000-000000000000:1"),
    ],
)
def test_malformed_like_track_exits_2(cli: tuple[Cli, str], args: tuple[str, ...]) -> None:
    runner, _ = cli
    result = runner("search", *args, "--user", ADMIN)
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert result.stderr.strip()
