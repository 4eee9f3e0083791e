"""Child processes of the embedded stack: started with a log file and the run's label, waited on,
always stopped."""

from __future__ import annotations

import contextlib
import os
import pwd
import signal
import socket
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from signoff import children
from signoff.children import Popen, end_group, spawn
from signoff.errors import StackStartError
from signoff.interrupts import quiet
from signoff.stack.reap import RunLabel


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    """Whether something accepts TCP connections on host:port."""
    with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=0.2):
        return True
    return False


def log_tail(path: Path, lines: int = 15) -> str:
    """The last lines of a log, for error messages."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    return "\n".join(text.rstrip().splitlines()[-lines:])


def run_step(argv: list[str], env: Mapping[str, str], cwd: Path, log: Path, timeout: float) -> None:
    """Run one setup command to its end, its output appended to `log`; a failure says why."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("a", encoding="utf-8") as out:
        out.write("$ " + " ".join(argv) + "\n")
        out.flush()
        try:
            done = children.run(argv, env=env, cwd=cwd, stdout=out, timeout=timeout)
        except FileNotFoundError:
            raise StackStartError(
                f"The setup step {' '.join(argv)} cannot start: {argv[0]} was not found.",
                hint="give the program's path, or install it where the stack runs.",
            ) from None
    if done.returncode != 0:
        raise StackStartError(
            f"The setup step {' '.join(argv)} failed (code {done.returncode}); read {log}.",
            hint=f"last lines of the log:\n{log_tail(log)}",
        )


class ManagedProcess:
    """A child in its own process group, logging to a file, that `stop()` always ends.

    The own process group keeps a terminal's Ctrl-C from killing the child before the
    orderly teardown runs, and lets `stop()` end grandchildren too. With a run `label` the child
    carries it in its environment and is recorded in the run's marker as it starts, so that a
    later start can reap it if this process dies without stopping it.
    """

    def __init__(
        self,
        name: str,
        argv: Sequence[str],
        log: Path,
        env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
        user: str | None = None,
        stop_signal: int = signal.SIGTERM,
        label: RunLabel | None = None,
        quick_exit: int = signal.SIGKILL,
    ) -> None:
        self.name = name
        self.argv = list(argv)
        self.log = log
        self.env = dict(env) if env is not None else None
        self.cwd = cwd
        self.user = user
        self.stop_signal = stop_signal
        self.label = label
        self.quick_exit = quick_exit
        self.proc: Popen[bytes] | None = None

    @property
    def pid(self) -> int:
        if self.proc is None:
            raise RuntimeError(f"{self.name} is not running")
        return self.proc.pid

    def start(self) -> None:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        env = self.env
        if self.label is not None:
            env = {**(os.environ if env is None else env), **self.label.env()}
        with self.log.open("ab") as out:
            if self.user is not None:
                with contextlib.suppress(KeyError, PermissionError):
                    os.chown(self.log, pwd.getpwnam(self.user).pw_uid, -1)
            try:
                # the stack outlives the thread that starts it: its teardown or reaper ends it
                self.proc = spawn(
                    self.argv,
                    stdout=out,
                    env=env,
                    cwd=self.cwd,
                    user=self.user,
                    dies_with_signoff=False,
                )
            except FileNotFoundError as exc:
                raise StackStartError(
                    f"Cannot start {self.name}: {self.argv[0]} was not found.",
                    hint="install the stack's system packages (see the README's quick start).",
                ) from exc
        if self.label is not None:
            self.label.add(self.name, self.proc.pid, self.quick_exit)

    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self, timeout: float = 10.0, sig: int | None = None) -> None:
        """Signal the process group, wait up to `timeout`, then kill it; idempotent."""
        proc = self.proc
        if proc is None:
            return
        end_group(proc, sig if sig is not None else self.stop_signal, timeout)
        self.proc = None

    def kill(self) -> None:
        """End the process group at once, as a crash would."""
        self.stop(timeout=5, sig=signal.SIGKILL)

    def wait_ready(self, check: Callable[[], bool], timeout: float, what: str) -> None:
        """Poll `check` until it is true; fail fast if the process exits, or after `timeout`."""
        deadline = time.monotonic() + timeout
        # polled tightly: a start waits on this several times, and each wasted poll is the stack's
        delay = 0.01
        while True:
            if not self.running():
                code = self.proc.returncode if self.proc else None
                raise StackStartError(
                    f"{self.name} exited (code {code}) before {what}; read {self.log}.",
                    hint=f"last lines of the log:\n{log_tail(self.log)}",
                )
            with contextlib.suppress(Exception):
                if check():
                    return
            if time.monotonic() > deadline:
                raise StackStartError(
                    f"{self.name} did not become ready ({what}) within {timeout:g} s; "
                    f"read {self.log}.",
                    hint=f"last lines of the log:\n{log_tail(self.log)}",
                )
            time.sleep(delay)
            delay = min(delay * 1.5, 0.05)


def stop_together(procs: list[ManagedProcess], timeout: float) -> None:
    """Stop every process at once (each one's wait is mostly the process's own shutdown)."""
    threads = [threading.Thread(target=proc.stop, args=(timeout,)) for proc in procs[1:]]
    for thread in threads:
        quiet(thread.start)
    try:
        if procs:
            procs[0].stop(timeout)
    finally:
        for thread in threads:
            thread.join()
