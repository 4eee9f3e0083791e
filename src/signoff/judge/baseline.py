"""Compare a candidate build with a baseline build, each given as one or more results documents.

Every document is one run. Latency, throughput and micro-benchmark series are judged on the
spread of their per-run figures (`signoff.judge.rows`); coverage, security findings and
failed tests by difference of the newest run of each side. The comparison only gates the
verdict when the environments agree and each side has at least `min_runs` runs; otherwise it
is shown as advisory, with the reasons.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from signoff.judge.fingerprint import differences
from signoff.judge.rows import KINDS, Document, Row, judge_rows, series_check
from signoff.judge.sequential import Looks, Stop
from signoff.judge.stats import Settings
from signoff.records import Check, Status

COVERAGE = ("line_percent", "branch_percent")


@dataclass(frozen=True)
class Judgement:
    """One verdict of the comparison as the judge gives it: the check, and whether it gates
    the run (the report shows it as the gate `baseline / <check name>`)."""

    check: Check
    required: bool


@dataclass(frozen=True)
class Comparison:
    baseline_run: str
    comparable: bool
    reasons: list[str]  # environment differences that make the comparison advisory
    rows: list[Row] = field(default_factory=list)
    only_in_one: list[str] = field(default_factory=list)  # series present on one side only
    coverage: dict[str, dict[str, float | None]] = field(default_factory=dict)
    new_findings: list[str] = field(default_factory=list)
    fixed_findings: list[str] = field(default_factory=list)
    new_failures: list[str] = field(default_factory=list)
    judgements: list[Judgement] = field(default_factory=list)
    baseline_runs: list[str] = field(default_factory=list)
    candidate_runs: list[str] = field(default_factory=list)
    advisory: list[str] = field(default_factory=list)  # why the gates do not count, if so
    stop: Stop | None = None  # how far the looks went, and why they ended there

    def to_json(self) -> dict[str, Any]:
        """Everything but the gates, which the report makes of the judgements."""
        return {
            "baseline_run": self.baseline_run,
            "baseline_runs": self.baseline_runs,
            "candidate_runs": self.candidate_runs,
            "comparable": self.comparable,
            "reasons": self.reasons,
            "advisory": self.advisory,
            "rows": [row.to_json() for row in self.rows],
            "only_in_one": self.only_in_one,
            "coverage": self.coverage,
            "new_findings": self.new_findings,
            "fixed_findings": self.fixed_findings,
            "new_failures": self.new_failures,
            "looks": self.stop.to_json() if self.stop else None,
        }


def _coverage(doc: Document) -> dict[str, float | None]:
    for item in doc.get("layers", []):
        record = item.get("record", {})
        if record.get("layer") == "coverage":
            figures = record.get("figures", {})
            return {k: figures.get(k) for k in COVERAGE}
    return {}


def _coverage_delta(base_doc: Document, cand_doc: Document) -> dict[str, dict[str, float | None]]:
    before, after = _coverage(base_doc), _coverage(cand_doc)
    coverage: dict[str, dict[str, float | None]] = {}
    for key in COVERAGE:
        a, b = before.get(key), after.get(key)
        if a is not None or b is not None:
            delta = round(b - a, 2) if a is not None and b is not None else None
            coverage[key] = {"baseline": a, "candidate": b, "delta": delta}
    return coverage


def _coverage_check(coverage: dict[str, dict[str, float | None]], max_drop: float) -> list[Check]:
    line = coverage.get("line_percent", {})
    if not line:
        return []
    delta = line.get("delta")
    if delta is None:
        status = Status.INCONCLUSIVE
    else:
        status = Status.PASS if delta >= -max_drop else Status.FAIL
    figure = "not measured" if delta is None else f"{delta:+.2f} points"
    return [Check("line coverage delta", status, figure, f">= -{max_drop:g} points")]


def _none_new(name: str, new: list[str], shown: int | None = None) -> Check:
    status = Status.FAIL if new else Status.PASS
    return Check(name, status, str(len(new)), "== 0", message="; ".join(new[:shown]))


def _differences(bases: list[Document], cands: list[Document]) -> list[str]:
    """Environment differences between any run of one side and any of the other."""
    return sorted(
        {
            r
            for b in bases
            for c in cands
            for r in differences(b.get("environment", {}), c.get("environment", {}))
        }
    )


def _too_few(bases: list[Document], cands: list[Document], s: Settings) -> list[str]:
    if min(len(bases), len(cands)) >= s.min_runs:
        return []
    return [
        f"{len(bases)} baseline and {len(cands)} candidate run(s): between-run noise needs "
        f"at least {s.min_runs} runs a side (`signoff compare` repeats and interleaves them)"
    ]


def _series_judgements(rows: list[Row], gating: bool, runs: int) -> list[Judgement]:
    """One gate per kind for the series relative to their run, one for what moved them all."""
    judged = []
    for kind in KINDS:
        for whole_run in (False, True):
            part = [r for r in rows if r.kind == kind and r.level is whole_run]
            if part:
                judged.append(Judgement(series_check(kind, part, runs, whole_run), gating))
    return judged


def _side(documents: Document | Sequence[Document]) -> list[Document]:
    if isinstance(documents, Mapping):
        return [documents]
    return list(documents)


def compare(
    baseline: Document | Sequence[Document],
    candidate: Document | Sequence[Document],
    settings: Settings | None = None,
    required: bool = True,
    max_coverage_drop: float = 1.0,
    paired: bool = False,
    at_once: bool = False,
    looks: Looks | None = None,
) -> Comparison:
    """The comparison of two builds' runs; its gates are advisory unless the runs suffice.

    `paired`: the i-th runs of both sides ran next to each other (`signoff compare`);
    `at_once`: over the same seconds, one load split between them (`--mode split`);
    `looks`: the pairs were judged as they came in (default: one look at all of them).
    """
    s = settings or Settings()
    bases, cands = _side(baseline), _side(candidate)
    base_doc, cand_doc = bases[-1], cands[-1]
    reasons = _differences(bases, cands)
    advisory = reasons + _too_few(bases, cands, s)
    exact = required and not reasons  # coverage, findings and failures are not noisy
    rows, only, stop = judge_rows(bases, cands, s, paired, at_once, looks)
    runs = min(stop.pairs, len(bases), len(cands))
    judged = _series_judgements(rows, required and not advisory, runs)
    coverage = _coverage_delta(base_doc, cand_doc)
    old_find, new_find = set(base_doc.get("findings", [])), set(cand_doc.get("findings", []))
    new_findings = sorted(new_find - old_find)
    new_failures = sorted(set(cand_doc.get("failures", [])) - set(base_doc.get("failures", [])))
    checks = [
        *_coverage_check(coverage, max_coverage_drop),
        _none_new("new security findings", new_findings),
        _none_new("new failures", new_failures, 20),
    ]
    return Comparison(
        baseline_run=", ".join(str(d.get("run_id", "")) for d in bases),
        comparable=not reasons,
        reasons=reasons,
        rows=rows,
        only_in_one=only,
        coverage=coverage,
        new_findings=new_findings,
        fixed_findings=sorted(old_find - new_find),
        new_failures=new_failures,
        judgements=[*judged, *(Judgement(check, exact) for check in checks)],
        baseline_runs=[str(d.get("run_id", "")) for d in bases],
        candidate_runs=[str(d.get("run_id", "")) for d in cands],
        advisory=advisory,
        stop=stop,
    )
