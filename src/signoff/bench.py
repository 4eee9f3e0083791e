"""Benchmarks that print figures: the embedded stack's cold start."""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from signoff import config as config_mod
from signoff.stack.local import LocalProvider


def stack_cold_start(cfg: config_mod.Config, runs: int) -> int:
    """Start and stop the local stack `runs` times; print each component's ready time."""
    logs = Path(tempfile.mkdtemp(prefix="signoff-bench-stack-"))
    totals: list[float] = []
    for index in range(runs):
        provider = LocalProvider(
            cfg.target,
            cfg.root,
            logs / str(index),
            ready_timeout=cfg.stack.ready_timeout,
        )
        began = time.perf_counter()
        with provider:
            totals.append(time.perf_counter() - began)
        parts = ", ".join(f"{name} {secs:.2f} s" for name, secs in provider.timings.items())
        print(f"cold start {index + 1}: {totals[-1]:.2f} s ({parts})")
    median = statistics.median(totals)
    print(
        f"cold start median of {runs}: {median:.2f} s (target ≤ 1 s: "
        f"{'met' if median <= 1 else 'missed'}); logs in {logs}"
    )
    return 0
