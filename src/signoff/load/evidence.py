"""What one Locust run showed, judged: each phase's budget checks (a saturated generator and a
busy machine taken out of them), the generators' limits, the breaking point, the recovery, the
memory growth and an early stop. `profile.py` assembles this into the profile's outcome."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from signoff.config import LoadSettings
from signoff.load import analysis, budgets, generators
from signoff.load.engine import LocustRun
from signoff.load.generators import PhaseLimits
from signoff.load.plan import Plan
from signoff.load.scrape import leak_suspect
from signoff.machine import Machine, busy_reason
from signoff.records import Check, Status, threshold_check

Relative = Callable[[Path], str]  # a path as the record names it: relative to the run folder


@dataclass(frozen=True)
class Evidence:
    """A run analysed and judged phase by phase, before the profile's outcome is assembled.
    `evidence` is the phases file every check points to; `broke` an early stop that found the
    breaking point, `aborted` one that is a failure."""

    result: analysis.Result
    paths: dict[str, Path]
    summaries: dict[str, dict[str, Any]]
    evidence: str
    by_phase: dict[str, list[Check]]
    limits: dict[str, PhaseLimits]
    limit_checks: dict[str, list[Check]]
    machine: dict[str, Machine]
    broke: dict[str, Any] | None
    aborted: dict[str, Any] | None

    @property
    def saturated(self) -> set[str]:
        return {phase for phase, limit in self.limits.items() if limit.saturated}


def gather(plan: Plan, run: LocustRun, settings: LoadSettings, rel: Relative) -> Evidence:
    """Analyse the run's chunks into phases, write their artifacts and judge every phase."""
    last = max((int(c["second"]) + 1 for c in run.chunks), default=None)
    windows = analysis.read_windows(
        run.folder / "phases.json", float(last) if last else run.finished
    )
    result = analysis.analyse(run.chunks, windows)
    summaries = analysis.phase_summaries(result)
    prefix, cap = f"{plan.profile}/", settings.samples_cap
    paths = analysis.write_artifacts(result, run.folder, prefix, cap, summaries)
    evidence = rel(paths["phases"])
    judging = budgets.Judging(settings.confidence, settings.run_margin)
    by_phase = budgets.phase_checks(plan, result, settings.min_samples, evidence, judging)
    cpu_max = settings.generator_cpu_max
    limits = generators.phase_limits(
        result, run.master_cpu, run.service_cpu, cpu_max, run.expected_workers > 0
    )
    machine = _machine(run, result)
    broke, aborted = _stops(plan, run)
    return Evidence(
        result=result,
        paths=paths,
        summaries=summaries,
        evidence=evidence,
        by_phase=excused(by_phase, limits, machine, settings.busy_share_max),
        limits=limits,
        limit_checks=generators.checks(plan.profile, limits, cpu_max, evidence),
        machine=machine,
        broke=broke,
        aborted=aborted,
    )


def _stops(plan: Plan, run: LocustRun) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """(broke, aborted): in a stress run any early stop is the breaking point being found, not
    a failure."""
    abort = run.abort
    broke = abort if abort and (plan.stop_on_break or abort.get("kind") == "break") else None
    return broke, abort if abort and broke is None else None


def _machine(run: LocustRun, result: analysis.Result) -> dict[str, Machine]:
    """How busy the machine was in each phase (phases without two readings left out)."""
    found = {w.phase: run.machine.figures(w.start, w.end) for w in result.windows if run.machine}
    return {phase: seen for phase, seen in found.items() if seen is not None}


def excused(
    by_phase: dict[str, list[Check]],
    limits: dict[str, PhaseLimits],
    machine: dict[str, Machine],
    max_share: float,
) -> dict[str, list[Check]]:
    """The phases' checks with what is not the build's doing taken out: a phase that saturated
    the generator is not judged, a busy machine's failed timings are INCONCLUSIVE naming it."""
    out = dict(by_phase)
    for phase in {p for p, limit in limits.items() if limit.saturated}:
        out[phase] = generators.not_judged(
            out.get(phase, []), "(The load generator was saturated in this phase.)"
        )
    for phase, seen in machine.items():
        reason = busy_reason(seen, max_share)
        if reason is not None:
            share = seen.others_share + seen.steal_share
            out[phase] = budgets.not_judged_when_busy(out.get(phase, []), reason, share)
    return out


def breaking_point(plan: Plan, ev: Evidence) -> tuple[dict[str, Any], Check]:
    """The stress run's breaking point and its check against the users it must reach."""
    point = budgets.breaking_point(plan, ev.by_phase, ev.summaries)
    found = threshold_check(
        f"{plan.profile}: users at the breaking point",
        float(point["users"]),
        ">=",
        float(plan.min_breaking_users),
        " users",
        ev.evidence,
    )
    if point.get("broke_at") in ev.saturated:
        found = generators.not_judged([found], "(The step that broke saturated the generator.)")[0]
    return point, found


def recovery(plan: Plan, ev: Evidence) -> tuple[dict[str, Any], Check | None]:
    """The time to recover to baseline latency, checked when its phase has a `recover_s`."""
    assert plan.recovery is not None
    found = budgets.recovery_time(plan, ev.result, ev.summaries)
    limit = plan.budget(plan.recovery.phase).get("recover_s")
    if limit is None:
        return found, None
    return found, threshold_check(
        f"{plan.profile} phase '{plan.recovery.phase}': time to recover to baseline latency",
        found.get("recover_s"),
        "<=",
        limit,
        " s",
        ev.evidence,
    )


def leak(
    plan: Plan, run: LocustRun, ev: Evidence, settings: LoadSettings
) -> tuple[dict[str, Any], Check]:
    """The service's memory growth after the warm-up (the first phase: pools, caches filling)
    and whether it looks like a leak; too few readings leave it INCONCLUSIVE."""
    after = ev.result.windows[1].start if len(ev.result.windows) > 1 else 0.0
    rss = [(t, v) for t, v in run.scraper.rss if t >= after]
    found = leak_suspect(rss, settings.leak.min_mb_per_min, settings.leak.min_r2)
    suspect = found.get("suspect")
    status = Status.INCONCLUSIVE
    if suspect is not None:
        status = Status.FAIL if suspect else Status.PASS
    return found, Check(
        f"{plan.profile}: service memory growth (leak suspect)",
        status,
        found.get("mb_per_min"),
        settings.leak.min_mb_per_min,
        "<",
        " MB/min",
        "" if status is Status.PASS else f"{plan.profile}: service RSS {found}.",
        ev.evidence,
    )


def early_stop(plan: Plan, ev: Evidence) -> Check | None:
    """A run stopped because a budget broke clearly (`abort_on_fail`) fails, unless the
    generator was saturated in that phase."""
    aborted = ev.aborted
    if not aborted:
        return None
    stop = Check(
        f"{plan.profile}: run stopped early (abort_on_fail)",
        Status.FAIL,
        aborted.get("figure"),
        aborted.get("threshold"),
        "<=",
        "",
        f"{plan.profile} phase '{aborted.get('phase')}' broke its {aborted.get('budget')} "
        f"budget clearly ({aborted.get('figure'):.4g} against {aborted.get('threshold'):g} "
        f"x{aborted.get('factor')}); the run was stopped.",
        ev.evidence,
    )
    if aborted.get("phase") in ev.saturated:
        stop = generators.not_judged([stop], "(The load generator was saturated.)")[0]
    return stop


def timed_out(plan: Plan, run: LocustRun, rel: Relative) -> Check | None:
    if not run.timed_out:
        return None
    return Check(
        f"{plan.profile}: Locust run",
        Status.INCONCLUSIVE,
        None,
        None,
        "",
        "",
        f"{plan.profile}: Locust did not finish in time; see its log.",
        rel(run.logs[0]) if run.logs else "",
    )
