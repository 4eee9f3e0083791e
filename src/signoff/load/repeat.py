"""A phase its run left undecided, played again (`[load] repeats`) and judged on the requests of
every play together: more requests narrow the intervals until they clear the budget.

A phase is undecided when a latency or error-rate budget's interval straddles it; once a budget
has failed, nothing is played again. A phase that saturated the generator is not played again:
what it lacked was a generator, not requests. On a busy machine it is (a met budget stays met;
a failed one is excused as in any play). Each play is its phase's stage alone (its users and
spawn rate, from none), in `<profile>/repeat-<phase>-<n>/`; the throughput is the first play's,
as its per-second series is one play's. The stress profile, which stops at its breaking point,
is not repeated.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from signoff.config import LoadSettings
from signoff.load import analysis, budgets, evidence
from signoff.load.analysis import Cell, Result
from signoff.load.engine import LocustRun
from signoff.load.evidence import Evidence, Relative
from signoff.load.plan import Plan
from signoff.machine import Machine
from signoff.records import Check, Status

# plays phase `phase` once more (the n-th repeat) and returns its run
Play = Callable[[Plan, int], LocustRun]


def undecided(plan: Plan, ev: Evidence) -> list[str]:
    """The phases with a budget its interval left open, in the plan's order; none once any
    budget has failed, as no further play could turn the profile's verdict."""
    failed = any(c.status is Status.FAIL for checks in ev.by_phase.values() for c in checks)
    if plan.stop_on_break or ev.broke or ev.aborted or failed:
        return []
    return [
        phase
        for phase in plan.phases
        if phase not in ev.saturated and any(_open(c) for c in ev.by_phase.get(phase, []))
    ]


def _open(check: Check) -> bool:
    """A budget measured but undecided: more requests could decide it."""
    return (
        check.status is Status.INCONCLUSIVE
        and check.figure is not None
        and not check.name.endswith(": throughput")
    )


def phase_plan(plan: Plan, phase: str) -> Plan:
    """The plan that plays one phase of `plan` alone."""
    stages = [stage for stage in plan.stages if stage.phase == phase]
    return replace(plan, stages=stages, stop_on_break=False, leak_check=False, recovery=None)


def replay(
    plan: Plan, ev: Evidence, settings: LoadSettings, play: Play, rel: Relative
) -> tuple[Evidence, dict[str, Any]]:
    """`ev` with each undecided phase played again, up to `settings.repeats` times, and its
    budgets judged on every play's requests; and what was played, by phase."""
    played: dict[str, Any] = {}
    for phase in undecided(plan, ev) if settings.repeats else []:
        single = phase_plan(plan, phase)
        plays: list[Evidence] = []
        while len(plays) < settings.repeats:
            plays.append(evidence.gather(single, play(single, len(plays) + 1), settings, rel))
            ev = _pooled(plan, phase, ev, plays, settings)
            if phase not in undecided(plan, ev):
                break
        added = sum(_count(p.result, phase) for p in plays)
        played[phase] = {
            "plays": 1 + len(plays),
            "requests": _count(ev.result, phase) + added,
            "added_requests": added,
            "evidence": [p.evidence for p in plays],
        }
    return ev, played


def _count(result: Result, phase: str) -> int:
    cell = result.cells.get(phase, {}).get(analysis.ALL)
    return cell.count if cell is not None else 0


def _pooled(
    plan: Plan, phase: str, ev: Evidence, plays: list[Evidence], settings: LoadSettings
) -> Evidence:
    """`ev` with `phase` judged on its own and `plays`' requests, excused as the least fair of
    the plays would be."""
    window = next(w for w in ev.result.windows if w.phase == phase)
    names = {name for e in (ev, *plays) for name in e.result.cells.get(phase, {})}
    cells = {
        name: _merged([e.result.cells.get(phase, {}).get(name) for e in (ev, *plays)])
        for name in names
    }
    pooled = Result([window], {phase: cells}, ev.result.seconds, ev.result.workers)
    judging = budgets.Judging(settings.confidence, settings.run_margin)
    found = budgets.phase_checks(plan, pooled, settings.min_samples, ev.evidence, judging)[phase]
    first = {c.name: c for c in ev.by_phase.get(phase, []) if c.name.endswith(": throughput")}
    checks = [first.get(c.name, c) for c in found]
    limits = [e.limits[phase] for e in (ev, *plays) if phase in e.limits]
    saturated = [limit for limit in limits if limit.saturated]
    seen = [e.machine[phase] for e in (ev, *plays) if phase in e.machine]
    judged = evidence.excused(
        {phase: checks},
        {phase: (saturated or limits)[0]} if limits else {},
        {phase: max(seen, key=_share)} if seen else {},
        settings.busy_share_max,
    )
    return replace(ev, by_phase={**ev.by_phase, **judged})


def _share(seen: Machine) -> float:
    return float(seen.others_share + seen.steal_share)


def _merged(cells: list[Cell | None]) -> Cell:
    """One endpoint's requests over several plays of a phase."""
    out = Cell()
    for cell in cells:
        if cell is None:
            continue
        out.histogram.add(cell.histogram)
        out.errors += cell.errors
        out.dropped += cell.dropped
        out.intervals.extend(cell.intervals)
        out.samples.extend(cell.samples)
    return out
