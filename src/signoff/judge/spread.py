"""One series' change and its noise: the difference of the sides' mean per-run log values, the
between-run variance behind it and that variance's degrees of freedom.

With three to five runs a side, one series' own variance has two to four degrees of freedom and
its t quantiles are huge. Series of the same kind and figure measured in the same runs have
similar noise, so each series' variance is moderated towards their pooled one as limma does
(Smyth 2004, "Linear models and empirical Bayes methods for assessing differential expression
in microarray experiments"): a prior variance s0² with d0 degrees of freedom is fitted to the
series' variances, each series' variance becomes (d0·s0² + d·s²) / (d0 + d) and its t interval
has d0 + d degrees of freedom (at most the pool's). When the series' variances differ more than
sampling explains, d0 is small and each series keeps most of its own variance. Series differ
in their requests and tails, so what is pooled is each one's variance relative to its own
sampling variance, read inside its runs (`signoff.judge.sampling`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
from scipy import special  # type: ignore[import-untyped]

MIN_POOL = 3  # fewer measured series of a kind and figure: each keeps its own variance


@dataclass(frozen=True)
class Spread:
    """The change of one series (log scale) and its noise."""

    diff: float  # candidate - baseline, log scale
    sd: float  # between-run sd of one run's log value (moderated when pooled)
    n_a: int
    n_b: int
    paired: bool
    measured: bool  # False: sd is the assumed noise, nothing measured it
    df: float  # degrees of freedom of sd; 0: taken as known (normal quantiles)
    prior_df: float = 0.0  # the pool's share of df (d0, capped); 0: not pooled
    scale: float | None = None  # sampling variance of one run's log value, read inside runs

    @property
    def own_df(self) -> int:
        return self.n_a - 1 if self.paired else self.n_a + self.n_b - 2

    @property
    def se(self) -> float:
        return self.sd * math.sqrt(1 / self.n_a + 1 / self.n_b)

    def half(self, alpha: float) -> float:
        """The half-width of the change's two-sided 1-alpha interval (log scale)."""
        return critical(1 - alpha / 2, self.df) * self.se

    def p_value(self) -> float:
        """Two-sided p-value of no change: the interval at level 1 - p just reaches zero."""
        if self.se <= 0:
            return 0.0 if self.diff else 1.0
        t = abs(self.diff) / self.se
        finite = 0 < self.df < math.inf
        tail = special.stdtr(self.df, -t) if finite else special.ndtr(-t)
        return float(min(1.0, 2 * tail))


def critical(q: float, df: float) -> float:
    """The q quantile of Student's t with df degrees of freedom (df 0 or inf: the normal's)."""
    return float(special.ndtri(q) if df <= 0 or math.isinf(df) else special.stdtrit(df, q))


def spread_of(
    baseline: Sequence[float | None],
    candidate: Sequence[float | None],
    assumed_noise: float,
    paired: bool,
) -> Spread:
    """The change and its noise: from the pairs' differences, or pooled over both sides."""
    pairs = [
        (x, y) for x, y in zip(baseline, candidate, strict=False) if x is not None and y is not None
    ]
    if paired and len(pairs) >= 2:
        diffs = [y - x for x, y in pairs]
        # a difference of two runs carries the noise of two: one run's share is sd / sqrt 2
        sd = float(np.std(diffs, ddof=1)) / math.sqrt(2)
        n = len(pairs)
        return Spread(sum(diffs) / n, sd, n, n, True, True, n - 1)
    a = [v for v in baseline if v is not None]
    b = [v for v in candidate if v is not None]
    df = len(a) + len(b) - 2
    if df > 0:
        pooled = (np.var(a, ddof=1) * (len(a) - 1) if len(a) > 1 else 0.0) + (
            np.var(b, ddof=1) * (len(b) - 1) if len(b) > 1 else 0.0
        )
        sd = math.sqrt(float(pooled) / df)
    else:
        sd = assumed_noise
    diff = sum(b) / len(b) - sum(a) / len(a)
    return Spread(diff, sd, len(a), len(b), False, df > 0, max(df, 0))


def _trigamma_inverse(x: float) -> float:
    """y with trigamma(y) = x, by limma's Newton iteration."""
    if x > 1e7:
        return 1 / math.sqrt(x)
    if x < 1e-6:
        return 1 / x
    y = 0.5 + 1 / x
    for _ in range(50):
        tri = float(special.polygamma(1, y))
        step = tri * (1 - tri / x) / float(special.polygamma(2, y))
        y += step
        if -step / y < 1e-8:
            break
    return y


def prior(variances: Sequence[float], dfs: Sequence[float]) -> tuple[float, float]:
    """limma's `fitFDist`: the prior variance s0² and its degrees of freedom d0 (inf: the
    series' variances differ no more than their sampling explains)."""
    var = np.asarray(variances, dtype=float)
    df = np.asarray(dfs, dtype=float)
    # a variance of exactly zero (identical runs) would be log 0: floor it far below the rest
    floor = max(float(np.median(var)) * 1e-4, 1e-12)
    e = np.log(np.maximum(var, floor)) - special.digamma(df / 2) + np.log(df / 2)
    mean = float(e.mean())
    excess = float(e.var(ddof=1)) - float(special.polygamma(1, df / 2).mean())
    if excess <= 0:
        return math.exp(mean), math.inf
    d0 = 2 * _trigamma_inverse(excess)
    return math.exp(mean + float(special.digamma(d0 / 2)) - math.log(d0 / 2)), d0


def moderated(spreads: Sequence[Spread]) -> list[Spread]:
    """Each measured spread's variance moderated towards the pool's (one kind and figure, one
    design); unmeasured ones, and pools of fewer than MIN_POOL, unchanged.

    What is pooled is each series' variance relative to its sampling variance (`scale`; a
    series without one counts as a typical series of the pool): a series whose samples are
    noisier keeps a proportionally larger prior variance."""
    pool = [i for i, s in enumerate(spreads) if s.measured and s.df > 0]
    if len(pool) < MIN_POOL:
        return list(spreads)
    known = [w for i in pool if (w := spreads[i].scale)]
    typical = math.exp(sum(math.log(w) for w in known) / len(known)) if known else 1.0
    weight = {i: (spreads[i].scale or typical) / typical for i in pool}
    s0, d0 = prior([spreads[i].sd ** 2 / weight[i] for i in pool], [spreads[i].df for i in pool])
    total = sum(spreads[i].df for i in pool)  # limma's cap: the pool's own degrees of freedom
    out = list(spreads)
    for i in pool:
        s = spreads[i]
        if math.isinf(d0):
            var = s0 * weight[i]
        else:
            var = (d0 * s0 * weight[i] + s.df * s.sd**2) / (d0 + s.df)
        df = min(s.df + d0, total)
        out[i] = replace(s, sd=math.sqrt(var), df=df, prior_df=df - s.df)
    return out
