"""The `signoff` command: stack up, run a layer, a profile or a shard, merge shards, report,
show config, benchmark.

`parser` holds the command line, `commands` the commands that run things; `main` sends each
command to its function and turns a SignoffError into one sentence and a non-zero exit.
"""

from __future__ import annotations

import argparse
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from types import FrameType

from signoff import config as config_mod
from signoff import interrupts, rundir
from signoff.cli import commands
from signoff.cli.parser import build_parser
from signoff.errors import SignoffError, fatal
from signoff.layers import available

__all__ = ["build_parser", "main"]


def _terminate(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    signal.signal(signal.SIGTERM, _terminate)
    try:
        return _dispatch(args)
    except SignoffError as exc:
        fatal(exc)
    except KeyboardInterrupt:
        commands.console.print("[yellow]Interrupted.[/]")
        return 130
    finally:
        interrupts.forget_handled()  # the exit code says how the run ended, not a stale mark


def _dispatch(args: argparse.Namespace) -> int:
    if args.command == "init":
        from signoff.init import init

        return init(Path.cwd(), args.source, args.base_url, args.force)
    cfg = config_mod.load()
    commands.base_ref(args)
    match args.command:
        case "stack":
            return commands.stack_up(cfg, args)
        case "layer":
            return commands.layer(cfg, args)
        case "run":
            return commands.run_profile(cfg, args)
        case "merge":
            return commands.merge(cfg, args)
        case "report":
            return commands.report(cfg, args.run, args.profile, args.baseline, args.format)
        case "comment":
            return commands.comment(cfg, args)
        case "fuzz":
            from signoff.fuzz import replay_command

            run = rundir.resolve(cfg.run_root, args.replay)
            return replay_command(cfg, run, args.stack, args.base_url)
        case "compare":
            from signoff.campaign.command import run_compare

            return run_compare(cfg, args)
        case "history":
            return commands.history(cfg, args)
        case "config":
            sys.stdout.write(config_mod.dumps(config_mod.effective(cfg, args.defaults)))
            return 0
        case "layers":
            for name, text in available(cfg).items():
                print(f"{name:16} {text}")
            return 0
    return _tools(cfg, args)


def _tools(cfg: config_mod.Config, args: argparse.Namespace) -> int:
    """A distributed load run's worker, and signoff's own benchmarks."""
    match args.command:
        case "load-worker":
            from signoff.load.engine import run_worker

            script = Path(args.locustfile) if args.locustfile else None
            return run_worker(args.master, cfg.root, args.name, script)
        case "bench" if args.what == "load":
            from signoff.load.ceiling import bench_load

            workers = tuple(range(args.workers + 1))
            return bench_load(cfg, args.seconds or 10, repeats=args.repeats, workers=workers)
        case "bench" if args.what == "stall":
            from signoff.load.bench import bench_stall

            return bench_stall(cfg, seconds=args.seconds or 20)
        case "bench":
            from signoff.bench import stack_cold_start

            return stack_cold_start(cfg, args.runs)
    return 2
