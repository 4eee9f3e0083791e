"""The `signoff` command line: every subcommand and its options, refused in one sentence."""

from __future__ import annotations

import argparse
from typing import Any

from signoff import __version__
from signoff.errors import UsageError, fatal
from signoff.stack.select import CHOICES

DESCRIPTION = (
    "The `signoff` command: stack up, run a layer, a profile or a shard of it, merge shards, "
    "report, show config, benchmark."
)


class _Parser(argparse.ArgumentParser):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("allow_abbrev", False)  # `--profil` is a typo, not --profile
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> None:  # type: ignore[override]
        fatal(UsageError(f"{message}.", hint=f"run `{self.prog} --help`."))


def _stack_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--stack", choices=CHOICES, help="stack provider (default: auto)")
    parser.add_argument("--base-url", help="base URL of a running deployment (--stack url)")


def _parallel_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--parallel", type=int, metavar="N", help="layers run at once (default: run.parallel)"
    )


def _base_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--base",
        metavar="REF",
        help="the git ref patch coverage diffs against (default: coverage.base)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="signoff", description=DESCRIPTION)
    parser.add_argument("--version", action="version", version=f"signoff {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    _run_commands(sub)
    _compare_command(sub)
    _project_commands(sub)
    _history_command(sub)
    _tool_commands(sub)
    return parser


def _run_commands(sub: argparse._SubParsersAction[_Parser]) -> None:
    """The stack, one layer, a whole profile, and the report of a run."""
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
    _base_option(layer)

    run = sub.add_parser("run", help="run every layer of a profile, then the report")
    run.add_argument("--profile", help="profile name (default from config)")
    run.add_argument("--layers", help="comma-separated subset of the profile's layers")
    _parallel_option(run)
    run.add_argument(
        "--shard", metavar="K/N", help="run shard K of N: a share of the profile's layers"
    )
    _stack_options(run)
    _base_option(run)

    merge = sub.add_parser(
        "merge", help="merge the runs of a profile's shards into one run, then the report"
    )
    merge.add_argument("runs", nargs="+", metavar="RUN", help="a shard's run directory or id")
    _parallel_option(merge)
    _stack_options(merge)
    _base_option(merge)

    report = sub.add_parser("report", help="judge a run's records and print the verdicts")
    report.add_argument("run", nargs="?", help="run directory or id (default: latest)")
    report.add_argument("--profile", help="judge against this profile's required layers")
    report.add_argument(
        "--baseline",
        help="compare with this report.json or run directory, or 'history' for main's stored runs",
    )
    report.add_argument(
        "--format",
        choices=["md", "html", "junit", "json"],
        default="md",
        help="what to print on stdout (all four are written; default md)",
    )

    comment = sub.add_parser(
        "comment", help="a run's pull request comment: posted with a GitHub token, else a file"
    )
    comment.add_argument("run", nargs="?", help="run directory or id (default: latest)")
    comment.add_argument("--output", help="where the body goes (default: RUN/comment.md)")
    comment.add_argument("--pr", type=int, help="the pull request (default: from GitHub Actions)")
    comment.add_argument("--baseline", help="compare with this report.json or run, as report does")


def _compare_command(sub: argparse._SubParsersAction[_Parser]) -> None:
    ab = sub.add_parser(
        "compare", help="interleaved A/B runs of a layer against a git ref, then the judgement"
    )
    ab.add_argument(
        "baseline", help="the baseline: a git ref (checked out in a worktree) or folder"
    )
    ab.add_argument("--candidate", help="a git ref or folder (default: the working tree)")
    ab.add_argument("--layer", help="the layer to repeat (default: compare.layer)")
    ab.add_argument(
        "--repetitions",
        type=int,
        help="at most this many runs per side; judged after each pair from compare.min_runs on "
        "(default: compare.repetitions)",
    )
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


def _project_commands(sub: argparse._SubParsersAction[_Parser]) -> None:
    """The fuzz replay, the configuration, the layers, and a starter configuration."""
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


def _history_command(sub: argparse._SubParsersAction[_Parser]) -> None:
    """The run store: stored runs, newest first, and one run in full."""
    history = sub.add_parser("history", help="list the runs in the run store, or show one")
    history.add_argument("--branch", help="only runs of this branch")
    history.add_argument("--profile", help="only runs of this profile")
    history.add_argument("--limit", type=int, default=20, help="at most N runs (default 20)")
    history.add_argument("--json", action="store_true", help="print JSON instead of a table")
    actions = history.add_subparsers(dest="action", parser_class=_Parser)
    show = actions.add_parser("show", help="everything stored of one run")
    show.add_argument("run_id", metavar="RUN", help="a stored run's id")
    show.add_argument("--json", action="store_true", help="print JSON instead of text")


def _tool_commands(sub: argparse._SubParsersAction[_Parser]) -> None:
    """A load worker of a distributed run, and the benchmarks of signoff itself."""
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
