"""Compare a candidate build with a baseline build, each given as one or more results documents.

Every document is one run. Latency, throughput and micro-benchmark series are judged on the
spread of their per-run figures (`signoff.judge.stats`); coverage, security findings and
failed tests by difference of the newest run of each side. The comparison only gates the
verdict when the environments agree and each side has at least `min_runs` runs; otherwise it
is shown as advisory, with the reasons.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from signoff.judge.fingerprint import differences
from signoff.judge.level import MIN_SERIES, levels, relative
from signoff.judge.stats import Change, Settings, Shift, judge_logs, per_run
from signoff.load import series
from signoff.records import Status
from signoff.verdicts import Gate

# kind -> (title, whether a higher value is better)
KINDS = {
    "latency": ("latency", False),
    "throughput": ("throughput", True),
    "benchmarks": ("micro-benchmarks", False),
}
Document = Mapping[str, Any]
LEVEL = "run level"  # the series of what moved every series of a run together
Runs = dict[str, list[list[float]]]  # series -> each run's samples


@dataclass(frozen=True)
class Row:
    kind: str
    series: str
    shift: Shift
    level: bool = False  # the run level: what moved every series of a run alike
    # Too few samples in every run of both sides: named, not judged. A series that has values
    # but lost them to its runs' missing level is not sparse: its evidence stays undecided.
    sparse: bool = False

    @property
    def verdict(self) -> str:
        return "not judged" if self.sparse else self.shift.change.value

    def to_json(self) -> dict[str, Any]:
        data = asdict(self.shift)
        return {
            "kind": self.kind,
            "series": self.series,
            **data,
            "change": self.shift.change.value,
            "verdict": self.verdict,
            "level": self.level,
        }


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
    gates: list[Gate] = field(default_factory=list)
    baseline_runs: list[str] = field(default_factory=list)
    candidate_runs: list[str] = field(default_factory=list)
    advisory: list[str] = field(default_factory=list)  # why the gates do not count, if so

    def to_json(self) -> dict[str, Any]:
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


def _series_gate(
    kind: str, rows: list[Row], required: bool, runs: int, whole_run: bool = False
) -> Gate:
    """Fails on a slower series; inconclusive on an undecided one or when none was judged.

    A series too sparse in every run of both sides (an endpoint the workload hardly calls) is
    named, not judged: the workload gives no evidence about it either way.
    """
    title = KINDS[kind][0] + (", every series alike (run level)" if whole_run else "")
    sparse = [r for r in rows if r.sparse]
    judged = [r for r in rows if not r.sparse]
    worse = [f"{r.series} ({r.shift.figure})" for r in judged if r.shift.change is Change.SLOWER]
    unsure = [r for r in judged if r.shift.change is Change.INCONCLUSIVE]
    figure = f"{len(worse)} slower, {len(unsure)} inconclusive of {len(judged)}"
    skipped = ""
    if sparse:
        names = ", ".join(f"{r.series} ({r.shift.figure})" for r in sparse[:10])
        skipped = (
            f" Not judged, too few samples in every run: {names}{' …' if len(sparse) > 10 else ''}."
        )
    if worse:
        message = f"Slower than the baseline: {', '.join(worse)}.{skipped}"
        return _gate(title, Status.FAIL, required, figure, "no slower series", message)
    if unsure or not judged:
        needs = [r.shift.runs_needed for r in unsure]
        need = (
            "more than 200 runs per side"
            if None in needs or not needs
            else f"about {max(n for n in needs if n is not None)} runs per side"
        )
        names = ", ".join(f"{r.series} ({r.shift.figure})" for r in unsure[:10])
        message = (
            f"Could not be judged with {runs} run(s) per side: {names}"
            f"{' …' if len(unsure) > 10 else ''}. Judging them needs {need}.{skipped}"
            if unsure
            else f"No series had enough samples to be judged.{skipped}"
        )
        return _gate(title, Status.INCONCLUSIVE, required, figure, "no slower series", message)
    return _gate(title, Status.PASS, required, figure, "no slower series", skipped.strip())


def _side(documents: Document | Sequence[Document]) -> list[Document]:
    if isinstance(documents, Mapping):
        return [documents]
    return list(documents)


def _runs(side: list[Document], kind: str, by_phase: bool) -> Runs:
    """Per series, each run's samples; latency series pooled over their profile's phases."""
    out: Runs = {}
    for index, doc in enumerate(side):
        for key, values in doc.get("samples", {}).get(kind, {}).items():
            name = key if by_phase or kind != "latency" else series.whole_profile(key)
            runs = out.setdefault(name, [[] for _ in side])
            runs[index].extend(float(v) for v in values)
    return out


@dataclass(frozen=True)
class _Job:
    """One series and figure to judge, as per-run log values of both sides."""

    kind: str
    name: str
    figure: str
    baseline: list[float | None]
    candidate: list[float | None]
    shown: tuple[list[float | None], list[float | None]] | None = None
    paired: bool = False
    level: bool = False

    @property
    def measured(self) -> bool:
        return any(v is not None for v in self.baseline) and any(
            v is not None for v in self.candidate
        )

    @property
    def sparse(self) -> bool:
        """No run of either side gave this series a value, relative to its level or not."""
        shown = self.shown or ([], [])
        return all(v is None for v in [*self.baseline, *self.candidate, *shown[0], *shown[1]])


def _jobs(
    kind: str, before: Runs, after: Runs, n_a: int, s: Settings, paired: bool, at_once: bool
) -> list[_Job]:
    """The series of one kind, relative to their run's level where a group allows one.

    Paired runs judge the level (and series without one) on their pairs; runs whose pairs
    shared the same moments (`at_once`) judge every series so: what the machine did to one
    side's tail it did to the other's."""
    figures = list(s.latency_figures) if kind == "latency" else ["p50"]
    n_b = len(next(iter(after.values()), []))
    jobs: list[_Job] = []
    for figure in figures:
        table = {
            name: per_run(before[name], figure, s.min_samples)
            + per_run(after[name], figure, s.min_samples)
            for name in sorted(before.keys() & after.keys())
        }
        groups: dict[str, list[str]] = {}
        for name in table:
            groups.setdefault(series.place(name) if kind == "latency" else "", []).append(name)
        for group, names in groups.items():
            relative_to_level = kind != "throughput" and s.run_level
            level = levels({n: table[n] for n in names}, n_a + n_b) if relative_to_level else None
            if level is None:
                jobs += [
                    _Job(kind, n, figure, table[n][:n_a], table[n][n_a:], paired=paired)
                    for n in names
                ]
                continue
            for name in names:
                moved = relative(table[name], level)
                shown = (table[name][:n_a], table[name][n_a:])
                pairs = paired and at_once
                jobs.append(_Job(kind, name, figure, moved[:n_a], moved[n_a:], shown, pairs))
            label = series.key(LEVEL, group) if group else LEVEL
            jobs.append(_Job(kind, label, figure, level[:n_a], level[n_a:], None, paired, True))
    return jobs


def _some(values: Sequence[float | None]) -> bool:
    return any(v is not None for v in values)


def _judge(job: _Job, s: Settings, higher: bool, family: int) -> Shift:
    shift = judge_logs(
        job.baseline, job.candidate, job.figure, s, higher, family, job.shown, job.paired
    )
    sides = zip((job.baseline, job.candidate), job.shown or ([], []), strict=True)
    if any(_some(shown) and not _some(judged) for judged, shown in sides):
        # a side has values, but none in a run with a level
        reason = (
            f"its runs have no level: fewer than {MIN_SERIES} series of its group were "
            "measured in them; the series cannot be judged apart from the machine's noise"
        )
        return replace(shift, reason=reason)
    return shift


def compare(
    baseline: Document | Sequence[Document],
    candidate: Document | Sequence[Document],
    settings: Settings | None = None,
    required: bool = True,
    max_coverage_drop: float = 1.0,
    paired: bool = False,
    at_once: bool = False,
) -> Comparison:
    """The comparison of two builds' runs; its gates are advisory unless the runs suffice.

    `paired`: the i-th runs of both sides ran next to each other (`signoff compare`);
    `at_once`: over the same seconds, one load split between them (`--mode split`).
    """
    s = settings or Settings()
    bases, cands = _side(baseline), _side(candidate)
    base_doc, cand_doc = bases[-1], cands[-1]
    reasons = sorted(
        {
            r
            for b in bases
            for c in cands
            for r in differences(b.get("environment", {}), c.get("environment", {}))
        }
    )
    advisory = list(reasons)
    fewest = min(len(bases), len(cands))
    if fewest < s.min_runs:
        advisory.append(
            f"{len(bases)} baseline and {len(cands)} candidate run(s): between-run noise needs "
            f"at least {s.min_runs} runs a side (`signoff compare` repeats and interleaves them)"
        )
    gating = required and not advisory
    exact = required and not reasons  # coverage, findings and failures are not noisy
    only: list[str] = []
    rows: list[Row] = []
    gates: list[Gate] = []
    jobs: dict[str, list[_Job]] = {}
    for kind in KINDS:
        before, after = _runs(bases, kind, s.by_phase), _runs(cands, kind, s.by_phase)
        jobs[kind] = _jobs(kind, before, after, len(bases), s, paired, at_once)
        only += [f"{kind}: {key}" for key in sorted(before.keys() ^ after.keys())]
    # Only series measured on both sides can raise a false alarm, so only they widen intervals.
    family = sum(job.measured for kind_jobs in jobs.values() for job in kind_jobs)
    for kind, (_, higher) in KINDS.items():
        kind_rows = [Row(kind, job.name, _judge(job, s, higher, family), job.level, job.sparse)
                     for job in jobs[kind]]  # fmt: skip
        rows += kind_rows
        # One gate for the series relative to their run, one for what moved them all alike.
        for whole_run in (False, True):
            part = [r for r in kind_rows if r.level is whole_run]
            if part:
                gates.append(_series_gate(kind, part, gating, fewest, whole_run))
    cov_before, cov_after = _coverage(base_doc), _coverage(cand_doc)
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
                exact,
                "not measured" if delta is None else f"{delta:+.2f} points",
                f">= -{max_coverage_drop:g} points",
            )
        )
    old_find, new_find = set(base_doc.get("findings", [])), set(cand_doc.get("findings", []))
    new_findings, fixed = sorted(new_find - old_find), sorted(old_find - new_find)
    gates.append(
        _gate(
            "new security findings",
            Status.FAIL if new_findings else Status.PASS,
            exact,
            str(len(new_findings)),
            "== 0",
            "; ".join(new_findings),
        )
    )
    new_failures = sorted(set(cand_doc.get("failures", [])) - set(base_doc.get("failures", [])))
    gates.append(
        _gate(
            "new failures",
            Status.FAIL if new_failures else Status.PASS,
            exact,
            str(len(new_failures)),
            "== 0",
            "; ".join(new_failures[:20]),
        )
    )
    return Comparison(
        baseline_run=", ".join(str(d.get("run_id", "")) for d in bases),
        comparable=not reasons,
        reasons=reasons,
        rows=rows,
        only_in_one=only,
        coverage=coverage,
        new_findings=new_findings,
        fixed_findings=fixed,
        new_failures=new_failures,
        gates=gates,
        baseline_runs=[str(d.get("run_id", "")) for d in bases],
        candidate_runs=[str(d.get("run_id", "")) for d in cands],
        advisory=advisory,
    )
