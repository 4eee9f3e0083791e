"""One side's run of a comparison in a process of its own, so that both sides can run at once.

`signoff compare --together` starts the baseline's and the candidate's run of each pair at the
same moment, each in a child process with its own stack, so that whatever the machine does
during those seconds (a neighbour's burst, a slower clock) falls on both. The parent writes
the side's configuration (already re-rooted into its tree) into the run directory; the child
reads it back, runs the layer into that directory and exits.

    python -m signoff.campaign.side RUN_DIR
"""

from __future__ import annotations

import pickle  # nosec B403 - a file this process's parent wrote for it, in the run directory
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from signoff.config import Config

SPEC = "compare-side.pickle"  # the side's configuration and what to run, in the run directory


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


def main(argv: Sequence[str] | None = None) -> int:
    from signoff.campaign.interleave import run_layer

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
