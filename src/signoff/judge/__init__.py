"""The regression judge: builds judged on repeated runs, and the environment check behind them."""

from __future__ import annotations

from signoff.judge.baseline import Comparison, Row, compare
from signoff.judge.stats import Change, Settings, Shift, judge

__all__ = ["Change", "Comparison", "Row", "Settings", "Shift", "compare", "judge"]
