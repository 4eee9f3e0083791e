"""One load profile from plan to judged outcome: run, analyse, judge, plot, keep the evidence."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from signoff.config import LoadLeak, LoadSettings
from signoff.load import analysis, budgets, generators, plots
from signoff.load.engine import Launch, LocustRun, run_locust
from signoff.load.plan import Plan
from signoff.load.scrape import leak_suspect, window_figures
from signoff.machine import Machine, busy_reason
from signoff.records import Check, Status, threshold_check
from signoff.target import Metrics


@dataclass
class Outcome:
    """A profile's checks, figures and artifacts, and how many phases it meant and managed."""

    profile: str
    checks: list[Check] = field(default_factory=list)
    figures: dict[str, Any] = field(default_factory=dict)
    artifacts: dict[str, str] = field(default_factory=dict)
    declared_phases: int = 0
    evaluated_phases: int = 0
    requests: int = 0
    workers_seen: int = 0
    samples: dict[str, list[float]] = field(default_factory=dict)
    throughput: dict[str, list[float]] = field(default_factory=dict)


def run_profile(
    plan: Plan,
    launch: Launch,
    settings: LoadSettings,
    run_dir: Path,
    folder: Path,
    payload: dict[str, Any],
) -> Outcome:
    run = run_locust(plan, payload, folder, launch, settings)
    return judge_run(plan, run, settings, run_dir, launch.metrics or Metrics())


def judge_run(
    plan: Plan, run: LocustRun, settings: LoadSettings, run_dir: Path, metrics: Metrics
) -> Outcome:
    folder = run.folder
    rel = _relative(run_dir)
    last = max((int(c["second"]) + 1 for c in run.chunks), default=None)
    windows = analysis.read_windows(folder / "phases.json", float(last) if last else run.finished)
    result = analysis.analyse(run.chunks, windows)
    paths = analysis.write_artifacts(result, folder, f"{plan.profile}/", settings.samples_cap)
    summaries = analysis.phase_summaries(result)
    evidence = rel(paths["phases"])
    judging = budgets.Judging(settings.confidence, settings.run_margin)
    by_phase = budgets.phase_checks(plan, result, settings.min_samples, evidence, judging)
    cpu_max = settings.generator_cpu_max
    limits = generators.phase_limits(
        result, run.master_cpu, run.service_cpu, cpu_max, run.expected_workers > 0
    )
    limit_checks = generators.checks(plan.profile, limits, cpu_max, evidence)
    saturated = {p for p, limit in limits.items() if limit.saturated}
    for phase in saturated:
        by_phase[phase] = generators.not_judged(
            by_phase.get(phase, []), "(The load generator was saturated in this phase.)"
        )
    machine = _machine(run, result)
    by_phase.update(_busy(by_phase, machine, settings.busy_share_max))
    out = Outcome(plan.profile, requests=result.requests, workers_seen=len(result.workers))
    out.samples = json.loads(paths["samples"].read_text(encoding="utf-8"))
    out.throughput = json.loads(paths["throughput"].read_text(encoding="utf-8"))
    # In a stress run any early stop is the breaking point being found, not a failure.
    broke = (
        run.abort
        if run.abort and (plan.stop_on_break or run.abort.get("kind") == "break")
        else None
    )
    aborted = run.abort if run.abort and broke is None else None
    ran = [w.phase for w in result.windows]
    out.declared_phases = len(ran) if broke else len(plan.stages)
    out.evaluated_phases = sum(
        1 for p in ran if summaries[p]["endpoints"].get("all", {}).get("count")
    )
    figures: dict[str, Any] = {
        "mode": plan.mode,
        "requests": result.requests,
        "workers": settings.workers,
        "workers_seen": len(result.workers),
        "phases": {
            p: {**_compact(s), **limits[p].figures} if p in limits else _compact(s)
            for p, s in summaries.items()
        },
        "senders": {
            name: {"requests": sum(w.sent.values()), "phases": w.sent}
            for name, w in sorted(result.senders.items())
        },
        "server": _server(run, result, metrics),
        "locust_returncode": run.returncode,
    }
    for phase, seen in machine.items():
        figures["phases"][phase]["machine"] = seen.to_json()
    if plan.profile == "stress" or plan.stop_on_break:
        point = budgets.breaking_point(plan, by_phase, summaries)
        figures["breaking_point"] = point
        found = threshold_check(
            f"{plan.profile}: users at the breaking point",
            float(point["users"]),
            ">=",
            float(plan.min_breaking_users),
            " users",
            evidence,
        )
        if point.get("broke_at") in saturated:
            found = generators.not_judged(
                [found], "(The step that broke saturated the generator.)"
            )[0]
        out.checks.append(found)
    else:
        out.checks.extend(c for checks in by_phase.values() for c in checks)
    out.checks.extend(c for checks in limit_checks.values() for c in checks)
    if plan.recovery:
        recovery = budgets.recovery_time(plan, result, summaries)
        figures["recovery"] = recovery
        limit = plan.budget(plan.recovery.phase).get("recover_s")
        if limit is not None:
            out.checks.append(
                threshold_check(
                    f"{plan.profile} phase '{plan.recovery.phase}': time to recover to "
                    "baseline latency",
                    recovery.get("recover_s"),
                    "<=",
                    limit,
                    " s",
                    evidence,
                )
            )
    if plan.leak_check:
        leak = _leak(run, result, settings.leak)
        figures["leak"] = leak
        figures["leak_suspect"] = leak.get("suspect")
        suspect = leak.get("suspect")
        status = Status.INCONCLUSIVE
        if suspect is not None:
            status = Status.FAIL if suspect else Status.PASS
        out.checks.append(
            Check(
                f"{plan.profile}: service memory growth (leak suspect)",
                status,
                leak.get("mb_per_min"),
                settings.leak.min_mb_per_min,
                "<",
                " MB/min",
                "" if status is Status.PASS else f"{plan.profile}: service RSS {leak}.",
                evidence,
            )
        )
    if aborted:
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
            evidence,
        )
        if aborted.get("phase") in saturated:
            stop = generators.not_judged([stop], "(The load generator was saturated.)")[0]
        out.checks.append(stop)
    if run.timed_out:
        out.checks.append(
            Check(
                f"{plan.profile}: Locust run",
                Status.INCONCLUSIVE,
                None,
                None,
                "",
                "",
                f"{plan.profile}: Locust did not finish in time; see its log.",
                rel(run.logs[0]) if run.logs else "",
            )
        )
    figures["aborted"] = aborted
    out.figures = figures
    out.artifacts = _artifacts(plan.profile, folder, paths, run, rel)
    for kind, path in plots.write_plots(result, folder, plan.profile).items():
        out.artifacts[f"{plan.profile}_{kind}_png"] = rel(path)
    return out


def _machine(run: LocustRun, result: analysis.Result) -> dict[str, Machine]:
    """How busy the machine was in each phase (phases without two readings left out)."""
    found = {w.phase: run.machine.figures(w.start, w.end) for w in result.windows if run.machine}
    return {phase: seen for phase, seen in found.items() if seen is not None}


def _busy(
    by_phase: dict[str, list[Check]], machine: dict[str, Machine], max_share: float
) -> dict[str, list[Check]]:
    """The checks of the phases run on a busy machine, its failed timings not judged."""
    out: dict[str, list[Check]] = {}
    for phase, seen in machine.items():
        reason = busy_reason(seen, max_share)
        if reason is not None:
            share = seen.others_share + seen.steal_share
            out[phase] = budgets.not_judged_when_busy(by_phase.get(phase, []), reason, share)
    return out


def _relative(run_dir: Path) -> Any:
    return lambda path: os.path.relpath(path, run_dir)


def _compact(summary: dict[str, Any]) -> dict[str, Any]:
    return {"duration_s": summary["duration_s"], "endpoints": summary["endpoints"]}


def _server(run: LocustRun, result: analysis.Result, metrics: Metrics) -> dict[str, Any]:
    samples = run.scraper.samples
    out: dict[str, Any] = {"rss_samples": len(run.scraper.rss)}
    if run.scraper.url:
        out.update({"scrape_failures": run.scraper.failures, "scrapes": len(samples)})
        if result.windows:
            first, last = result.windows[0], result.windows[-1]
            out["run"] = window_figures(samples, first.start, last.end, metrics)
        out["phases"] = {
            w.phase: window_figures(samples, w.start, w.end, metrics) for w in result.windows
        }
    series = [{"t": s.t, **s.values} for s in samples]
    (run.folder / "server-metrics.json").write_text(
        json.dumps({"samples": series, "rss": run.scraper.rss}), encoding="utf-8"
    )
    return out


def _leak(run: LocustRun, result: analysis.Result, leak: LoadLeak) -> dict[str, Any]:
    # The first window is warm-up (pools, caches filling); growth is judged after it.
    after = result.windows[1].start if len(result.windows) > 1 else 0.0
    rss = [(t, v) for t, v in run.scraper.rss if t >= after]
    return leak_suspect(rss, leak.min_mb_per_min, leak.min_r2)


def _artifacts(
    profile: str, folder: Path, paths: dict[str, Path], run: LocustRun, rel: Any
) -> dict[str, str]:
    found = {
        f"{profile}_phases_json": paths["phases"],
        f"{profile}_samples_json": paths["samples"],
        f"{profile}_throughput_json": paths["throughput"],
        f"{profile}_hdr_logs": folder / "hdr",
        f"{profile}_locust_history_csv": folder / "locust_stats_history.csv",
        f"{profile}_locust_stats_csv": folder / "locust_stats.csv",
        f"{profile}_server_metrics_json": folder / "server-metrics.json",
        f"{profile}_locust_log": run.logs[0] if run.logs else folder / "locust.log",
    }
    return {key: rel(path) for key, path in found.items() if path.exists()}
