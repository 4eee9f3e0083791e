"""The commands that run things: the stack in the foreground, one layer, a profile (or a shard
of it), a merge of shards, the report."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path

from rich.console import Console

from signoff import config as config_mod
from signoff import interrupts, rundir, schedule, shards
from signoff.errors import SignoffError, UsageError
from signoff.layers import Layer, LayerContext, find
from signoff.layers.run import run_layer, stack_options
from signoff.records import LayerRecord, Status
from signoff.report.model import SCHEDULE, profile_layers, read_plan, write_plan
from signoff.stack.interface import StackHandle
from signoff.stack.select import choose_provider, chosen

console = Console(stderr=True)


def stack_up(cfg: config_mod.Config, args: argparse.Namespace) -> int:
    console.print(chosen(cfg, args.stack, args.base_url).describe(), markup=False)
    logs = Path(tempfile.mkdtemp(prefix="signoff-stack-logs-"))
    try:
        provider = choose_provider(cfg, logs, args.stack, args.base_url)
    except SignoffError:
        shutil.rmtree(logs, ignore_errors=True)  # a stack that never started leaves nothing
        raise
    try:
        with console.status(f"Starting the {provider.name} stack…"):
            handle = provider.start()
        if args.json:
            payload = {
                "base_url": handle.base_url,
                "token": handle.token,
                "headers": handle.headers,
                "services": handle.services,
                "logs": str(handle.log_dir) if handle.log_dir else None,
            }
            print(json.dumps(payload), flush=True)
        else:
            _show(cfg, handle, logs)
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        interrupts.ignore()  # one interrupt stops the stack; a second must not cut that short
        console.print("Stopping the stack…")
        return 0
    finally:
        interrupts.ignore()
        provider.stop()


def base_ref(args: argparse.Namespace) -> None:
    """`--base REF` for the coverage layer's patch coverage, through the environment it reads
    (so it outranks a pull request's base, as SIGNOFF_BASE_REF does)."""
    if getattr(args, "base", None):
        from signoff.patchcov import BASE_ENV

        os.environ[BASE_ENV] = args.base


def _show(cfg: config_mod.Config, handle: StackHandle, logs: Path) -> None:
    """Where the stack answers, for a person at the terminal."""
    print(f"Service:    {handle.base_url}")
    if handle.metrics_url:
        print(f"Metrics:    {handle.metrics_url}")
    for name, url in handle.services.items():
        print(f"{name + ':':11} {url}")
    print(f"Logs:       {logs}")
    if handle.token:
        print(f"Token:      export {cfg.target.auth.token_env}={handle.token}")
    header = " ".join(f"-H '{k}: {v}'" for k, v in handle.headers.items())
    print(f"Try:        curl {header} {handle.base_url}{cfg.target.api_prefix}/".replace("  ", " "))
    print("Press Ctrl-C to stop.", flush=True)


def _context(
    cfg: config_mod.Config,
    args: argparse.Namespace,
    run: Path,
    profile: str,
    name: str,
    extra: list[str] | None = None,
) -> LayerContext:
    return LayerContext(
        run_dir=run,
        config=cfg,
        profile=profile,
        args=extra or [],
        stack=args.stack,
        base_url=args.base_url,
        name=name,
    )


def _tell(ctx: LayerContext, record: LayerRecord) -> None:
    """How a layer went, in one line."""
    console.print(
        f"{ctx.name}: {record.status.value} — {record.summary} ({record.duration_s:.1f} s)"
    )


def _say_stack(ctx: LayerContext, layers: Iterable[Layer]) -> None:
    """Which stack provider the layers get and why, said once before any starts (a pytest
    layer's session starts its stack itself, from the same choice)."""
    if any(found.stack_in_child or found.starts_stack(ctx.config) for found in layers):
        with contextlib.suppress(UsageError):  # a bad option is the layer's record to tell
            ctx = stack_options(ctx)
        console.print(chosen(ctx.config, ctx.stack, ctx.base_url).describe(), markup=False)


def _run_one(ctx: LayerContext) -> LayerRecord:
    """Run one layer (an error inside it becomes its INCONCLUSIVE record) and say how it went."""
    record = run_layer(ctx)
    _tell(ctx, record)
    return record


def layer(cfg: config_mod.Config, args: argparse.Namespace) -> int:
    """`signoff layer NAME`: 0 when its record passes, else 1."""
    cfg = config_mod.for_profile(cfg, cfg.profile)
    found = find(args.name, cfg)  # an unknown name fails before a run directory is made
    run = rundir.choose(cfg.run_root, args.run)
    extra = [a for a in args.args if a != "--"]
    ctx = _context(cfg, args, run, cfg.profile, args.name, extra)
    _say_stack(ctx, [found])
    record = _run_one(ctx)
    console.print(f"Record: {run / args.name / 'record.json'}")
    return 0 if record.status.passing else 1


def _chosen(cfg: config_mod.Config, args: argparse.Namespace) -> tuple[str, list[str], list[str]]:
    """The profile, its layers (or the `--layers` subset of them) and its required layers."""
    profile = args.profile or cfg.profile
    layers, required = profile_layers(cfg, profile)
    if args.layers:
        if args.shard:
            raise UsageError("--shard shares out the whole profile; leave out --layers.")
        chosen = [name.strip() for name in args.layers.split(",") if name.strip()]
        unknown = [name for name in chosen if name not in layers]
        if unknown:
            raise UsageError(f"Profile {profile!r} has no layer {unknown[0]!r}.")
        layers = chosen
    return profile, layers, required


def run_profile(cfg: config_mod.Config, args: argparse.Namespace) -> int:
    """`signoff run`: every layer of the profile (or of its shard) into a new run, scheduled
    (`schedule.plan`), then its report."""
    profile, layers, required = _chosen(cfg, args)
    cfg = config_mod.for_profile(cfg, profile)
    found = [find(name, cfg) for name in layers]
    extra: dict[str, object] = {}
    if args.shard:
        layers, required, extra = shards.shard_plan(cfg, found, required, args.shard)
        found = [layer for layer in found if layer.name in layers]
    steps = schedule.plan(found, _parallel(cfg, args), schedule.earlier_times(cfg.run_root))
    run = rundir.create(cfg.run_root)
    os.environ[rundir.ENV_VAR] = str(run)
    write_plan(run, profile, layers, required, {**extra, SCHEDULE: steps.to_json()})
    began = time.perf_counter()
    shard = f" (shard {args.shard})" if args.shard else ""
    console.print(f"Run {run.name}: profile {profile}{shard}, layers {', '.join(layers)}")
    _say_stack(_context(cfg, args, run, profile, ""), found)
    if steps.parallel > 1:
        console.print(f"Schedule: {steps.describe()}")
    records = schedule.execute(steps, lambda name: _context(cfg, args, run, profile, name), _tell)
    _times(profile, time.perf_counter() - began, records.values())
    code = report(cfg, str(run), profile)
    # a shard whose share holds no required layer gates nothing: the merge judges the profile
    return 0 if args.shard and not required else code


def _parallel(cfg: config_mod.Config, args: argparse.Namespace) -> int:
    return cfg.run.parallel if args.parallel is None else int(args.parallel)


def _times(profile: str, wall: float, records: Iterable[LayerRecord]) -> None:
    total = sum(record.duration_s for record in records)
    console.print(
        f"Wall time of the {profile} profile: {wall:.1f} s (the layers' own times: {total:.1f} s)"
    )


def merge(cfg: config_mod.Config, args: argparse.Namespace) -> int:
    """`signoff merge RUN...`: the shards' runs as one run of the whole profile, its after_all
    layers run there, then its report."""
    run = shards.merge(
        cfg,
        args.runs,
        _parallel(cfg, args),
        lambda at, profile, name: _context(
            config_mod.for_profile(cfg, profile), args, at, profile, name
        ),
        _tell,
    )
    plan = read_plan(run) or {}
    console.print(f"Merged into run {run.name}: profile {plan.get('profile')}")
    return report(cfg, str(run), str(plan.get("profile")))


def report(
    cfg: config_mod.Config,
    run_name: str | None,
    profile: str | None,
    baseline: str | None = None,
    fmt: str = "md",
) -> int:
    """`signoff report`: the run's verdicts on stdout in `fmt`; 0 only when the run passes."""
    from signoff.report.write import write_all

    run = rundir.resolve(cfg.run_root, run_name)
    chosen = baseline or cfg.report.baseline or None
    results, paths = write_all(run, cfg, profile, _baseline(chosen))
    sys.stdout.write(paths[fmt].read_text(encoding="utf-8"))
    console.print(f"Report: {paths['html']}")
    return 0 if results.verdict is Status.PASS else 1


def history(cfg: config_mod.Config, args: argparse.Namespace) -> int:
    """`signoff history [show RUN]`: the run store's runs, or one of them."""
    from signoff.history import command

    if args.action == "show":
        return command.show(cfg, args.run_id, args.json)
    return command.listing(cfg, args.branch, args.profile, args.limit, args.json)


def comment(cfg: config_mod.Config, args: argparse.Namespace) -> int:
    """`signoff comment`: a run's pull request comment, written to a file and, where GitHub
    Actions gives a token, a repository and a pull request, posted or updated there."""
    from signoff.history.remember import remember
    from signoff.report import comment as comment_mod
    from signoff.report import github
    from signoff.report.results import build

    run = rundir.resolve(cfg.run_root, args.run)
    chosen = args.baseline or cfg.report.baseline or None
    # stored again (once per run id) so that the comment carries the trends
    results = remember(build(run, cfg, None, _baseline(chosen)), cfg)
    text = comment_mod.body(results, comment_mod.Where(github.run_url(os.environ)))
    output = Path(args.output) if args.output else run / "comment.md"
    output.write_text(text, encoding="utf-8")
    where = github.target(os.environ, args.pr)
    if isinstance(where, str):
        console.print(f"The comment is in {output}; nothing was posted ({where}).")
        return 0
    url = github.post(text, where, comment_mod.MARKER)
    console.print(f"Comment on {where.repository}#{where.number}: {url} (body in {output})")
    return 0


def _baseline(chosen: str | None) -> Path | str | None:
    """A report's baseline: a report.json or run directory, or "history" for main's stored
    runs (a folder of that name is "./history")."""
    from signoff.history.documents import HISTORY

    return chosen if chosen == HISTORY or not chosen else Path(chosen)
