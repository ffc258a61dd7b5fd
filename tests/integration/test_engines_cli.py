"""Engines beside the offline default from the command line (issue 14): real ``chronotrace`` processes on a
workstation installation with the CLIP engine on the tests' tiny model. Ingest fills its collection,
``reembed`` plans (segments, remote calls, cost) and fills what is missing, only administrators may run it, a
plan with paid calls is never started unconfirmed without a terminal, and ``doctor`` checks the engine."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import VIDEOS_DIR, scratch_dir
from tests.integration.test_cli import ADMIN, Cli
from tests.tiny_clip import build_folder

VIEWER, VIEWER_PASSWORD = "viewer@b.cc", "viewer password 1"
ANALYST, ANALYST_PASSWORD = "analyst@b.cc", "analyst password 1"
NO_AWS = {  # nothing from this machine's AWS set-up, and no instance-metadata lookups
    "AWS_CONFIG_FILE": "/nonexistent/aws-config",
    "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/aws-credentials",
    "AWS_EC2_METADATA_DISABLED": "true",
}


def _settings_file(cli: Cli) -> Path:
    return cli.data_dir / "config" / "settings.json"


def _change_settings(cli: Cli, **changes: Any) -> None:
    """Edit settings.json as an administrator would by hand (``None`` removes a key)."""
    path = _settings_file(cli)
    values = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    values.update(changes)
    values = {key: value for key, value in values.items() if value is not None}
    path.write_text(json.dumps(values, indent=2), encoding="utf-8")


def _engines_check(cli: Cli) -> tuple[int, dict[str, Any]]:
    result = cli("doctor", "--json", password=None)
    report = json.loads(result.stdout)
    (check,) = [check for check in report["checks"] if check["name"] == "engines"]
    return result.returncode, check


@pytest.fixture(scope="module")
def clip_folder() -> Path:
    return build_folder(scratch_dir("cli-tiny-clip-") / "clip")


@pytest.fixture(scope="module")
def cli(clip_folder: Path) -> Cli:
    runner = Cli(scratch_dir("cli-engines-") / "data")
    assert runner("init", "--admin-email", ADMIN).returncode == 0
    for email, role, password in (
        (VIEWER, "viewer", VIEWER_PASSWORD),
        (ANALYST, "analyst", ANALYST_PASSWORD),
    ):
        added = runner(
            "users",
            "add",
            "--user",
            ADMIN,
            "--email",
            email,
            "--role",
            role,
            CHRONOTRACE_NEW_PASSWORD=password,
        )
        assert added.returncode == 0, added.stderr
    folder = runner("config", "set", "clip_model_dir", str(clip_folder), "--user", ADMIN)
    assert folder.returncode == 0, folder.stderr
    engines = runner("config", "set", "embedding_engines", "clip", "--user", ADMIN)
    assert engines.returncode == 0, engines.stderr
    ingested = runner(
        "ingest", "--user", ADMIN, "--camera-id", "CAM-LOT", str(VIDEOS_DIR / "car-detection.mp4")
    )
    assert ingested.returncode == 0, ingested.stderr
    said = ingested.stdout + ingested.stderr
    assert "engine clip" not in said, said  # no engine warning ("did not embed", "refused"): clip embedded it
    return runner


def test_config_set_turns_an_engine_on(cli: Cli) -> None:
    for value in ('["clip"]', "clip"):
        result = cli("config", "set", "embedding_engines", value, "--user", ADMIN)
        assert result.returncode == 0, result.stderr
        assert json.loads((cli.data_dir / "config" / "settings.json").read_text())["embedding_engines"] == [
            "clip"
        ]
    refused = cli("config", "set", "embedding_engines", "clip,sift", "--user", ADMIN)
    assert refused.returncode == 2
    assert "embedding_engines" in refused.stderr


def test_after_ingest_reembed_finds_nothing_missing(cli: Cli) -> None:
    result = cli("reembed", "--engine", "clip", "--user", ADMIN)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "0 segment(s) without clip vectors (tiny-clip); 0 remote call(s)."


def test_a_new_model_is_filled_by_reembed_without_asking_when_no_call_costs(
    cli: Cli, clip_folder: Path
) -> None:
    """Another model (a changed config.json) has its own, empty collection; a local model makes no paid call,
    so no confirmation is needed even without a terminal, and the estimate at any price is zero."""
    other = build_folder(clip_folder.parent / "clip-v2", config={"model_version": "test2"})
    _change_settings(cli, clip_model_dir=str(other))
    try:
        first = cli("reembed", "--engine", "clip", "--price-per-call", "0.5", "--user", ADMIN)
        assert first.returncode == 0, first.stderr
        lines = first.stdout.splitlines()
        assert lines[0] == "2 segment(s) without clip vectors (tiny-clip); 0 remote call(s) (about 0.00 USD)."
        assert lines[1].startswith("Embedded 2 segment(s) with clip in ")
        assert lines[1].endswith("; 0 remote call(s); 0 refused.")
        assert "embedded with clip: 2/2" in first.stderr  # the progress line
        again = cli("reembed", "--engine", "clip", "--user", ADMIN)
        assert again.stdout.startswith("0 segment(s) without clip vectors"), again.stdout
    finally:
        _change_settings(cli, clip_model_dir=str(clip_folder))


def test_paid_calls_need_yes_without_a_terminal(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    """Nova (never reached here): its plan counts one Bedrock call per segment and prices them; without
    --yes and without a terminal to ask in, nothing starts."""
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE", "AWS_ACCESS_KEY_ID"):
        monkeypatch.delenv(name, raising=False)
    no_region = cli("reembed", "--engine", "nova", "--user", ADMIN, **NO_AWS)
    assert no_region.returncode == 4, no_region.stderr
    assert "nova_region" in no_region.stderr
    _change_settings(cli, nova_region="eu-west-1")
    try:
        refused = cli("reembed", "--engine", "nova", "--price-per-call", "0.5", "--user", ADMIN, **NO_AWS)
    finally:
        _change_settings(cli, nova_region=None)
    assert refused.returncode == 2, refused.stderr
    assert refused.stdout.strip() == (
        "2 segment(s) without nova vectors (amazon.nova-2-multimodal-embeddings-v1:0); "
        "2 remote call(s) (about 1.00 USD)."
    )
    assert "confirm with --yes" in refused.stderr
    assert "Embedded" not in refused.stdout


@pytest.mark.parametrize(("email", "password"), [(VIEWER, VIEWER_PASSWORD), (ANALYST, ANALYST_PASSWORD)])
def test_only_an_administrator_reembeds(cli: Cli, email: str, password: str) -> None:
    result = cli("reembed", "--engine", "clip", "--user", email, password=password)
    assert result.returncode == 3, result.stderr
    assert "may not" in result.stderr
    assert result.stdout == ""


def test_doctor_checks_the_engine_with_a_query(cli: Cli) -> None:
    code, check = _engines_check(cli)
    assert code == 0, check
    assert check["status"] == "ok"
    assert check["detail"] == "offline default, clip (tiny-clip, 8-d)"


def test_doctor_names_the_missing_model_files(cli: Cli, clip_folder: Path) -> None:
    empty = clip_folder.parent / "empty"
    empty.mkdir(exist_ok=True)
    changed = cli("config", "set", "clip_model_dir", str(empty), "--user", ADMIN)
    assert changed.returncode == 0, changed.stderr
    try:
        code, check = _engines_check(cli)
    finally:
        cli("config", "set", "clip_model_dir", str(clip_folder), "--user", ADMIN)
    assert code == 1
    assert check["status"] == "problem"
    assert check["detail"].startswith(f"clip: The CLIP model folder {empty} lacks ")
    for name in ("image.onnx", "text.onnx", "tokenizer.json"):
        assert name in check["detail"]
