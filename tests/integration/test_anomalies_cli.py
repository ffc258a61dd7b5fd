"""``chronotrace cameras ...`` and ``chronotrace anomalies ...`` as a user runs them (fresh installation)."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest

from tests.conftest import scratch_dir
from tests.integration.test_cli import ADMIN, Cli

EVENTS = Path(__file__).resolve().parents[2] / "eval" / "dev_events.json"


@pytest.fixture(scope="module")
def cli() -> Cli:
    runner = Cli(scratch_dir("cli-anomalies-") / "installation")
    assert runner("init", "--admin-email", ADMIN).returncode == 0
    added = runner(
        "users", "add", "--user", ADMIN, "--email", "v@b.cc", "--role", "viewer",
        CHRONOTRACE_NEW_PASSWORD="viewer password 1",
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    return runner


def test_cameras_are_configured_from_the_cli(cli: Cli) -> None:
    shown = cli("cameras", "show", "CAM-9", "--json", "--user", ADMIN)
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout)["configured"] is False
    changed = cli(
        "cameras", "set", "CAM-9", "--timezone", "Europe/Madrid", "--hours", "mon-fri 07:30-19:00",
        "--threshold", "loitering.min_seconds=45", "--threshold", "crowd_formation.min_people=20",
        "--recipients", "ops@example.org", "--json", "--user", ADMIN,
    )  # fmt: skip
    assert changed.returncode == 0, changed.stderr
    data = json.loads(changed.stdout)
    assert data["timezone"] == "Europe/Madrid"
    assert data["alert_recipients"] == ["ops@example.org"]
    assert data["thresholds"] == {"loitering": {"min_seconds": 45.0}, "crowd_formation": {"min_people": 20}}
    assert data["business_hours"] == [{"weekdays": [0, 1, 2, 3, 4], "start": "07:30", "end": "19:00"}]
    zone = cli(
        "cameras", "add-zone", "CAM-9", "--name", "Gate", "--kind", "restricted", "--polygon",
        "0.1,0.5 0.4,0.5 0.4,0.9 0.1,0.9", "--json", "--user", ADMIN,
    )  # fmt: skip
    assert zone.returncode == 0, zone.stderr
    assert json.loads(zone.stdout)["zones"][0]["polygon"] == [[0.1, 0.5], [0.4, 0.5], [0.4, 0.9], [0.1, 0.9]]
    listing = json.loads(cli("cameras", "list", "--json", "--user", ADMIN).stdout)
    assert [c["camera_id"] for c in listing] == ["CAM-9"]
    removed = cli("cameras", "remove-zone", "CAM-9", "--name", "gate", "--json", "--user", ADMIN)
    assert json.loads(removed.stdout)["zones"] == []
    assert "loitering" in cli("cameras", "show", "CAM-9", "--user", ADMIN).stdout


def test_bad_input_exits_2_and_missing_role_exits_3(cli: Cli) -> None:
    bad = cli("cameras", "set", "CAM-9", "--threshold", "loitering.min_second=3", "--user", ADMIN)
    assert bad.returncode == 2
    assert "min_seconds" in bad.stderr
    assert cli("cameras", "set", "CAM-9", "--timezone", "Mars/Olympus", "--user", ADMIN).returncode == 2
    assert cli("cameras", "remove-zone", "CAM-9", "--name", "nope", "--user", ADMIN).returncode == 2
    assert cli("anomalies", "set", "zz", "acknowledged", "--user", ADMIN).returncode == 2
    missing = cli("anomalies", "set", str(uuid.uuid4()), "resolved", "--note", "x", "--user", ADMIN)
    assert missing.returncode == 2
    assert "no anomaly" in missing.stderr
    assert cli("anomalies", "list", "--status", "closed", "--user", ADMIN).returncode == 2
    assert cli("anomalies", "list", "--user", ADMIN, password="wrong password!").returncode == 2
    denied = cli("cameras", "set", "CAM-9", "--name", "x", "--user", "v@b.cc", password="viewer password 1")
    assert denied.returncode == 3, denied.stderr
    assert cli("anomalies", "rescan", "--user", "v@b.cc", password="viewer password 1").returncode == 3


def test_list_rescan_alerts_and_eval_on_an_empty_library(cli: Cli) -> None:
    listing = cli("anomalies", "list", "--status", "new", "--severity", "high", "--json", "--user", ADMIN)
    assert listing.returncode == 0
    assert json.loads(listing.stdout) == []
    assert "no completed videos" in cli("anomalies", "rescan", "--user", ADMIN).stdout
    alerts = cli("anomalies", "send-alerts", "--json", "--user", ADMIN)
    assert alerts.returncode == 0
    assert json.loads(alerts.stdout)["sent"] == 0
    report = cli("anomalies", "eval", str(EVENTS), "--json", "--user", ADMIN)
    assert report.returncode == 0, report.stderr
    data = json.loads(report.stdout)
    assert len(data["missing_videos"]) == 15
    assert data["overall"]["findings"] == 0
