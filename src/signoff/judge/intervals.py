"""Intervals for measured figures and the one rule that judges a figure on its interval.

A percentile of 30 requests is not a number to hold against a budget to the millisecond: each
figure here comes with a confidence interval (order statistics for quantiles, Clopper-Pearson
for rates, t for means), and `judge_interval` says PASS or FAIL only when the interval clears.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np

# scipy.special, not scipy.stats: the same functions, and half a second less to import in
# every run and report
from scipy import special  # type: ignore[import-untyped]

from signoff.records import Check, Status

# Two-sided: each bound is missed with at most (1 - CONFIDENCE) / 2, so a clean figure is
# judged FAIL by chance at most 2.5 % of the time at its budget and far less 10 % under it.
CONFIDENCE = 0.95
# the most samples "would decide it" ever names: beyond that, more samples are not the answer
MOST_SAMPLES = 10_000_000

DASH = "\u2013"  # an en dash between an interval's ends
ValueAt = Callable[[float], float]  # percentile (0-100) -> value, e.g. an HDR histogram's


@dataclass(frozen=True)
class Interval:
    """A figure and its confidence interval from `n` samples; an end the data cannot bound
    is infinite (too few samples for a 99th percentile has no upper bound)."""

    estimate: float
    low: float
    high: float
    n: int
    confidence: float = CONFIDENCE


Resample = Callable[[int], Interval]  # the interval the same data would give from n samples


def _tail(confidence: float) -> float:
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be between 0 and 1, not {confidence!r}")
    return (1.0 - confidence) / 2.0


def quantile_ranks(n: int, q: float, confidence: float = CONFIDENCE) -> tuple[int, int]:
    """1-based ranks (l, u) with P(x_(l) <= true q-quantile <= x_(u)) >= confidence.

    The count of samples below the true quantile is Binomial(n, q); each rank is the furthest
    one whose tail stays within (1 - confidence) / 2. l == 0 means no lower bound, u == n + 1
    no upper bound (a 95th percentile needs 72 samples for one at 95 %).
    """
    tail = _tail(confidence)
    below = _binom_ppf(tail, n, q)
    if below >= 0 and special.bdtr(below, n, q) > tail:
        below -= 1  # the largest count whose lower tail is still within `tail`
    upper = _binom_ppf(1.0 - tail, n, q) + 1
    return max(below + 1, 0), min(upper, n + 1)


def _binom_ppf(p: float, n: int, q: float) -> int:
    """The smallest count k of Binomial(n, q) with P(X <= k) >= p (scipy.stats.binom.ppf)."""
    k = max(math.ceil(float(special.bdtrik(p, n, q))), 0)
    return k - 1 if k > 0 and special.bdtr(k - 1, n, q) >= p else k


def least_samples(q: float, confidence: float = CONFIDENCE) -> int:
    """The fewest samples whose largest value bounds the q-quantile from above."""
    return math.ceil(math.log(_tail(confidence)) / math.log(q))


def quantile_interval_at(
    value_at: ValueAt, n: int, q: float, confidence: float = CONFIDENCE
) -> Interval:
    """The q-quantile's distribution-free interval from a "value at percentile" function of
    `n` samples (an HDR histogram: the value at rank r is the one at percentile r / n * 100)."""
    if n <= 0:
        raise ValueError("a quantile needs at least one sample")
    low_rank, high_rank = quantile_ranks(n, q, confidence)
    low = value_at(low_rank / n * 100.0) if low_rank >= 1 else -math.inf
    high = value_at(high_rank / n * 100.0) if high_rank <= n else math.inf
    return Interval(value_at(q * 100.0), low, high, n, confidence)


def nearest_rank(ordered: Sequence[float]) -> ValueAt:
    """Value at percentile of sorted values: the smallest one with that share at or below it."""

    def value_at(percentile: float) -> float:
        rank = math.ceil(percentile / 100.0 * len(ordered) - 1e-9)
        return float(ordered[min(max(rank, 1), len(ordered)) - 1])

    return value_at


def quantile_interval(
    values: Sequence[float], q: float, confidence: float = CONFIDENCE
) -> Interval:
    """The q-quantile of samples (in any order) and its distribution-free interval."""
    return quantile_interval_at(nearest_rank(sorted(values)), len(values), q, confidence)


def median_interval(values: Sequence[float]) -> list[float | None] | None:
    """The median's interval of raw timings as a record keeps it, `[low, high]` beside the
    median (None: no timings); unrounded, as microbenchmarks time microseconds in seconds."""
    return list(ends(quantile_interval(values, 0.5), None)) if values else None


def rate_interval(events: float, n: float, confidence: float = CONFIDENCE) -> Interval:
    """A rate of events (errors per request) with its Clopper-Pearson interval.

    Clopper-Pearson rather than Wilson: its coverage is never below the nominal level, where
    Wilson's dips below it when events are few (an error budget of 1 % over a few hundred
    requests is exactly there), and a gate that promises few false FAILs needs the guarantee.
    `events` may be fractional (an interval projected to another sample count).
    """
    if n <= 0:
        raise ValueError("a rate needs at least one sample")
    tail = _tail(confidence)
    low = float(special.betaincinv(events, n - events + 1, tail)) if events > 0 else 0.0
    high = float(special.betaincinv(events + 1, n - events, 1.0 - tail)) if events < n else 1.0
    return Interval(events / n, low, high, round(n), confidence)


def mean_interval(series: Sequence[float], confidence: float = CONFIDENCE) -> Interval:
    """The mean of a series (requests in each second) with its t interval."""
    n = len(series)
    if n == 0:
        raise ValueError("a mean needs at least one sample")
    values = np.asarray(series, dtype=float)
    mean = float(values.mean())
    if n < 2:
        return Interval(mean, -math.inf, math.inf, n, confidence)
    half = spread_at(float(values.std(ddof=1)), n, confidence)
    return Interval(mean, mean - half, mean + half, n, confidence)


def spread_at(sd: float, n: int, confidence: float = CONFIDENCE) -> float:
    """Half the width of a t interval of a mean of `n` values with standard deviation `sd`."""
    return float(special.stdtrit(n - 1, 1.0 - _tail(confidence))) * sd / math.sqrt(n)


def with_run_margin(interval: Interval, margin: float) -> Interval:
    """Widened for the whole distribution moving between runs of one build by about
    `margin` (0.1: 10 %), which no number of samples in one run averages away.

    The relative margin joins each side's relative half-width in quadrature (independent
    errors, on the log scale a latency's errors live on)."""
    if margin <= 0 or interval.estimate <= 0:
        return interval
    run = math.log1p(margin)

    def side(bound: float, sign: float) -> float:
        if bound <= 0 or math.isinf(bound):
            return bound  # unbounded stays so; a bound at zero cannot move down on a log scale
        within = math.log(bound / interval.estimate)
        return interval.estimate * math.exp(sign * math.hypot(within, run))

    return replace(interval, low=side(interval.low, -1.0), high=side(interval.high, 1.0))


def _misses(bound: float, comparator: str, threshold: float) -> bool:
    match comparator:
        case "<=":
            return bound > threshold
        case "<":
            return bound >= threshold
        case ">=":
            return bound < threshold
        case ">":
            return bound <= threshold
    raise ValueError(f"an interval is judged with <=, <, >= or >, not {comparator!r}")


def outcome(interval: Interval, comparator: str, threshold: float) -> Status:
    """PASS when the whole interval meets the threshold, FAIL when it misses it entirely."""
    upper_limit = comparator in ("<=", "<")
    worst, best = (interval.high, interval.low) if upper_limit else (interval.low, interval.high)
    if not _misses(worst, comparator, threshold):
        return Status.PASS
    if _misses(best, comparator, threshold):
        return Status.FAIL
    return Status.INCONCLUSIVE


def samples_needed(
    resample: Resample, n: int, comparator: str, threshold: float, most: int = MOST_SAMPLES
) -> int | None:
    """About how many samples like these would decide the check (None: not even `most`)."""
    undecided, count = max(n, 1), max(n, 1)
    while outcome(resample(count), comparator, threshold) is Status.INCONCLUSIVE:
        undecided, count = count, count * 2
        if count > most:
            return None
    while count - undecided > max(undecided // 20, 1):  # to about 5 %: it is an estimate
        middle = (undecided + count) // 2
        if outcome(resample(middle), comparator, threshold) is Status.INCONCLUSIVE:
            undecided = middle
        else:
            count = middle
    return count


def _num(value: float) -> str:
    if math.isinf(value):
        return "∞" if value > 0 else "\u2212∞"
    return f"{value:.4g}"


def _about(count: int) -> str:
    """Two significant digits with thousands separators: 2,400 rather than 2,391."""
    digits = max(len(str(count)) - 2, 0)
    return f"{round(count, -digits):,}"


def _undecided(
    name: str, interval: Interval, comparator: str, threshold: float, unit: str, needed: str
) -> str:
    """`p95 405 ms [372-431] vs ≤ 400 ms (1% over): undecided; about 2,400 requests …`"""
    symbol = {"<=": "≤", ">=": "≥"}.get(comparator, comparator)
    unit = unit.strip()
    unit = unit if unit in ("", "%") else f" {unit}"
    gap = interval.estimate - threshold
    side = "over" if gap > 0 else "under"
    if threshold:
        gap /= abs(threshold)
    where = "at it" if abs(gap) < 0.005 else f"{abs(gap):.0%} {side}" if threshold else side
    return (
        f"{name} {_num(interval.estimate)}{unit} [{_num(interval.low)}{DASH}{_num(interval.high)}] "
        f"vs {symbol} {threshold:g}{unit} ({where}): undecided; {needed}."
    )


def judge_interval(
    name: str,
    interval: Interval | None,
    comparator: str,
    threshold: float,
    unit: str = "",
    evidence: str = "",
    resample: Resample | None = None,
    noun: str = "samples",
) -> Check:
    """The one rule for a figure with an interval: PASS when the whole interval meets the
    threshold, FAIL when the whole interval misses it, otherwise INCONCLUSIVE naming the margin
    and, given `resample`, about how many `noun` would decide it. No interval: nothing was
    measured, INCONCLUSIVE."""
    if interval is None:
        message = f"{name}: nothing was measured."
        return Check(
            name, Status.INCONCLUSIVE, None, threshold, comparator, unit, message, evidence
        )
    status = outcome(interval, comparator, threshold)
    figure = round(interval.estimate, 6)
    message = ""
    if status is Status.FAIL:  # the form `threshold_check` writes, so reports read it alike
        message = f"{name} is {figure:g}{unit}, needs {comparator} {threshold:g}{unit}."
    elif status is Status.INCONCLUSIVE:
        found = samples_needed(resample, interval.n, comparator, threshold) if resample else None
        needed = (
            f"about {_about(found)} {noun} would decide it"
            if found
            else f"more {noun} alone would not decide it"
        )
        message = _undecided(name, interval, comparator, threshold, unit.strip(), needed)
    low, high = ends(interval)
    return Check(
        name, status, figure, threshold, comparator, unit, message, evidence, low=low, high=high
    )


def ends(interval: Interval, digits: int | None = 6) -> tuple[float | None, float | None]:
    """An interval's ends as a record keeps them: rounded to `digits` (None: as they are),
    an end the samples could not bound as None."""
    low, high = (
        None if math.isinf(b) else b if digits is None else round(b, digits)
        for b in (interval.low, interval.high)
    )
    return low, high


def from_ends(estimate: float, low: float | None, high: float | None) -> Interval:
    """An interval read back from a record's ends (None: an end not bounded); the sample count
    is not kept there, so it is 0."""
    return Interval(
        estimate, -math.inf if low is None else low, math.inf if high is None else high, 0
    )
