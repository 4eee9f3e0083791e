"""The verdict in words and one digest per layer, shared by the HTML page and the Markdown
summary so both say the same thing: which required layers failed and why, in one line each.
"""

from __future__ import annotations

from dataclasses import dataclass

from signoff.records import FAILED_TESTS, Check, Status
from signoff.report import links, wording
from signoff.report.model import LayerResult
from signoff.report.results import Results
from signoff.verdicts import Gate

KEY_FIGURES = 2


@dataclass(frozen=True)
class LayerDigest:
    """What the report says about one layer, worked out once for every renderer."""

    name: str
    status: Status
    required: bool
    summary: str
    duration_s: float
    checks: list[Check]
    failed: list[Check]  # FAIL first, then INCONCLUSIVE: what the reader must look at
    reasons: list[str]  # reasons no failed check already gives
    figures: list[str]  # key figures against thresholds, one short phrase each
    evidence: str | None  # run-relative path of the layer's main evidence
    cause: str  # why the layer did not pass, as a clause; empty when it passed
    evaluated: str = ""  # `109 of 109 tests`

    @property
    def ok(self) -> bool:
        return self.status.passing

    @property
    def kind(self) -> str:
        return "required" if self.required else "advisory"


def _cause(status: Status, failed: list[Check], checks: list[Check], reasons: list[str]) -> str:
    if status.passing:
        return ""
    failing = [c for c in failed if c.status is Status.FAIL]
    if status is Status.FAIL and len(failing) == 1:
        return wording.clause(wording.named_cause(failing[0]))
    tests = next((c for c in failing if c.name == FAILED_TESTS), None)
    if tests is not None and isinstance(tests.figure, int) and len(failing) > 2:
        return f"{tests.figure} tests failed"  # the count check and one check per failed test
    if tests is not None and len(failing) == 2:
        return wording.clause(wording.named_cause(next(c for c in failing if c is not tests)))
    if status is Status.FAIL and failing:
        return f"{len(failing)} checks failed"
    if reasons:
        return wording.clause(reasons[0])
    if failed:
        return wording.clause(wording.named_cause(failed[0]))
    return "no reason was recorded"


def _evaluated(item: LayerResult) -> str:
    record = item.record
    if record.declared:
        return (
            ", ".join(
                f"{record.evaluated.get(kind, 0)} of {count} {kind}"
                for kind, count in record.declared.items()
            )
            + " evaluated"
        )
    return wording.counts(record.evaluated) + " evaluated" if record.evaluated else ""


def _key_figures(checks: list[Check], failed: list[Check]) -> list[str]:
    """Failed checks first; for a passing layer, its budgets (≤, ≥) before its zero counts."""
    budgets = [c for c in checks if c.comparator not in ("", "==")]
    if failed:
        shown = failed[:KEY_FIGURES]
        out = [wording.clause(f"{c.name}: {wording.cause(c)}", 120) for c in shown]
    else:
        shown = (budgets or checks)[:KEY_FIGURES]
        out = [f"{c.name}: {wording.against(c)}" for c in shown]
    if len(checks) > len(shown):
        passed = sum(c.status.passing for c in checks)
        out.append(f"{passed} of {wording.plural(len(checks), 'check')} pass")
    return out


def digest(results: Results, item: LayerResult) -> LayerDigest:
    record = item.record
    failed = [c for c in record.checks if c.status is Status.FAIL] + [
        c for c in record.checks if c.status is Status.INCONCLUSIVE
    ]
    said = {c.message.strip() for c in failed if c.message}
    reasons = [r for r in dict.fromkeys(record.reasons) if r.strip() not in said]
    return LayerDigest(
        name=record.layer,
        status=record.status,
        required=item.required,
        summary=record.summary,
        duration_s=record.duration_s,
        checks=list(record.checks),
        failed=failed,
        reasons=reasons,
        figures=_key_figures(record.checks, failed),
        evidence=links.primary(results.run.run_dir, record),
        cause=_cause(record.status, failed, record.checks, reasons),
        evaluated=_evaluated(item),
    )


def digests(results: Results) -> list[LayerDigest]:
    return [digest(results, item) for item in results.run.layers]


def run_level_gates(results: Results) -> list[Gate]:
    """Gates that belong to no layer of the run: unreadable raw evidence, the baseline."""
    names = {item.record.layer for item in results.run.layers}
    return [g for g in results.all_gates if g.layer not in names]


def _named(layers: list[LayerDigest]) -> str:
    return wording.listing([f"{d.name}: {d.cause}" for d in layers], joiner="; ")


def _gate_phrase(gate: Gate) -> str:
    why = wording.clause(gate.message) if gate.message else gate.status.value.lower()
    return f"{gate.name}: {why}"


def headline(results: Results, layers: list[LayerDigest]) -> str:
    """The verdict and why in one or two sentences, e.g. `2 of 9 required layers failed: …`."""
    required = [d for d in layers if d.required]
    failed = [d for d in required if d.status is Status.FAIL]
    unsure = [d for d in required if not d.ok and d.status is not Status.FAIL]
    others = [g for g in run_level_gates(results) if g.required and not g.ok]
    advisory = [f"{d.name}: {d.cause}" for d in layers if not d.required and not d.ok] + [
        _gate_phrase(g) for g in run_level_gates(results) if not g.required and not g.ok
    ]
    total = len(required)
    parts: list[str] = []
    if not required and not others:
        parts.append("The profile requires no layer, so nothing could pass.")
    if failed:
        parts.append(f"{len(failed)} of {total} required layers failed — {_named(failed)}.")
    if unsure:
        verb = "is" if len(unsure) == 1 else "are"
        which = "more" if failed else f"of {total} required layers"
        parts.append(f"{len(unsure)} {which} {verb} inconclusive — {_named(unsure)}.")
    if others:
        parts.append(
            "Run-level gates not passing — "
            + wording.listing([_gate_phrase(g) for g in others], joiner="; ")
            + "."
        )
    if not parts:
        parts.append(
            "The one required layer passed."
            if total == 1
            else f"All {total} required layers passed."
        )
    if advisory:
        parts.append(f"Advisory, not passing — {wording.listing(advisory, joiner='; ')}.")
    return " ".join(parts)
