"""Evaluation metrics on a hand-made ranking, and the queries-file format."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from chronotrace_desktop.domain.errors import InvalidInputError
from chronotrace_desktop.services.search.evaluation import (
    load_queries,
    ndcg_at,
    parse_queries,
    precision_at,
    query_metrics,
    recall_at,
    reciprocal_rank,
    summarise,
)

A, B, C, D, E, F = (("a.mp4", 0), ("a.mp4", 1), ("b.mp4", 0), ("b.mp4", 1), ("c.mp4", 0), ("c.mp4", 1))
# Relevant: A, C, F. Ranked: B (miss), A (hit at 2), D, E, C (hit at 5), ... F at 11 (outside the top 10).
RANKED = [B, A, D, E, C, ("x", 0), ("x", 1), ("x", 2), ("x", 3), ("x", 4), F]
RELEVANT = frozenset({A, C, F})


def test_recall_precision_and_reciprocal_rank() -> None:
    assert recall_at(RANKED, RELEVANT, 5) == pytest.approx(2 / 3)
    assert recall_at(RANKED, RELEVANT, 10) == pytest.approx(2 / 3)
    assert recall_at(RANKED, RELEVANT, 11) == pytest.approx(1.0)
    assert precision_at(RANKED, RELEVANT, 5) == pytest.approx(2 / 5)
    assert precision_at([A], RELEVANT, 5) == pytest.approx(1 / 5)  # a short list still divides by k
    assert reciprocal_rank(RANKED, RELEVANT) == pytest.approx(1 / 2)
    assert reciprocal_rank([B, D], RELEVANT) == 0.0


def test_ndcg_binary_relevance() -> None:
    dcg = 1 / math.log2(3) + 1 / math.log2(6)
    ideal = 1 / math.log2(2) + 1 / math.log2(3) + 1 / math.log2(4)
    assert ndcg_at(RANKED, RELEVANT, 10) == pytest.approx(dcg / ideal)
    assert ndcg_at([A, C, F], RELEVANT, 10) == pytest.approx(1.0)
    assert ndcg_at([], RELEVANT, 10) == 0.0
    # Only 10 places: with 12 relevant segments, a perfect top 10 still scores 1.
    many = frozenset(("m", i) for i in range(12))
    assert ndcg_at([("m", i) for i in range(10)], many, 10) == pytest.approx(1.0)


def test_query_metrics_dedupes_and_summary_averages() -> None:
    one = query_metrics("q1", [A, A, C], RELEVANT)
    assert one.retrieved == (A, C)
    assert one.mrr == 1.0
    two = query_metrics("q2", [B], frozenset({B}))
    report = summarise([one, two])
    assert report.overall["mrr"] == pytest.approx(1.0)
    assert report.overall["recall@5"] == pytest.approx((2 / 3 + 1.0) / 2)
    data = report.as_json()
    assert set(data) == {"overall", "per_query"}
    assert set(data["overall"]) == {"recall@5", "recall@10", "precision@5", "mrr", "ndcg@10"}
    assert data["per_query"][0]["query"] == "q1"
    assert data["per_query"][0]["retrieved"] == [["a.mp4", 0], ["b.mp4", 0]]


def test_parse_queries_accepts_the_documented_format() -> None:
    queries = parse_queries([{"query": " red car ", "relevant": [["car.mp4", 1], ["car.mp4", 1]]}])
    assert queries[0].query == "red car"
    assert queries[0].relevant == frozenset({("car.mp4", 1)})


@pytest.mark.parametrize(
    "data",
    [
        [],
        {"query": "x"},
        [{"query": "", "relevant": [["a", 0]]}],
        [{"query": "x", "relevant": []}],
        [{"query": "x", "relevant": [["a", "0"]]}],
        [{"query": "x", "relevant": [["a", -1]]}],
        [{"query": "x", "relevant": [["a", True]]}],
        [{"query": "x", "relevant": [["a", 0]], "extra": 1}],
    ],
)
def test_malformed_queries_are_refused(data: object) -> None:
    with pytest.raises(InvalidInputError):
        parse_queries(data)


def test_load_queries_errors(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match="no queries file"):
        load_queries(tmp_path / "missing.json")
    broken = tmp_path / "broken.json"
    broken.write_text("[{", encoding="utf-8")
    with pytest.raises(InvalidInputError, match="not valid JSON"):
        load_queries(broken)


def test_the_dev_set_is_well_formed() -> None:
    path = Path(__file__).resolve().parents[3] / "eval" / "dev_queries.json"
    queries = load_queries(path)
    assert len(queries) >= 25
    assert len({q.query for q in queries}) == len(queries)
    raw = json.loads(path.read_text(encoding="utf-8"))
    assert all(set(item) <= {"query", "relevant", "note"} for item in raw)
