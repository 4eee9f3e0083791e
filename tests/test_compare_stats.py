"""The judge: runs are the unit, the minimum effect bounds an interval, the noise floor shows."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest

from signoff.judge import Comparison, compare
from signoff.judge.multiplicity import interval_alpha, rejections
from signoff.judge.sequential import SPENDING, Looks
from signoff.judge.simulate import Design, cell
from signoff.judge.simulate_split import Design as SplitDesign
from signoff.judge.simulate_split import _pair as split_pair
from signoff.judge.simulate_split import cell as split_cell
from signoff.judge.spread import Spread, moderated, prior
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


def test_fdr_widens_less_than_bonferroni_once_a_series_is_flagged() -> None:
    # 14 series, two with small p-values: Benjamini-Hochberg rejects both, Bonferroni only
    # the first; with nothing to flag (an A/A) both rules read the same level
    pvalues = [0.001, 0.004] + [0.5] * 12
    assert rejections(pvalues, 0.04) == 2
    fdr = interval_alpha(pvalues, 0.04, "fdr")
    bonferroni = interval_alpha(pvalues, 0.04, "bonferroni")
    assert fdr == pytest.approx(2 * 0.04 / 14)
    assert bonferroni == pytest.approx(0.04 / 14)
    assert bonferroni < 0.004 <= fdr  # the second series is flagged under fdr only
    calm = [0.3] * 14
    assert interval_alpha(calm, 0.04, "fdr") == interval_alpha(calm, 0.04, "bonferroni")
    assert interval_alpha(calm, 0.04, "none") == 0.04


def test_same_is_read_from_the_series_own_equivalence_interval() -> None:
    # A/A with little noise and few runs: the 1 - 2·alpha interval lies within ±10 %, the
    # interval a flag among 40 series would need does not; the row shows the one it used
    base, cand = runs(3, between=0.02), runs(3, between=0.02)
    shift = judge(base, cand, family=40)
    assert shift.change is Change.SAME, shift.reason
    assert shift.confidence == pytest.approx(1 - 2 * Settings().alpha)
    assert shift.ci_low is not None
    assert shift.ci_high is not None
    assert -0.10 < shift.ci_low < shift.ci_high < 0.10
    assert f"({shift.confidence:.2%})" in shift.reason


def test_every_row_shows_the_interval_its_verdict_was_read_from() -> None:
    """Fourteen series a comparison, sixty comparisons, some changed: a flag's interval
    excludes no change, `same`'s lies within ±min_effect, an undecided one's does neither."""
    rng = np.random.default_rng(3)
    seen = set()
    for trial in range(60):
        effect = (0.0, -0.2, 0.12, 0.25)[trial % 4]
        d = SplitDesign(6, 240, effect, Looks(3, 4), noise=2.0)
        base, cand = zip(*(split_pair(rng, d) for _ in range(3 + trial % 2)), strict=True)
        result = compare(list(base), list(cand), Settings(), paired=True, at_once=True)
        for row in result.rows:
            shift = row.shift
            assert shift.ci_low is not None
            assert shift.ci_high is not None
            seen.add(shift.change)
            if shift.change is Change.SLOWER:
                assert shift.ci_low > 0
            elif shift.change is Change.FASTER:
                assert shift.ci_high < 0
            elif shift.change is Change.SAME:
                assert shift.ci_low > -0.10
                assert shift.ci_high < 0.10
            else:
                assert shift.ci_low <= 0 <= shift.ci_high
                assert shift.ci_low <= -1 / 11 or shift.ci_high >= 0.10
            assert f"({shift.confidence:.2%})" in shift.reason
    assert seen == set(Change)


def test_pooled_noise_gives_few_pairs_more_degrees_of_freedom() -> None:
    rng = np.random.default_rng(8)
    d = SplitDesign(6, 450, 0.0, Looks(3, 3), noise=2.0)
    base, cand = zip(*(split_pair(rng, d) for _ in range(3)), strict=True)
    pooled = compare(list(base), list(cand), Settings(), paired=True, at_once=True)
    alone = compare(list(base), list(cand), Settings(pool=False), paired=True, at_once=True)
    assert {r.shift.df for r in alone.rows} == {2}
    assert all(r.shift.df is not None and r.shift.df > 2 for r in pooled.rows)

    def same(result: Comparison) -> int:
        return sum(r.shift.change is Change.SAME for r in result.rows)

    assert same(pooled) > same(alone)


def test_limma_prior_pools_alike_variances_and_keeps_unlike_ones_apart() -> None:
    _, alike = prior([1.0, 1.1, 0.9, 1.05, 0.95, 1.0], [4] * 6)
    assert math.isinf(alike)
    _, unlike = prior([0.01, 1.0, 100.0, 0.1, 10.0, 3.0], [4] * 6)
    assert 0 < unlike < 4


def test_a_series_with_noisier_samples_keeps_a_wider_interval_when_pooled() -> None:
    # four series with the same measured spread, one of them with four times the sampling
    # variance inside its runs: pooled, its noise stays twice the others'
    spreads = [
        Spread(0.0, 0.02, 3, 3, True, True, 2, scale=4.0 if i == 0 else 1.0) for i in range(4)
    ]
    pooled = moderated(spreads)
    assert pooled[0].sd == pytest.approx(2 * pooled[1].sd, rel=0.01)
    assert all(s.df > 2 for s in pooled)


def test_looks_spend_alpha_once_over_the_comparison() -> None:
    for rule in SPENDING:
        looks = Looks(3, 6, rule)
        shares = [looks.alpha(n, 0.04) for n in looks.made(6)]
        assert looks.made(6) == [3, 4, 5, 6]
        assert sum(shares) == pytest.approx(0.04)
        assert all(share > 0 for share in shares)
    pocock, obf = Looks(3, 6, "pocock"), Looks(3, 6, "obrien-fleming")
    assert pocock.alpha(3, 0.04) > 0.5 * 0.04 > obf.alpha(3, 0.04)
    assert Looks.once(5).alpha(5, 0.04) == pytest.approx(0.04)


def test_a_look_judges_with_its_share_of_alpha_and_says_where_it_stopped() -> None:
    rng = np.random.default_rng(11)
    d = SplitDesign(6, 450, 0.0, Looks(3, 6), noise=3.0)
    base, cand = zip(*(split_pair(rng, d) for _ in range(3)), strict=True)
    looks = Looks(3, 6, "obrien-fleming")
    result = compare(list(base), list(cand), Settings(), paired=True, at_once=True, looks=looks)
    share = looks.alpha(3, Settings().alpha)
    assert share < Settings().alpha / 10  # the first look of six pairs spends little
    for row in result.rows:
        expected = 2 * share if row.shift.change is Change.SAME else share / len(result.rows)
        assert row.shift.confidence == pytest.approx(1 - expected)
        assert row.shift.look == 3
    stop = result.stop
    assert stop is not None
    assert stop.looks == [3]
    assert stop.cap == 6
    assert not stop.decided
    assert "undecided after 3 of at most 6 pairs" in stop.reason


def test_a_clear_comparison_stops_at_the_first_look_and_keeps_each_first_verdict() -> None:
    rng = np.random.default_rng(12)
    d = SplitDesign(6, 450, 0.25, Looks(3, 6), noise=0.5)
    base, cand = zip(*(split_pair(rng, d) for _ in range(6)), strict=True)
    result = compare(
        list(base), list(cand), Settings(spending="pocock"), paired=True, at_once=True,
        looks=Looks(3, 6, "pocock"),
    )  # fmt: skip
    stop = result.stop
    assert stop is not None
    assert stop.decided
    assert stop.decided_at == stop.pairs == 3
    assert "every series decided at look 1 of at most 4 (3 pairs)" in stop.reason
    slowed = [r for r in result.rows if r.series.startswith("GET /e0 ")]
    assert {r.shift.change for r in slowed} == {Change.SLOWER}
    assert {r.shift.look for r in result.rows} == {3}
    assert result.to_json()["looks"]["decided_at"] == 3


def test_simulated_split_comparisons_meet_their_targets() -> None:
    """The sequential design at the reference stack's noise: few false alarms, an unchanged
    build mostly decided the same, a quarter's slowdown caught (docs/comparison.md)."""
    settings = Settings()
    design = SplitDesign(6, 450, 0.0, Looks(settings.min_runs, 6, settings.spending))
    same = split_cell(5, 40, design, settings)
    slowed = split_cell(5, 20, replace(design, effect=0.25), settings)
    assert sum(o.flagged for o in same) <= 2
    assert sum(o.passed for o in same) >= 30
    assert all(o.caught for o in slowed)
    assert sum(o.pairs for o in same) / len(same) < 6
