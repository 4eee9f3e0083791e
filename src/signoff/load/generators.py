"""Who limited a phase: each load generator's CPU and requests, the service's CPU, lost workers.

A generator that used more than `[load] generator_cpu_max` of a core over a phase may have
limited that phase itself (slower sending, latencies inflated by its own queueing), so the phase
is INCONCLUSIVE and names it; a worker that stopped reporting during a phase leaves that phase
judged on incomplete evidence, which its record says. Beside them the service's CPU per request,
so a reader sees whether the generator or the service was the bottleneck.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from signoff.load.analysis import Result, Window
from signoff.load.cpu import Series, share
from signoff.records import Check, Status

# A worker heard from this long before a phase ended was alive to its end (chunks come every
# second, the last one as the worker stops).
LATE_S = 2.5
MASTER = "master"


@dataclass(frozen=True)
class PhaseLimits:
    """One phase's generator figures and what they mean for its verdict."""

    figures: dict[str, Any]
    saturated: dict[str, float]  # generator -> share of a core above the limit
    unmeasured: list[str]  # generators that sent requests but left no CPU readings
    lost: dict[str, float]  # worker -> seconds into the phase it was last heard from


def _core(series: Series, window: Window) -> tuple[float, float] | None:
    """(CPU seconds over the whole window, share of a core): readings that cover only part of
    the window (the first comes a second in) are taken at the rate they show."""
    found = share(series, window.start, window.end)
    if found is None:
        return None
    cpu_s, covered = found
    return cpu_s / covered * window.duration_s, cpu_s / covered


def _per_request(cpu_s: float, requests: int) -> float | None:
    return round(cpu_s * 1000.0 / requests, 4) if requests else None


def phase_limits(
    result: Result,
    master: Series | None,
    service: dict[str, Series],
    cpu_max: float,
    distributed: bool,
) -> dict[str, PhaseLimits]:
    """Per phase: CPU of every generator and service component, and who was lost or saturated."""
    out: dict[str, PhaseLimits] = {}
    for window in result.windows:
        total = sum(w.sent.get(window.phase, 0) for w in result.senders.values())
        generators: dict[str, dict[str, Any]] = {}
        saturated: dict[str, float] = {}
        unmeasured: list[str] = []
        lost: dict[str, float] = {}
        sources = {name: (w.cpu, w.sent.get(window.phase, 0)) for name, w in result.senders.items()}
        if master is not None:
            sources[MASTER] = (master, 0)
        for name, (series, sent) in sorted(sources.items()):
            used = _core(series, window)
            entry: dict[str, Any] = {"requests": sent}
            if used is None:
                if sent:
                    unmeasured.append(name)
            else:
                entry["cpu_core"] = round(used[1], 4)
                entry["cpu_ms_per_request"] = _per_request(
                    used[0], total if name == MASTER else sent
                )
                if used[1] > cpu_max:
                    saturated[name] = used[1]
            generators[name] = entry
        if distributed:
            for name, worker in result.senders.items():
                if worker.last_seen < window.end - LATE_S:
                    lost[name] = round(max(worker.last_seen - window.start, 0.0), 1)
        components: dict[str, Any] = {}
        for name, series in service.items():
            used = _core(series, window)
            if used is not None:
                components[name] = {
                    "cpu_core": round(used[1], 4),
                    "cpu_ms_per_request": _per_request(used[0], total),
                }
        figures: dict[str, Any] = {"generators": generators, "service": components}
        if lost:
            figures["lost_workers"] = lost
        out[window.phase] = PhaseLimits(figures, saturated, unmeasured, lost)
    return out


def checks(
    profile: str, limits: dict[str, PhaseLimits], cpu_max: float, evidence: str
) -> dict[str, list[Check]]:
    """Per phase: the generator CPU check and, in a distributed run, the workers' evidence."""
    out: dict[str, list[Check]] = {}
    for phase, limit in limits.items():
        label = f"{profile} phase '{phase}'"
        cores = [g["cpu_core"] for g in limit.figures["generators"].values() if "cpu_core" in g]
        busiest = max(cores, default=None)
        name = f"{label}: load generator CPU (busiest generator)"
        if limit.saturated:
            who, core = max(limit.saturated.items(), key=lambda item: item[1])
            message = (
                f"{label}: the load generator '{who}' used {core:.0%} of a core (limit "
                f"{cpu_max:.0%}): the generator, not the service, may have limited this phase, "
                "so its budgets are not judged."
            )
            status = Status.INCONCLUSIVE
        elif limit.unmeasured or busiest is None:
            who = ", ".join(limit.unmeasured) or "every generator"
            message = f"{label}: no CPU readings from {who}; the generator's load is unknown."
            status = Status.INCONCLUSIVE
        else:
            message, status = "", Status.PASS
        phase_checks = [
            Check(name, status, busiest, cpu_max, "<=", " of a core", message, evidence)
        ]
        if limit.lost:
            lost = ", ".join(f"'{w}' ({s:g} s in)" for w, s in sorted(limit.lost.items()))
            phase_checks.append(
                Check(
                    f"{label}: evidence from every worker",
                    Status.INCONCLUSIVE,
                    len(limit.lost),
                    0,
                    "<=",
                    " lost workers",
                    f"{label}: worker {lost} stopped reporting during the phase (lost); the "
                    "phase is judged on incomplete evidence.",
                    evidence,
                )
            )
        out[phase] = phase_checks
    return out


def not_judged(checks: list[Check], reason: str) -> list[Check]:
    """A saturated phase's failed budgets become INCONCLUSIVE: the failure may be the
    generator's. A budget met in spite of it stays met."""
    return [
        Check(**{**c.__dict__, "status": Status.INCONCLUSIVE, "message": f"{c.message} {reason}"})
        if c.status is Status.FAIL
        else c
        for c in checks
    ]
