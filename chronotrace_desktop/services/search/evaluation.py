"""Evaluating search on labelled queries: recall@5, recall@10, precision@5, MRR and nDCG@10.

Relevance is binary: a hit is relevant when its ``(video filename, segment index)`` is listed for the query.
Overall figures are the mean over queries (each query counts the same). The file format is
``[{"query": "...", "relevant": [["video_filename", segment_index], ...]}, ...]``.
"""

from __future__ import annotations

import json
import math
from typing import TYPE_CHECKING, Any

from chronotrace_desktop.domain.errors import InvalidInputError
from chronotrace_desktop.domain.search import EvalQuery, EvalReport, QueryMetrics, SegmentQuery

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path

    from chronotrace_desktop.domain.users import Actor
    from chronotrace_desktop.services.search.service import SearchService

METRICS = ("recall@5", "recall@10", "precision@5", "mrr", "ndcg@10")

Key = tuple[str, int]


def recall_at(retrieved: Sequence[Key], relevant: frozenset[Key], k: int) -> float:
    return len(set(retrieved[:k]) & relevant) / len(relevant) if relevant else 0.0


def precision_at(retrieved: Sequence[Key], relevant: frozenset[Key], k: int) -> float:
    """Relevant hits among the first ``k`` divided by ``k`` (fewer hits than ``k`` count as misses)."""
    return sum(1 for key in retrieved[:k] if key in relevant) / k


def reciprocal_rank(retrieved: Sequence[Key], relevant: frozenset[Key]) -> float:
    return next((1.0 / rank for rank, key in enumerate(retrieved, 1) if key in relevant), 0.0)


def ndcg_at(retrieved: Sequence[Key], relevant: frozenset[Key], k: int) -> float:
    """Binary-gain nDCG: DCG = sum of 1/log2(rank + 1) over relevant hits in the first ``k``."""
    dcg = sum(1.0 / math.log2(rank + 1) for rank, key in enumerate(retrieved[:k], 1) if key in relevant)
    ideal = sum(1.0 / math.log2(rank + 1) for rank in range(1, min(len(relevant), k) + 1))
    return dcg / ideal if ideal else 0.0


def query_metrics(query: str, retrieved: Sequence[Key], relevant: frozenset[Key]) -> QueryMetrics:
    ranked = list(dict.fromkeys(retrieved))
    return QueryMetrics(
        query=query,
        relevant=len(relevant),
        recall_at_5=recall_at(ranked, relevant, 5),
        recall_at_10=recall_at(ranked, relevant, 10),
        precision_at_5=precision_at(ranked, relevant, 5),
        mrr=reciprocal_rank(ranked, relevant),
        ndcg_at_10=ndcg_at(ranked, relevant, 10),
        retrieved=tuple(ranked),
    )


def summarise(per_query: Sequence[QueryMetrics]) -> EvalReport:
    n = len(per_query)
    values = {
        "recall@5": sum(m.recall_at_5 for m in per_query),
        "recall@10": sum(m.recall_at_10 for m in per_query),
        "precision@5": sum(m.precision_at_5 for m in per_query),
        "mrr": sum(m.mrr for m in per_query),
        "ndcg@10": sum(m.ndcg_at_10 for m in per_query),
    }
    return EvalReport({key: value / n if n else 0.0 for key, value in values.items()}, tuple(per_query))


def parse_queries(data: Any, source: str = "the queries file") -> list[EvalQuery]:
    """Labelled queries from decoded JSON; ``InvalidInputError`` naming the first problem."""
    if not isinstance(data, list) or not data:
        raise InvalidInputError(f"{source} must hold a non-empty JSON list of {{query, relevant}} objects")
    queries: list[EvalQuery] = []
    for number, item in enumerate(data, 1):
        where = f"{source}, item {number}"
        if not isinstance(item, dict) or set(item) - {"query", "relevant", "note"}:
            raise InvalidInputError(f"{where}: expected an object with 'query' and 'relevant'")
        text = item.get("query")
        relevant = item.get("relevant")
        if not isinstance(text, str) or not text.strip():
            raise InvalidInputError(f"{where}: 'query' must be a non-empty string")
        if not isinstance(relevant, list) or not relevant:
            raise InvalidInputError(
                f"{where}: 'relevant' must list at least one [video_filename, segment_index]"
            )
        pairs: set[Key] = set()
        for pair in relevant:
            valid = (
                isinstance(pair, list)
                and len(pair) == 2
                and isinstance(pair[0], str)
                and isinstance(pair[1], int)
                and not isinstance(pair[1], bool)
                and pair[1] >= 0
            )
            if not valid:
                raise InvalidInputError(f"{where}: {pair!r} is not [video_filename, segment_index]")
            pairs.add((pair[0], pair[1]))
        queries.append(EvalQuery(text.strip(), frozenset(pairs)))
    return queries


def load_queries(path: Path) -> list[EvalQuery]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InvalidInputError(f"there is no queries file at {path}") from None
    except OSError as exc:
        raise InvalidInputError(f"cannot read {path}: {exc.strerror or exc}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InvalidInputError(f"{path} is not valid JSON: {exc}") from None
    return parse_queries(data, str(path))


def evaluate_search(
    search: SearchService, actor: Actor, queries: Sequence[EvalQuery], limit: int = 10
) -> EvalReport:
    """Run every query as one batch (each is logged like any search) and score the rankings."""
    results = search.search_batch(
        actor, [SegmentQuery(text=q.query, limit=limit) for q in queries], log_metadata={"source": "eval"}
    )
    per_query = [
        query_metrics(q.query, [(h.video_filename, h.segment_index) for h in result.hits], q.relevant)
        for q, result in zip(queries, results, strict=True)
    ]
    return summarise(per_query)


def per_clip(queries: Sequence[EvalQuery], report: EvalReport) -> dict[str, dict[str, float]]:
    """Each clip judged on its own: for every query with relevant segments in clip ``c``, nDCG@10 and
    recall@10 of those segments in the query's ranking after the OTHER clips' relevant segments are taken out
    of it (neither rewarded nor counted against; every irrelevant segment stays as a distractor). The mean
    over clips of these means (``macro``) shows whether some clips are found systematically worse than others:
    what a clip the engine was not tuned on would get, as far as these labels can tell."""
    clips = sorted({video for q in queries for video, _ in q.relevant})
    out: dict[str, dict[str, float]] = {}
    for clip in clips:
        ndcg: list[float] = []
        recall: list[float] = []
        for query, metrics in zip(queries, report.per_query, strict=True):
            mine = frozenset(key for key in query.relevant if key[0] == clip)
            if not mine:
                continue
            others = query.relevant - mine
            ranking = [key for key in metrics.retrieved if key not in others]
            ndcg.append(ndcg_at(ranking, mine, 10))
            recall.append(recall_at(ranking, mine, 10))
        out[clip] = {
            "queries": len(ndcg),
            "ndcg@10": sum(ndcg) / len(ndcg),
            "recall@10": sum(recall) / len(recall),
        }
    if out:
        out["macro"] = {
            "queries": sum(v["queries"] for v in out.values()),
            "ndcg@10": sum(v["ndcg@10"] for v in out.values()) / len(out),
            "recall@10": sum(v["recall@10"] for v in out.values()) / len(out),
        }
    return out
