"""Measure the judge itself on simulated series: its false-alarm rate and its power.

Each trial draws the runs of two builds. A run's level moves by a lognormal factor (the
between-run noise: CPU frequency, neighbours, cache state), and its samples scatter around that
level (the within-run noise); the candidate's true change multiplies its levels. The judge then
sees only the samples, as it does for real runs. Run it as
`python -m signoff.judge.simulate` (the nox session `judge` does).
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from signoff.judge.baseline import compare
from signoff.judge.stats import Change, Settings, judge

# (name, samples per run, within-run sd of log latency): a load phase of one endpoint, and a
# pytest-benchmark series at its default of 30 rounds
PRESETS = {"load": (400, 0.35), "bench": (30, 0.10)}
EFFECTS = (0.0, 0.10, 0.15, 0.25)


@dataclass(frozen=True)
class Cell:
    between: float  # sd of the log run level
    effect: float  # true relative change of the candidate
    trials: int
    slower: int
    faster: int
    same: int

    @property
    def flagged(self) -> float:
        """A/A: the false-alarm rate (either direction); otherwise the power (slower only)."""
        hits = self.slower + self.faster if self.effect == 0 else self.slower
        return hits / self.trials


@dataclass(frozen=True)
class Design:
    """What one simulated comparison draws: runs a side, samples a run, the within-run and
    between-run noise (log sd), the candidate's true change, and how many series."""

    runs: int
    samples: int
    within: float
    between: float
    effect: float = 0.0
    series: int = 1
    shared: float | None = None  # None: one series judged alone as one of `series`


def trial(rng: np.random.Generator, d: Design, settings: Settings) -> Change:
    """One comparison of `d.runs` baseline and `d.runs` candidate runs of one series."""

    def side(factor: float) -> list[list[float]]:
        levels = factor * np.exp(rng.normal(0.0, d.between, d.runs))
        return [list(level * rng.lognormal(0.0, d.within, d.samples)) for level in levels]

    return judge(side(1.0), side(1.0 + d.effect), "p50", settings, family=d.series).change


def trial_many(rng: np.random.Generator, d: Design, settings: Settings) -> Change:
    """One comparison of `d.series` series at once, the first changed by `d.effect`.

    A `d.shared` part of the between-run variance moves every series of a run together (the
    machine); the rest moves each on its own. The runs are judged as `signoff compare` judges
    them: interleaved pairs, relative to the run level. Any series flagged in an A/A is a false
    alarm; with a change, the changed series flagged slower counts as detected.
    """
    shared = d.shared or 0.0
    common, own = d.between * math.sqrt(shared), d.between * math.sqrt(1 - shared)

    def run(factor: float) -> dict[str, Any]:
        machine = math.exp(rng.normal(0.0, common))
        latency = {}
        for index in range(d.series):
            level = machine * math.exp(rng.normal(0.0, own)) * (factor if index == 0 else 1.0)
            values = level * rng.lognormal(0.0, d.within, d.samples)
            latency[f"s{index} | sim/steady"] = list(values)
        return {"samples": {"latency": latency}}

    base = [run(1.0) for _ in range(d.runs)]
    cand = [run(1.0 + d.effect) for _ in range(d.runs)]
    rows = compare(base, cand, settings, paired=True).rows
    if d.effect == 0:
        flagged = [r for r in rows if r.shift.change in (Change.SLOWER, Change.FASTER)]
        return Change.SLOWER if flagged else Change.SAME
    return next(r.shift.change for r in rows if r.series == "s0 | sim")


def cell(seed: int, trials: int, d: Design, settings: Settings) -> Cell:
    rng = np.random.default_rng([seed, round(d.between * 1000), round(d.effect * 1000)])
    draw = trial if d.shared is None else trial_many
    outcomes = [draw(rng, d, settings) for _ in range(trials)]
    return Cell(
        d.between,
        d.effect,
        trials,
        outcomes.count(Change.SLOWER),
        outcomes.count(Change.FASTER),
        outcomes.count(Change.SAME),
    )


def table(
    seed: int, trials: int, d: Design, betweens: Sequence[float], settings: Settings
) -> list[Cell]:
    return [
        cell(seed, trials, replace(d, between=between, effect=effect), settings)
        for between in betweens
        for effect in EFFECTS
    ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m signoff.judge.simulate", description=__doc__)
    parser.add_argument("--preset", choices=sorted(PRESETS), default="load")
    parser.add_argument("--trials", type=int, default=400, help="trials per cell (default 400)")
    parser.add_argument("--runs", type=int, default=12, help="runs per side (default 12)")
    parser.add_argument("--samples", type=int, help="samples per run (default: the preset's)")
    parser.add_argument("--within", type=float, help="within-run sd of log values (preset's)")
    parser.add_argument(
        "--between", type=float, nargs="+", default=[0.0, 0.05, 0.10], help="between-run sds"
    )
    parser.add_argument("--series", type=int, default=1, help="series judged together (family)")
    parser.add_argument(
        "--shared",
        type=float,
        help="simulate --series series whose between-run variance is this share common to a "
        "run, judged as `signoff compare` does (run level, pairs); default: one series alone",
    )
    parser.add_argument("--min-effect", type=float, default=Settings.min_effect)
    parser.add_argument("--alpha", type=float, default=Settings.alpha)
    parser.add_argument("--seed", type=int, default=12)
    args = parser.parse_args(argv)
    samples, within = PRESETS[args.preset]
    samples = args.samples or samples
    within = within if args.within is None else args.within
    settings = Settings(min_effect=args.min_effect, alpha=args.alpha, latency_figures=("p50",))
    how = (
        f"{args.series} series judged together"
        if args.shared is None
        else f"{args.series} series, {args.shared:.0%} of the between-run variance shared"
    )
    print(
        f"judge on simulated {args.preset} series: {args.runs} runs a side, {samples} samples a "
        f"run, within-run sd {within:g}, {how}, "
        f"min effect {settings.min_effect:.0%}, alpha {settings.alpha:g}, {args.trials} trials"
    )
    print(
        f"{'between':>8} {'A/A false alarms':>17} "
        + " ".join(f"{'+' + format(e, '.0%'):>7}" for e in EFFECTS[1:])
    )
    design = Design(args.runs, samples, within, 0.0, 0.0, args.series, args.shared)
    cells = table(args.seed, args.trials, design, args.between, settings)
    for between in args.between:
        row = {c.effect: c for c in cells if c.between == between}
        print(
            f"{between:>8.0%} {row[0.0].flagged:>17.1%} "
            + " ".join(f"{row[e].flagged:>7.1%}" for e in EFFECTS[1:])
        )
    noise = math.expm1(args.between[-1])
    print(f"(power = share flagged slower; the last row's between-run noise is ±{noise:.1%})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
