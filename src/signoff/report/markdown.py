"""Markdown: the verdict and the gates, short enough for a CI job summary.

The text never exceeds `max_bytes` (GitHub caps a job summary at 1 MiB). Blocks are kept in
order of importance — verdict, gates, claims, comparison, layer details — so whatever must
be cut is cut from the details first and the verdicts stay.
"""

from __future__ import annotations

from typing import ClassVar

from signoff.records import Status
from signoff.report.gates import Gate
from signoff.report.interface import Renderer
from signoff.report.results import Results

ICONS = {Status.PASS: "✅", Status.FAIL: "❌", Status.INCONCLUSIVE: "⚠️", Status.WAIVED: "🟦"}
CLAIM_ICONS = {"VERIFIED": "✅", "REFUTED": "❌", "UNVERIFIABLE": "❔"}
MIB = 1024 * 1024


def _cell(value: object, limit: int = 300) -> str:
    text = str(value)
    if len(text) > limit:  # one long message must not push other verdicts out of the summary
        text = text[: limit - 1] + "…"
    return text.replace("|", "\\|").replace("\n", " ")


def number(value: object) -> str:
    """Floats to four significant digits: 65.4 reads better than 65.40164452877926."""
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def measured(gate: Gate) -> str:
    return "—" if gate.figure is None else f"{number(gate.figure)}{gate.unit}"


def threshold(gate: Gate) -> str:
    if gate.threshold is None:
        return "—"
    return f"{gate.comparator} {gate.threshold}{gate.unit}".strip()


def ordered(gates: list[Gate]) -> list[Gate]:
    """Required failures first, then other required gates not passing, advisory, passing."""

    def rank(gate: Gate) -> int:
        if gate.ok:
            return 3
        if not gate.required:
            return 2
        return 0 if gate.status is Status.FAIL else 1

    return sorted(gates, key=rank)


def _header(results: Results) -> list[str]:
    verdict = results.verdict
    gates = results.all_gates
    required = [g for g in gates if g.required]
    env = results.environment
    machine = env.get("machine", {})
    lines = [
        f"## signoff: {ICONS[verdict]} {verdict.value}",
        "",
        f"Run `{results.run.run_id}`, profile `{results.run.profile}`: "
        f"{sum(g.ok for g in required)} of {len(required)} required gates pass; "
        f"{sum(not g.ok for g in gates if not g.required)} advisory gates do not.",
        "",
        f"Environment: {machine.get('cpus', '?')} x {machine.get('cpu_model', '?')}, "
        f"Python {env.get('python', {}).get('version', '?')}, provider "
        f"`{env.get('provider', '?')}`, stack {env.get('stack_version') or '?'}.",
    ]
    if results.comparison and not results.comparison.comparable:
        lines += [
            "",
            "Baseline comparison is advisory only: " + "; ".join(results.comparison.reasons) + ".",
        ]
    return lines


def _gates(results: Results) -> list[str]:
    lines = [
        "",
        "| gate | verdict | required | measured | threshold | why |",
        "|---|---|---|---|---|---|",
    ]
    for gate in ordered(results.all_gates):
        lines.append(
            f"| {_cell(gate.name)} | {ICONS[gate.status]} {gate.status.value} | "
            f"{'yes' if gate.required else 'no'} | {_cell(measured(gate))} | "
            f"{_cell(threshold(gate))} | {_cell(gate.message)} |"
        )
    return lines


def _claims(results: Results) -> list[str]:
    if not results.claims:
        return []
    lines = ["", "### Claims", "", "| claim | outcome | measured | why |", "|---|---|---|---|"]
    for item in results.claims:
        outcome = item.outcome.value
        lines.append(
            f"| {_cell(item.claim.text)} | {CLAIM_ICONS[outcome]} {outcome} | "
            f"{_cell('—' if item.measured is None else number(item.measured))} | "
            f"{_cell(item.reason)} |"
        )
    return lines


def _comparison(results: Results) -> list[str]:
    comp = results.comparison
    if comp is None:
        return []
    lines = [
        "",
        f"### Against baseline `{comp.baseline_run}`",
        "",
        "| kind | series | baseline median | candidate median | shift | change |",
        "|---|---|---|---|---|---|",
    ]
    for row in comp.rows:
        s = row.shift
        shift = "—" if s.relative is None else f"{s.relative:+.1%}"
        base = "—" if s.median_baseline is None else f"{s.median_baseline:.4g}"
        cand = "—" if s.median_candidate is None else f"{s.median_candidate:.4g}"
        lines.append(
            f"| {row.kind} | {_cell(row.series)} | {base} | {cand} | {shift} | {s.change.value} |"
        )
    for key, cov in comp.coverage.items():
        lines.append(
            f"| coverage | {key} | {cov['baseline']} | {cov['candidate']} | {cov['delta']} | — |"
        )
    lines += [
        "",
        f"New findings: {len(comp.new_findings)}, fixed: {len(comp.fixed_findings)}, "
        f"new failures: {len(comp.new_failures)}.",
    ]
    return lines


def _details(results: Results) -> list[str]:
    lines = ["", "### Layers", ""]
    for item in results.run.layers:
        record = item.record
        lines.append(
            f"- **{record.layer}** {ICONS[record.status]} {record.status.value}: "
            f"{_cell(record.summary)}"
        )
        lines += [f"  - {_cell(reason)}" for reason in record.reasons]
        lines += [f"  - `{path}`" for path in record.artifacts.values()]
    return lines


class MarkdownRenderer(Renderer):
    suffix: ClassVar[str] = ".md"

    def __init__(self, max_bytes: int = MIB) -> None:
        self.max_bytes = max_bytes

    def format(self, results: Results) -> str:
        note = "\n\n_Truncated to fit the summary; the full report is report.html._\n"
        budget = self.max_bytes - len(note.encode())
        out: list[str] = []
        used = 0
        blocks = [
            _header(results),
            _gates(results),
            _claims(results),
            _comparison(results),
            _details(results),
        ]
        for block in blocks:
            for line in block:
                size = len(line.encode()) + 1
                if used + size > budget:
                    text = "\n".join(out) + note
                    return text
                out.append(line)
                used += size
        return "\n".join(out) + "\n"
