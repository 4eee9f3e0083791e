"""The coverage settings of a run: which packages count, written once as an rcfile.

Service processes, the tests' own process and the coverage gate all read this one file, so
their data files combine without path mapping (absolute paths on one machine).
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

from signoff.target import Target

RCFILE = ".coveragerc"


def rcfile(coverage_dir: Path, target: Target) -> Path:
    """Write (or rewrite) the run's rcfile in `coverage_dir` and return its path."""
    coverage_dir.mkdir(parents=True, exist_ok=True)
    path = coverage_dir / RCFILE
    lines = ["[run]", "branch = true", "parallel = true", "sigterm = true"]
    if target.coverage_packages:
        lines.append("source_pkgs =")
        lines += [f"    {name}" for name in target.coverage_packages]
    # layers side by side write it at once, and a service may be reading it: replace, never
    # truncate (the text is the same for the whole run)
    fresh = path.with_name(f"{RCFILE}.{os.getpid()}.{threading.get_ident()}")
    fresh.write_text("\n".join(lines) + "\n", encoding="utf-8")
    os.replace(fresh, path)
    return path
