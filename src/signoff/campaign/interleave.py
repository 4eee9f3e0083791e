"""`signoff compare`: repeated A/B runs of one layer on this machine, then the judgement.

The baseline's target code comes from a git ref, the candidate's from the working tree (or
another ref or folder; `signoff.campaign.trees`). Runs alternate A B A B …, so drift of the
machine (frequency, neighbours, caches) falls on both; or each pair runs at once, side by side
(`together`) or as one load run split between the builds (`split`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from signoff import rundir
from signoff.campaign import split
from signoff.campaign.side import run_layer, together
from signoff.campaign.trees import retarget, tree
from signoff.config import Config
from signoff.errors import ConfigError, UsageError
from signoff.judge.baseline import Comparison, Judgement, compare
from signoff.judge.rows import Document
from signoff.judge.sequential import Looks
from signoff.judge.settings import settings
from signoff.layers import find
from signoff.load.plan import Plan
from signoff.records import Check, Status, read_record
from signoff.report.results import build
from signoff.report.write import renderers

Say = Callable[[str], None]

MODES = {
    "interleaved": "interleaved",
    "together": "each pair at once",
    "split": "each pair one load run split between them",
}


@dataclass(frozen=True)
class _Side:
    letter: str
    label: str
    config: Config  # pointed at this side's tree
    runs: list[Path]


@dataclass(frozen=True)
class _Campaign:
    """What every pair of runs repeats."""

    config: Config
    layer: str
    args: list[str]
    mode: str
    plan: Plan | None  # the load profile split between the builds (`split` only)
    options: dict[str, Any]
    looks: Looks  # when the pairs are judged, and how they share alpha


def chosen_mode(config: Config, mode: str, layer: str, layer_args: list[str]) -> str:
    """`auto`: split for an open-model profile of the load layer, else interleaved."""
    if mode != "auto" and mode not in MODES:
        raise ConfigError(
            f"compare.mode must be auto or one of {', '.join(MODES)}, not {mode!r}.",
            hint="auto splits open-model load runs and interleaves the rest.",
        )
    if mode == "split" and layer != split.LAYER:
        raise UsageError(
            f"--mode split compares load runs; the layer {layer!r} cannot be split.",
            hint="use --mode interleaved (or together).",
        )
    if mode != "auto":
        return mode
    if layer != split.LAYER:
        return "interleaved"
    plan = split.profile_of(config, layer_args)
    return "split" if plan is not None and plan.mode == "open" else "interleaved"


def _pair(campaign: _Campaign, sides: list[_Side]) -> Iterator[Path]:
    """One run of each side, in the campaign's mode, each as soon as it is done."""
    c = campaign
    if c.plan is not None:
        parts = [(side.config, side.label, rundir.create(c.config.run_root)) for side in sides]
        split.pair(parts, c.plan, c.options)
        yield from (run for _, _, run in parts)
    elif c.mode == "together":
        pairs = [(side.config, side.label) for side in sides]
        yield from together(c.config, pairs, c.layer, c.args, c.options)
    else:
        for side in sides:
            yield run_layer(side.config, c.layer, c.args, side.label, c.options)


def interleave(
    config: Config,
    baseline_ref: str,
    candidate: str | None = None,
    layer: str | None = None,
    layer_args: list[str] | None = None,
    repetitions: int | None = None,
    candidate_env: dict[str, str] | None = None,
    say: Say = print,
    mode: str | None = None,
    **options: Any,
) -> tuple[Comparison, list[Path], list[Path]]:
    """Run the layer up to `repetitions` times per side — A B A B …, each pair at once
    (`together`), or each pair as one load run split between the builds (`split`) — judging
    after every pair from `min_runs` on, until every series is decided."""
    section = config.compare
    layer = layer or section.layer
    layer_args = list(section.layer_args) if layer_args is None else layer_args
    reps = repetitions or section.repetitions
    if reps < 1:
        raise UsageError("--repetitions must be at least 1.", hint="e.g. --repetitions 5.")
    find(layer, config)  # an unknown layer fails before anything starts
    mode = chosen_mode(config, mode or section.mode, layer, layer_args)
    plan = split.plan_of(config, layer_args) if mode == "split" else None
    judge = settings(config)
    looks = Looks(judge.min_runs, reps, judge.spending)
    campaign = _Campaign(config, layer, layer_args, mode, plan, options, looks)
    base_runs: list[Path] = []
    cand_runs: list[Path] = []
    with tree(config.root, baseline_ref) as a_tree, tree(config.root, candidate) as b_tree:
        b_config = retarget(config, b_tree, candidate_env)
        sides = [
            _Side("A", f"baseline {baseline_ref}", retarget(config, a_tree), base_runs),
            _Side("B", f"candidate {candidate or 'working tree'}", b_config, cand_runs),
        ]
        say(
            f"Comparing {sides[0].label} ({a_tree}) with {sides[1].label} ({b_tree}): "
            f"up to {reps} runs of `{layer} {' '.join(layer_args)}` a side, {MODES[mode]}, "
            f"judged after {min(looks.first, reps)} pairs and after every pair from then on."
        )
        comparison = _repeat(campaign, sides, reps, say)
    return comparison, base_runs, cand_runs


def _repeat(campaign: _Campaign, sides: list[_Side], reps: int, say: Say) -> Comparison:
    """Pairs of runs until every series is decided at a look, or `reps` pairs."""
    documents: dict[Path, Document] = {}
    first = min(campaign.looks.first, reps)
    for pairs in range(1, reps + 1):
        for side, run in zip(sides, _pair(campaign, sides), strict=True):
            side.runs.append(run)
            say(f"{side.letter}{pairs}: {run.name}")
        if pairs < first:
            continue
        comparison = _judged(campaign, sides[0].runs, sides[1].runs, documents)
        stop = comparison.stop
        if stop is None:  # no looks: nothing to wait for
            break
        if stop.decided or pairs == reps:
            say(f"Look {len(stop.looks)} ({pairs} pairs): {stop.reason}.")
            break
        say(f"Look {len(stop.looks)} ({pairs} pairs): {stop.undecided} series undecided.")
    return comparison


def _judged(
    campaign: _Campaign, base_runs: list[Path], cand_runs: list[Path],
    documents: dict[Path, Document],
) -> Comparison:  # fmt: skip
    """The runs of both sides compared at their looks, with the campaign's own gates first."""
    config = campaign.config
    for run in [*base_runs, *cand_runs]:
        if run not in documents:
            documents[run] = build(run, config).to_json()
    comparison = compare(
        [documents[run] for run in base_runs],
        [documents[run] for run in cand_runs],
        settings(config),
        required=config.report.baseline_required,
        max_coverage_drop=config.report.max_coverage_drop,
        paired=True,
        at_once=campaign.mode == "split",
        looks=campaign.looks,
    )
    own = [_runs_check(campaign.layer, base_runs, cand_runs)]
    if not comparison.rows:
        # Fail closed: runs that measured nothing must not read as "no regression".
        own.insert(0, _nothing_measured(campaign.layer))
    judged = [Judgement(check, True) for check in own]
    return dataclasses.replace(comparison, judgements=[*judged, *comparison.judgements])


def _nothing_measured(layer: str) -> Check:
    return Check(
        "measured series",
        Status.INCONCLUSIVE,
        figure="0 series on both sides",
        threshold="at least 1",
        message=f"No series was measured in both builds' runs of `{layer}`; "
        "read the runs' records for why.",
    )


def _runs_check(layer: str, base_runs: list[Path], cand_runs: list[Path]) -> Check:
    """Every run's own record must pass: a candidate that answers with errors fails even when
    the latencies it did measure compare well; a baseline that failed leaves nothing to stand
    on (inconclusive)."""
    failing: dict[str, list[str]] = {}
    for side, runs in (("baseline", base_runs), ("candidate", cand_runs)):
        for run in runs:
            record = read_record(run / layer, layer)
            if record.status is Status.PASS:
                continue
            bad = [c.name for c in record.checks if c.status is not Status.PASS]
            why = bad[0] if bad else (record.reasons or [record.status.value])[0]
            failing.setdefault(side, []).append(f"{run.name} ({record.status.value}: {why})")
    if not failing:
        status = Status.PASS
    elif "baseline" in failing:
        status = Status.INCONCLUSIVE
    else:
        status = Status.FAIL
    listed = "; ".join(
        f"{side} runs not passing: {', '.join(names[:3])}{' …' if len(names) > 3 else ''}"
        for side, names in failing.items()
    )
    count = sum(len(names) for names in failing.values())
    return Check(
        "runs",
        status,
        figure=f"{count} of {len(base_runs) + len(cand_runs)} not passing",
        threshold="every run's record passes",
        message=f"{listed}." if listed else "",
    )


def write_report(config: Config, comparison: Comparison, run: Path) -> dict[str, Path]:
    """The last candidate run's report, with the comparison of all runs in it."""
    # The project's claims are about a whole sign-off run; a comparison repeats one layer, so
    # each would read UNVERIFIABLE: they are left out of its report.
    results = dataclasses.replace(build(run, config), comparison=comparison, claims=[])
    paths: dict[str, Path] = {}
    for key, renderer in renderers(config).items():
        paths[key] = run / f"report{renderer.suffix}"
        paths[key].write_text(renderer.format(results), encoding="utf-8")
    return paths
