"""The `signoff compare` command: arguments in, interleaved runs, the comparison printed."""

from __future__ import annotations

import argparse
import sys

from rich.console import Console

from signoff.campaign.interleave import interleave, write_report
from signoff.config import Config
from signoff.errors import UsageError
from signoff.report.results import comparison_gates

console = Console(stderr=True)


def _env(pairs: list[str]) -> dict[str, str]:
    env: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise UsageError(
                f"--candidate-env {pair!r} is not NAME=VALUE.", hint="e.g. APP_DEBUG=1."
            )
        env[name] = value
    return env


def run_compare(config: Config, args: argparse.Namespace) -> int:
    """0 when every comparison gate passes (or the comparison is advisory), else 1."""
    extra = [a for a in args.args if a != "--"]
    own = {"--candidate", "--layer", "--repetitions", "--candidate-env", "--stack", "--mode"}
    misplaced = [a for a in extra if a.split("=")[0] in own]
    if misplaced:
        raise UsageError(
            f"{misplaced[0]} came after the baseline, where it would be passed to the layer.",
            hint="put compare's options first: signoff compare --repetitions 5 HEAD~1 spike.",
        )
    comparison, _, cand_runs = interleave(
        config,
        args.baseline,
        candidate=args.candidate,
        layer=args.layer,
        layer_args=extra or None,
        repetitions=args.repetitions,
        candidate_env=_env(args.candidate_env),
        say=lambda text: console.print(text, highlight=False),
        mode=args.mode,
        stack=args.stack,
    )
    paths = write_report(config, comparison, cand_runs[-1])
    sys.stdout.write(paths["md"].read_text(encoding="utf-8"))
    console.print(f"Report: {paths['html']}")
    gates = comparison_gates(comparison)
    for gate in gates:
        console.print(f"{gate.name}: {gate.status.value} ({gate.figure}) {gate.message}")
    return 0 if all(g.ok or not g.required for g in gates) else 1
