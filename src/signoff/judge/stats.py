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


def mde(
    sd: float, runs_a: int, runs_b: int, settings: Settings, family: int = 1, paired: bool = False
) -> float:
    """The log-scale change the design detects with probability `power` (df 0: sd is known).

    Paired (runs_a pairs of one baseline and one candidate run), df is one less than the pairs.
    """
    df = runs_a - 1 if paired else runs_a + runs_b - 2
    q = 1 - settings.alpha / (2 * family)
    se = sd * math.sqrt(1 / runs_a + 1 / runs_b)
    return (_critical(q, df) + _critical(settings.power, df)) * se


def runs_needed(sd: float, settings: Settings, family: int = 1, paired: bool = False) -> int | None:
    """Runs per side (equal sides) whose mde is within the minimum effect; None past 200."""
    target = math.log1p(settings.min_effect)
    for runs in range(2, _MAX_RUNS + 1):
        if mde(sd, runs, runs, settings, family, paired) <= target:
            return runs
    return None


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


def _geomean(values: Sequence[float]) -> float | None:
    return math.exp(sum(values) / len(values)) if values else None


@dataclass(frozen=True)
class _Spread:
    diff: float  # candidate - baseline, log scale
    sd: float  # between-run sd of one run's log value
    n_a: int
    n_b: int
    paired: bool
    measured: bool

    @property
    def df(self) -> int:
        return self.n_a - 1 if self.paired else self.n_a + self.n_b - 2

    @property
    def se(self) -> float:
        return self.sd * math.sqrt(1 / self.n_a + 1 / self.n_b)

    def half(self, alpha: float) -> float:
        """The half-width of the change's two-sided 1-alpha interval (log scale)."""
        return _critical(1 - alpha / 2, self.df) * self.se


def _spread(
    baseline: Sequence[float | None],
    candidate: Sequence[float | None],
    settings: Settings,
    paired: bool,
) -> _Spread:
    """The change and its noise: from the pairs' differences, or pooled over both sides."""
    pairs = [
        (x, y) for x, y in zip(baseline, candidate, strict=False) if x is not None and y is not None
    ]
    if paired and len(pairs) >= 2:
        diffs = [y - x for x, y in pairs]
        # a difference of two runs carries the noise of two: one run's share is sd / sqrt 2
        sd = float(np.std(diffs, ddof=1)) / math.sqrt(2)
        return _Spread(sum(diffs) / len(diffs), sd, len(pairs), len(pairs), True, True)
    a = [v for v in baseline if v is not None]
    b = [v for v in candidate if v is not None]
    df = len(a) + len(b) - 2
    if df > 0:
        pooled = (np.var(a, ddof=1) * (len(a) - 1) if len(a) > 1 else 0.0) + (
            np.var(b, ddof=1) * (len(b) - 1) if len(b) > 1 else 0.0
        )
        sd = math.sqrt(float(pooled) / df)
    else:
        sd = settings.assumed_noise
    diff = sum(b) / len(b) - sum(a) / len(a)
    return _Spread(diff, sd, len(a), len(b), False, df > 0)


def _no_runs(figure: str, s: Settings, a: list[float], b: list[float]) -> str:
    """Why a series is not judged when a side has no run that gave it a value."""
    where = "either side" if not a and not b else "one side"
    return f"no run with at least {samples_for(figure, s.min_samples)} positive samples on {where}"


def _classify(
    spread: _Spread, s: Settings, family: int, higher: bool, floor: float, needed: int | None
) -> tuple[Change, str]:
    """The change and why: the minimum effect applied to the series' own interval for `same`,
    to the familywise one for a flag."""
    diff = spread.diff
    # `same` rests on this series' own interval; a flag must survive the familywise one, so
    # judging forty series at once does not make forty chances of a false alarm.
    half, wide = spread.half(s.alpha), spread.half(s.alpha / family)
    low, high = diff - half, diff + half
    sign = -1.0 if higher else 1.0
    worse_low, worse_high = sorted((sign * (diff - wide), sign * (diff + wide)))
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
    if spread.paired:
        why += f" (on {spread.n_a} pairs of neighbouring runs)"
    if not spread.measured:
        why += f" (between-run noise assumed {s.assumed_noise:.0%}: one run a side measures none)"
    return change, why


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
    """`judge` on per-run log values (None: that run gave none).

    `shown` are the per-run log values whose geometric means the row shows, when the judged
    values are not the figures themselves (e.g. figures relative to their run's level).
    `paired`: the i-th baseline and candidate runs ran next to each other (A B A B …), so the
    change is judged on their differences and slow drift of the machine cancels out.
    """
    s = settings
    family = max(family, 1) if s.familywise else 1
    a = [v for v in baseline if v is not None]
    b = [v for v in candidate if v is not None]
    show_a, show_b = shown or (baseline, candidate)
    value_a = _geomean([v for v in show_a if v is not None])
    value_b = _geomean([v for v in show_b if v is not None])
    if not a or not b:
        return Shift(
            Change.INCONCLUSIVE, figure, len(a), len(b), value_a, value_b,
            None, None, None, None, None, None, False, _no_runs(figure, s, a, b),
        )  # fmt: skip
    spread = _spread(baseline, candidate, s, paired)
    floor = mde(spread.sd, spread.n_a, spread.n_b, s, family, spread.paired)
    needed = runs_needed(spread.sd, s, family, spread.paired)
    change, why = _classify(spread, s, family, higher_is_better, floor, needed)
    half = spread.half(s.alpha)
    return Shift(
        change=change,
        figure=figure,
        runs_baseline=len(a),
        runs_candidate=len(b),
        value_baseline=value_a,
        value_candidate=value_b,
        relative=math.expm1(spread.diff),
        ci_low=math.expm1(spread.diff - half),
        ci_high=math.expm1(spread.diff + half),
        noise=math.expm1(spread.sd),
        mde=math.expm1(floor),
        runs_needed=needed,
        measured_noise=spread.measured,
        reason=why,
    )
