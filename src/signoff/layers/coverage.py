"""The coverage gate: combine every suite's coverage data for the service and judge it.

Unit tests write `.coverage.unit`; the service and worker processes of live-stack suites write
`.coverage.service.*` and `.coverage.worker.*` into the same folder of the run.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import coverage

from signoff import covrc
from signoff.layers import LayerContext
from signoff.layers.pytest_layer import relative
from signoff.records import Check, LayerRecord, Status, judge, threshold_check, write_record
from signoff.rundir import layer_dir


def least_covered(files: dict[str, Any], count: int) -> list[tuple[str, float]]:
    """The `count` files with the lowest line coverage, lowest first."""
    rated = [(name, float(data["summary"]["percent_covered"])) for name, data in files.items()]
    return sorted(rated, key=lambda item: (item[1], item[0]))[:count]


def gate(name: str, figure: float | None, threshold: float, worst: str, evidence: str) -> Check:
    """A coverage check whose failure says by how much, and where coverage is weakest."""
    check = threshold_check(name, figure, ">=", threshold, "%", evidence)
    if figure is None:
        return check
    message = check.message
    if check.status is Status.FAIL:
        message = (
            f"{name} is {figure:.1f}%, {threshold - figure:.1f} points below {threshold:g}%; "
            f"least covered: {worst}."
        )
    return replace(check, figure=round(figure, 2), message=message)


def run(ctx: LayerContext) -> LayerRecord:
    settings = ctx.config.coverage
    data_dir = ctx.run_dir / "coverage"
    folder = layer_dir(ctx.run_dir, "coverage")
    parts = sorted(p for p in data_dir.glob(".coverage.*")) if data_dir.is_dir() else []
    declared = {"data files": max(len(parts), 1)}
    if not parts:
        reason = f"No coverage data was found in {data_dir}; run the unit layer first."
        record = LayerRecord(
            "coverage", Status.INCONCLUSIVE, reason, declared, {}, reasons=[reason]
        )
        write_record(folder, record)
        return record
    rcfile = covrc.rcfile(data_dir, ctx.config.target)
    combined = folder / ".coverage"
    report_json = folder / "coverage.json"
    try:
        cov = coverage.Coverage(data_file=str(combined), config_file=str(rcfile))
        cov.combine([str(p) for p in parts], keep=True)
        cov.save()
        cov.json_report(outfile=str(report_json))
        data = json.loads(report_json.read_text(encoding="utf-8"))
    except (coverage.CoverageException, OSError, ValueError) as exc:
        reason = f"The coverage data in {data_dir} could not be combined: {exc}"
        record = LayerRecord(
            "coverage", Status.INCONCLUSIVE, reason, declared, {}, reasons=[reason]
        )
        write_record(folder, record)
        return record
    totals = data["totals"]
    line = _percent(totals.get("covered_lines", 0), totals.get("num_statements", 0))
    branch = _percent(totals.get("covered_branches", 0), totals.get("num_branches", 0))
    worst = least_covered(data["files"], settings.show_files)
    worst_text = ", ".join(f"{name} {pct:.0f}%" for name, pct in worst)
    evidence = relative(ctx.run_dir, report_json)
    checks = [
        gate("line coverage", line, settings.line, worst_text, evidence),
        gate("branch coverage", branch, settings.branch, worst_text, evidence),
    ]
    evaluated = {"data files": len(parts)} if line is not None else {}
    status, reasons = judge(checks, declared, evaluated)
    record = LayerRecord(
        layer="coverage",
        status=status,
        summary=f"line {_fmt(line)}, branch {_fmt(branch)} over {len(data['files'])} files "
        f"from {len(parts)} data files",
        declared=declared,
        evaluated=evaluated,
        figures={
            "line_percent": line,
            "branch_percent": branch,
            "files": len(data["files"]),
            "least_covered": [{"file": n, "percent": p} for n, p in worst],
            "data_files": [p.name for p in parts],
            "by_package": _by_package(data["files"]),
        },
        checks=checks,
        artifacts={"coverage_json": evidence},
        tools={"coverage": coverage.__version__},
        reasons=reasons,
    )
    write_record(folder, record)
    return record


def _percent(covered: int, total: int) -> float | None:
    return None if total == 0 else 100.0 * covered / total


def _fmt(value: float | None) -> str:
    return "not measured" if value is None else f"{value:.1f}%"


def _by_package(files: dict[str, Any]) -> dict[str, float]:
    sums: dict[str, list[int]] = {}
    for name, data in files.items():
        package = str(Path(name).parent)
        entry = sums.setdefault(package, [0, 0])
        entry[0] += int(data["summary"]["covered_lines"])
        entry[1] += int(data["summary"]["num_statements"])
    return {pkg: round(100.0 * c / t, 1) for pkg, (c, t) in sorted(sums.items()) if t}
