"""Every series of two builds' runs judged, a row each, and one check per kind over the rows.

Latency, throughput and micro-benchmark series are judged on the spread of their per-run
figures (`signoff.judge.stats`), relative to their run's level where a group of series allows
one (`signoff.judge.level`); the level itself is judged as a series of its own.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any

from signoff.judge import series
from signoff.judge.level import MIN_SERIES, levels, relative
from signoff.judge.stats import Change, Settings, Shift, judge_logs, per_run
from signoff.records import Check, Status

# kind -> (title, whether a higher value is better)
KINDS = {
    "latency": ("latency", False),
    "throughput": ("throughput", True),
    "benchmarks": ("micro-benchmarks", False),
}
Document = Mapping[str, Any]
LEVEL = "run level"  # the series of what moved every series of a run together
Runs = dict[str, list[list[float]]]  # series -> each run's samples
SHOWN = 10  # series named in a check's message at most


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


def runs_of(side: Sequence[Document], kind: str, by_phase: bool) -> Runs:
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


def _group_jobs(
    kind: str, figure: str, table: dict[str, list[float | None]], group: str, n_a: int,
    s: Settings, paired: bool, at_once: bool,
) -> list[_Job]:  # fmt: skip
    """The jobs of one group of series (one place of a latency series), relative to the
    group's run level where it has one, with the level as a job of its own."""
    relative_to_level = kind != "throughput" and s.run_level
    level = levels(table, len(next(iter(table.values())))) if relative_to_level else None
    if level is None:
        return [_Job(kind, n, figure, v[:n_a], v[n_a:], paired=paired) for n, v in table.items()]
    jobs = []
    for name, values in table.items():
        moved = relative(values, level)
        shown = (values[:n_a], values[n_a:])
        jobs.append(_Job(kind, name, figure, moved[:n_a], moved[n_a:], shown, paired and at_once))
    label = series.key(LEVEL, group) if group else LEVEL
    jobs.append(_Job(kind, label, figure, level[:n_a], level[n_a:], None, paired, True))
    return jobs


def _jobs(
    kind: str, before: Runs, after: Runs, n_a: int, s: Settings, paired: bool, at_once: bool
) -> list[_Job]:
    """The series of one kind, relative to their run's level where a group allows one.

    Paired runs judge the level (and series without one) on their pairs; runs whose pairs
    shared the same moments (`at_once`) judge every series so: what the machine did to one
    side's tail it did to the other's."""
    figures = list(s.latency_figures) if kind == "latency" else ["p50"]
    jobs: list[_Job] = []
    for figure in figures:
        groups: dict[str, dict[str, list[float | None]]] = {}
        for name in sorted(before.keys() & after.keys()):
            group = series.place(name) if kind == "latency" else ""
            groups.setdefault(group, {})[name] = per_run(
                before[name], figure, s.min_samples
            ) + per_run(after[name], figure, s.min_samples)
        for group, table in groups.items():
            jobs += _group_jobs(kind, figure, table, group, n_a, s, paired, at_once)
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


def judge_rows(
    bases: Sequence[Document], cands: Sequence[Document], s: Settings, paired: bool,
    at_once: bool,
) -> tuple[list[Row], list[str]]:  # fmt: skip
    """Every series measured on both sides judged, by kind; and the series of one side only."""
    only: list[str] = []
    jobs: dict[str, list[_Job]] = {}
    for kind in KINDS:
        before, after = runs_of(bases, kind, s.by_phase), runs_of(cands, kind, s.by_phase)
        jobs[kind] = _jobs(kind, before, after, len(bases), s, paired, at_once)
        only += [f"{kind}: {key}" for key in sorted(before.keys() ^ after.keys())]
    # Only series measured on both sides can raise a false alarm, so only they widen intervals.
    family = sum(job.measured for kind_jobs in jobs.values() for job in kind_jobs)
    rows = [
        Row(kind, job.name, _judge(job, s, higher, family), job.level, job.sparse)
        for kind, (_, higher) in KINDS.items()
        for job in jobs[kind]
    ]
    return rows, only


def _listed(rows: list[Row]) -> str:
    names = ", ".join(f"{r.series} ({r.shift.figure})" for r in rows[:SHOWN])
    return names + (" …" if len(rows) > SHOWN else "")


def _undecided(unsure: list[Row], runs: int, skipped: str) -> str:
    needs = [r.shift.runs_needed for r in unsure]
    need = (
        "more than 200 runs per side"
        if None in needs or not needs
        else f"about {max(n for n in needs if n is not None)} runs per side"
    )
    if not unsure:
        return f"No series had enough samples to be judged.{skipped}"
    return (
        f"Could not be judged with {runs} run(s) per side: {_listed(unsure)}. "
        f"Judging them needs {need}.{skipped}"
    )


def series_check(kind: str, rows: list[Row], runs: int, whole_run: bool = False) -> Check:
    """Fails on a slower series; inconclusive on an undecided one or when none was judged.

    A series too sparse in every run of both sides (an endpoint the workload hardly calls) is
    named, not judged: the workload gives no evidence about it either way.
    """
    title = KINDS[kind][0] + (", every series alike (run level)" if whole_run else "")
    sparse = [r for r in rows if r.sparse]
    judged = [r for r in rows if not r.sparse]
    worse = [r for r in judged if r.shift.change is Change.SLOWER]
    unsure = [r for r in judged if r.shift.change is Change.INCONCLUSIVE]
    figure = f"{len(worse)} slower, {len(unsure)} inconclusive of {len(judged)}"
    skipped = f" Not judged, too few samples in every run: {_listed(sparse)}." if sparse else ""
    if worse:
        names = ", ".join(f"{r.series} ({r.shift.figure})" for r in worse)
        status, message = Status.FAIL, f"Slower than the baseline: {names}.{skipped}"
    elif unsure or not judged:
        status, message = Status.INCONCLUSIVE, _undecided(unsure, runs, skipped)
    else:
        status, message = Status.PASS, skipped.strip()
    return Check(title, status, figure, "no slower series", message=message)
