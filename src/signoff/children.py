"""Every child program signoff runs goes through here: no other module imports `subprocess`.

Long-running children (pytest, Locust, a layer's command, the stack's servers) run in a session
of their own and are always ended with their whole process group. Short tools (git, docker,
initdb, bandit, pip-audit) run to their end in signoff's own session (`run`), so a terminal's
Ctrl-C reaches them directly, and they are killed on any exception while signoff waits.

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
from dataclasses import dataclass
from pathlib import Path
from subprocess import DEVNULL, PIPE, STDOUT, CompletedProcess, Popen, TimeoutExpired
from typing import IO, Any

# `CompletedProcess`, `Popen` and `TimeoutExpired` are `subprocess`'s, named from here by callers.
__all__ = [
    "TEARDOWN_S",
    "CompletedProcess",
    "Measured",
    "Popen",
    "TimeoutExpired",
    "end_group",
    "run",
    "run_child",
    "run_measured",
    "signal_group",
    "spawn",
]

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
    user: str | None = None,
    dies_with_signoff: bool = True,
) -> Popen[bytes]:
    """Start a child in its own session (a terminal's Ctrl-C reaches signoff alone, which
    forwards it) that is told to end when signoff dies; its stderr joins `stdout` if given.

    Only for a child that the calling thread waits on: the parent-death signal fires when the
    thread that started it ends. A child that outlives its starting thread (a stack's server,
    started in a fixture's thread) passes `dies_with_signoff=False` and is ended by the stack's
    teardown, or by the reaper of its run's label."""
    return subprocess.Popen(
        list(argv),
        cwd=cwd,
        env=dict(env) if env is not None else None,
        stdin=DEVNULL,
        stdout=stdout,
        stderr=STDOUT if stdout is not None else None,
        user=user,
        start_new_session=True,
        preexec_fn=_dies_with(os.getpid()) if dies_with_signoff else None,
    )


def run(
    argv: Sequence[str],
    *,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    stdout: IO[Any] | None = None,
    capture: bool = False,
    timeout: float | None = None,
    user: str | None = None,
    check: bool = False,
    stdin_text: str | None = None,
) -> CompletedProcess[str]:
    """Run a short tool to its end in signoff's session (`subprocess.run`): its output and
    errors to `stdout` if given, else kept as text with `capture`, else to signoff's own;
    `stdin_text` is written to its standard input.

    Past `timeout` the tool is killed and `TimeoutExpired` raised; with `check` a non-zero exit
    raises `subprocess.CalledProcessError`."""
    return subprocess.run(
        list(argv),
        cwd=cwd,
        env=dict(env) if env is not None else None,
        stdout=stdout if stdout is not None else PIPE if capture else None,
        stderr=STDOUT if stdout is not None else PIPE if capture else None,
        text=True,
        timeout=timeout,
        user=user,
        check=check,
        input=stdin_text,
    )


@dataclass(frozen=True)
class Measured:
    """A finished tool's exit code, its output, and the CPU seconds (user plus system) it and
    the children it waited for used."""

    returncode: int
    stdout: str
    cpu_s: float


def run_measured(argv: Sequence[str]) -> Measured:
    """Run a tool to its end in signoff's session, reading its output and its resource usage
    (which `run` cannot give); it is killed if the wait is cut short."""
    proc = subprocess.Popen(list(argv), stdout=PIPE, text=True)
    try:
        assert proc.stdout is not None
        with proc.stdout:
            text = proc.stdout.read()
        _, status, usage = os.wait4(proc.pid, 0)
    except BaseException:
        proc.kill()
        proc.wait()
        raise
    proc.returncode = os.waitstatus_to_exitcode(status)
    return Measured(proc.returncode, text, usage.ru_utime + usage.ru_stime)


def signal_group(pgid: int, sig: int) -> None:
    """Send `sig` to a process group that may be gone already."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


def end_group(proc: Popen[bytes], sig: int, timeout: float) -> None:
    """Send `sig` to the child's group, wait up to `timeout` for the child, then kill the group
    (a grandchild may linger after its leader is gone)."""
    try:
        if proc.poll() is None:
            signal_group(proc.pid, sig)
            with contextlib.suppress(TimeoutExpired):
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
    ended the same way and `TimeoutExpired` is raised.
    """
    proc = spawn(argv, cwd=cwd, env=env, stdout=stdout)
    began = time.monotonic()
    try:
        code = proc.wait(timeout=timeout)
    except TimeoutExpired:
        end_group(proc, interrupt, teardown_s)
        raise TimeoutExpired(list(argv), time.monotonic() - began) from None
    except BaseException:
        end_group(proc, interrupt, teardown_s)
        raise
    # The leader is done; what it left in its group is not.
    signal_group(proc.pid, signal.SIGKILL)
    return code
