"""The `signoff` command: stack up, run a layer or a profile, report, show config, benchmark."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from types import FrameType
from typing import Any

from rich.console import Console

from signoff import __version__, rundir
from signoff import config as config_mod
from signoff.errors import SignoffError, UsageError, fatal
from signoff.layers import LayerContext, available, runner
from signoff.records import LayerRecord, Status, write_record
from signoff.report.model import profile_layers, write_plan
from signoff.stack.select import CHOICES, choose_provider

console = Console(stderr=True)


class _Parser(argparse.ArgumentParser):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("allow_abbrev", False)  # `--profil` is a typo, not --profile
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> None:  # type: ignore[override]
        fatal(UsageError(f"{message}.", hint=f"run `{self.prog} --help`."))


def _stack_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--stack", choices=CHOICES, help="stack provider (default: auto)")
    parser.add_argument("--base-url", help="base URL of a running deployment (--stack url)")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="signoff", description=__doc__)
    parser.add_argument("--version", action="version", version=f"signoff {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    stack = sub.add_parser("stack", help="the target stack")
    stack_sub = stack.add_subparsers(dest="action", required=True, parser_class=_Parser)
    up = stack_sub.add_parser("up", help="bring the stack up in the foreground until Ctrl-C")
    _stack_options(up)
    up.add_argument("--json", action="store_true", help="print the handle as one JSON line")

    layer = sub.add_parser("layer", help="run one layer into a run directory")
    layer.add_argument("name", help="a built-in layer or one of [tool.signoff.layers]")
    layer.add_argument(
        "--run", help="run directory or id to write into (default: SIGNOFF_RUN_DIR, else new)"
    )
    layer.add_argument("args", nargs=argparse.REMAINDER, help="passed to the layer's tool")
    _stack_options(layer)

    run = sub.add_parser("run", help="run every layer of a profile, then the report")
    run.add_argument("--profile", help="profile name (default from config)")
    run.add_argument("--layers", help="comma-separated subset of the profile's layers")
    _stack_options(run)

    report = sub.add_parser("report", help="judge a run's records and print the verdicts")
    report.add_argument("run", nargs="?", help="run directory or id (default: latest)")
    report.add_argument("--profile", help="judge against this profile's required layers")
    report.add_argument("--baseline", help="compare with this report.json or run directory")
    report.add_argument(
        "--format",
        choices=["md", "html", "junit", "json"],
        default="md",
        help="what to print on stdout (all four are written; default md)",
    )

    ab = sub.add_parser(
        "compare", help="interleaved A/B runs of a layer against a git ref, then the judgement"
    )
    ab.add_argument(
        "baseline", help="the baseline: a git ref (checked out in a worktree) or folder"
    )
    ab.add_argument("--candidate", help="a git ref or folder (default: the working tree)")
    ab.add_argument("--layer", help="the layer to repeat (default: compare.layer)")
    ab.add_argument("--repetitions", type=int, help="runs per side (default: compare.repetitions)")
    ab.add_argument(
        "--candidate-env", action="append", default=[], help="NAME=VALUE for the candidate's target"
    )
    ab.add_argument(
        "--mode",
        choices=("auto", "split", "interleaved", "together"),
        help="how each pair of runs is measured (default: compare.mode)",
    )
    ab.add_argument(
        "args", nargs=argparse.REMAINDER, help="passed to the layer (default: compare.layer_args)"
    )
    ab.add_argument("--stack", choices=("auto", "local", "containers"), help="stack provider")

    fuzz = sub.add_parser("fuzz", help="replay a fuzz run's failures on a fresh stack")
    fuzz.add_argument(
        "--replay", required=True, metavar="RUN", help="run directory or id of the fuzz run"
    )
    _stack_options(fuzz)

    show = sub.add_parser("config", help="print the effective configuration with its defaults")
    show.add_argument("--defaults", action="store_true", help="print only the built-in defaults")

    sub.add_parser("layers", help="list every layer this project can run")

    init = sub.add_parser("init", help="write a starter configuration for a service")
    init.add_argument("source", help="the service's OpenAPI document: a URL or a file")
    init.add_argument("--base-url", help="where the service answers (default: from a URL source)")
    init.add_argument("--force", action="store_true", help="replace an existing configuration")

    worker = sub.add_parser("load-worker", help="a Locust worker of a load run's master")
    worker.add_argument("--master", required=True, help="the master's HOST:PORT")
    worker.add_argument("--name", default="", help="this worker's name in the record")
    worker.add_argument("--locustfile", help="play this locustfile (default: the master's)")

    bench = sub.add_parser("bench", help="print benchmark figures")
    bench.add_argument(
        "what",
        choices=["stack", "load", "stall"],
        help="stack: cold start; load: signoff's generator vs wrk; stall: open vs closed model",
    )
    bench.add_argument("--runs", type=int, default=5, help="number of cold starts (default 5)")
    bench.add_argument("--seconds", type=int, default=0, help="load/stall: seconds per run")
    bench.add_argument(
        "--workers", type=int, default=2, help="load: the generator runs with 0 to N workers"
    )
    bench.add_argument("--repeats", type=int, default=2, help="load: rounds per target")
    return parser


def _terminate(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    signal.signal(signal.SIGTERM, _terminate)
    try:
        if args.command == "init":
            from signoff.init import init

            return init(Path.cwd(), args.source, args.base_url, args.force)
        cfg = config_mod.load()
        match args.command:
            case "stack":
                return stack_up(cfg, args)
            case "layer":
                return run_layer(cfg, args)
            case "run":
                return run_profile(cfg, args)
            case "report":
                return report(cfg, args.run, args.profile, args.baseline, args.format)
            case "fuzz":
                from signoff.fuzz import replay_command

                run = rundir.resolve(cfg.run_root, args.replay)
                return replay_command(cfg, run, args.stack, args.base_url)
            case "compare":
                from signoff.campaign.command import run_compare

                return run_compare(cfg, args)
            case "config":
                sys.stdout.write(config_mod.dumps(config_mod.effective(cfg, args.defaults)))
                return 0
            case "layers":
                for name, text in available(cfg).items():
                    print(f"{name:16} {text}")
                return 0
            case "init":
                from signoff.init import init

                return init(Path.cwd(), args.source, args.base_url, args.force)
            case "load-worker":
                from signoff.load.engine import run_worker

                script = Path(args.locustfile) if args.locustfile else None
                return run_worker(args.master, cfg.root, args.name, script)
            case "bench" if args.what == "load":
                from signoff.load.ceiling import bench_load

                workers = tuple(range(args.workers + 1))
                seconds = args.seconds or 10
                return bench_load(cfg, seconds, repeats=args.repeats, workers=workers)
            case "bench" if args.what == "stall":
                from signoff.load.bench import bench_stall

                return bench_stall(cfg, seconds=args.seconds or 20)
            case "bench":
                from signoff.bench import stack_cold_start

                return stack_cold_start(cfg, args.runs)
    except SignoffError as exc:
        fatal(exc)
    except KeyboardInterrupt:
        console.print("[yellow]Interrupted.[/]")
        return 130
    return 2


def stack_up(cfg: config_mod.Config, args: argparse.Namespace) -> int:
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
            print(f"Service:    {handle.base_url}")
            if handle.metrics_url:
                print(f"Metrics:    {handle.metrics_url}")
            for name, url in handle.services.items():
                print(f"{name + ':':11} {url}")
            print(f"Logs:       {logs}")
            if handle.token:
                print(f"Token:      export {cfg.target.auth.token_env}={handle.token}")
            header = " ".join(f"-H '{k}: {v}'" for k, v in handle.headers.items())
            print(
                f"Try:        curl {header} {handle.base_url}{cfg.target.api_prefix}/".replace(
                    "  ", " "
                )
            )
            print("Press Ctrl-C to stop.", flush=True)
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        console.print("Stopping the stack…")
        return 0
    finally:
        provider.stop()


def _context(
    cfg: config_mod.Config,
    args: argparse.Namespace,
    run: Path,
    profile: str,
    extra: list[str] | None = None,
) -> LayerContext:
    return LayerContext(
        run_dir=run,
        config=cfg,
        profile=profile,
        args=extra or [],
        stack=args.stack,
        base_url=args.base_url,
    )


def _run_one(ctx: LayerContext, name: str) -> LayerRecord:
    """Run one layer; an error inside it becomes its INCONCLUSIVE record, never a silent gap."""
    began = time.perf_counter()
    ctx = replace(ctx, name=name)
    try:
        record = runner(name, ctx.config)(ctx)
    except SignoffError as exc:
        record = LayerRecord(name, Status.INCONCLUSIVE, exc.message, reasons=[exc.message])
        write_record(rundir.layer_dir(ctx.run_dir, name), record)
    console.print(
        f"{name}: {record.status.value} — {record.summary} ({time.perf_counter() - began:.1f} s)"
    )
    return record


def run_layer(cfg: config_mod.Config, args: argparse.Namespace) -> int:
    runner(args.name, cfg)  # an unknown name fails before a run directory is made
    run = rundir.choose(cfg.run_root, args.run)
    extra = [a for a in args.args if a != "--"]
    record = _run_one(_context(cfg, args, run, cfg.profile, extra), args.name)
    console.print(f"Record: {run / args.name / 'record.json'}")
    return 0 if record.status in (Status.PASS, Status.WAIVED) else 1


def run_profile(cfg: config_mod.Config, args: argparse.Namespace) -> int:
    profile = args.profile or cfg.profile
    layers, required = profile_layers(cfg, profile)
    if args.layers:
        chosen = [name.strip() for name in args.layers.split(",") if name.strip()]
        unknown = [name for name in chosen if name not in layers]
        if unknown:
            raise UsageError(f"Profile {profile!r} has no layer {unknown[0]!r}.")
        layers = chosen
    for name in layers:
        runner(name, cfg)
    run = rundir.create(cfg.run_root)
    os.environ[rundir.ENV_VAR] = str(run)
    write_plan(run, profile, layers, required)
    began = time.perf_counter()
    console.print(f"Run {run.name}: profile {profile}, layers {', '.join(layers)}")
    for name in layers:
        _run_one(_context(cfg, args, run, profile), name)
    console.print(f"Wall time of the {profile} profile: {time.perf_counter() - began:.1f} s")
    return report(cfg, str(run), profile)


def report(
    cfg: config_mod.Config,
    run_name: str | None,
    profile: str | None,
    baseline: str | None = None,
    fmt: str = "md",
) -> int:
    from signoff.report.write import write_all

    run = rundir.resolve(cfg.run_root, run_name)
    chosen = baseline or cfg.report.baseline or None
    results, paths = write_all(run, cfg, profile, Path(chosen) if chosen else None)
    sys.stdout.write(paths[fmt].read_text(encoding="utf-8"))
    console.print(f"Report: {paths['html']}")
    return 0 if results.verdict is Status.PASS else 1
