"""One side's run of a comparison: the layer run into a run directory of its own, in this
process or in a child process, so that both sides can run at once.

`signoff compare --mode together` starts the baseline's and the candidate's run of each pair
at the same moment, each in a child process with its own stack, so that whatever the machine
does during those seconds (a neighbour's burst, a slower clock) falls on both. The parent
writes the side's configuration (already re-rooted into its tree) into the run directory; the
child reads it back, runs the layer into that directory and exits.

    python -m signoff.campaign.side RUN_DIR
"""

from __future__ import annotations

import pickle  # nosec B403 - a file this process's parent wrote for it, in the run directory
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from signoff import rundir
from signoff.children import TEARDOWN_S, end_group, spawn
from signoff.config import Config
from signoff.layers import LayerContext
from signoff.layers.run import run_layer as run_one
from signoff.report.model import write_plan

SPEC = "compare-side.pickle"  # the side's configuration and what to run, in the run directory
LABEL = "compare-side.txt"  # which side a run directory holds


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
    (run / LABEL).write_text(label + "\n", encoding="utf-8")
    return run


def write_spec(
    run: Path, cfg: Config, layer: str, args: list[str], label: str, options: dict[str, Any]
) -> Path:
    """What the child runs, kept in the run directory it runs into."""
    path = run / SPEC
    with path.open("wb") as out:
        pickle.dump(
            {"config": cfg, "layer": layer, "args": args, "label": label, "options": options}, out
        )
    return path


def together(
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


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1:
        print("usage: python -m signoff.campaign.side RUN_DIR", file=sys.stderr)
        return 2
    run = Path(args[0])
    with (run / SPEC).open("rb") as spec_file:
        spec = pickle.load(spec_file)  # nosec B301 - written by this process's parent
    (run / SPEC).unlink()
    run_layer(spec["config"], spec["layer"], spec["args"], spec["label"], spec["options"], run)
    return 0  # the layer's record in the run says how it went


if __name__ == "__main__":
    raise SystemExit(main())
