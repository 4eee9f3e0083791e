"""Who hears Ctrl-C and SIGTERM: the main thread, and nobody once a teardown has begun.

Python runs its signal handlers in the main thread, but the kernel may hand a signal sent to the
process to any thread that does not block it. Taken by a helper thread, an interrupt is noticed
only when the main thread next runs Python code: a main thread waiting in a system call (a
`sleep`, a `wait` on a child) waits on. A helper started through `quiet` blocks both signals; it
must start no child program, which would inherit that mask.

Python marks a Ctrl-C that passed through code compiled from a string (`exec`, as a dataclass is
made while a module loads) as unhandled, even when a caller handles it later; `python -m` then
ends by killing itself with SIGINT, whatever the exit code. `forget_handled` clears that mark.

A command that ends by tearing down what it started calls `ignore` when the teardown begins: the
teardown is bounded by its own timeouts, and a second interrupt cutting it short would leave
processes behind.
"""

from __future__ import annotations

import signal
from collections.abc import Callable

INTERRUPTS = frozenset({signal.SIGINT, signal.SIGTERM})


def quiet(start: Callable[[], None]) -> None:
    """Call `start` (a thread's `start`) with the interrupts blocked: the new thread inherits
    that mask, and the caller's own mask is restored at once."""
    held = signal.pthread_sigmask(signal.SIG_BLOCK, INTERRUPTS)
    try:
        start()
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)


def ignore() -> None:
    """Hear no further interrupt, to the process's end (a command's last step: its teardown).
    A program started afterwards inherits the ignoring: only bounded tools belong there."""
    for signum in INTERRUPTS:
        signal.signal(signum, signal.SIG_IGN)


def forget_handled() -> None:
    """Clear Python's mark of an unhandled Ctrl-C: called once every interrupt was handled.

    The mark is cleared each time a string is compiled and run; an empty one changes nothing
    else."""
    exec("")  # nosec B102: a constant, empty program
