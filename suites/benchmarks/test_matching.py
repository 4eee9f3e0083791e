"""Micro-benchmarks of the reconciliation algorithm at 10k and 100k records per side."""

from __future__ import annotations

from decimal import Decimal

from pytest_benchmark.fixture import BenchmarkFixture

from ledger.matching import Entry, MatchResult, reconcile

TOLERANCE = Decimal("0.50")
WINDOW_DAYS = 3


def test_reconcile_10k(
    benchmark: BenchmarkFixture, sets_10k: tuple[list[Entry], list[Entry]]
) -> None:
    left, right = sets_10k
    result: MatchResult = benchmark(reconcile, left, right, TOLERANCE, WINDOW_DAYS)
    # The data pairs 5 of every 6 records; a matcher that got faster by matching less is wrong.
    assert len(result.matches) >= 0.8 * len(left)


def test_reconcile_100k(
    benchmark: BenchmarkFixture, sets_100k: tuple[list[Entry], list[Entry]]
) -> None:
    left, right = sets_100k
    # About a second per round: a fixed number of rounds keeps the layer's time bounded while
    # leaving enough raw samples for the statistical comparison with a baseline.
    result: MatchResult = benchmark.pedantic(  # type: ignore[no-untyped-call]
        reconcile, args=(left, right, TOLERANCE, WINDOW_DAYS), rounds=20, iterations=1
    )
    assert len(result.matches) >= 0.8 * len(left)
