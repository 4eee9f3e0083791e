"""Budgets judged per phase window: latency percentiles, error rate, throughput, recovery time.

Every check names its profile, phase, endpoint and budget, so a failure reads as the sentence
a person needs: "spike phase 'baseline', GET /api/notes: p95 is 41.2ms, needs <= 20ms."
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from signoff import machine
from signoff.judge import intervals
from signoff.judge.intervals import Interval
from signoff.load import hdr
from signoff.load.analysis import (
    ALL,
    Cell,
    Result,
    Window,
    per_second_counts,
    per_second_percentiles,
)
from signoff.load.plan import Plan
from signoff.records import Check, Status, compare

LATENCY = (("p50_ms", "p50", 0.50), ("p95_ms", "p95", 0.95), ("p99_ms", "p99", 0.99))
ERROR_RATE = "error rate"


@dataclass(frozen=True)
class Judging:
    """How budgets are judged: the confidence of every interval, and how far a run's whole
    latency distribution may move between runs of one build (`[load] run_margin`), which
    no number of requests in one run averages away."""

    confidence: float = intervals.CONFIDENCE
    run_margin: float = 0.09


def phase_checks(
    plan: Plan, result: Result, min_samples: int, evidence: str, judging: Judging = Judging()
) -> dict[str, list[Check]]:
    """The checks of every phase that ran, by phase, each budget judged on its interval."""
    out: dict[str, list[Check]] = {}
    for window in result.windows:
        budget = plan.budget(window.phase)
        cells = result.cells.get(window.phase, {})
        label = f"{plan.profile} phase '{window.phase}'"
        checks: list[Check] = []
        for name in [ALL, *sorted(n for n in cells if n != ALL)]:
            cell = cells[name]
            if name != ALL and cell.count + cell.dropped < min_samples:
                continue  # judged inside the aggregate: too few requests for stable percentiles
            where = f"{label}, {'all endpoints' if name == ALL else name}"
            for check in _cell_checks(where, cell, budget, judging, evidence):
                # an endpoint whose figure meets a budget but whose requests are too few to
                # show it is judged inside the aggregate; one that (probably) missed it is named
                if name == ALL or check.status is not Status.INCONCLUSIVE or not _meets(check):
                    checks.append(check)
        if "min_rps" in budget:
            checks.append(_throughput(label, result, window, budget["min_rps"], judging, evidence))
        if ALL not in cells:
            checks.append(_nothing_sent(label, evidence))
        out[window.phase] = checks
    return out


def _cell_checks(
    where: str, cell: Cell, budget: dict[str, Any], judging: Judging, evidence: str
) -> list[Check]:
    """An endpoint's (or the aggregate's) latency and error-rate checks."""
    out: list[Check] = []
    for key, short, q in LATENCY:
        if key in budget:
            out.append(
                _latency(f"{where}: {short}", cell, q, float(budget[key]), judging, evidence)
            )
    if "error_rate" in budget:
        limit = float(budget["error_rate"])
        out.append(_errors(f"{where}: {ERROR_RATE}", cell, limit, judging, evidence))
    return out


def _meets(check: Check) -> bool:
    """Whether a check's point figure meets its threshold (its interval may not)."""
    figure, threshold = check.figure, check.threshold
    if not isinstance(figure, int | float) or not isinstance(threshold, int | float):
        return False
    return compare(figure, check.comparator, threshold)


def _latency(
    name: str, cell: Cell, q: float, limit: float, judging: Judging, evidence: str
) -> Check:
    """A percentile on its order-statistic interval, widened by the run margin."""

    def value_at(percentile: float) -> float:
        return hdr.percentile_ms(cell.histogram, percentile) or 0.0

    def resample(n: int) -> Interval:
        found = intervals.quantile_interval_at(value_at, n, q, judging.confidence)
        return intervals.with_run_margin(found, judging.run_margin)

    interval = resample(cell.count) if cell.count else None
    return intervals.judge_interval(
        name, interval, "<=", limit, "ms", evidence, resample, "requests"
    )


def _errors(name: str, cell: Cell, limit: float, judging: Judging, evidence: str) -> Check:
    """Failed and dropped requests of all sent, on their Clopper-Pearson interval."""
    sent = cell.count + cell.dropped
    rate = (cell.errors + cell.dropped) / sent if sent else 0.0

    def resample(n: int) -> Interval:
        return intervals.rate_interval(rate * n, n, judging.confidence)

    interval = resample(sent) if sent else None
    return intervals.judge_interval(name, interval, "<=", limit, "", evidence, resample, "requests")


def _throughput(
    label: str, result: Result, window: Window, limit: float, judging: Judging, evidence: str
) -> Check:
    """Requests a second over the phase, with the t interval of its per-second series."""
    name = f"{label}, all endpoints: throughput"
    cell = result.cells.get(window.phase, {}).get(ALL)
    if cell is None:
        return intervals.judge_interval(name, None, ">=", limit, " req/s", evidence)
    rps = round(cell.count / window.duration_s, 3)
    series = per_second_counts(result, window)
    sd = float(np.std(series, ddof=1)) if len(series) > 1 else math.inf

    def resample(n: int) -> Interval:
        half = intervals.spread_at(sd, n, judging.confidence) if n > 1 else math.inf
        return Interval(rps, rps - half, rps + half, n, judging.confidence)

    interval = resample(len(series))
    return intervals.judge_interval(
        name, interval, ">=", limit, " req/s", evidence, resample, "seconds"
    )


def _nothing_sent(label: str, evidence: str) -> Check:
    return Check(
        f"{label}: requests",
        Status.INCONCLUSIVE,
        0,
        1,
        ">=",
        "",
        f"{label} sent no requests.",
        evidence,
    )


def not_judged_when_busy(checks: list[Check], reason: str, share: float) -> list[Check]:
    """A phase on a busy machine (others took `share` of all cores): its failed latency and
    throughput budgets under the busy rule (`machine.excused`). Error rates stay judged:
    errors are not noise."""
    return [
        c if c.name.endswith(f": {ERROR_RATE}") else machine.excused(c, reason, share)
        for c in checks
    ]


def recovery_time(
    plan: Plan, result: Result, summaries: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    """Seconds from the start of the recovery phase until latency is back near the baseline."""
    spec = plan.recovery
    if spec is None:
        return {"recover_s": None, "reason": f"{plan.profile} declares no recovery"}
    phase, reference = spec.phase, spec.reference
    windows = {w.phase: w for w in result.windows}
    if phase not in windows or reference not in summaries:
        return {"recover_s": None, "reason": f"phase {phase!r} or {reference!r} did not run"}
    base_p95 = summaries[reference]["endpoints"].get(ALL, {}).get("p95_ms")
    if base_p95 is None:
        return {"recover_s": None, "reason": f"phase {reference!r} has no latency"}
    factor, floor = spec.factor, spec.floor_ms
    limit = max(base_p95 * factor, base_p95 + floor)
    hold = spec.hold_s
    window: Window = windows[phase]
    rows = [r for r in per_second_percentiles(result) if result.phase_of(r[0]) == phase]
    run = max(int(hold), 1)
    for index in range(len(rows) - run + 1):
        if all(r[2] <= limit for r in rows[index : index + run]):
            return {
                "recover_s": round(max(rows[index][0] - window.start, 0.0), 3),
                "limit_p95_ms": round(limit, 3),
                "baseline_p95_ms": base_p95,
            }
    return {
        "recover_s": round(window.duration_s, 3),
        "recovered": False,
        "limit_p95_ms": round(limit, 3),
        "baseline_p95_ms": base_p95,
    }


def breaking_point(
    plan: Plan, checks: dict[str, list[Check]], summaries: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    """The highest step below the first one that broke a budget, and the budget that broke."""
    users = {stage.phase: stage.users for stage in plan.stages}
    last_good: str | None = None
    for stage in plan.stages:
        phase = stage.phase
        if phase not in checks:
            break
        failed = [c for c in checks[phase] if c.status is not Status.PASS]
        if failed:
            first = failed[0]
            return {
                "step": last_good,
                "users": users.get(last_good, 0) if last_good else 0,
                "rps": _rps(summaries, last_good),
                "broke_at": phase,
                "broke_at_users": users[phase],
                "budget": first.name,
                "figure": first.figure,
                "threshold": first.threshold,
                "message": first.message,
            }
        last_good = phase
    return {
        "step": last_good,
        "users": users.get(last_good, 0) if last_good else 0,
        "rps": _rps(summaries, last_good),
        "broke_at": None,
        "message": "no step broke a budget: the highest step is a lower bound",
    }


def _rps(summaries: dict[str, dict[str, Any]], phase: str | None) -> float | None:
    if phase is None or phase not in summaries:
        return None
    value = summaries[phase]["endpoints"].get(ALL, {}).get("rps")
    return None if value is None else float(value)
