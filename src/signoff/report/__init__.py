"""The sign-off report: read a run's records, judge them, render the verdicts."""

from __future__ import annotations

from signoff.report.model import RunResult, collect

__all__ = ["RunResult", "collect"]
