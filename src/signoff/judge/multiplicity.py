"""How many series judged at once widen each one's interval: the level of the one interval a
look prints and decides on.

`fdr` (Benjamini-Hochberg): with R of the K series' p-values at or below their BH thresholds,
every series' interval is at level 1 - alpha·max(R, 1)/K, so a series is flagged exactly when
BH rejects it, and the printed intervals are Benjamini and Yekutieli's false-coverage-rate
intervals (2005). It controls the expected share of false flags among the flags (FDR) at
alpha, for independent or positively dependent series; when no series changed, every flag is
false and that share is the chance of any flag, so an unchanged build is still flagged with
probability at most alpha. With no flag (an A/A) it is Bonferroni's level; each further flag
widens the level by one step. `bonferroni`: 1 - alpha/K for every series, which bounds the
chance of any false flag whatever changed; `none`: 1 - alpha for each series alone.
"""

from __future__ import annotations

from collections.abc import Sequence

RULES = ("fdr", "bonferroni", "none")


def rejections(pvalues: Sequence[float], alpha: float) -> int:
    """Benjamini-Hochberg step-up: the largest i with the i-th smallest p-value ≤ i·alpha/K."""
    ordered = sorted(pvalues)
    k = len(ordered)
    return max((i for i, p in enumerate(ordered, 1) if p <= i * alpha / k), default=0)


def interval_alpha(pvalues: Sequence[float], alpha: float, rule: str) -> float:
    """The alpha of the two-sided interval every series of one look is judged on."""
    if rule not in RULES:
        raise ValueError(f"unknown multiplicity rule {rule!r}")
    k = len(pvalues)
    if rule == "none" or k <= 1:
        return alpha
    if rule == "bonferroni":
        return alpha / k
    return alpha * max(rejections(pvalues, alpha), 1) / k
