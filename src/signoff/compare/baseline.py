"""Compare a candidate run with a baseline run, both given as results documents.

Latency, throughput and micro-benchmark series are judged on their samples
(`signoff.compare.stats`); coverage, security findings and failed tests by difference.
When the environments differ the comparison is still shown, but only as advisory.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from signoff.compare.fingerprint import differences
from signoff.compare.stats import Change, Settings, Shift, judge_shift
from signoff.records import Status
from signoff.report.gates import Gate

# kind -> (title, whether a higher value is better)
KINDS = {
    "latency": ("latency", False),
    "throughput": ("throughput", True),
    "benchmarks": ("micro-benchmarks", False),
}


@dataclass(frozen=True)
class Row:
    kind: str
    series: str
    shift: Shift

    def to_json(self) -> dict[str, Any]:
        data = asdict(self.shift)
        return {"kind": self.kind, "series": self.series, **data, "change": self.shift.change.value}


@dataclass(frozen=True)
class Comparison:
    baseline_run: str
    comparable: bool
    reasons: list[str]  # why the comparison is advisory only
    rows: list[Row] = field(default_factory=list)
    only_in_one: list[str] = field(default_factory=list)  # series present on one side only
    coverage: dict[str, dict[str, float | None]] = field(default_factory=dict)
    new_findings: list[str] = field(default_factory=list)
    fixed_findings: list[str] = field(default_factory=list)
    new_failures: list[str] = field(default_factory=list)
    gates: list[Gate] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "baseline_run": self.baseline_run,
            "comparable": self.comparable,
            "reasons": self.reasons,
            "rows": [row.to_json() for row in self.rows],
            "only_in_one": self.only_in_one,
            "coverage": self.coverage,
            "new_findings": self.new_findings,
            "fixed_findings": self.fixed_findings,
            "new_failures": self.new_failures,
            "gates": [gate.to_json() for gate in self.gates],
        }


def _coverage(doc: Mapping[str, Any]) -> dict[str, float | None]:
    for item in doc.get("layers", []):
        record = item.get("record", {})
        if record.get("layer") == "coverage":
            figures = record.get("figures", {})
            return {k: figures.get(k) for k in ("line_percent", "branch_percent")}
    return {}


def _gate(
    name: str, status: Status, required: bool, figure: str, threshold: str, message: str = ""
) -> Gate:
    return Gate(
        name=f"baseline / {name}",
        layer="baseline",
        status=status,
        required=required,
        figure=figure,
        threshold=threshold,
        message=message,
    )


def _series_gate(kind: str, rows: list[Row], required: bool) -> Gate:
    title = KINDS[kind][0]
    worse = [row.series for row in rows if row.shift.change is Change.SLOWER]
    unsure = [row.series for row in rows if row.shift.change is Change.INCONCLUSIVE]
    figure = f"{len(worse)} slower, {len(unsure)} inconclusive of {len(rows)}"
    if worse:
        return _gate(
            title,
            Status.FAIL,
            required,
            figure,
            "no slower series",
            f"Slower than the baseline: {', '.join(worse)}.",
        )
    if unsure:
        return _gate(
            title,
            Status.INCONCLUSIVE,
            required,
            figure,
            "no slower series",
            f"Could not be judged: {', '.join(unsure)}.",
        )
    return _gate(title, Status.PASS, required, figure, "no slower series")


def compare(
    baseline: Mapping[str, Any],
    candidate: Mapping[str, Any],
    settings: Settings | None = None,
    required: bool = True,
    max_coverage_drop: float = 1.0,
) -> Comparison:
    """The comparison of two results documents; its gates are advisory unless comparable."""
    reasons = differences(baseline.get("environment", {}), candidate.get("environment", {}))
    gating = required and not reasons
    rows: list[Row] = []
    only: list[str] = []
    gates: list[Gate] = []
    for kind, (_, higher) in KINDS.items():
        before = baseline.get("samples", {}).get(kind, {})
        after = candidate.get("samples", {}).get(kind, {})
        only += [f"{kind}: {key}" for key in sorted(set(before) ^ set(after))]
        kind_rows = [
            Row(kind, key, judge_shift(before[key], after[key], settings, higher))
            for key in sorted(set(before) & set(after))
        ]
        rows += kind_rows
        if kind_rows:
            gates.append(_series_gate(kind, kind_rows, gating))
    cov_before, cov_after = _coverage(baseline), _coverage(candidate)
    coverage: dict[str, dict[str, float | None]] = {}
    for key in ("line_percent", "branch_percent"):
        a, b = cov_before.get(key), cov_after.get(key)
        if a is not None or b is not None:
            delta = round(b - a, 2) if a is not None and b is not None else None
            coverage[key] = {"baseline": a, "candidate": b, "delta": delta}
    line = coverage.get("line_percent", {})
    if line:
        delta = line.get("delta")
        status = (
            Status.INCONCLUSIVE
            if delta is None
            else Status.PASS
            if delta >= -max_coverage_drop
            else Status.FAIL
        )
        gates.append(
            _gate(
                "line coverage delta",
                status,
                gating,
                "not measured" if delta is None else f"{delta:+.2f} points",
                f">= -{max_coverage_drop:g} points",
            )
        )
    old_find, new_find = set(baseline.get("findings", [])), set(candidate.get("findings", []))
    new_findings, fixed = sorted(new_find - old_find), sorted(old_find - new_find)
    gates.append(
        _gate(
            "new security findings",
            Status.FAIL if new_findings else Status.PASS,
            gating,
            str(len(new_findings)),
            "== 0",
            "; ".join(new_findings),
        )
    )
    new_failures = sorted(set(candidate.get("failures", [])) - set(baseline.get("failures", [])))
    gates.append(
        _gate(
            "new failures",
            Status.FAIL if new_failures else Status.PASS,
            gating,
            str(len(new_failures)),
            "== 0",
            "; ".join(new_failures[:20]),
        )
    )
    return Comparison(
        baseline_run=str(baseline.get("run_id", "")),
        comparable=not reasons,
        reasons=reasons,
        rows=rows,
        only_in_one=only,
        coverage=coverage,
        new_findings=new_findings,
        fixed_findings=fixed,
        new_failures=new_failures,
        gates=gates,
    )
