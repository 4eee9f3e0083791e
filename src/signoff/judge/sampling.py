"""How precisely one run measured a figure, from that run's own samples: the variance of the
log of its percentile, read from the ranks around it (distribution-free).

The n samples' q-quantile sits at rank q·n, and the rank of the true quantile among them
scatters by √(n·q·(1-q)) (binomial). The log values one such spread below and above the
quantile's rank are therefore about two standard errors of the log figure apart. A series with
a longer tail or fewer requests has a larger one, and its figure moves more between runs for
that reason alone; pooling series' noise in proportion to it keeps such a series' interval as
wide as its own samples make it (`signoff.judge.spread`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

QUANTILES = {"p50": 0.50, "p90": 0.90, "p95": 0.95, "p99": 0.99}


def log_variance(values: Sequence[float], figure: str) -> float | None:
    """The sampling variance of the log of one run's figure; None where it cannot be read
    (the minimum, non-positive values, a quantile too near the last sample)."""
    data = np.sort(np.asarray(values, dtype=float))
    n = len(data)
    if n < 2 or data[0] <= 0:
        return None
    if figure == "mean":
        mean = float(data.mean())
        return float(data.var(ddof=1)) / n / mean**2
    q = QUANTILES.get(figure)
    if q is None:
        return None
    spread = math.sqrt(n * q * (1 - q))
    low = math.floor(q * (n - 1) - spread)
    high = math.ceil(q * (n - 1) + spread)
    if low < 0 or high > n - 1 or high <= low:
        return None
    se = (math.log(data[high]) - math.log(data[low])) / 2 * (2 * spread / (high - low))
    return se**2


def per_run_variance(
    runs: Sequence[Sequence[float]], figure: str, needed: int
) -> list[float | None]:
    """Each run's sampling variance of its log figure (None: too few samples, or unreadable)."""
    return [log_variance(samples, figure) if len(samples) >= needed else None for samples in runs]
