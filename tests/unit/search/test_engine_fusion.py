"""Reciprocal-rank fusion of the engines' answers (``services.engines.search.fuse_ranks``): ranks, not scores,
count; a segment first in every ranking scores 1.0; ``k`` sets how fast a lower rank loses weight."""

from __future__ import annotations

import uuid

import pytest

from chronotrace_desktop.services.engines import fuse_ranks
from chronotrace_desktop.services.engines.search import RRF_K

A, B, C, D = (uuid.uuid5(uuid.NAMESPACE_URL, name) for name in "abcd")


def test_nothing_to_fuse_gives_nothing() -> None:
    assert fuse_ranks([]) == {}
    assert fuse_ranks([{}, {}]) == {}


def test_one_ranking_becomes_its_scaled_reciprocal_ranks() -> None:
    fused = fuse_ranks([{A: 0.2, B: 0.9, C: 0.5}])  # B, C, A by score
    k = RRF_K
    assert fused == pytest.approx({B: 1.0, C: (k + 1) / (k + 2), A: (k + 1) / (k + 3)})
    assert sorted(fused, key=fused.__getitem__, reverse=True) == [B, C, A]


def test_the_scores_scale_does_not_matter_only_the_order() -> None:
    near = fuse_ranks([{A: 0.31, B: 0.30, C: 0.29}])  # CLIP-like: close together
    spread = fuse_ranks([{A: 0.9, B: 0.4, C: -0.2}])  # MiniLM-like: spread out
    assert near == pytest.approx(spread)


def test_two_rankings_that_agree_put_their_top_at_one() -> None:
    fused = fuse_ranks([{A: 0.9, B: 0.5, C: 0.1}, {A: 0.35, B: 0.3, C: 0.25}])
    assert fused[A] == pytest.approx(1.0)
    assert fused[A] > fused[B] > fused[C]
    assert all(0.0 < value <= 1.0 for value in fused.values())


def test_two_rankings_that_disagree_meet_in_the_middle() -> None:
    k = RRF_K
    fused = fuse_ranks([{A: 0.9, B: 0.8, C: 0.1}, {B: 0.3, A: 0.2, D: 0.9}])  # second: D, B, A
    # B: 2nd and 2nd; A: 1st and 3rd; D: 1st in one only; C: 3rd in one only.
    assert fused[B] == pytest.approx((2 / (k + 2)) / (2 / (k + 1)))
    assert fused[A] == pytest.approx((1 / (k + 1) + 1 / (k + 3)) / (2 / (k + 1)))
    assert fused[A] > fused[B]  # 1st + 3rd beats 2nd + 2nd (1/x is convex)
    assert fused[B] > fused[D] > fused[C]  # found by both beats found by one
    assert fused[D] == pytest.approx(0.5)  # first in one of two rankings: half the best
    assert max(fused.values()) < 1.0  # nobody is first everywhere


def test_k_sets_how_much_a_lower_rank_loses() -> None:
    ranking = {A: 0.9, B: 0.8, C: 0.7}
    steep = fuse_ranks([ranking], k=0)
    assert steep == pytest.approx({A: 1.0, B: 1 / 2, C: 1 / 3})
    flat = fuse_ranks([ranking], k=1000)
    assert flat[C] == pytest.approx(1001 / 1003)
    assert steep[C] < fuse_ranks([ranking])[C] < flat[C]
    # With a small k one engine's first place outweighs another's agreement lower down; a large k does not.
    rankings = [{A: 0.9, B: 0.8, C: 0.7}, {B: 0.9, C: 0.8, A: 0.1}]
    assert fuse_ranks(rankings, k=0)[A] > fuse_ranks(rankings, k=0)[C]
    assert fuse_ranks(rankings, k=1000)[B] > fuse_ranks(rankings, k=1000)[A]
