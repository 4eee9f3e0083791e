"""A reported run as the rows the store keeps: its verdicts, every check, each test case's
outcome (from the layers' JUnit XML) and the key figures — never the raw artifacts.

Key figures are read by what the records call them, whichever layer wrote them: line and
branch coverage (`line_percent`, `branch_percent`), the audit score (`score`), fuzz findings
(`unique_failures`) and p50/p95 per endpoint of every load profile's phases
(`profiles.<p>.phases.<ph>.endpoints.<e>`).
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from signoff.history.machine import machine_id
from signoff.records import RECORD_NAME, LayerRecord

if TYPE_CHECKING:
    from signoff.report.results import Results

Row = tuple[Any, ...]
FIGURES = (
    ("line_percent", "line coverage", "%"),
    ("branch_percent", "branch coverage", "%"),
    ("score", "audit score", ""),
    ("unique_failures", "fuzz findings", ""),
)
LATENCY = (("p50_ms", "p50"), ("p95_ms", "p95"))


@dataclass(frozen=True)
class RunFacts:
    """One run as stored: `run` is its row of `runs`; the rest are rows of their tables."""

    run_id: str
    started_at: str
    commit: str
    branch: str
    profile: str
    provider: str
    machine: str
    fingerprint: str
    verdict: str
    layers: tuple[Row, ...]  # layer, status, required, duration_s
    checks: tuple[Row, ...]  # layer, name, status, figure, threshold, unit
    tests: tuple[Row, ...]  # layer, test, outcome
    figures: tuple[Row, ...]  # layer, name, value, unit


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def _number(value: object) -> float | None:
    ok = isinstance(value, int | float) and not isinstance(value, bool)
    return float(value) if ok else None  # type: ignore[arg-type]


def key_figures(record: LayerRecord) -> list[Row]:
    """The record's key figures as (layer, name, value, unit) rows."""
    rows: list[Row] = []
    for key, name, unit in FIGURES:
        value = _number(record.figures.get(key))
        if value is not None:
            rows.append((record.layer, name, value, unit))
    profiles = record.figures.get("profiles")
    for profile, data in (profiles or {}).items() if isinstance(profiles, dict) else []:
        phases = data.get("phases") if isinstance(data, dict) else None
        for phase, figures in (phases or {}).items() if isinstance(phases, dict) else []:
            endpoints = figures.get("endpoints") if isinstance(figures, dict) else None
            for endpoint, cell in (endpoints or {}).items() if isinstance(endpoints, dict) else []:
                for key, label in LATENCY:
                    value = _number(cell.get(key)) if isinstance(cell, dict) else None
                    if value is not None:
                        name = f"{label} {endpoint} ({profile}/{phase})"
                        rows.append((record.layer, name, value, "ms"))
    return rows


def _outcome(case: ET.Element) -> str:
    for tag, outcome in (("failure", "failed"), ("error", "error"), ("skipped", "skipped")):
        if case.find(tag) is not None:
            return outcome
    return "passed"


def test_outcomes(run_dir: Path, record: LayerRecord) -> list[Row]:
    """(layer, test, outcome) of every test case in the record's JUnit XML; an unreadable file
    adds none (the report already fails closed on it)."""
    found: dict[str, str] = {}
    for key, rel in sorted(record.artifacts.items()):
        path = run_dir / rel
        if not (key == "junit" or key.endswith("_junit")) or not path.is_file():
            continue
        try:
            tree = ET.parse(path)  # nosec B314 - written by this run's own processes
        except (ET.ParseError, OSError):
            continue
        for case in tree.iter("testcase"):
            name = f"{case.get('classname', '')}.{case.get('name', '')}".strip(".")
            outcome = _outcome(case)
            if found.get(name) not in ("failed", "error"):  # a rerun's failure stays a failure
                found[name] = outcome
    return [(record.layer, name, outcome) for name, outcome in sorted(found.items())]


def of(results: Results, commit: str, branch: str) -> RunFacts:
    """The rows of a reported run."""
    run = results.run
    records = [item.record for item in run.layers]
    env = results.environment
    return RunFacts(
        run_id=run.run_id,
        started_at=str(run.plan.get("started_at") or results.generated_at),
        commit=commit,
        branch=branch,
        profile=run.profile,
        provider=str(env.get("provider", "")),
        machine=machine_id(env),
        fingerprint=json.dumps(env, sort_keys=True, default=str),
        verdict=results.verdict.value,
        # the layers that ran: one the run lacks has no time to trend (its gate says "not run")
        layers=tuple(
            (i.record.layer, i.record.status.value, int(i.required), i.record.duration_s)
            for i in run.layers
            if (run.run_dir / i.record.layer / RECORD_NAME).is_file()
        ),
        checks=tuple(
            (r.layer, c.name, c.status.value, _text(c.figure), _text(c.threshold), c.unit)
            for r in records
            for c in r.checks
        ),
        tests=tuple(row for r in records for row in test_outcomes(run.run_dir, r)),
        figures=tuple(row for r in records for row in key_figures(r)),
    )
