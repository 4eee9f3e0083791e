"""Shards of a profile and their merge (Playwright's `--shard` and `merge-reports` are the model).

`signoff run --shard K/N` runs shard K's share of the profile's layers (`schedule.share`) into a
run of its own whose plan says so; `signoff merge RUN...` puts the shards' runs together into
one new run of the whole profile, runs its `after_all` layers there and judges it whole. What
is not one whole is refused in one sentence before anything is written: a folder that is no
shard run, shards of other profiles, splits, layer lists or commits, a shard given twice. A
shard not given is no error but never a pass: its layers are INCONCLUSIVE, naming the shard,
and so are the after_all layers, whose evidence would be incomplete.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from coverage import CoverageData

from signoff import children, rundir
from signoff.config import Config
from signoff.errors import EvidenceError, UsageError
from signoff.layers import Layer, LayerContext, find
from signoff.records import inconclusive, write_record
from signoff.report.model import MERGED, PLAN_NAME, SHARD, read_plan, write_plan
from signoff.schedule import Tell, execute, plan

__all__ = ["ShardRun", "merge", "shard_plan"]

WHOLE = "whole"
COVERAGE = "coverage"  # the run's folder of coverage data (`layers/coverage.py` reads it)


def commit(root: Path) -> str | None:
    """The commit checked out at `root`, if it is a git work tree."""
    try:
        done = children.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture=True, timeout=10)
    except (OSError, children.TimeoutExpired):
        return None
    return (done.stdout.strip() or None) if done.returncode == 0 else None


def shard_plan(
    config: Config, layers: Sequence[Layer], required: Sequence[str], text: str
) -> tuple[list[str], list[str], dict[str, Any]]:
    """Shard `text` (K/N) of a profile: its layers, the required ones among them, and what
    its plan keeps for the merge (the whole profile, the project's folder, the commit)."""
    k, n = parse_shard(text)
    dealt = shardable(layers)
    if n > len(dealt):
        raise UsageError(
            f"{n} shards are more than the {len(dealt)} layers the profile shares out.",
            hint=f"split it into at most {len(dealt)} shards.",
        )
    whole = {
        "layers": [layer.name for layer in layers],
        "required": list(required),
        "after_all": [layer.name for layer in layers if layer.after_all],
        "alone": timing_layers(layers),
    }
    mine = share(dealt, k, n, whole["alone"])
    found = commit(config.root)
    extra = {SHARD: f"{k}/{n}", WHOLE: whole, "root": str(config.root)}
    return (
        mine,
        [r for r in required if r in mine],
        {**extra, **({"commit": found} if found else {})},
    )


@dataclass(frozen=True)
class ShardRun:
    """A shard's run as its plan describes it."""

    path: Path
    k: int
    n: int
    profile: str
    layers: list[str]
    whole: dict[str, list[str]]
    root: str
    commit: str | None

    @property
    def label(self) -> str:
        return f"{self.k}/{self.n}"


def read_shard(run_root: Path, name: str) -> ShardRun:
    """The shard run `name` (a run directory or id), or one sentence on why it is none."""
    path = rundir.resolve(run_root, name)
    if not path.is_dir():
        raise UsageError(f"{name} is no run directory or run id (there is no folder {path}).")
    try:
        found = read_plan(path)
    except EvidenceError as exc:
        raise UsageError(exc.message) from None
    if found is None:
        raise UsageError(f"{path} is no signoff run: it has no {PLAN_NAME}.")
    if SHARD not in found:
        raise UsageError(
            f"The run {path.name} is no shard: `signoff run --shard K/N` did not make it."
        )
    try:
        k, n = parse_shard(str(found[SHARD]))
        whole = {key: [str(v) for v in found[WHOLE][key]] for key in ("layers", "required")}
        whole["after_all"] = [str(v) for v in found[WHOLE]["after_all"]]
        whole["alone"] = [str(v) for v in found[WHOLE].get("alone", [])]
        layers = [str(v) for v in found["layers"]]
        at = found.get("commit")
        profile, root = str(found["profile"]), str(found["root"])
        return ShardRun(path, k, n, profile, layers, whole, root, str(at) if at else None)
    except (KeyError, TypeError, UsageError) as exc:
        raise UsageError(f"The plan of the shard run {path.name} is incomplete ({exc}).") from None


def _dealt(whole: dict[str, list[str]]) -> list[str]:
    return [name for name in whole["layers"] if name not in whole["after_all"]]


def check_whole(shards: Sequence[ShardRun]) -> None:
    """The shards are of one profile, one split, one layer list and one commit, each K once."""
    first, seen = shards[0], dict[int, ShardRun]()
    for other in shards:
        pair = f"{first.path.name} is {first.label} of {first.profile!r}, {other.path.name} is"
        if (other.profile, other.n) != (first.profile, first.n):
            split = f"{other.label} of {other.profile!r}"
            raise UsageError(f"The runs are not shards of one split: {pair} {split}.")
        if other.whole != first.whole:
            raise UsageError(f"The shards ran different layer lists: {pair} {other.label}.")
        if first.commit and other.commit and other.commit != first.commit:
            ats = f"{first.label} at {first.commit[:12]}, {other.label} at {other.commit[:12]}"
            raise UsageError(f"The shards ran different commits: {ats}.")
        if other.k in seen:
            twice = f"{seen[other.k].path.name} and {other.path.name}"
            raise UsageError(f"Shard {other.label} is given twice ({twice}).")
        seen[other.k] = other
        expected = share(_dealt(other.whole), other.k, other.n, other.whole["alone"])
        if other.layers != expected:
            ran, due = ", ".join(other.layers), ", ".join(expected)
            raise UsageError(f"Shard {other.label} ({other.path.name}) ran {ran}, not {due}.")


def _mapper(old: str, new: Path) -> Callable[[str], str]:
    """A measured file's path under the shard's project folder, moved under this one's."""
    prefix = old.rstrip(os.sep) + os.sep

    def moved(path: str) -> str:
        return str(new / path[len(prefix) :]) if old and path.startswith(prefix) else path

    return moved


def _copy_coverage(shard: ShardRun, target: Path, root: Path) -> None:
    """The shard's coverage data files, their paths moved to this project's folder (the
    shards may have run in clones elsewhere), each kept under a name of its own."""
    source = shard.path / COVERAGE
    for part in sorted(source.glob(".coverage.*")) if source.is_dir() else []:
        target.mkdir(parents=True, exist_ok=True)
        copy = target / part.name
        if copy.exists():
            copy = target / f"{part.name}.shard{shard.k}"
        data = CoverageData(str(part))
        data.read()
        moved = CoverageData(str(copy))
        moved.update(data, map_path=_mapper(shard.root, root))
        moved.write()


def _missing(shards: Sequence[ShardRun]) -> dict[str, list[str]]:
    """Each shard not given, with its layers."""
    first, given = shards[0], {s.k for s in shards}
    dealt = _dealt(first.whole)
    return {
        f"{k}/{first.n}": share(dealt, k, first.n, first.whole["alone"])
        for k in range(1, first.n + 1)
        if k not in given
    }


def _fill(run: Path, shards: Sequence[ShardRun], root: Path, missing: dict[str, list[str]]) -> None:
    """The shards' layer folders and coverage data, and a record for each layer not merged."""
    for shard in shards:
        for name in shard.layers:
            if (shard.path / name).is_dir():
                shutil.copytree(shard.path / name, run / name, symlinks=True)
        _copy_coverage(shard, run / COVERAGE, root)
    for label, names in missing.items():
        for name in names:
            reason = f"Shard {label} was not merged, and this layer ran in it."
            write_record(run / name, inconclusive(name, reason))


def _incomplete(missing: dict[str, list[str]]) -> str:
    """Why an after_all layer did not run at a merge that lacks shards."""
    many = len(missing) > 1
    named = f"Shard{'s' if many else ''} {' and '.join(missing)} {'were' if many else 'was'}"
    return f"{named} not merged, so the evidence this layer combines is incomplete; it did not run."


def _plan_extra(shards: Sequence[ShardRun], missing: dict[str, list[str]]) -> dict[str, Any]:
    given = {
        s.label: {"run_id": s.path.name, "path": str(s.path), "layers": s.layers} for s in shards
    }
    commits = {s.commit for s in shards if s.commit}
    merged = {MERGED: {"of": shards[0].n, "shards": given, "missing": missing}}
    return {**merged, **({"commit": commits.pop()} if commits else {})}


def merge(
    config: Config,
    names: Sequence[str],
    parallel: int,
    context: Callable[[Path, str, str], LayerContext],
    tell: Tell,
) -> Path:
    """A new run made of the shard runs `names`, its after_all layers run; returns its folder.
    Bad input raises before anything is written; a failure while writing removes the run."""
    shards = sorted((read_shard(config.run_root, name) for name in names), key=lambda s: s.k)
    check_whole(shards)
    whole, missing = shards[0].whole, _missing(shards)
    last = [find(name, config) for name in whole["after_all"]]
    steps = plan(last, parallel)
    config.run_root.mkdir(parents=True, exist_ok=True)
    run = config.run_root / rundir.new_run_id()
    run.mkdir()
    try:
        _fill(run, shards, config.root, missing)
        extra = {**_plan_extra(shards, missing), "schedule": steps.to_json()}
        write_plan(run, shards[0].profile, whole["layers"], whole["required"], extra)
        if missing:
            for layer in last:
                write_record(run / layer.name, inconclusive(layer.name, _incomplete(missing)))
        else:
            execute(steps, lambda name: context(run, shards[0].profile, name), tell)
    except BaseException:
        shutil.rmtree(run, ignore_errors=True)
        raise
    rundir.point_latest(run)
    return run


def parse_shard(text: str) -> tuple[int, int]:
    """`K/N` as (K, N), with 1 <= K <= N."""
    k, sep, n = text.partition("/")
    if sep and k.strip().isdigit() and n.strip().isdigit() and 1 <= int(k) <= int(n):
        return int(k), int(n)
    raise UsageError(f"--shard needs K/N with 1 <= K <= N, such as 2/3, not {text!r}.")


def shardable(layers: Sequence[Layer]) -> list[str]:
    """The layers shards share out: all but the `after_all` ones, which run at the merge."""
    return [layer.name for layer in layers if not layer.after_all]


def share(names: Sequence[str], k: int, n: int, alone: Sequence[str] = ()) -> list[str]:
    """Shard K of N's layers, in the profile's order, so every shard computes the same split
    alone: the layers that time things (`alone`, which run by themselves in any run) one to a
    shard from shard 1, as a long timing layer beside anything else would set the slowest
    shard's time; then the others round-robin over the shards that got none (over all of
    them when every shard got one)."""
    timing = [name for name in names if name in alone]
    others = [name for name in names if name not in alone]
    dealt: dict[str, int] = {name: i % n + 1 for i, name in enumerate(timing)}
    free = [j for j in range(1, n + 1) if j not in dealt.values()] or list(range(1, n + 1))
    dealt.update({name: free[i % len(free)] for i, name in enumerate(others)})
    return [name for name in names if dealt[name] == k]


def timing_layers(layers: Sequence[Layer]) -> list[str]:
    """The layers that run alone (`exclusive_cpu`), as `share` deals them."""
    return [layer.name for layer in layers if layer.exclusive_cpu]
