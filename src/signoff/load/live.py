"""Live judgement on the Locust master: per-phase aggregates for `abort_on_fail` and stress steps.

The master (or the single process of a standalone run) sees every chunk; it adds each into its
phase's aggregate so the shape can stop a run whose budget is clearly broken, or stop a stress
run after the first step that broke a budget.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hdrh.histogram import HdrHistogram

from signoff.config import LoadSettings
from signoff.load import hdr
from signoff.load.recorder import Chunk


@dataclass
class PhaseTotals:
    histogram: HdrHistogram = field(default_factory=hdr.new)
    errors: int = 0
    dropped: int = 0

    @property
    def count(self) -> int:
        return int(self.histogram.get_total_count())

    @property
    def error_rate(self) -> float:
        sent = self.count + self.dropped
        return (self.errors + self.dropped) / sent if sent else 0.0


class PhaseClock:
    """When each phase began (epoch seconds), written to `phases.json` as it changes."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.starts: list[tuple[float, str]] = []
        self.end: float | None = None

    def enter(self, phase: str, now: float | None = None) -> bool:
        if self.starts and self.starts[-1][1] == phase:
            return False
        self.starts.append((now if now is not None else time.time(), phase))
        self._write()
        return True

    def close(self, now: float | None = None) -> None:
        if self.starts and self.end is None:
            self.end = now if now is not None else time.time()
            self._write()

    def phase_at(self, second: float) -> str | None:
        # A one-second interval belongs to the phase that held at its middle.
        middle = second + 0.5
        found: str | None = None
        for start, name in self.starts:
            if start <= middle:
                found = name
        return found

    def _write(self) -> None:
        if self.path is None:
            return
        data = {"phases": [{"phase": n, "start": s} for s, n in self.starts], "end": self.end}
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data), encoding="utf-8")
        tmp.replace(self.path)


class LiveJudge:
    """Keeps per-phase totals and decides whether a budget is broken."""

    def __init__(self, plan: dict[str, Any], settings: LoadSettings, clock: PhaseClock) -> None:
        self.plan = plan
        self.settings = settings
        self.clock = clock
        self.totals: dict[str, PhaseTotals] = {}
        self.abort: dict[str, Any] | None = None

    def add(self, chunk: Chunk) -> None:
        phase = self.clock.phase_at(float(chunk["second"]))
        if phase is None:
            return
        totals = self.totals.setdefault(phase, PhaseTotals())
        for data in chunk["endpoints"].values():
            hdr.add_encoded(totals.histogram, data["hist"])
            totals.errors += int(data["errors"])
        totals.dropped += sum(int(n) for n in chunk.get("dropped", {}).values())
        if self.settings.abort_on_fail and self.abort is None:
            self.abort = self.clearly_broken(phase, totals)

    def budget(self, phase: str) -> dict[str, float]:
        budgets: dict[str, dict[str, float]] = self.plan["budgets"]
        if phase in budgets:
            return budgets[phase]
        return budgets.get(phase.rsplit("-", 1)[0], {})

    def clearly_broken(self, phase: str, totals: PhaseTotals) -> dict[str, Any] | None:
        if totals.count < self.settings.abort_min_requests:
            return None
        return self._broken(phase, totals, self.settings.abort_factor)

    def step_broken(self, phase: str, duration_s: float) -> dict[str, Any] | None:
        """A finished phase judged on its aggregate against its budget (factor 1)."""
        totals = self.totals.get(phase)
        if totals is None or totals.count == 0:
            return {"phase": phase, "budget": "requests", "figure": 0, "threshold": 1}
        broken = self._broken(phase, totals, 1.0)
        if broken is None and "min_rps" in self.budget(phase) and duration_s > 0:
            rps = totals.count / duration_s
            if rps < self.budget(phase)["min_rps"]:
                broken = {
                    "phase": phase,
                    "budget": "min_rps",
                    "figure": rps,
                    "threshold": self.budget(phase)["min_rps"],
                }
        return broken

    def _broken(self, phase: str, totals: PhaseTotals, factor: float) -> dict[str, Any] | None:
        budget = self.budget(phase)
        for key, pct in (("p50_ms", 50.0), ("p95_ms", 95.0), ("p99_ms", 99.0)):
            figure = hdr.percentile_ms(totals.histogram, pct)
            if key in budget and figure is not None and figure > factor * budget[key]:
                return {
                    "phase": phase,
                    "budget": key,
                    "figure": figure,
                    "threshold": budget[key],
                    "factor": factor,
                }
        if "error_rate" in budget and totals.error_rate > factor * budget["error_rate"]:
            return {
                "phase": phase,
                "budget": "error_rate",
                "figure": totals.error_rate,
                "threshold": budget["error_rate"],
                "factor": factor,
            }
        return None
