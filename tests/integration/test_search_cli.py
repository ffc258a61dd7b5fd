"""``chronotrace search`` and ``chronotrace eval`` as a user runs them: real processes on a fresh data dir."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import VIDEOS_DIR, scratch_dir
from tests.integration.test_cli import ADMIN, Cli

HIT_KEYS = {
    "segment_id",
    "video_filename",
    "segment_index",
    "start_time",
    "end_time",
    "score",
    "camera_id",
    "why",
}


@pytest.fixture(scope="module")
def cli() -> Cli:
    runner = Cli(scratch_dir("cli-search-") / "data")
    assert runner("init", "--admin-email", ADMIN).returncode == 0
    ingested = runner(
        "ingest", "--user", ADMIN, "--camera-id", "CAM-LOT", str(VIDEOS_DIR / "car-detection.mp4"),
        str(VIDEOS_DIR / "classroom.gif"),
    )  # fmt: skip
    assert ingested.returncode == 0, ingested.stderr
    return runner


def test_search_json_lists_hits_with_the_documented_fields(cli: Cli) -> None:
    result = cli("search", "car", "--json", "--user", ADMIN)
    assert result.returncode == 0, result.stderr
    hits = json.loads(result.stdout)
    assert isinstance(hits, list)
    assert hits
    assert all(set(hit) >= HIT_KEYS for hit in hits)
    assert hits[0]["video_filename"] == "car-detection.mp4"
    assert hits[0]["camera_id"] == "CAM-LOT"
    assert isinstance(hits[0]["why"], list)
    assert hits[0]["why"]
    assert hits[0]["score"] >= hits[-1]["score"]


def test_search_with_filters_and_plain_output(cli: Cli) -> None:
    result = cli(
        "search", "people", "--camera-id", "CAM-LOT", "--from", "0", "--to", "0:20", "--object", "car",
        "--limit", "5", "--user", ADMIN,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "car-detection.mp4" in result.stdout
    assert "classroom.gif" not in result.stdout
    assert "hits in" in result.stdout


def test_similar_and_image(cli: Cli, tmp_path: Path) -> None:
    first = json.loads(cli("search", "faces", "--json", "--user", ADMIN).stdout)[0]
    similar = cli("search", "--similar-to", first["segment_id"], "--json", "--user", ADMIN)
    assert similar.returncode == 0, similar.stderr
    assert first["segment_id"] not in [h["segment_id"] for h in json.loads(similar.stdout)]
    thumbnail = next((cli.data_dir / "media").rglob("0000.redacted.jpg"))
    by_image = cli("search", "--image", str(thumbnail), "--json", "--user", ADMIN)
    assert by_image.returncode == 0, by_image.stderr
    assert isinstance(json.loads(by_image.stdout), list)


@pytest.mark.parametrize(
    "args",
    [
        ("",),
        ("car", "--limit", "0"),
        ("car", "--from", "60", "--to", "30"),
        ("car", "--from", "10", "--to", "2024-01-01T00:00:00"),
        ("car", "--object", "spaceship"),
        ("car", "--limit", "ten"),
        ("--similar-to", "nope"),
        ("--image", "/no/such/file.png"),
        ("car", "--has-faces", "--no-faces"),
    ],
)
def test_malformed_search_exits_2(cli: Cli, args: tuple[str, ...]) -> None:
    result = cli("search", *args, "--user", ADMIN)
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert result.stderr.strip()
    assert "Traceback" not in result.stderr


def test_eval_prints_the_metrics(cli: Cli, tmp_path: Path) -> None:
    queries = tmp_path / "queries.json"
    queries.write_text(
        json.dumps(
            [
                {"query": "car", "relevant": [["car-detection.mp4", 0], ["car-detection.mp4", 1]]},
                {"query": "people sitting at desks", "relevant": [["classroom.gif", 0]]},
            ]
        ),
        encoding="utf-8",
    )
    result = cli("eval", str(queries), "--json", "--user", ADMIN)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert set(report) == {"overall", "per_query"}
    assert set(report["overall"]) == {"recall@5", "recall@10", "precision@5", "mrr", "ndcg@10"}
    assert report["overall"]["recall@10"] == 1.0
    assert [q["query"] for q in report["per_query"]] == ["car", "people sitting at desks"]
    plain = cli("eval", str(queries), "--limit", "5", "--user", ADMIN)
    assert plain.returncode == 0, plain.stderr
    assert "overall (2 queries)" in plain.stdout
    broken = tmp_path / "broken.json"
    broken.write_text('[{"query": "car"}]', encoding="utf-8")
    refused = cli("eval", str(broken), "--user", ADMIN)
    assert refused.returncode == 2
    assert "relevant" in refused.stderr
