"""Child programs signoff runs (pytest, Locust, a layer's command): each in its own session, and
always ended with its whole process group.

An interrupt of signoff (Ctrl-C, or SIGTERM that the CLI turns into one) is forwarded to the
child, which gets a bounded time for its own teardown (pytest's fixtures stop the stack) before
its group is killed. A child also learns of signoff's death by SIGKILL: the kernel sends it
SIGTERM (Linux's parent-death signal), which signoff's pytest plugin turns into a teardown.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import IO, Any

# seconds a child gets to tear down (pytest's fixtures, the stack) after an interrupt
TEARDOWN_S = 30.0

_PR_SET_PDEATHSIG = 1
_libc = ctypes.CDLL(ctypes.util.find_library("c")) if sys.platform == "linux" else None


def _dies_with(parent: int) -> Callable[[], None]:
    """A preexec hook: SIGTERM the child when its parent dies, also if it already has; and let
    it hear the SIGINT signoff forwards even where signoff runs with SIGINT ignored (a shell's
    background job)."""

    def hook() -> None:
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        if _libc is not None:
            _libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
        if os.getppid() != parent:  # the parent died before prctl took effect
            os.kill(os.getpid(), signal.SIGTERM)

    return hook


def spawn(
    argv: Sequence[str],
    *,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    stdout: IO[Any] | int | None = None,
) -> subprocess.Popen[bytes]:
    """Start a child in its own session (a terminal's Ctrl-C reaches signoff alone, which
    forwards it) that is told to end when signoff dies.

    Only for a child that the calling thread waits on: the parent-death signal fires when the
    thread that started it ends."""
    return subprocess.Popen(
        list(argv),
        cwd=cwd,
        env=dict(env) if env is not None else None,
        stdin=subprocess.DEVNULL,
        stdout=stdout,
        stderr=subprocess.STDOUT if stdout is not None else None,
        start_new_session=True,
        preexec_fn=_dies_with(os.getpid()),
    )


def signal_group(pgid: int, sig: int) -> None:
    """Send `sig` to a process group that may be gone already."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


def end_group(proc: subprocess.Popen[bytes], sig: int, timeout: float) -> None:
    """Send `sig` to the child's group, wait up to `timeout` for the child, then kill the group
    (a grandchild may linger after its leader is gone)."""
    try:
        if proc.poll() is None:
            signal_group(proc.pid, sig)
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=timeout)
    finally:  # also when a second interrupt cuts the wait short
        signal_group(proc.pid, signal.SIGKILL)
        proc.wait()


def run_child(
    argv: Sequence[str],
    cwd: Path,
    env: Mapping[str, str],
    *,
    stdout: IO[Any] | None = None,
    timeout: float | None = None,
    interrupt: int = signal.SIGINT,
    teardown_s: float = TEARDOWN_S,
) -> int:
    """Run a child to its end and return its exit code.

    On any exception here (an interrupt above all) the child's group gets `interrupt` and up to
    `teardown_s` to end before it is killed; the exception goes on. Past `timeout` the group is
    ended the same way and `subprocess.TimeoutExpired` is raised.
    """
    proc = spawn(argv, cwd=cwd, env=env, stdout=stdout)
    began = time.monotonic()
    try:
        code = proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        end_group(proc, interrupt, teardown_s)
        raise subprocess.TimeoutExpired(list(argv), time.monotonic() - began) from None
    except BaseException:
        end_group(proc, interrupt, teardown_s)
        raise
    # The leader is done; what it left in its group is not.
    signal_group(proc.pid, signal.SIGKILL)
    return code
