"""Budgets judged per phase window: latency percentiles, error rate, throughput, recovery time.

Every check names its profile, phase, endpoint and budget, so a failure reads as the sentence
a person needs: "spike phase 'baseline', GET /api/notes: p95 is 41.2ms, needs <= 20ms."
"""

from __future__ import annotations

from typing import Any

from signoff.load.analysis import ALL, Result, Window, per_second_percentiles
from signoff.load.plan import Plan
from signoff.records import Check, Status, threshold_check

LATENCY = (("p50_ms", "p50"), ("p95_ms", "p95"), ("p99_ms", "p99"))


def phase_checks(
    plan: Plan, summaries: dict[str, dict[str, Any]], min_samples: int, evidence: str
) -> dict[str, list[Check]]:
    """The checks of every phase that ran, by phase."""
    out: dict[str, list[Check]] = {}
    for phase, summary in summaries.items():
        budget = plan.budget(phase)
        checks: list[Check] = []
        endpoints: dict[str, dict[str, Any]] = summary["endpoints"]
        aggregate = endpoints.get(ALL)
        for name in [ALL, *sorted(n for n in endpoints if n != ALL)]:
            figures = endpoints[name]
            if name != ALL and int(figures["count"]) + int(figures["dropped"]) < min_samples:
                continue  # judged inside the aggregate: too few requests for stable percentiles
            label = f"{plan.profile} phase '{phase}', {'all endpoints' if name == ALL else name}"
            for key, short in LATENCY:
                if key in budget:
                    value = figures.get(key)
                    checks.append(
                        threshold_check(
                            f"{label}: {short}", _round(value), "<=", budget[key], "ms", evidence
                        )
                    )
            if "error_rate" in budget:
                checks.append(
                    threshold_check(
                        f"{label}: error rate",
                        _round(figures.get("error_rate"), 5),
                        "<=",
                        budget["error_rate"],
                        "",
                        evidence,
                    )
                )
        if "min_rps" in budget:
            rps = aggregate["rps"] if aggregate else None
            checks.append(
                threshold_check(
                    f"{plan.profile} phase '{phase}', all endpoints: throughput",
                    _round(rps),
                    ">=",
                    budget["min_rps"],
                    " req/s",
                    evidence,
                )
            )
        if aggregate is None:
            checks.append(
                Check(
                    f"{plan.profile} phase '{phase}': requests",
                    Status.INCONCLUSIVE,
                    0,
                    1,
                    ">=",
                    "",
                    f"{plan.profile} phase '{phase}' sent no requests.",
                    evidence,
                )
            )
        out[phase] = checks
    return out


def _round(value: Any, digits: int = 3) -> float | None:
    return None if value is None else round(float(value), digits)


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
