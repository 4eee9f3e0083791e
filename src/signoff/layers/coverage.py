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

from signoff import covrc, patchcov
from signoff.errors import EvidenceError
from signoff.layers import Layer, LayerContext
from signoff.layers.pytest_layer import relative
from signoff.records import Check, Evidence, Status, threshold_check


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


def combined(ctx: LayerContext, data_dir: Path, parts: list[Path]) -> dict[str, Any]:
    """Every suite's data combined, as coverage.py's JSON report (kept in the layer's folder)."""
    rcfile = covrc.rcfile(data_dir, ctx.config.target)
    report_json = ctx.folder / "coverage.json"
    try:
        cov = coverage.Coverage(data_file=str(ctx.folder / ".coverage"), config_file=str(rcfile))
        cov.combine([str(p) for p in parts], keep=True)
        cov.save()
        cov.json_report(outfile=str(report_json))
        data: dict[str, Any] = json.loads(report_json.read_text(encoding="utf-8"))
    except (coverage.CoverageException, OSError, ValueError) as exc:
        raise EvidenceError(
            f"The coverage data in {data_dir} could not be combined: {exc}"
        ) from exc
    return data


def work(ctx: LayerContext) -> Evidence:
    """Line and branch coverage of the service over every suite's data, on the thresholds."""
    settings = ctx.config.coverage
    data_dir = ctx.run_dir / "coverage"
    parts = sorted(p for p in data_dir.glob(".coverage.*")) if data_dir.is_dir() else []
    if not parts:
        raise EvidenceError(f"No coverage data was found in {data_dir}; run the unit layer first.")
    data = combined(ctx, data_dir, parts)
    totals = data["totals"]
    line = _percent(totals.get("covered_lines", 0), totals.get("num_statements", 0))
    branch = _percent(totals.get("covered_branches", 0), totals.get("num_branches", 0))
    worst = least_covered(data["files"], settings.show_files)
    worst_text = ", ".join(f"{name} {pct:.0f}%" for name, pct in worst)
    evidence = relative(ctx.run_dir, ctx.folder / "coverage.json")
    checks = [
        gate("line coverage", line, settings.line, worst_text, evidence),
        gate("branch coverage", branch, settings.branch, worst_text, evidence),
    ]
    patch: dict[str, Any] = {}
    if settings.patch_threshold is not None:
        check, patch = patch_gate(ctx, data, settings.patch_threshold)
        checks.append(check)
    return Evidence(
        checks=checks,
        declared={"data files": len(parts)},
        evaluated={"data files": len(parts)} if line is not None else {},
        figures={
            "line_percent": line,
            "branch_percent": branch,
            "files": len(data["files"]),
            "least_covered": [{"file": n, "percent": p} for n, p in worst],
            "data_files": [p.name for p in parts],
            "by_package": _by_package(data["files"]),
            **({"patch": patch} if patch else {}),
        },
        artifacts={"coverage_json": evidence}
        | ({"patch_json": relative(ctx.run_dir, ctx.folder / PATCH_NAME)} if patch else {}),
        tools={"coverage": coverage.__version__},
        summary=f"line {_fmt(line)}, branch {_fmt(branch)} over {len(data['files'])} files "
        f"from {len(parts)} data files" + _patch_summary(patch),
    )


PATCH_NAME = "patch.json"
PATCH = "patch coverage"
NO_LINES = "no changed measured lines"
SHOWN_FILES = 5  # files a failing patch check names; patch.json lists them all


def patch_gate(
    ctx: LayerContext, data: dict[str, Any], threshold: float
) -> tuple[Check, dict[str, Any]]:
    """The patch coverage check and its figure (also written to patch.json); a base that
    cannot be found leaves it INCONCLUSIVE, never a silent pass."""
    base = patchcov.base_ref(ctx.config.coverage.base)
    try:
        change = patchcov.changed_lines(ctx.config.root, base)
    except patchcov.BaseUnknown as exc:
        message = f"{PATCH}: {exc}."
        return Check(PATCH, Status.INCONCLUSIVE, None, threshold, ">=", "%", message), {}
    measured = patchcov.measure(change, data, Path.cwd())
    figure = measured.to_json() | {"uncovered": measured.uncovered()}
    path = ctx.folder / PATCH_NAME
    path.write_text(json.dumps(figure, indent=2) + "\n", encoding="utf-8")
    return patch_check(measured, threshold, relative(ctx.run_dir, path)), figure


def patch_check(measured: patchcov.PatchCoverage, threshold: float, evidence: str) -> Check:
    """`patch coverage 45.0% of 60 changed lines`, against the threshold, the uncovered lines
    named per file. A change that touches no measured line passes, as Codecov's patch status
    does: there is nothing in it to cover."""
    percent = measured.percent
    if percent is None:
        message = f"{PATCH}: {NO_LINES} against {measured.base}."
        return Check(PATCH, Status.PASS, NO_LINES, threshold, ">=", "%", message, evidence)
    check = threshold_check(PATCH, round(percent, 2), ">=", threshold, "%", evidence)
    said = f"{PATCH} {percent:.1f}% of {measured.changed} changed lines against {measured.base}"
    if check.status is Status.FAIL:
        files = list(measured.uncovered().items())
        missing = "; ".join(f"{name}: {lines}" for name, lines in files[:SHOWN_FILES])
        more = f"; and {len(files) - SHOWN_FILES} more files" if len(files) > SHOWN_FILES else ""
        said += f", needs ≥ {threshold:g}%; not run: {missing}{more}"
    return replace(check, message=said + ".")


def _patch_summary(patch: dict[str, Any]) -> str:
    if not patch:
        return ""
    if patch["percent"] is None:
        return f"; patch: {NO_LINES}"
    return f"; patch {patch['percent']:.1f}% of {patch['changed_lines']} changed lines"


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


LAYER = Layer("coverage", "Combine coverage data of every suite and gate it.", work, after_all=True)
