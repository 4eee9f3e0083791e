"""Intervals of quantiles, rates and means, checked against known values and by simulation,
and the one rule that judges a figure on its interval."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats  # type: ignore[import-untyped]

from signoff.judge.intervals import (
    Interval,
    judge_interval,
    least_samples,
    mean_interval,
    nearest_rank,
    quantile_interval,
    quantile_interval_at,
    quantile_ranks,
    rate_interval,
    samples_needed,
    with_run_margin,
)
from signoff.load import hdr
from signoff.records import Status


def test_the_median_of_100_lies_between_the_40th_and_61st_values() -> None:
    # the textbook ranks (e.g. Conover, Practical Nonparametric Statistics, table A3)
    assert quantile_ranks(100, 0.5, 0.95) == (40, 61)
    assert quantile_ranks(10, 0.5, 0.95) == (2, 9)


@pytest.mark.parametrize(("n", "q"), [(20, 0.5), (100, 0.95), (500, 0.99), (2000, 0.95)])
def test_the_ranks_cover_the_quantile_at_least_at_the_level(n: int, q: float) -> None:
    low, high = quantile_ranks(n, q, 0.95)
    low_cdf = stats.binom.cdf(low - 1, n, q) if low >= 1 else 0.0
    high_cdf = stats.binom.cdf(high - 1, n, q) if high <= n else 1.0
    assert high_cdf - low_cdf >= 0.95
    # and neither rank could move inwards without dropping below the level on its side
    assert stats.binom.cdf(low, n, q) > 0.025
    assert stats.binom.cdf(high - 2, n, q) < 0.975


def test_a_high_percentile_of_few_samples_has_no_upper_bound() -> None:
    assert least_samples(0.95, 0.95) == 72
    assert least_samples(0.99, 0.95) == 368
    assert quantile_ranks(71, 0.95)[1] == 72  # one past the largest value: unbounded
    assert quantile_ranks(72, 0.95)[1] == 72
    interval = quantile_interval(list(range(1, 31)), 0.95)
    assert interval.high == math.inf
    assert interval.estimate == 29.0
    assert math.isfinite(interval.low)


def test_quantile_intervals_cover_the_true_quantile_in_simulation() -> None:
    rng = np.random.default_rng(3)
    for n, q in ((50, 0.5), (300, 0.95)):
        true = float(np.exp(stats.norm.ppf(q) * 0.6))
        covered = 0
        for _ in range(2000):
            interval = quantile_interval(rng.lognormal(0.0, 0.6, n).tolist(), q)
            covered += interval.low <= true <= interval.high
        assert covered / 2000 >= 0.94, (n, q, covered)


def test_an_hdr_histogram_gives_the_interval_of_its_samples() -> None:
    rng = np.random.default_rng(5)
    values = sorted(float(v) for v in rng.integers(1, 900, 1000))
    histogram = hdr.new()
    for ms in values:
        hdr.record_ms(histogram, ms)

    def value_at(percentile: float) -> float:
        found = hdr.percentile_ms(histogram, percentile)
        assert found is not None
        return found

    from_hdr = quantile_interval_at(value_at, len(values), 0.95)
    from_list = quantile_interval(values, 0.95)
    for a, b in ((from_hdr.low, from_list.low), (from_hdr.high, from_list.high)):
        assert a == pytest.approx(b, rel=1e-3)  # three significant digits
    assert nearest_rank(values)(95.0) == from_list.estimate


def test_clopper_pearson_matches_known_values() -> None:
    none = rate_interval(0, 30)
    assert (none.estimate, none.low) == (0.0, 0.0)
    assert none.high == pytest.approx(1 - 0.025 ** (1 / 30))  # 11.6 %: 0 of 30 is not "< 1 %"
    three = rate_interval(3, 60)
    assert (three.low, three.high) == pytest.approx((0.010432, 0.139243), abs=1e-5)
    assert rate_interval(60, 60).high == 1.0


def test_rate_intervals_cover_the_true_rate_in_simulation() -> None:
    rng = np.random.default_rng(7)
    for p, n in ((0.01, 300), (0.05, 60)):
        errors = rng.binomial(n, p, 3000)
        covered = sum(
            rate_interval(int(k), n).low <= p <= rate_interval(int(k), n).high for k in errors
        )
        assert covered / 3000 >= 0.95, (p, n, covered)


def test_mean_interval_is_the_t_interval() -> None:
    interval = mean_interval([10.0, 12.0, 9.0, 11.0])
    half = stats.t.ppf(0.975, 3) * np.std([10, 12, 9, 11], ddof=1) / 2
    assert (interval.estimate, interval.low, interval.high) == pytest.approx(
        (10.5, 10.5 - half, 10.5 + half)
    )
    assert mean_interval([5.0]).high == math.inf
    rng = np.random.default_rng(11)
    hits = 0
    for _ in range(2000):
        found = mean_interval(rng.normal(40.0, 6.0, 15).tolist())
        hits += found.low <= 40.0 <= found.high
    assert hits / 2000 >= 0.94


def test_the_run_margin_widens_in_quadrature_and_keeps_open_ends_open() -> None:
    point = with_run_margin(Interval(100.0, 100.0, 100.0, 10), 0.1)
    assert (point.low, point.high) == pytest.approx((100 / 1.1, 110.0))
    wide = with_run_margin(Interval(100.0, 80.0, math.inf, 10), 0.1)
    assert wide.high == math.inf
    assert wide.low == pytest.approx(100 * math.exp(-math.hypot(math.log(1.25), math.log(1.1))))
    assert with_run_margin(Interval(0.0, 0.0, 1.0, 3), 0.1) == Interval(0.0, 0.0, 1.0, 3)


def test_judge_interval_passes_fails_and_is_inconclusive() -> None:
    met = judge_interval("p95", Interval(300.0, 280.0, 390.0, 500), "<=", 400.0, "ms")
    assert (met.status, met.low, met.high, met.message) == (Status.PASS, 280.0, 390.0, "")
    missed = judge_interval("p95", Interval(450.0, 410.0, 500.0, 500), "<=", 400.0, "ms")
    assert missed.status is Status.FAIL
    assert missed.message == "p95 is 450ms, needs <= 400ms."
    undecided = judge_interval("p95", Interval(405.0, 372.0, 431.0, 500), "<=", 400.0, " ms")
    assert undecided.status is Status.INCONCLUSIVE
    assert undecided.message == (
        "p95 405 ms [372\u2013431] vs ≤ 400 ms (1% over): undecided; more samples alone would not "
        "decide it."
    )
    low = judge_interval("throughput", Interval(8.0, 6.0, 10.0, 15), ">=", 3.0, " req/s")
    assert low.status is Status.PASS
    short = judge_interval("throughput", Interval(2.0, 1.0, 2.5, 15), ">=", 3.0, " req/s")
    assert short.status is Status.FAIL
    nothing = judge_interval("p95", None, "<=", 400.0)
    assert (nothing.status, nothing.figure) == (Status.INCONCLUSIVE, None)
    open_end = judge_interval("p99", Interval(50.0, 30.0, math.inf, 40), "<=", 800.0)
    assert (open_end.status, open_end.high) == (Status.INCONCLUSIVE, None)


def test_an_undecided_check_says_about_how_many_samples_would_decide_it() -> None:
    rng = np.random.default_rng(2)
    ordered = sorted(rng.lognormal(math.log(380.0) - 1.645 * 0.5, 0.5, 100_000).tolist())
    value_at = nearest_rank(ordered)

    def resample(n: int) -> Interval:
        return quantile_interval_at(value_at, n, 0.95)

    check = judge_interval(
        "p95", resample(200), "<=", 400.0, " ms", resample=resample, noun="requests"
    )
    assert check.status is Status.INCONCLUSIVE
    needed = samples_needed(resample, 200, "<=", 400.0)
    assert needed is not None
    assert needed > 200
    assert resample(needed).high <= 400.0
    assert resample(needed // 2).high > 400.0
    assert (
        f"about {round(needed, -(len(str(needed)) - 2)):,} requests would decide it"
        in check.message
    )
    # a 99th percentile of 40 requests: the count it would take is at least the first that
    # bounds it at all
    p99 = judge_interval(
        "p99",
        quantile_interval_at(value_at, 40, 0.99),
        "<=",
        10_000.0,
        resample=lambda n: quantile_interval_at(value_at, n, 0.99),
    )
    assert p99.status is Status.INCONCLUSIVE
    assert "about 370 samples would decide it" in p99.message


def test_the_budget_judge_meets_its_targets_in_a_seeded_simulation() -> None:
    from signoff.judge.budget_simulate import OVER, RUN_NOISE, UNDER, Rule, pr_counts, rates

    judging = Rule(0.95, 0.09, 1)  # the [load] defaults
    for n in (30, 300, 2000):  # a p95 10 % under its budget: at most 1 % false FAILs
        assert rates(n, 0.95, UNDER, 1000, judging, RUN_NOISE, n)[Status.FAIL] <= 0.015
    # 25 % over is caught where the requests allow it, and never passed
    caught = rates(600, 0.95, OVER, 1000, judging, RUN_NOISE, 1)
    assert caught[Status.FAIL] >= 0.85
    assert caught[Status.PASS] == 0.0
    # without the repeat, fewer of the same runs are caught
    once = rates(600, 0.95, OVER, 1000, judging._replace(repeats=0), RUN_NOISE, 1)
    assert once[Status.FAIL] < caught[Status.FAIL]
    assert pr_counts()[1440] == "spike 'spike'"  # 160 users for 9 s at a second's think time
