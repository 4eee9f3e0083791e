"""Baseline comparison: builds judged on repeated runs, and the environment check behind them."""

from __future__ import annotations

from signoff.compare.baseline import Comparison, Row, compare
from signoff.compare.stats import Change, Settings, Shift, judge

__all__ = ["Change", "Comparison", "Row", "Settings", "Shift", "compare", "judge"]
