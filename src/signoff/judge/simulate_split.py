"""Measure `signoff compare`'s sequential judge on simulated split runs: how often an unchanged
build is flagged, how often it passes, how often a slowed endpoint is caught, and at how many
pairs the comparison stops.

Each pair is one split run: both builds measured over the same seconds, so what the machine
does to the pair falls on both (it is drawn, and cancels). Each side's run draws every
endpoint's latencies (lognormal, each endpoint with its own spread, ten requests a second for
the profile's length), shifted by an offset of that side's whole run (its stack: larger at the
tail than at the median, taken out by the run level and judged as its own series) and by a
small move of the endpoint's own. The candidate's first endpoint is slower by the effect. With
the noise factor 1.0, a pair's difference of one endpoint's p50 scatters by 1-3 % and of its
p95 by 3-5 % at 60 s, as measured on the reference stack (docs/comparison.md). The judge sees
the samples and judges them as `signoff compare` judges split runs: relative to the run level,
in pairs, looking after every pair from `min_runs` on, up to the cap, stopping when every
series is decided. Run it as `python -m signoff.judge.simulate_split` (`nox -s judge` does).
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from signoff.judge.baseline import compare
from signoff.judge.sequential import Looks
from signoff.judge.stats import Change, Settings

EFFECTS = (0.0, 0.10, 0.15, 0.25)
SECONDS = (45.0, 60.0)  # rows: the `compare` profile's length (the default's first)
NOISE = (1.0, 1.3)  # rows: every noise times this (1.0: the reference stack's, as measured)
CAP = 6  # [compare] repetitions
RATE = 10.0  # requests a second to each endpoint of each build (60 a second over six)
SPREAD = (0.15, 0.4)  # within-run sd of log latency, the tightest and the widest endpoint
MACHINE = 0.08  # sd of what the machine does to a whole pair (both sides alike)
OFFSET = (0.008, 0.015)  # sd of a side's whole run, per run: at its p50 and at its p95
OWN = 0.005  # sd of an endpoint's own run-to-run move beyond its samples


@dataclass(frozen=True)
class Design:
    """One simulated comparison: endpoints, requests a run to each, the first endpoint's
    true change, and the looks."""

    endpoints: int
    samples: int
    effect: float
    looks: Looks
    noise: float = 1.0  # every noise (within-run spread, offsets, own moves) times this


@dataclass(frozen=True)
class Outcome:
    flagged: bool  # any series flagged either way
    flagged_other: bool  # a series other than the changed endpoint's flagged either way
    caught: bool  # the changed endpoint flagged slower (at p50 or p95)
    passed: bool  # every series the same
    pairs: int  # pairs the comparison ran
    spread: tuple[float, ...]  # the first pair's raw log differences, p50 then p95 per endpoint


def _pair(rng: np.random.Generator, d: Design) -> tuple[dict[str, Any], dict[str, Any]]:
    """The two sides' runs of one split pair, as results documents."""
    machine = rng.normal(0.0, MACHINE)
    # the endpoint changed is a middling one: the third tightest
    spreads = np.roll(np.linspace(*SPREAD, d.endpoints), -2) * d.noise
    low, high = (d.noise * o for o in OFFSET)
    sides = []
    for side in (0, 1):
        offset = rng.normal()  # the whole run of this side
        latency = {}
        for i in range(d.endpoints):
            change = math.log1p(d.effect) if side and i == 0 else 0.0
            shift = machine + change + rng.normal(0.0, OWN * d.noise)
            logs = rng.normal(math.log(3 + i) + shift, spreads[i], d.samples)
            # a slower run moves its tail more than its middle: the offset grows with the rank
            rank = np.argsort(np.argsort(logs)) / max(d.samples - 1, 1)
            logs += offset * (low + (high - low) * (rank - 0.5) / 0.45)
            latency[f"GET /e{i} | sim/steady"] = list(np.exp(logs))
        sides.append({"run_id": f"r{side}", "environment": {}, "samples": {"latency": latency}})
    return sides[0], sides[1]


def _raw(a: dict[str, Any], b: dict[str, Any]) -> tuple[float, ...]:
    """Each endpoint's log difference of p50, then of p95, between the two sides of a pair."""
    out = []
    for q in (50, 95):
        for key, values in a["samples"]["latency"].items():
            other = b["samples"]["latency"][key]
            out.append(math.log(np.percentile(other, q) / np.percentile(values, q)))
    return tuple(out)


def trial(rng: np.random.Generator, d: Design, settings: Settings) -> Outcome:
    """One sequential comparison: pairs come in until every series is decided or the cap."""
    base: list[dict[str, Any]] = []
    cand: list[dict[str, Any]] = []
    for pairs in range(1, d.looks.last + 1):
        a, b = _pair(rng, d)
        base.append(a)
        cand.append(b)
        if pairs < min(d.looks.first, d.looks.last):
            continue
        result = compare(base, cand, settings, paired=True, at_once=True, looks=d.looks)
        if result.stop is not None and result.stop.decided:
            break
    rows = result.rows
    changed = [r for r in rows if r.series.startswith("GET /e0 ")]
    others = [r for r in rows if r not in changed]
    flags = (Change.SLOWER, Change.FASTER)
    return Outcome(
        flagged=any(r.shift.change in flags for r in rows),
        flagged_other=any(r.shift.change in flags for r in others),
        caught=any(r.shift.change is Change.SLOWER for r in changed),
        passed=all(r.shift.change is Change.SAME for r in rows),
        pairs=len(base),
        spread=_raw(base[0], cand[0]),
    )


def cell(seed: int, trials: int, d: Design, settings: Settings) -> list[Outcome]:
    rng = np.random.default_rng([seed, d.samples, round(d.noise * 100), round(d.effect * 1000)])
    return [trial(rng, d, settings) for _ in range(trials)]


def _noise(outcomes: Sequence[Outcome], endpoints: int) -> str:
    """The quietest and the noisiest endpoint's pair-difference sd, at p50 and at p95."""
    sds = np.std(np.array([o.spread for o in outcomes]), axis=0, ddof=1)
    p50, p95 = sds[:endpoints], sds[endpoints:]
    return " ".join(f"{min(f):>4.1%}-{max(f):<4.1%}" for f in (p50, p95))


def _line(d: Design, seconds: float, cells: dict[float, list[Outcome]]) -> str:
    same = cells[0.0]
    n = len(same)
    false = sum(o.flagged for o in same) / n
    passed = sum(o.passed for o in same) / n
    pairs = sum(o.pairs for o in same) / n
    power = [sum(o.caught for o in cells[e]) / len(cells[e]) for e in EFFECTS[1:]]
    others = sum(o.flagged_other for e in EFFECTS[1:] for o in cells[e])
    others_n = sum(len(cells[e]) for e in EFFECTS[1:])
    top = cells[EFFECTS[-1]]
    top_pairs = sum(o.pairs for o in top) / len(top)
    return (
        f"{seconds:>5.0f} s {d.noise:>5.1f} {_noise(same, d.endpoints)} {false:>8.1%} "
        f"{passed:>8.1%} {pairs:>5.1f} "
        + " ".join(f"{p:>6.1%}" for p in power)
        + f" {top_pairs:>5.1f} {others / others_n:>8.1%}"
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m signoff.judge.simulate_split", description=__doc__
    )
    parser.add_argument("--trials", type=int, default=200, help="trials per cell (default 200)")
    parser.add_argument("--seconds", type=float, nargs="+", default=list(SECONDS))
    parser.add_argument("--noise", type=float, nargs="+", default=list(NOISE))
    parser.add_argument("--first", type=int, default=Settings.min_runs, help="pairs at look 1")
    parser.add_argument("--cap", type=int, default=CAP, help=f"the most pairs (default {CAP})")
    parser.add_argument("--endpoints", type=int, default=6)
    parser.add_argument("--spending", default=Settings.spending)
    parser.add_argument("--multiplicity", default=Settings.multiplicity)
    parser.add_argument("--no-pool", action="store_true", help="each series its own variance")
    parser.add_argument("--min-effect", type=float, default=Settings.min_effect)
    parser.add_argument("--alpha", type=float, default=Settings.alpha)
    parser.add_argument("--seed", type=int, default=20)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    settings = Settings(
        min_effect=args.min_effect,
        alpha=args.alpha,
        multiplicity=args.multiplicity,
        spending=args.spending,
        pool=not args.no_pool,
    )
    looks = Looks(args.first, args.cap, args.spending)
    print(
        f"sequential judge on simulated split runs: {args.endpoints} endpoints x (p50, p95) and "
        f"the run level ({2 * args.endpoints + 2} series), {RATE:g} requests a second to each "
        f"endpoint of each build; looks after {args.first}..{args.cap} pairs, {args.spending} "
        f"spending, multiplicity {args.multiplicity}, pooled noise "
        f"{'off' if args.no_pool else 'on'}, min effect {args.min_effect:.0%}, alpha "
        f"{args.alpha:g}, {args.trials} trials a cell"
    )
    print(
        f"{'run':>7} {'noise':>5} {'p50 sd':^9} {'p95 sd':^9} {'A/A flag':>8} {'A/A pass':>8} "
        f"{'pairs':>5} "
        + " ".join(f"{'+' + format(e, '.0%'):>6}" for e in EFFECTS[1:])
        + f" {'pairs':>5} {'B others':>8}"
    )
    for seconds in args.seconds:
        for noise in args.noise:
            design = Design(args.endpoints, round(seconds * RATE), 0.0, looks, noise)
            cells = {
                e: cell(args.seed, args.trials, replace(design, effect=e), settings)
                for e in EFFECTS
            }
            print(_line(design, seconds, cells))
    print(
        "(noise: times the measured; p50/p95 sd: of an endpoint's pair difference, its "
        "quietest..noisiest; A/A flag: any "
        "series flagged; A/A pass: every series the same; +x: the changed endpoint flagged "
        f"slower; pairs: mean pairs run, A/A and at {EFFECTS[-1]:+.0%}; B others: another "
        "series flagged in the changed comparisons)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
