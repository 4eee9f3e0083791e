"""The budget judge on simulated runs: how often a percentile budget FAILs a build that meets
it, and how often it catches one that misses it (`python -m signoff.judge.budget_simulate`).

Each simulated run draws its requests' latencies from a lognormal distribution, moved as a
whole by a lognormal factor between runs (the noise no number of requests averages away), and
the load layer's judge (`signoff.load.budgets`: the percentile's order-statistic interval
widened by the run margin) sees only the samples. A run left undecided plays the phase again,
up to `[load] repeats` times, and is judged on all its requests together (the same run: the
same move). Sample counts, the margin and the repeats come from `defaults/load.toml`.
"""

from __future__ import annotations

import argparse
import math
import tomllib
from collections.abc import Sequence
from importlib import resources
from typing import Any, NamedTuple

import numpy as np

from signoff.judge import intervals
from signoff.records import Status

# the whole distribution's move between two runs of one build, measured on the reference
# machine: 11-12 % between the runs of a pair (docs/comparison.md), about 8 % a run
RUN_NOISE = 0.08
SPREAD = 0.6  # within a run, log-scale sd: p95 about 2.7 times the median
TARGET_FALSE_FAIL, TARGET_POWER = 0.01, 0.90
UNDER, OVER = 0.90, 1.25  # true percentile against the budget
COUNTS = (30, 72, 100, 300, 1000, 2000)  # per endpoint phase, beside the pr aggregates
MOST = 64_000  # the largest count searched for the power target


class Rule(NamedTuple):
    """How the judge decides: each interval's confidence, the run margin, and how many more
    plays an undecided phase gets."""

    confidence: float
    margin: float
    repeats: int


def _defaults() -> dict[str, Any]:
    text = resources.files("signoff").joinpath("defaults", "load.toml").read_text("utf-8")
    return dict(tomllib.loads(text)["load"])


def pr_counts() -> dict[int, str]:
    """About how many requests each pr phase of smoke and spike sends in all: users times
    seconds over the built-in users' mean think time (their requests take far less)."""
    load = _defaults()
    think = sum(load["mix"]["think_s"]) / 2
    found: dict[int, str] = {}
    for profile in ("smoke", "spike"):
        for stage in load["profiles"][profile]["pr"]:
            count = round(stage["users"] * stage["duration_s"] / think)
            name = f"{profile} '{stage['phase']}'"
            found[count] = f"{found[count]}, {name}" if count in found else name
    return found


def rates(
    n: int,
    q: float,
    ratio: float,
    trials: int,
    rule: Rule,
    noise: float,
    seed: int,
) -> dict[Status, float]:
    """Shares of PASS, FAIL and INCONCLUSIVE over `trials` runs of `n` requests a play whose
    true q-quantile is `ratio` times the budget (100)."""
    rng = np.random.default_rng(seed)
    median = math.log(100.0 * ratio) - float(_z(q)) * SPREAD
    found = dict.fromkeys(Status, 0)
    for start in range(0, trials, 200):
        rows = min(200, trials - start)
        runs = np.exp(rng.normal(0.0, noise, (rows, 1)))
        samples = rng.lognormal(median, SPREAD, (rows, n)) * runs
        for row, move in zip(samples, runs[:, 0], strict=True):
            status, plays = _judged(row, q, rule), 0
            while status is Status.INCONCLUSIVE and plays < rule.repeats:
                row = np.concatenate([row, rng.lognormal(median, SPREAD, n) * move])
                status, plays = _judged(row, q, rule), plays + 1
            found[status] += 1
    return {status: count / trials for status, count in found.items()}


def _judged(samples: np.ndarray, q: float, rule: Rule) -> Status:
    """The load layer's verdict on one phase's latencies."""
    ordered = np.sort(samples)
    value_at = intervals.nearest_rank(ordered.tolist())
    interval = intervals.quantile_interval_at(value_at, len(ordered), q, rule.confidence)
    return intervals.outcome(intervals.with_run_margin(interval, rule.margin), "<=", 100.0)


def _z(q: float) -> float:
    from scipy import stats  # type: ignore[import-untyped]

    return float(stats.norm.ppf(q))


def needed(q: float, judging: Rule, noise: float, trials: int) -> int | None:
    """About the fewest requests at which the judge FAILs 25 % over in >= 90 % of runs:
    doubling, then halving the gap a few times (two significant digits are all it is)."""

    def enough(count: int) -> bool:
        return rates(count, q, OVER, trials, judging, noise, count)[Status.FAIL] >= TARGET_POWER

    low, high = 36, 72
    while not enough(high):
        low, high = high, high * 2
        if high > MOST:
            return None
    for _ in range(4):
        middle = (low + high) // 2
        low, high = (middle, high) if not enough(middle) else (low, middle)
    return int(round(high, 1 - len(str(high))))


def table(q: float, judging: Rule, noise: float, trials: int) -> list[str]:
    where = pr_counts()
    counts = sorted({*COUNTS, *where})
    power_from = needed(q, judging, noise, max(trials // 2, 400))
    name = f"p{round(q * 100)}"
    lines = [
        f"| requests | pr phases (all endpoints) | {name} 10 % under: PASS | inconclusive "
        f"| FAIL (≤ 1 %) | {name} 25 % over: FAIL (≥ 90 %) | inconclusive | PASS |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for n in counts:
        under = rates(n, q, UNDER, trials, judging, noise, n)
        over = rates(n, q, OVER, trials, judging, noise, n + 1)
        short = over[Status.FAIL] < TARGET_POWER
        note = ""
        if short:
            note = f" (needs about {power_from:,})" if power_from else f" (not by {MOST:,})"
        lines.append(
            f"| {n:,} | {where.get(n, '')} | {_pct(under[Status.PASS])} | "
            f"{_pct(under[Status.INCONCLUSIVE])} | {_pct(under[Status.FAIL])}"
            f"{' ✗' if under[Status.FAIL] > TARGET_FALSE_FAIL else ''} | "
            f"{_pct(over[Status.FAIL])}{note} | {_pct(over[Status.INCONCLUSIVE])} | "
            f"{_pct(over[Status.PASS])} |"
        )
    return lines


def _pct(share: float) -> str:
    return f"{share * 100:.1f} %"


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quantile", type=float, action="append", help="default: 0.95")
    parser.add_argument("--trials", type=int, default=4000)
    parser.add_argument("--run-noise", type=float, default=RUN_NOISE)
    parser.add_argument("--confidence", type=float, default=intervals.CONFIDENCE)
    load = _defaults()
    parser.add_argument("--run-margin", type=float, default=float(load["run_margin"]))
    parser.add_argument("--repeats", type=int, default=int(load["repeats"]))
    args = parser.parse_args(argv)
    judging = Rule(args.confidence, args.run_margin, args.repeats)
    for q in args.quantile or [0.95]:
        print(
            f"\nBudget judge, p{round(q * 100)}: confidence {args.confidence:.0%}, run margin "
            f"{args.run_margin:.1%}, an undecided phase played up to {args.repeats} more "
            f"time(s); lognormal latencies (log sd {SPREAD}) moved "
            f"{args.run_noise:.0%} between runs; {args.trials:,} runs a cell. Targets: false "
            "FAIL ≤ 1 % at 10 % "
            "under the budget, FAIL ≥ 90 % at 25 % over.\n"
        )
        print("\n".join(table(q, judging, args.run_noise, args.trials)))


if __name__ == "__main__":
    main()
