"""The judge: runs are the unit, the minimum effect bounds an interval, the noise floor shows."""

from __future__ import annotations

import numpy as np

from signoff.judge.simulate import Design, cell
from signoff.judge.stats import Change, Settings, figure_of, judge

RNG = np.random.default_rng(20261125)


def runs(count: int, level: float = 20.0, between: float = 0.03, n: int = 300) -> list[list[float]]:
    """`count` runs whose level moves by `between` (log sd) from run to run."""
    levels = level * np.exp(RNG.normal(0.0, between, count))
    return [list(lv * RNG.lognormal(0.0, 0.4, n)) for lv in levels]


def test_runs_of_one_build_are_the_same() -> None:
    for _ in range(10):
        shift = judge(runs(8), runs(8))
        assert shift.change is Change.SAME, shift.reason
        assert shift.ci_low is not None
        assert shift.ci_high is not None
        assert -0.10 < shift.ci_low < 0 < shift.ci_high < 0.10


def test_a_25_percent_slowdown_is_slower_with_its_size_and_interval() -> None:
    shift = judge(runs(6), runs(6, level=25.0))
    assert shift.change is Change.SLOWER, shift.reason
    assert shift.relative is not None
    assert 0.18 < shift.relative < 0.32
    assert shift.ci_low is not None
    assert shift.ci_low > 0
    assert shift.runs_baseline == shift.runs_candidate == 6


def test_a_speedup_is_faster_and_throughput_reads_the_other_way() -> None:
    assert judge(runs(6), runs(6, level=15.0)).change is Change.FASTER
    assert judge(runs(6), runs(6, level=15.0), higher_is_better=True).change is Change.SLOWER


def test_a_real_but_small_shift_is_the_same() -> None:
    shift = judge(runs(10, between=0.01), runs(10, level=20.8, between=0.01))
    assert shift.change is Change.SAME, shift.reason


def test_the_figure_is_judged_per_run() -> None:
    base = runs(6)
    # the same medians, but every value above the run's 75th percentile is twice as long
    cand = [[v * 2 if v > np.percentile(r, 75) else v for v in r] for r in runs(6)]
    assert judge(base, cand, "p50").change is Change.SAME
    assert judge(base, cand, "p95").change is Change.SLOWER
    assert figure_of([1.0, 2.0, 3.0], "p50") == 2.0


def test_a_noise_floor_above_the_minimum_effect_is_inconclusive_and_says_what_it_needs() -> None:
    shift = judge(runs(3, between=0.15), runs(3, between=0.15, level=21.0))
    assert shift.change is Change.INCONCLUSIVE
    assert "noise floor" in shift.reason
    assert shift.mde is not None
    assert shift.mde > 0.10
    assert shift.runs_needed is not None
    assert shift.runs_needed > 3


def test_one_run_a_side_measures_no_noise_and_says_so() -> None:
    # Two runs of one build whose whole distribution moved by 12%: pooled requests would
    # call this a regression; one run a side cannot tell it from between-run noise.
    base = runs(1, between=0.0, n=5000)
    cand = [[v * 1.12 for v in runs(1, between=0.0, n=5000)[0]]]
    shift = judge(base, cand)
    assert shift.change is Change.INCONCLUSIVE
    assert shift.measured_noise is False
    assert "assumed" in shift.reason


def test_runs_with_too_few_samples_count_for_nothing() -> None:
    shift = judge(runs(3, n=10), runs(3, n=10))
    assert shift.change is Change.INCONCLUSIVE
    assert "no run with at least 20" in shift.reason


def test_many_series_judged_together_widen_each_interval() -> None:
    base, cand = runs(5), runs(5, level=21.0)
    alone, together = judge(base, cand), judge(base, cand, family=40)
    assert alone.mde is not None
    assert together.mde is not None
    assert together.mde > alone.mde
    unwidened = judge(base, cand, settings=Settings(multiplicity="none"), family=40)
    assert unwidened.mde == alone.mde


def test_simulated_false_alarms_and_power_meet_their_targets() -> None:
    """10% between-run noise, the default runs a side: the figures docs/comparison.md states."""
    settings = Settings()
    figures = {
        effect: cell(7, 160, Design(12, 30, 0.10, 0.10, effect), settings).flagged
        for effect in (0.0, 0.15, 0.25)
    }
    assert figures[0.0] <= 0.05, figures
    assert figures[0.15] >= 0.80, figures
    assert figures[0.25] >= 0.90, figures
