"""Every series judged at one look, and the looks of a comparison merged into one verdict each.

At a look, each series' change and noise is measured (`signoff.judge.spread`), its variance
moderated towards the others of its kind, figure and design, and one interval level for all of
them is set by the multiplicity rule from their p-values at that look's share of alpha
(`signoff.judge.multiplicity`, `signoff.judge.sequential`). Each series' row is read from that
interval. Over the looks, a series keeps the first decided row; the looks end when every
series with samples is decided, or with the last pairs there are.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from signoff.judge.level import MIN_SERIES
from signoff.judge.multiplicity import interval_alpha
from signoff.judge.sequential import Looks, Stop
from signoff.judge.spread import Spread, moderated, spread_of
from signoff.judge.stats import DECIDED, Alphas, Settings, Shift, shift_of, unjudged

LogRuns = list[float | None]


@dataclass(frozen=True)
class Job:
    """One series and figure to judge, as per-run log values of both sides."""

    kind: str
    name: str
    figure: str
    baseline: LogRuns
    candidate: LogRuns
    shown: tuple[LogRuns, LogRuns] | None = None
    paired: bool = False
    level: bool = False
    higher: bool = False  # a higher figure is better (throughput)
    noise: tuple[LogRuns, LogRuns] | None = None  # each run's sampling variance of its value
    pooled: bool = False  # its variance is moderated with the others of its kind and figure

    @property
    def key(self) -> tuple[str, str, str]:
        return self.kind, self.name, self.figure

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


def _some(values: Sequence[float | None]) -> bool:
    return any(v is not None for v in values)


def _no_level(job: Job, shift: Shift) -> Shift:
    """A side with values, but none in a run with a level, cannot be told from the machine."""
    sides = zip((job.baseline, job.candidate), job.shown or ([], []), strict=True)
    if any(_some(shown) and not _some(judged) for judged, shown in sides):
        reason = (
            f"its runs have no level: fewer than {MIN_SERIES} series of its group were "
            "measured in them; the series cannot be judged apart from the machine's noise"
        )
        return replace(shift, reason=reason)
    return shift


def _scale(job: Job) -> float | None:
    """The mean sampling variance of the job's values in the runs that gave one."""
    if job.noise is None:
        return None
    pairs = zip([*job.baseline, *job.candidate], [*job.noise[0], *job.noise[1]], strict=True)
    known = [w for v, w in pairs if v is not None and w is not None]
    return sum(known) / len(known) if known else None


def _spreads(jobs: Sequence[Job], s: Settings) -> dict[int, Spread]:
    """The measured jobs' spreads, each pool (kind, figure, design) moderated together."""
    found = {
        i: replace(
            spread_of(job.baseline, job.candidate, s.assumed_noise, job.paired), scale=_scale(job)
        )
        for i, job in enumerate(jobs)
        if job.measured
    }
    if not s.pool:
        return found
    pools: dict[tuple[str, str, bool], list[int]] = {}
    for i in found:
        if jobs[i].pooled:
            pools.setdefault((jobs[i].kind, jobs[i].figure, found[i].paired), []).append(i)
    for members in pools.values():
        for i, spread in zip(members, moderated([found[i] for i in members]), strict=True):
            found[i] = spread
    return found


def judge_look(jobs: Sequence[Job], s: Settings, alpha: float, look: int) -> list[Shift]:
    """Every job's row at one look that spends `alpha`: one interval level for all of them."""
    spreads = _spreads(jobs, s)
    flag = interval_alpha([sp.p_value() for sp in spreads.values()], alpha, s.multiplicity)
    alphas = Alphas.of(alpha, flag)
    shifts = []
    for i, job in enumerate(jobs):
        shown = job.shown or (job.baseline, job.candidate)
        if i in spreads:
            shift = shift_of(spreads[i], alphas, s, job.figure, job.higher, shown, look)
        else:
            shift = unjudged(job.figure, s, job.baseline, job.candidate, shown)
        shifts.append(_no_level(job, shift))
    return shifts


def judge_looks(
    jobs_at: Callable[[int], list[Job]], available: int, looks: Looks, s: Settings
) -> tuple[list[tuple[Job, Shift]], Stop]:
    """The looks made with `available` pairs, in order, until every series is decided: each
    series' first decided row, or its row at the last look."""
    made = looks.made(available)
    final: dict[tuple[str, str, str], tuple[Job, Shift]] = {}
    decided: set[tuple[str, str, str]] = set()
    done: list[int] = []
    for pairs in made:
        jobs = jobs_at(pairs)
        done.append(pairs)
        shifts = judge_look(jobs, s, looks.alpha(pairs, s.alpha), pairs)
        for job, shift in zip(jobs, shifts, strict=True):
            if job.key not in decided:
                final[job.key] = (job, shift)
                if shift.change in DECIDED:
                    decided.add(job.key)
        open_ = [key for key, (job, _) in final.items() if key not in decided and not job.sparse]
        if not open_:
            break
    stop = Stop(
        pairs=done[-1],
        cap=max(looks.last, done[-1]),
        looks=done,
        max_looks=len(looks.made(looks.last)),
        undecided=len(open_),
        decided_at=None if open_ or not final else done[-1],
        spending=looks.spending,
    )
    return list(final.values()), stop
