"""Is a series slower in the candidate's runs than in the baseline's? The run is the unit.

Each run of a side gives one value per series: the log of a figure (median, p95…) of that
run's samples. Between two runs of one build the whole distribution moves, so the spread of
these per-run values — not the spread of requests inside one run — is the noise a change must
beat. The shift is the difference of the sides' mean log-figures (a ratio of geometric means),
its interval a pooled-variance t interval on the per-run values, and the minimum effect is
applied to that interval:

- `same`: the whole interval lies within ±min_effect;
- `slower` / `faster`: the whole interval lies above / below no change — Bonferroni-widened
  when many series are judged at once, so a comparison has one chance in 1/alpha to flag any;
- `inconclusive`: anything else, with the noise floor (the minimum detectable effect) and the
  runs per side that would bring it down to the minimum effect.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
from scipy import stats  # type: ignore[import-untyped]

FIGURES = {"p50": 50.0, "p90": 90.0, "p95": 95.0, "p99": 99.0, "mean": -1.0, "min": 0.0}
_MAX_RUNS = 200  # the search for the runs a series needs stops here


class Change(StrEnum):
    """How the candidate compares with the baseline, in the direction that matters."""

    FASTER = "faster"
    SAME = "same"
    SLOWER = "slower"
    INCONCLUSIVE = "inconclusive"


@dataclass(frozen=True)
class Settings:
    min_effect: float = 0.10  # relative change below which a difference does not count
    alpha: float = 0.04  # chance, per comparison, of flagging an unchanged build
    power: float = 0.80  # chance of detecting the minimum detectable effect
    min_samples: int = 20  # a run with fewer samples of a series gives it no value
    min_runs: int = 3  # fewer runs on a side: the comparison is advisory
    assumed_noise: float = 0.10  # between-run sd (log scale) used when no side can measure it
    familywise: bool = True  # widen intervals by the number of series judged together
    latency_figures: tuple[str, ...] = ("p50", "p95")


@dataclass(frozen=True)
class Shift:
    """The judged difference between the runs of two builds for one series and figure."""

    change: Change
    figure: str
    runs_baseline: int
    runs_candidate: int
    value_baseline: float | None  # geometric mean over the runs of the per-run figure
    value_candidate: float | None
    relative: float | None  # candidate / baseline - 1
    ci_low: float | None  # relative bounds of the series' own 1-alpha interval
    ci_high: float | None
    noise: float | None  # between-run sd of the figure, relative (measured or assumed)
    mde: float | None  # smallest change detected with probability `power`, relative
    runs_needed: int | None  # runs per side that bring the mde down to the minimum effect
    measured_noise: bool  # False: the noise is `assumed_noise`, nothing measured it
    reason: str


def figure_of(values: Sequence[float], figure: str) -> float:
    """One run's figure of a series: a percentile, the mean or the minimum."""
    if figure not in FIGURES:
        raise ValueError(f"unknown figure {figure!r}")
    data = np.asarray(values, dtype=float)
    if figure == "mean":
        return float(data.mean())
    return float(np.percentile(data, FIGURES[figure]))


def _critical(q: float, df: int) -> float:
    return float(stats.norm.ppf(q) if df <= 0 else stats.t.ppf(q, df))


def mde(sd: float, runs_a: int, runs_b: int, settings: Settings, family: int = 1) -> float:
    """The log-scale change the design detects with probability `power` (df 0: sd is known)."""
    df = runs_a + runs_b - 2
    q = 1 - settings.alpha / (2 * family)
    se = sd * math.sqrt(1 / runs_a + 1 / runs_b)
    return (_critical(q, df) + _critical(settings.power, df)) * se


def runs_needed(sd: float, settings: Settings, family: int = 1) -> int | None:
    """Runs per side (equal sides) whose mde is within the minimum effect; None past 200."""
    target = math.log1p(settings.min_effect)
    for runs in range(2, _MAX_RUNS + 1):
        if mde(sd, runs, runs, settings, family) <= target:
            return runs
    return None


def _per_run(runs: Sequence[Sequence[float]], figure: str, min_samples: int) -> list[float]:
    values = [figure_of(r, figure) for r in runs if len(r) >= min_samples]
    return [math.log(v) for v in values if v > 0]


def judge(
    baseline: Sequence[Sequence[float]],
    candidate: Sequence[Sequence[float]],
    figure: str = "p50",
    settings: Settings | None = None,
    higher_is_better: bool = False,
    family: int = 1,
) -> Shift:
    """Classify the candidate's runs against the baseline's: faster, same, slower, inconclusive.

    `slower` means worse: a higher figure, or a lower one when `higher_is_better`.
    """
    s = settings or Settings()
    family = max(family, 1) if s.familywise else 1
    a = _per_run(baseline, figure, s.min_samples)
    b = _per_run(candidate, figure, s.min_samples)
    value_a = math.exp(sum(a) / len(a)) if a else None
    value_b = math.exp(sum(b) / len(b)) if b else None
    if not a or not b:
        reason = (
            f"no run with at least {s.min_samples} positive samples on "
            f"{'either side' if not a and not b else 'one side'}"
        )
        return Shift(
            Change.INCONCLUSIVE, figure, len(a), len(b), value_a, value_b,
            None, None, None, None, None, None, False, reason,
        )  # fmt: skip
    df = len(a) + len(b) - 2
    measured = df > 0
    if measured:
        pooled = (np.var(a, ddof=1) * (len(a) - 1) if len(a) > 1 else 0.0) + (
            np.var(b, ddof=1) * (len(b) - 1) if len(b) > 1 else 0.0
        )
        sd = math.sqrt(float(pooled) / df)
    else:
        sd = s.assumed_noise
    diff = sum(b) / len(b) - sum(a) / len(a)
    se = sd * math.sqrt(1 / len(a) + 1 / len(b))
    # `same` rests on this series' own interval; a flag must survive the familywise one, so
    # judging forty series at once does not make forty chances of a false alarm.
    half = _critical(1 - s.alpha / 2, df) * se
    wide = _critical(1 - s.alpha / (2 * family), df) * se
    low, high = diff - half, diff + half
    sign = -1.0 if higher_is_better else 1.0
    worse_low, worse_high = sorted((sign * (diff - wide), sign * (diff + wide)))
    floor = mde(sd, len(a), len(b), s, family)
    needed = runs_needed(sd, s, family)
    edge = math.log1p(s.min_effect)
    band = f"{math.expm1(low):+.1%}..{math.expm1(high):+.1%}"
    flagband = f"{math.expm1(diff - wide):+.1%}..{math.expm1(diff + wide):+.1%}"
    among = f" (widened for {family} series judged together)" if family > 1 else ""
    if max(abs(low), abs(high)) < edge:
        change, why = Change.SAME, f"interval {band} lies within ±{s.min_effect:.0%}"
    elif worse_low > 0:
        change, why = Change.SLOWER, f"interval {flagband}{among} lies wholly on the worse side"
    elif worse_high < 0:
        change, why = Change.FASTER, f"interval {flagband}{among} lies wholly on the better side"
    elif floor > edge:
        change = Change.INCONCLUSIVE
        more = f"about {needed} runs per side" if needed else f"more than {_MAX_RUNS} runs a side"
        why = (
            f"noise floor: the smallest detectable change is ±{math.expm1(floor):.0%}, above "
            f"the ±{s.min_effect:.0%} minimum effect; {more} would reach it"
        )
    else:
        change = Change.INCONCLUSIVE
        why = f"interval {band} reaches past ±{s.min_effect:.0%} without excluding no change"
    if not measured:
        why += f" (between-run noise assumed {s.assumed_noise:.0%}: one run a side measures none)"
    return Shift(
        change=change,
        figure=figure,
        runs_baseline=len(a),
        runs_candidate=len(b),
        value_baseline=value_a,
        value_candidate=value_b,
        relative=math.expm1(diff),
        ci_low=math.expm1(low),
        ci_high=math.expm1(high),
        noise=math.expm1(sd),
        mde=math.expm1(floor),
        runs_needed=needed,
        measured_noise=measured,
        reason=why,
    )
