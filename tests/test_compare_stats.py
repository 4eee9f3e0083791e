"""Mann-Whitney U with a Hodges-Lehmann shift: A/A is the same, a 25% slowdown is slower."""

from __future__ import annotations

import numpy as np

from signoff.compare.stats import Change, Settings, hodges_lehmann, judge_shift

RNG = np.random.default_rng(20261125)


def latencies(n: int, median_ms: float = 20.0) -> list[float]:
    return list(RNG.lognormal(np.log(median_ms), 0.4, n))


def test_two_draws_of_one_distribution_are_the_same() -> None:
    for _ in range(20):
        shift = judge_shift(latencies(400), latencies(400))
        assert shift.change is Change.SAME, shift.reason


def test_a_25_percent_slowdown_is_slower_with_its_size() -> None:
    shift = judge_shift(latencies(400), [v * 1.25 for v in latencies(400)])
    assert shift.change is Change.SLOWER
    assert shift.relative is not None
    assert 0.15 < shift.relative < 0.35
    assert shift.p_value is not None
    assert shift.p_value < 0.05


def test_a_25_percent_speedup_is_faster() -> None:
    assert judge_shift(latencies(400), [v * 0.75 for v in latencies(400)]).change is Change.FASTER


def test_a_significant_shift_below_the_minimum_effect_is_the_same() -> None:
    base = latencies(5000)
    shift = judge_shift(base, [v * 1.04 for v in latencies(5000)])
    assert shift.change is Change.SAME
    assert (
        judge_shift(base, [v * 1.04 for v in latencies(5000)], Settings(min_effect=0.01)).change
        is Change.SLOWER
    )


def test_too_few_samples_are_inconclusive() -> None:
    shift = judge_shift(latencies(10), [v * 2 for v in latencies(10)])
    assert shift.change is Change.INCONCLUSIVE
    assert "too few samples" in shift.reason


def test_a_wide_interval_is_inconclusive() -> None:
    wide = list(RNG.lognormal(np.log(20), 1.5, 30))
    shift = judge_shift(wide, list(RNG.lognormal(np.log(20), 1.5, 30)))
    assert shift.change is Change.INCONCLUSIVE
    assert "too wide" in shift.reason


def test_lower_throughput_is_slower_when_higher_is_better() -> None:
    base = list(RNG.normal(100, 5, 60))
    drop = list(RNG.normal(75, 5, 60))
    assert judge_shift(base, drop, higher_is_better=True).change is Change.SLOWER
    assert judge_shift(drop, base, higher_is_better=True).change is Change.FASTER


def test_hodges_lehmann_recovers_a_known_shift() -> None:
    base = list(RNG.normal(50, 3, 300))
    shift, low, high = hodges_lehmann(base, [v + 5 for v in RNG.normal(50, 3, 300)])
    assert low < shift < high
    assert 4.0 < shift < 6.0
