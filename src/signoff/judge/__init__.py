"""The regression judge: builds judged on repeated runs, and the environment check behind them."""

from __future__ import annotations

from signoff.judge.baseline import Comparison, Judgement, compare
from signoff.judge.rows import Row
from signoff.judge.stats import Change, Settings, Shift, judge

__all__ = ["Change", "Comparison", "Judgement", "Row", "Settings", "Shift", "compare", "judge"]
