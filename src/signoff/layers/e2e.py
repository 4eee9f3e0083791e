"""The e2e layer: browser journeys in a real Chromium, with retries that never hide flakiness.

A journey that fails and then passes on a rerun (pytest-rerunfailures) is FLAKY, not PASS: the
record's `journeys` figure says so, and the "flaky journeys" check fails the layer when
`fail_on_flaky` is set. Traces, screenshots and console logs of failed attempts (written by
e2e/conftest.py) are linked from the record. This module is also the pytest plugin (loaded
with `-p signoff.layers.e2e`) that logs every attempt of every journey.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from signoff import browser
from signoff.config import E2eSettings
from signoff.layers import Layer, LayerContext
from signoff.layers.pytest_layer import relative, run_pytest_layer
from signoff.machine import Machine, MachineSampler, busy_figures, judged_busy
from signoff.records import Check, Evidence, Status, flaky_check, threshold_check

__all__ = ["JOURNEYS_ENV", "LAYER", "JourneyLog", "outcomes", "work"]

JOURNEYS_ENV = "SIGNOFF_E2E_JOURNEYS"
EVIDENCE = ("*.zip", "*.png", "*.log")


class JourneyLog:
    """Every attempt's outcome per journey, written as JSON when the session ends."""

    def __init__(self, target: Path) -> None:
        self.target = target
        self.attempts: dict[str, list[str]] = {}

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        attempts = self.attempts.setdefault(report.nodeid, [])
        outcome: str = report.outcome  # pytest-rerunfailures adds "rerun" to pytest's three
        if outcome == "rerun":
            attempts.append("failed")
        elif report.when == "call":
            attempts.append(report.outcome)
        elif report.when == "setup" and not report.passed:
            attempts.append("skipped" if report.skipped else "error")
        elif report.when == "teardown" and report.failed and attempts:
            attempts[-1] = "failed"

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        self.target.parent.mkdir(parents=True, exist_ok=True)
        self.target.write_text(json.dumps(self.attempts, indent=2) + "\n", encoding="utf-8")


def pytest_configure(config: pytest.Config) -> None:
    target = os.environ.get(JOURNEYS_ENV)
    if target:
        config.pluginmanager.register(JourneyLog(Path(target)), "signoff-e2e-journeys")


def outcomes(attempts: dict[str, list[str]]) -> dict[str, str]:
    """PASS (first try), FLAKY (passed only on a rerun), FAIL, or SKIPPED, per journey."""
    verdicts: dict[str, str] = {}
    for node, tries in attempts.items():
        if not tries:
            continue
        if tries[-1] == "passed":
            verdicts[node] = "PASS" if len(tries) == 1 else "FLAKY"
        elif tries[-1] == "skipped":
            verdicts[node] = "SKIPPED"
        else:
            verdicts[node] = "FAIL"
    return verdicts


def _evidence(run_dir: Path, folder: Path) -> dict[str, str]:
    found: dict[str, str] = {}
    failures = folder / "failures"
    for pattern in EVIDENCE:
        for path in sorted(failures.glob(f"*/*/{pattern}")):
            key = "/".join(path.relative_to(failures).parts)
            found[f"failure:{key}"] = relative(run_dir, path)
    return found


def work(ctx: LayerContext) -> Evidence:
    """A declared layer of kind `playwright`: its `paths` hold the journeys."""
    settings = ctx.config.e2e
    spec = ctx.spec
    assert spec is not None
    # No browser: one sentence and an INCONCLUSIVE record, never skipped journeys.
    managed = browser.managed_path() if settings.use_playwright_browser else None
    found = browser.from_settings(settings, managed)
    journeys_file = ctx.folder / "journeys.json"
    journeys_file.unlink(missing_ok=True)
    shutil.rmtree(ctx.folder / "failures", ignore_errors=True)  # evidence of this run only
    extra = ["-p", "signoff.layers.e2e", f"--reruns={settings.retries}", *spec.args]
    began = time.perf_counter()
    with MachineSampler([os.getpid()]) as sampler:  # the suite, its stack and browser are ours
        base = run_pytest_layer(
            ctx,
            ctx.name,
            list(spec.paths),
            extra=extra,
            env={**spec.env, JOURNEYS_ENV: str(journeys_file)},
            coverage=spec.coverage,
        )
    wall_s = round(time.perf_counter() - began, 2)
    print(f"Journey suite wall time: {wall_s:.1f} s (budget {settings.budget_s:g} s)")
    try:
        verdicts = outcomes(json.loads(journeys_file.read_text(encoding="utf-8")))
    except (OSError, ValueError):
        verdicts = {}
    wall = _wall_time(wall_s, sampler.figures(), settings)
    return _journeys(ctx, Evidence.of(base), verdicts, wall, found.describe())


def _journeys(
    ctx: LayerContext,
    base: Evidence,
    verdicts: dict[str, str],
    wall: tuple[Check, dict[str, Any]],
    used: str,
) -> Evidence:
    """The suite's evidence with each journey's verdict, the flaky ones and the wall time."""
    settings = ctx.config.e2e
    journeys_file = ctx.folder / "journeys.json"
    flaky = sorted(node for node, verdict in verdicts.items() if verdict == "FLAKY")
    evidence = relative(ctx.run_dir, journeys_file)
    checks = [
        *base.checks,
        _flaky_check(flaky, verdicts, settings.fail_on_flaky, evidence),
        wall[0],
    ]
    counts = {v: sum(1 for x in verdicts.values() if x == v) for v in ("PASS", "FLAKY", "FAIL")}
    artifacts = {**base.artifacts, **_evidence(ctx.run_dir, ctx.folder)}
    if journeys_file.exists():
        artifacts["journeys"] = evidence
    return replace(
        base,
        summary=f"{counts['PASS']} passed, {counts['FLAKY']} flaky, {counts['FAIL']} failed "
        f"of {len(verdicts)} journeys in {wall[1]['wall_time_s']:.1f} s ({used})",
        figures={**base.figures, "journeys": verdicts, **wall[1], **counts},
        checks=checks,
        artifacts=artifacts,
        tools={**base.tools, "browser": used, **_versions()},
    )


def _wall_time(
    wall_s: float, seen: Machine | None, settings: E2eSettings
) -> tuple[Check, dict[str, Any]]:
    """The suite's wall time against its budget under the busy rule, and the figures kept:
    the time and the machine while it ran."""
    check = threshold_check("journey suite wall time", wall_s, "<=", settings.budget_s, " s")
    figures = {"wall_time_s": wall_s, "machine": busy_figures(seen, settings.busy_share_max)}
    return judged_busy(check, seen, settings.busy_share_max), figures


def _flaky_check(
    flaky: list[str], verdicts: dict[str, str], fail_on_flaky: bool, evidence: str
) -> Check:
    if not verdicts:
        return Check(
            "flaky journeys",
            Status.INCONCLUSIVE,
            None,
            0,
            "==",
            message="No journey outcome was logged (journeys.json is missing or empty).",
            evidence=evidence,
        )
    message = f"{len(flaky)} journeys passed only on a retry: {', '.join(flaky)}."
    return flaky_check("flaky journeys", len(flaky), message, fail_on_flaky, evidence)


def _versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    found: dict[str, str] = {}
    for package in ("playwright", "pytest-playwright", "pytest-rerunfailures"):
        try:
            found[package] = version(package)
        except PackageNotFoundError:
            continue
    return found


# The journeys' wall time is held against a budget: they run alone on the machine.
LAYER = Layer(
    "playwright",
    "browser journeys",
    work,
    stack="own",
    exclusive_cpu=True,
    browser=True,
    stack_in_child=True,
)
