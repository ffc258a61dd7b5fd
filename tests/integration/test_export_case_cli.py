"""``chronotrace export --case CASE-…`` files the export in that case (its bookmarks in the package's JSON); a
reference that is no case of the installation is printed on the package only, and said so."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import VIDEOS_DIR, scratch_dir
from tests.integration.test_cli import ADMIN, Cli


def test_export_in_a_case_and_with_a_free_reference() -> None:
    cli = Cli(scratch_dir("cli-export-case-") / "installation")
    assert cli("init", "--admin-email", ADMIN).returncode == 0
    ingested = cli(
        "ingest", str(VIDEOS_DIR / "bottle-detection.mp4"), "--camera-id", "CAM-1", "--recorded-at",
        "2024-02-09T14:00:00Z", "--json", "--user", ADMIN,
    )  # fmt: skip
    assert ingested.returncode == 0, ingested.stderr
    video_id = json.loads(ingested.stdout.splitlines()[0])["video_id"]
    created = cli("cases", "create", "--title", "Bottle", "--video", video_id, "--json", "--user", ADMIN)
    assert created.returncode == 0, created.stderr
    case_id = json.loads(created.stdout)["case_id"]
    mark = cli("bookmarks", "add", video_id, "--at", "1.5", "--note", "Bottle moved", "--case", case_id,
               "--json", "--user", ADMIN)  # fmt: skip
    assert mark.returncode == 0, mark.stderr
    segments = json.loads(cli("search", "bottle", "--json", "--user", ADMIN).stdout)
    segment = segments[0]["segment_id"]

    out = scratch_dir("cli-export-case-out-")
    filed = cli("export", "--segments", segment, "--case", case_id.lower(), "--out", str(out),
                "--types", "json_data", "--json", "--user", ADMIN)  # fmt: skip
    assert filed.returncode == 0, filed.stderr
    result = json.loads(filed.stdout)
    assert result["case"] == case_id
    data = json.loads((Path(result["path"]) / "segments.json").read_text(encoding="utf-8"))
    assert [b["note"] for b in data["bookmarks"]] == ["Bottle moved"]
    assert data["case"]["title"] == "Bottle"

    free = cli("export", "--segments", segment, "--case", "CASE-1999-0001", "--out", str(out),
               "--types", "json_data", "--user", ADMIN)  # fmt: skip
    assert free.returncode == 0, free.stderr
    assert "no case CASE-1999-0001 here" in free.stderr
    assert "Exported case CASE-1999-0001: " in free.stdout
