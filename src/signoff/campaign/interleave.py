"""`signoff compare`: interleaved A/B runs of one layer on this machine, then the judgement.

The baseline's target code comes from a git ref checked out with `git worktree add` into a
temporary folder; the candidate's from the working tree (or another ref or folder). Only the
target's commands and PYTHONPATH point into those trees: the harness, its configuration and the
load scripts stay the current ones, so both builds are measured by the same instrument. Runs
alternate A B A B …, so drift of the machine (frequency, neighbours, caches) falls on both.
"""

from __future__ import annotations

import dataclasses
import shutil
import signal
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from signoff import children, rundir
from signoff.campaign import split
from signoff.campaign.side import write_spec
from signoff.children import TEARDOWN_S, end_group, spawn
from signoff.config import Config
from signoff.errors import ConfigError, UsageError
from signoff.judge.baseline import Comparison, compare
from signoff.judge.settings import settings
from signoff.layers import LayerContext, find
from signoff.layers.run import run_layer as run_one
from signoff.records import Status, read_record
from signoff.report.model import write_plan
from signoff.verdicts import Gate

Say = Callable[[str], None]


def _git(root: Path, *args: str) -> str:
    done = children.run(["git", "-C", str(root), *args], capture=True)
    if done.returncode != 0:
        raise UsageError(
            f"git {' '.join(args)} failed: {done.stderr.strip() or done.stdout.strip()}.",
            hint="name a commit, branch or tag of this repository (e.g. HEAD~1 or v1.2.0).",
        )
    return done.stdout.strip()


@contextmanager
def tree(root: Path, source: str | None) -> Iterator[Path]:
    """The folder that holds one side's code: a git ref's worktree, a folder, or the project."""
    if source is None:
        yield root
        return
    if Path(source).is_dir():
        yield Path(source).resolve()
        return
    commit = _git(root, "rev-parse", "--verify", f"{source}^{{commit}}")
    folder = Path(tempfile.mkdtemp(prefix="signoff-compare-"))
    _git(root, "worktree", "add", "--detach", str(folder / "tree"), commit)
    try:
        yield folder / "tree"
    finally:
        with suppress(UsageError):
            _git(root, "worktree", "remove", "--force", str(folder / "tree"))
        shutil.rmtree(folder, ignore_errors=True)
        with suppress(UsageError):
            _git(root, "worktree", "prune")


def retarget(config: Config, folder: Path, env: dict[str, str] | None = None) -> Config:
    """The configuration with the target's commands and PYTHONPATH taken from `folder`."""
    target = config.target

    def place(path: str) -> str:
        return str((folder / path).resolve()) if path else ""

    processes = {
        name: dataclasses.replace(proc, cwd=place(proc.cwd))
        for name, proc in target.processes.items()
    }
    moved = dataclasses.replace(
        target,
        cwd=place(target.cwd),
        python_path=[place(p) for p in target.python_path],
        processes=processes,
        env={**target.env, **(env or {})},
    )
    return dataclasses.replace(config, target=moved)


def run_layer(
    cfg: Config,
    layer: str,
    args: list[str],
    label: str,
    options: dict[str, Any],
    run: Path | None = None,
) -> Path:
    """One run of the layer into `run` (default: a fresh run directory); a failing layer still
    leaves its record."""
    run = run or rundir.create(cfg.run_root)
    # The run's own report judges only the repeated layer, not a whole profile.
    write_plan(run, "compare", [layer], [layer])
    ctx = LayerContext(
        run_dir=run,
        config=cfg,
        profile=cfg.profile,
        args=args,
        stack=options.get("stack"),
        base_url=None,
        name=layer,
    )
    run_one(ctx)
    (run / "compare-side.txt").write_text(label + "\n", encoding="utf-8")
    return run


def _together(
    config: Config,
    sides: list[tuple[Config, str]],
    layer: str,
    args: list[str],
    options: dict[str, Any],
) -> list[Path]:
    """One run of each side at the same time, each in a child process with its own stack.

    An interrupt (or any error) here reaches both children, which tear their stacks down."""
    runs = [rundir.create(config.run_root) for _ in sides]
    procs = []
    try:
        for (cfg, label), run in zip(sides, runs, strict=True):
            write_spec(run, cfg, layer, args, label, options)
            with (run / "compare-side.log").open("wb") as log:
                argv = [sys.executable, "-m", "signoff.campaign.side", str(run)]
                procs.append(spawn(argv, cwd=config.root, stdout=log))
        for proc in procs:
            proc.wait()
    except BaseException:
        for proc in procs:
            end_group(proc, signal.SIGINT, TEARDOWN_S)
        raise
    return runs


MODES = {
    "interleaved": "interleaved",
    "together": "each pair at once",
    "split": "each pair one load run split between them",
}


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
    """Run the layer `repetitions` times per side — A B A B …, each pair at once (`together`),
    or each pair as one load run split between the builds (`split`) — and compare them."""
    from signoff.report.results import build  # the report package imports this one

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
    base_runs: list[Path] = []
    cand_runs: list[Path] = []
    with tree(config.root, baseline_ref) as a_tree, tree(config.root, candidate) as b_tree:
        sides = [
            ("A", f"baseline {baseline_ref}", retarget(config, a_tree), base_runs),
            (
                "B",
                f"candidate {candidate or 'working tree'}",
                retarget(config, b_tree, candidate_env),
                cand_runs,
            ),
        ]
        say(
            f"Comparing {sides[0][1]} ({a_tree}) with {sides[1][1]} ({b_tree}): "
            f"{reps} runs of `{layer} {' '.join(layer_args)}` a side, {MODES[mode]}."
        )
        for index in range(reps):
            if plan is not None:
                parts = [(cfg, label, rundir.create(config.run_root)) for _, label, cfg, _ in sides]
                split.pair(parts, plan, options)
                for (letter, _, _, found), (_, _, run) in zip(sides, parts, strict=True):
                    found.append(run)
                    say(f"{letter}{index + 1}: {run.name}")
                continue
            if mode == "together":
                pair = _together(config, [(cfg, label) for _, label, cfg, _ in sides], layer,
                                 layer_args, options)  # fmt: skip
                for (letter, _, _, runs), run in zip(sides, pair, strict=True):
                    runs.append(run)
                    say(f"{letter}{index + 1}: {run.name}")
                continue
            for letter, label, cfg, runs in sides:
                run = run_layer(cfg, layer, layer_args, label, options)
                runs.append(run)
                say(f"{letter}{index + 1}: {run.name}")
    docs_a = [build(run, config).to_json() for run in base_runs]
    docs_b = [build(run, config).to_json() for run in cand_runs]
    comparison = compare(
        docs_a,
        docs_b,
        judge,
        required=config.report.baseline_required,
        max_coverage_drop=config.report.max_coverage_drop,
        paired=True,
        at_once=mode == "split",
    )
    comparison = dataclasses.replace(
        comparison, gates=[_runs_gate(layer, base_runs, cand_runs), *comparison.gates]
    )
    if not comparison.rows:
        # Fail closed: runs that measured nothing must not read as "no regression".
        empty = Gate(
            "baseline / measured series",
            Status.INCONCLUSIVE,
            layer="baseline",
            required=True,
            figure="0 series on both sides",
            threshold="at least 1",
            message=f"No series was measured in both builds' runs of `{layer}`; "
            "read the runs' records for why.",
        )
        comparison = dataclasses.replace(comparison, gates=[empty, *comparison.gates])
    return comparison, base_runs, cand_runs


def _runs_gate(layer: str, base_runs: list[Path], cand_runs: list[Path]) -> Gate:
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
    return Gate(
        "baseline / runs",
        status,
        layer="baseline",
        required=True,
        figure=f"{count} of {len(base_runs) + len(cand_runs)} not passing",
        threshold="every run's record passes",
        message=f"{listed}." if listed else "",
    )


def write_report(config: Config, comparison: Comparison, run: Path) -> dict[str, Path]:
    """The last candidate run's report, with the comparison of all runs in it."""
    from signoff.report.results import build
    from signoff.report.write import renderers

    # The project's claims are about a whole sign-off run; a comparison repeats one layer, so
    # each would read UNVERIFIABLE: they are left out of its report.
    results = dataclasses.replace(build(run, config), comparison=comparison, claims=[])
    paths: dict[str, Path] = {}
    for key, renderer in renderers(config).items():
        paths[key] = run / f"report{renderer.suffix}"
        paths[key].write_text(renderer.format(results), encoding="utf-8")
    return paths
