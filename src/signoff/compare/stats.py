"""Is one sample of timings shifted against another? Mann-Whitney U plus a Hodges-Lehmann shift.

A single number against another is noise on a shared machine; this module judges two whole
samples. The shift is reported relative to the baseline's median, with a distribution-free
confidence interval, and a difference smaller than the minimum effect never counts.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
from scipy import stats  # type: ignore[import-untyped]

# Pairwise differences grow as n1*n2; beyond this many values per side the shift and its
# interval are estimated on an evenly spaced subsample, which keeps the estimate unbiased.
_MAX_PAIRWISE = 1500


class Change(StrEnum):
    """How the candidate compares with the baseline, in the direction that matters."""

    FASTER = "faster"
    SAME = "same"
    SLOWER = "slower"
    INCONCLUSIVE = "inconclusive"


@dataclass(frozen=True)
class Settings:
    min_effect: float = 0.10  # relative shift below which a difference does not count
    alpha: float = 0.05
    min_samples: int = 20


@dataclass(frozen=True)
class Shift:
    """The judged difference between two samples of one series."""

    change: Change
    n_baseline: int
    n_candidate: int
    median_baseline: float | None
    median_candidate: float | None
    shift: float | None  # Hodges-Lehmann estimate, candidate minus baseline, in sample units
    relative: float | None  # shift / baseline median
    ci_low: float | None  # relative bounds of the confidence interval
    ci_high: float | None
    p_value: float | None
    reason: str


def _unjudged(n1: int, n2: int, med_a: float | None, med_b: float | None, reason: str) -> Shift:
    return Shift(Change.INCONCLUSIVE, n1, n2, med_a, med_b, None, None, None, None, None, reason)


def _thin(
    values: np.ndarray[tuple[int], np.dtype[np.float64]],
) -> np.ndarray[tuple[int], np.dtype[np.float64]]:
    if values.size <= _MAX_PAIRWISE:
        return values
    picks = np.linspace(0, values.size - 1, _MAX_PAIRWISE).round().astype(int)
    thinned: np.ndarray[tuple[int], np.dtype[np.float64]] = np.sort(values)[picks]
    return thinned


def hodges_lehmann(
    baseline: Sequence[float], candidate: Sequence[float], alpha: float = 0.05
) -> tuple[float, float, float]:
    """(shift, low, high): the median of all pairwise differences and its 1-alpha interval."""
    a = _thin(np.asarray(baseline, dtype=float))
    b = _thin(np.asarray(candidate, dtype=float))
    diffs = np.sort(np.subtract.outer(b, a).ravel())
    n1, n2 = a.size, b.size
    total = diffs.size
    z = float(stats.norm.ppf(1 - alpha / 2))
    # Order statistics of the pairwise differences bound the shift (Lehmann 1963).
    k = math.floor(n1 * n2 / 2 - z * math.sqrt(n1 * n2 * (n1 + n2 + 1) / 12))
    k = min(max(k, 0), total - 1)
    return float(np.median(diffs)), float(diffs[k]), float(diffs[total - 1 - k])


def judge_shift(
    baseline: Sequence[float],
    candidate: Sequence[float],
    settings: Settings | None = None,
    higher_is_better: bool = False,
) -> Shift:
    """Classify the candidate against the baseline: faster, same, slower or inconclusive.

    `slower` means worse: higher latency, or lower throughput when `higher_is_better`.
    """
    s = settings or Settings()
    n1, n2 = len(baseline), len(candidate)
    med_a = float(np.median(baseline)) if n1 else None
    med_b = float(np.median(candidate)) if n2 else None
    if min(n1, n2) < s.min_samples:
        reason = f"too few samples ({n1} vs {n2}, need {s.min_samples} on each side)"
        return _unjudged(n1, n2, med_a, med_b, reason)
    assert med_a is not None
    if med_a <= 0:
        reason = "the baseline median is not positive, so no relative shift exists"
        return _unjudged(n1, n2, med_a, med_b, reason)
    p = float(stats.mannwhitneyu(candidate, baseline, alternative="two-sided").pvalue)
    shift, low, high = hodges_lehmann(baseline, candidate, s.alpha)
    rel, rel_low, rel_high = shift / med_a, low / med_a, high / med_a
    worse = -rel if higher_is_better else rel
    band = f"{rel_low:+.1%}..{rel_high:+.1%}"
    if p < s.alpha and worse > s.min_effect:
        change, reason = Change.SLOWER, f"shift {rel:+.1%} (95% CI {band}), p={p:.3g}"
    elif p < s.alpha and worse < -s.min_effect:
        change, reason = Change.FASTER, f"shift {rel:+.1%} (95% CI {band}), p={p:.3g}"
    elif abs(rel) <= s.min_effect and (
        p < s.alpha or (rel_low >= -s.min_effect and rel_high <= s.min_effect)
    ):
        change = Change.SAME
        reason = f"shift {rel:+.1%} (95% CI {band}) is within ±{s.min_effect:.0%}"
    else:
        change = Change.INCONCLUSIVE
        reason = f"too wide: shift {rel:+.1%}, 95% CI {band} reaches past ±{s.min_effect:.0%}"
    return Shift(change, n1, n2, med_a, med_b, shift, rel, rel_low, rel_high, p, reason)
