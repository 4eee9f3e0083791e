"""Baseline comparison: statistical shifts of samples and the environment check behind them."""

from __future__ import annotations

from signoff.compare.baseline import Comparison, Row, compare
from signoff.compare.stats import Change, Settings, Shift, judge_shift

__all__ = ["Change", "Comparison", "Row", "Settings", "Shift", "compare", "judge_shift"]
