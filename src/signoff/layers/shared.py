"""One stack for the read-only layers of a run: the first of them that runs starts it, the
others of its group use the same one, and the scheduler stops it when the group is done.

A layer that only reads (`Layer.stack == "shared-read-only"`) cannot disturb another's
evidence, so a second start (a database, a cache, the service, its readiness) is pure cost.
Layers that write or break things keep a stack of their own.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Hashable
from pathlib import Path

from signoff.leaks.guard import Guard
from signoff.stack.interface import StackHandle, StackProvider

__all__ = ["FOLDER", "SharedStacks", "logs"]

FOLDER = "shared-stack"  # in the run directory: the shared stack's logs


class SharedStacks:
    """The shared stacks of a run, one per way of starting one (`key`: the stack choice)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._started: dict[Hashable, tuple[StackProvider, StackHandle, Path]] = {}

    def handle(
        self, key: Hashable, run_dir: Path, start: Callable[[Path], StackProvider]
    ) -> StackHandle:
        """The stack for `key`, started by `start(logs)` when no layer has started it yet; a
        layer asking while another starts it waits for that start."""
        with self._lock:
            if key not in self._started:
                provider = start(logs(run_dir))
                self._started[key] = (provider, provider.__enter__(), run_dir)
            return self._started[key][1]

    def close(self) -> None:
        """Stop every stack started so far. A stop that fails is said and passed over: the
        layers' records are written, and what the stop left is reaped by its run label."""
        with self._lock:
            started, self._started = self._started, {}
        for provider, handle, run_dir in started.values():
            try:
                provider.__exit__(None, None, None)
            except Exception as exc:
                print(f"The shared stack did not stop cleanly: {exc}", file=sys.stderr)
            finally:
                _redact(provider, handle, run_dir)


def logs(run_dir: Path) -> Path:
    """Where a run's shared stack keeps its logs."""
    return run_dir / FOLDER / "stack-logs"


def _redact(provider: StackProvider, handle: StackHandle, run_dir: Path) -> None:
    """The stopped stack's logs rewritten without its secrets (each layer that used it has
    already scanned them for its own check)."""
    guard = Guard(run_dir, logs(run_dir), provider.secrets)
    guard.watch(handle)
    if logs(run_dir).is_dir():
        guard.sweep()
