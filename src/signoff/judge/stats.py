"""Is a series slower in the candidate's runs than in the baseline's? The run is the unit.

Each run of a side gives one value per series: the log of a figure (median, p95…) of that
run's samples. Between two runs of one build the whole distribution moves, so the spread of
these per-run values — not the spread of requests inside one run — is the noise a change must
beat (`signoff.judge.spread`). The shift is the difference of the sides' mean log-figures (a
ratio of geometric means), and one t interval of it decides, at the level the series judged
together allow (`signoff.judge.multiplicity`):

- `same`: the whole interval lies within ±min_effect;
- `slower` / `faster`: the whole interval lies above / below no change;
- `inconclusive`: anything else, with the noise floor (the minimum detectable effect) and the
  runs per side that would bring it down to the minimum effect.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from enum import StrEnum

import numpy as np

from signoff.judge.spread import Spread, critical, spread_of

FIGURES = {"p50": 50.0, "p90": 90.0, "p95": 95.0, "p99": 99.0, "mean": -1.0, "min": 0.0}
MAX_RUNS = 200  # the search for the runs a series needs stops here


class Change(StrEnum):
    """How the candidate compares with the baseline, in the direction that matters."""

    FASTER = "faster"
    SAME = "same"
    SLOWER = "slower"
    INCONCLUSIVE = "inconclusive"


DECIDED = (Change.SAME, Change.SLOWER, Change.FASTER)


@dataclass(frozen=True)
class Settings:
    min_effect: float = 0.10  # relative change below which a difference does not count
    alpha: float = 0.04  # chance, per comparison, of flagging an unchanged build
    power: float = 0.80  # chance of detecting the minimum detectable effect
    min_samples: int = 20  # a run with fewer samples of a series gives it no value
    min_runs: int = 3  # fewer runs on a side: advisory; `signoff compare`'s first look
    assumed_noise: float = 0.10  # between-run sd (log scale) used when no side can measure it
    multiplicity: str = "fdr"  # fdr, bonferroni or none: series judged together
    spending: str = "obrien-fleming"  # how the looks of `signoff compare` share alpha
    pool: bool = True  # moderate each series' variance towards its kind and figure's
    latency_figures: tuple[str, ...] = ("p50", "p95")
    run_level: bool = True  # judge latency and benchmark series relative to their run's level
    by_phase: bool = False  # a latency series per endpoint and phase, not per endpoint


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
    ci_low: float | None  # relative bounds of the interval the verdict was read from
    ci_high: float | None
    noise: float | None  # between-run sd of the figure, relative (measured or assumed)
    mde: float | None  # smallest change detected with probability `power`, relative
    runs_needed: int | None  # runs per side that bring the mde down to the minimum effect
    measured_noise: bool  # False: the noise is `assumed_noise`, nothing measured it
    reason: str
    confidence: float | None = None  # the interval's level (1 - its alpha)
    df: float | None = None  # degrees of freedom of its t quantile (0: normal)
    look: int | None = None  # runs a side at the look the interval comes from


def figure_of(values: Sequence[float], figure: str) -> float:
    """One run's figure of a series: a percentile, the mean or the minimum."""
    if figure not in FIGURES:
        raise ValueError(f"unknown figure {figure!r}")
    data = np.asarray(values, dtype=float)
    if figure == "mean":
        return float(data.mean())
    return float(np.percentile(data, FIGURES[figure]))


def mde(spread: Spread, alpha: float, power: float) -> float:
    """The log-scale change detected with probability `power` by an interval at 1 - alpha."""
    return (critical(1 - alpha / 2, spread.df) + critical(power, spread.df)) * spread.se


def runs_needed(spread: Spread, alpha: float, s: Settings) -> int | None:
    """Runs per side (equal sides) whose mde is within the minimum effect; None past 200.

    The degrees of freedom grow with the runs as the series' own do (a pool's share with them).
    """
    target = math.log1p(s.min_effect)
    scale = spread.df / spread.own_df if spread.own_df > 0 and spread.df > 0 else 0.0

    def enough(runs: int) -> bool:
        own = runs - 1 if spread.paired else 2 * runs - 2
        future = replace(spread, n_a=runs, n_b=runs, df=own * scale)
        return mde(future, alpha, s.power) <= target

    if not enough(MAX_RUNS):
        return None
    low, high = 1, MAX_RUNS  # the mde shrinks with the runs: bisect for the first enough
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (low, middle) if enough(middle) else (middle, high)
    return high


def samples_for(figure: str, min_samples: int) -> int:
    """The samples a run needs to give a figure: `min_samples` for the median; for a higher
    percentile as many beyond it as a median has on either side (p95 needs ten times as many).
    """
    q = FIGURES[figure]
    floor = max(min_samples, 1)
    if q <= 50:
        return floor
    return max(floor, math.ceil(floor / 2 / (1 - q / 100)))


def per_run(runs: Sequence[Sequence[float]], figure: str, min_samples: int) -> list[float | None]:
    """Each run's log figure of a series; None for a run with too few positive samples."""
    out: list[float | None] = []
    needed = samples_for(figure, min_samples)
    for samples in runs:
        value = figure_of(samples, figure) if len(samples) >= needed else 0.0
        out.append(math.log(value) if value > 0 else None)
    return out


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
    a = per_run(baseline, figure, s.min_samples)
    b = per_run(candidate, figure, s.min_samples)
    return judge_logs(a, b, figure, s, higher_is_better, family)


def geomean(values: Sequence[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return math.exp(sum(present) / len(present)) if present else None


def no_runs(figure: str, s: Settings, a: Sequence[float | None], b: Sequence[float | None]) -> str:
    """Why a series is not judged when a side has no run that gave it a value."""
    none_a = all(v is None for v in a)
    where = "either side" if none_a and all(v is None for v in b) else "one side"
    return f"no run with at least {samples_for(figure, s.min_samples)} positive samples on {where}"


@dataclass(frozen=True)
class Alphas:
    """The two-sided alphas of a look's intervals. A flag's is shared by the series judged
    together (`signoff.judge.multiplicity`). `same` claims no change of min_effect or more: two
    one-sided tests at the look's alpha, its 1 - 2·alpha interval within ±min_effect; calling
    every series the same (the gate's PASS) needs each of them, so it needs no share."""

    flag: float
    same: float

    @classmethod
    def of(cls, alpha: float, flag: float) -> Alphas:
        return cls(flag, min(2 * alpha, 0.5))


def _classify(
    spread: Spread, alphas: Alphas, s: Settings, higher: bool
) -> tuple[Change, str, float]:
    """The change, why, and the alpha of the interval it was read from: `same` from the same
    interval, a flag or no verdict from the flag interval."""
    edge = math.log1p(s.min_effect)

    def band(alpha: float) -> str:
        low, high = (math.expm1(spread.diff + k * spread.half(alpha)) for k in (-1, 1))
        return f"interval {low:+.1%}..{high:+.1%} ({1 - alpha:.2%})"

    if abs(spread.diff) + spread.half(alphas.same) < edge:
        return Change.SAME, f"{band(alphas.same)} lies within ±{s.min_effect:.0%}", alphas.same
    half = spread.half(alphas.flag)
    sign = -1.0 if higher else 1.0
    worse_low, worse_high = sorted((sign * (spread.diff - half), sign * (spread.diff + half)))
    wide = band(alphas.flag)
    if worse_low > 0:
        return Change.SLOWER, f"{wide} lies wholly on the worse side", alphas.flag
    if worse_high < 0:
        return Change.FASTER, f"{wide} lies wholly on the better side", alphas.flag
    floor = mde(spread, alphas.flag, s.power)
    if floor > edge:
        needed = runs_needed(spread, alphas.flag, s)
        more = f"about {needed} runs per side" if needed else f"more than {MAX_RUNS} runs a side"
        return (
            Change.INCONCLUSIVE,
            (
                f"{wide}; noise floor: the smallest detectable change is ±{math.expm1(floor):.0%}, "
                f"above the ±{s.min_effect:.0%} minimum effect; {more} would reach it"
            ),
            alphas.flag,
        )
    why = f"{wide} reaches past ±{s.min_effect:.0%} without excluding no change"
    return Change.INCONCLUSIVE, why, alphas.flag


def shift_of(
    spread: Spread, alphas: Alphas, s: Settings, figure: str, higher: bool,
    shown: tuple[Sequence[float | None], Sequence[float | None]], look: int | None = None,
) -> Shift:  # fmt: skip
    """The row of one series, with the one interval its verdict was read from."""
    change, why, alpha = _classify(spread, alphas, s, higher)
    if spread.paired:
        why += f" (on {spread.n_a} pairs of neighbouring runs)"
    if spread.prior_df > 0:
        why += f" (noise pooled with its kind and figure: {spread.df:.0f} degrees of freedom)"
    if not spread.measured:
        why += f" (between-run noise assumed {s.assumed_noise:.0%}: one run a side measures none)"
    half = spread.half(alpha)
    return Shift(
        change=change,
        figure=figure,
        runs_baseline=spread.n_a,
        runs_candidate=spread.n_b,
        value_baseline=geomean(shown[0]),
        value_candidate=geomean(shown[1]),
        relative=math.expm1(spread.diff),
        ci_low=math.expm1(spread.diff - half),
        ci_high=math.expm1(spread.diff + half),
        noise=math.expm1(spread.sd),
        mde=math.expm1(mde(spread, alphas.flag, s.power)),
        runs_needed=runs_needed(spread, alphas.flag, s),
        measured_noise=spread.measured,
        reason=why,
        confidence=1 - alpha,
        df=spread.df,
        look=look,
    )


def unjudged(
    figure: str, s: Settings, a: Sequence[float | None], b: Sequence[float | None],
    shown: tuple[Sequence[float | None], Sequence[float | None]],
) -> Shift:  # fmt: skip
    """The row of a series a side has no value of."""
    runs_a, runs_b = (sum(v is not None for v in side) for side in (a, b))
    return Shift(
        Change.INCONCLUSIVE, figure, runs_a, runs_b, geomean(shown[0]), geomean(shown[1]),
        None, None, None, None, None, None, False, no_runs(figure, s, a, b),
    )  # fmt: skip


def judge_logs(
    baseline: Sequence[float | None],
    candidate: Sequence[float | None],
    figure: str,
    settings: Settings,
    higher_is_better: bool = False,
    family: int = 1,
    shown: tuple[Sequence[float | None], Sequence[float | None]] | None = None,
    paired: bool = False,
) -> Shift:
    """`judge` on per-run log values (None: that run gave none), one series as one of `family`
    judged together (its interval at the level a lone flag among them would have).

    `shown` are the per-run log values whose geometric means the row shows, when the judged
    values are not the figures themselves (e.g. figures relative to their run's level).
    `paired`: the i-th baseline and candidate runs ran next to each other (A B A B …), so the
    change is judged on their differences and slow drift of the machine cancels out.
    """
    s = settings
    seen = shown or (baseline, candidate)
    if all(v is None for v in baseline) or all(v is None for v in candidate):
        return unjudged(figure, s, baseline, candidate, seen)
    spread = spread_of(baseline, candidate, s.assumed_noise, paired)
    flag = s.alpha if s.multiplicity == "none" else s.alpha / max(family, 1)
    return shift_of(spread, Alphas.of(s.alpha, flag), s, figure, higher_is_better, seen)
