"""One load profile from plan to judged outcome: run Locust, gather the judged evidence
(`evidence.py`), assemble the figures, checks, artifacts and plots."""

from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from signoff.config import LoadSettings
from signoff.load import analysis, evidence, plots, repeat
from signoff.load.engine import Launch, LocustRun, run_locust
from signoff.load.evidence import Evidence
from signoff.load.plan import Plan
from signoff.load.scrape import window_figures
from signoff.machine import busy_figures
from signoff.records import Check
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
    drawing: threading.Thread | None = None  # its plots, still being drawn

    def finish(self) -> None:
        """Wait for the plots the artifacts name."""
        if self.drawing is not None:
            self.drawing.join()


def run_profile(
    plan: Plan,
    launch: Launch,
    settings: LoadSettings,
    run_dir: Path,
    folder: Path,
    payload: dict[str, Any],
    replays: bool = True,
    background: bool = False,
) -> Outcome:
    """Play the plan and judge it; with `replays`, an undecided phase is played again; with
    `background`, its plots are drawn in a thread (`Outcome.finish` waits for them)."""
    run = run_locust(plan, payload, folder, launch, settings)

    def play(single: Plan, n: int) -> LocustRun:
        again = folder / f"repeat-{single.phases[0]}-{n}"
        return run_locust(single, payload, again, launch, settings)

    metrics = launch.metrics or Metrics()
    return judge_run(plan, run, settings, run_dir, metrics, play if replays else None, background)


def judge_run(
    plan: Plan,
    run: LocustRun,
    settings: LoadSettings,
    run_dir: Path,
    metrics: Metrics,
    play: repeat.Play | None = None,
    background: bool = False,
) -> Outcome:
    """The run's evidence gathered and judged (an undecided phase played again by `play`),
    then assembled into the profile's outcome."""
    rel = _relative(run_dir)
    ev = evidence.gather(plan, run, settings, rel)
    played: dict[str, Any] = {}
    if play is not None:
        ev, played = repeat.replay(plan, ev, settings, play, rel)
    result, summaries = ev.result, ev.summaries
    ran = [w.phase for w in result.windows]
    figures = _figures(plan, run, ev, settings, metrics)
    checks, more = _checks(plan, run, ev, settings, rel)
    out = Outcome(
        plan.profile,
        checks=checks,
        figures={**figures, **more, "aborted": ev.aborted, "repeats": played},
        declared_phases=len(ran) if ev.broke else len(plan.stages),
        evaluated_phases=sum(
            1 for p in ran if summaries[p]["endpoints"].get("all", {}).get("count")
        ),
        requests=result.requests + sum(p["added_requests"] for p in played.values()),
        workers_seen=len(result.workers),
        samples=json.loads(ev.paths["samples"].read_text(encoding="utf-8")),
        throughput=json.loads(ev.paths["throughput"].read_text(encoding="utf-8")),
    )
    out.artifacts = _artifacts(plan.profile, run.folder, ev.paths, run, rel)
    for kind, path in plots.planned(result, run.folder).items():
        out.artifacts[f"{plan.profile}_{kind}_png"] = rel(path)
    args = (result, run.folder, plan.profile)
    if background:  # drawn while the next profile's generator starts; `finish` waits for it
        out.drawing = threading.Thread(target=plots.write_plots, args=args, daemon=True)
        out.drawing.start()
    else:
        plots.write_plots(*args)
    return out


def _checks(
    plan: Plan, run: LocustRun, ev: Evidence, settings: LoadSettings, rel: evidence.Relative
) -> tuple[list[Check], dict[str, Any]]:
    """The profile's checks in the order the record lists them, and the figures behind the
    breaking point, the recovery and the leak."""
    checks: list[Check] = []
    figures: dict[str, Any] = {}
    if plan.profile == "stress" or plan.stop_on_break:
        figures["breaking_point"], found = evidence.breaking_point(plan, ev)
        checks.append(found)
    else:
        checks.extend(c for phase in ev.by_phase.values() for c in phase)
    checks.extend(c for phase in ev.limit_checks.values() for c in phase)
    if plan.recovery:
        figures["recovery"], recovered = evidence.recovery(plan, ev)
        checks.extend([recovered] if recovered else [])
    if plan.leak_check:
        figures["leak"], grown = evidence.leak(plan, run, ev, settings)
        figures["leak_suspect"] = figures["leak"].get("suspect")
        checks.append(grown)
    ends = (evidence.early_stop(plan, ev), evidence.timed_out(plan, run, rel))
    checks.extend(c for c in ends if c is not None)
    return checks, figures


def _figures(
    plan: Plan, run: LocustRun, ev: Evidence, settings: LoadSettings, metrics: Metrics
) -> dict[str, Any]:
    """The profile's figures: per phase its endpoints, generators and machine, the senders and
    the server's own metrics."""
    result = ev.result
    phases: dict[str, Any] = {}
    for phase, summary in ev.summaries.items():
        limits = ev.limits[phase].figures if phase in ev.limits else {}
        busy = settings.busy_share_max  # the figures say why it was busy, as claims read them
        seen = {"machine": busy_figures(ev.machine[phase], busy)} if phase in ev.machine else {}
        phases[phase] = {**_compact(summary), **limits, **seen}
    return {
        "mode": plan.mode,
        "requests": result.requests,
        # answered in a second in which a phase began: sent, and judged in neither phase
        "requests between phases": result.between,
        "workers": settings.workers,
        "workers_seen": len(result.workers),
        "phases": phases,
        "senders": {
            name: {"requests": sum(w.sent.values()), "phases": w.sent}
            for name, w in sorted(result.senders.items())
        },
        "server": _server(run, result, metrics),
        "locust_returncode": run.returncode,
    }


def _relative(run_dir: Path) -> evidence.Relative:
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


def _artifacts(
    profile: str, folder: Path, paths: dict[str, Path], run: LocustRun, rel: evidence.Relative
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
