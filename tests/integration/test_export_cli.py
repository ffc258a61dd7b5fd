"""``chronotrace export`` and ``chronotrace verify`` as real processes: exit codes, a package that verifies
in a process with no installation at all, a changed byte named, viewers refused with exit 3."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import VIDEOS_DIR, scratch_dir

ADMIN = "admin@export.test"
ANALYST = "analyst@export.test"
VIEWER = "viewer@export.test"
PASSWORD = "correct horse battery"
NO_SUCH_ID = "9d5f3b0e-0000-4000-8000-000000000000"


def _run(args: list[str], env: dict[str, str], timeout: int = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "chronotrace_desktop", *args],
        capture_output=True,
        text=True,
        env=env,
        stdin=subprocess.DEVNULL,
        timeout=timeout,
        check=False,
    )


@dataclass
class Cli:
    data_dir: Path

    def __call__(self, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
        environment = {**os.environ, "CHRONOTRACE_PASSWORD": PASSWORD, **env}
        return _run(["--data-dir", str(self.data_dir), *args], environment)


@pytest.fixture(scope="module")
def cli() -> Cli:
    runner = Cli(scratch_dir("export-cli-") / "installation")
    assert runner("init", "--admin-email", ADMIN).returncode == 0
    for email, role in ((ANALYST, "analyst"), (VIEWER, "viewer")):
        added = runner(
            "users",
            "add",
            "--user",
            ADMIN,
            "--email",
            email,
            "--role",
            role,
            CHRONOTRACE_NEW_PASSWORD=PASSWORD,
        )
        assert added.returncode == 0, added.stderr
    ingested = runner(
        "ingest",
        str(VIDEOS_DIR / "car-detection.mp4"),
        "--camera-id",
        "CAM-CLI",
        "--recorded-at",
        "2024-02-09T14:30:00",
        "--user",
        ADMIN,
    )
    assert ingested.returncode == 0, ingested.stderr
    return runner


def _segment_ids(cli: Cli) -> list[str]:
    found = cli("search", "car", "--json", "--user", ANALYST)
    assert found.returncode == 0, found.stderr
    return [hit["segment_id"] for hit in json.loads(found.stdout)]


def _bare_env(tmp_path: Path) -> dict[str, str]:
    """No installation anywhere: an empty home, no data dir, no password."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHRONOTRACE_")}
    home = tmp_path / "home"
    home.mkdir()
    env |= {"HOME": str(home), "XDG_DATA_HOME": str(home / "d"), "XDG_CONFIG_HOME": str(home / "c")}
    env["XDG_CACHE_HOME"] = str(home / "cache")
    return env


def test_export_then_verify_without_an_installation(cli: Cli, tmp_path: Path) -> None:
    ids = _segment_ids(cli)
    out = tmp_path / "out"
    exported = cli(
        "export",
        "--segments",
        ",".join(ids),
        "--case",
        "CASE-CLI-1",
        "--out",
        str(out),
        "--json",
        "--user",
        ANALYST,
    )
    assert exported.returncode == 0, exported.stderr
    result = json.loads(exported.stdout)
    assert result["segment_count"] == len(ids)
    package = Path(result["path"])
    assert package.parent == out

    env = _bare_env(tmp_path)
    verified = _run(["verify", str(package)], env)
    assert verified.returncode == 0, verified.stderr
    assert "INTACT" in verified.stdout
    assert result["manifest_sha256"] in verified.stdout
    created = [p for p in (tmp_path / "home").rglob("*") if "chronotrace" in p.name.lower()]
    assert created == [], "verify must not create an installation, settings or a log"

    clip = next((package / "clips" / "redacted").iterdir())
    data = bytearray(clip.read_bytes())
    data[1000] ^= 0xFF
    clip.write_bytes(bytes(data))
    broken = _run(["verify", str(package), "--json"], env)
    assert broken.returncode == 1
    report = json.loads(broken.stdout)
    assert [(p["kind"], p["path"]) for p in report["problems"]] == [
        ("mismatch", f"clips/redacted/{clip.name}")
    ]

    assert _run(["verify", str(tmp_path / "no-such-package")], env).returncode == 2


def test_export_of_a_search_as_a_zip(cli: Cli, tmp_path: Path) -> None:
    exported = cli(
        "export",
        "--search",
        "car",
        "--limit",
        "2",
        "--case",
        "CASE-CLI-2",
        "--out",
        str(tmp_path),
        "--zip",
        "--types",
        "pdf_report,csv_data",
        "--user",
        ANALYST,
    )
    assert exported.returncode == 0, exported.stderr
    (archive,) = tmp_path.glob("*.zip")
    assert "chronotrace verify" in exported.stdout
    verified = _run(["verify", str(archive)], _bare_env(tmp_path))
    assert verified.returncode == 0, verified.stdout


def test_an_analyst_exports_the_originals_re_authenticated_by_the_commands_password(
    cli: Cli, tmp_path: Path
) -> None:
    """The export service needs a fresh re-authentication for originals: the command gives it from the password
    it read (CHRONOTRACE_PASSWORD here, a prompt in a terminal)."""
    ids = _segment_ids(cli)
    exported = cli(
        "export",
        "--segments",
        ids[0],
        "--case",
        "CASE-CLI-4",
        "--out",
        str(tmp_path),
        "--types",
        "video_clip",
        "--reveal-justification",
        "CASE-CLI-4: identify the driver of the car",
        "--json",
        "--user",
        ANALYST,
    )
    assert exported.returncode == 0, exported.stderr
    result = json.loads(exported.stdout)
    assert result["unredacted"] is True
    manifest = json.loads((Path(result["path"]) / "manifest.json").read_text())
    assert [f["kind"] for f in manifest["files"]].count("original_clip") == 1


def test_viewers_may_not_export_unredacted_media_exit_3(cli: Cli, tmp_path: Path) -> None:
    ids = _segment_ids(cli)
    denied = cli(
        "export",
        "--segments",
        ids[0],
        "--case",
        "CASE-CLI-3",
        "--out",
        str(tmp_path),
        "--reveal-justification",
        "CASE-CLI-3: identify the driver of the car",
        "--user",
        VIEWER,
    )
    assert denied.returncode == 3
    assert "may not export unredacted media" in denied.stderr
    assert list(tmp_path.iterdir()) == []


def test_bad_export_arguments_exit_2(cli: Cli, tmp_path: Path) -> None:
    bad_id = cli(
        "export", "--segments", "not-a-uuid", "--case", "C1", "--out", str(tmp_path), "--user", ANALYST
    )
    assert bad_id.returncode == 2
    assert "UUID" in bad_id.stderr
    bad_type = cli(
        "export",
        "--anomaly",
        NO_SUCH_ID,
        "--case",
        "C1",
        "--out",
        str(tmp_path),
        "--types",
        "video",
        "--user",
        ANALYST,
    )
    assert bad_type.returncode == 2
    assert "unknown export type" in bad_type.stderr
    no_anomaly = cli(
        "export", "--anomaly", NO_SUCH_ID, "--case", "C1", "--out", str(tmp_path), "--user", ANALYST
    )
    assert no_anomaly.returncode == 2
    assert "No anomaly" in no_anomaly.stderr


def test_the_light_verifier_loads_no_database_or_qt(package_dir: Path) -> None:
    code = (
        "import sys\n"
        "from chronotrace_desktop.cli import commands_verify\n"
        f"rc = commands_verify.main([{str(package_dir)!r}])\n"
        "heavy = [m for m in ('sqlalchemy', 'PySide6', 'av', 'cv2', 'onnxruntime') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
        "sys.exit(rc)\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHRONOTRACE_")}
    run = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60, check=False
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "INTACT" in run.stdout


@pytest.fixture
def package_dir(cli: Cli, tmp_path: Path) -> Path:
    ids = _segment_ids(cli)[:1]
    exported = cli(
        "export",
        "--segments",
        ids[0],
        "--case",
        "CASE-CLI-4",
        "--out",
        str(tmp_path),
        "--types",
        "json_data",
        "--json",
        "--user",
        ANALYST,
    )
    assert exported.returncode == 0, exported.stderr
    return Path(json.loads(exported.stdout)["path"])


def test_verify_names_the_signer_and_requires_the_key_it_is_given(
    cli: Cli, package_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    shown = cli("keys", "show", "--json")
    assert shown.returncode == 0, shown.stderr
    fingerprint = json.loads(shown.stdout)["fingerprint"]
    env = _bare_env(tmp_path_factory.mktemp("recipient"))
    verified = _run(["verify", str(package_dir)], env)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert f"Signed by key {fingerprint}" in verified.stdout
    assert _run(["verify", str(package_dir), "--key", fingerprint], env).returncode == 0
    other = _run(["verify", str(package_dir), "--key", "00" * 32], env)
    assert other.returncode == 1
    assert "SIGNATURE" in other.stdout
