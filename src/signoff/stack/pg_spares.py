"""Spare copies of the PostgreSQL template cluster, so that a start renames a folder instead of
copying a thousand files while the stack waits.

A start claims one spare by renaming it into its own folder (a rename either wins or fails, so two
runs never share a spare) and then makes the next spare in a background thread. A copy cut short
(the process died) is a staging folder whose owner is gone; the next refill removes it.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

from signoff.interrupts import quiet

KEEP = 1  # spares kept per template: one is enough for runs that start stacks one at a time
_STAGING = "staging-"
_SPARE = "spare-"
_lock = threading.Lock()
_copying: list[threading.Thread] = []  # refills started by this process
SETTLE_S = 30.0  # the longest a teardown waits for a copy (one takes well under a second)


def folder(template: Path) -> Path:
    """Where spares of `template` live: beside the stacks' temporary folders, so a claim is a
    rename within one file system."""
    return Path(tempfile.gettempdir()) / f"signoff-pg-spares-{template.name}"


def claim(template: Path, data: Path) -> bool:
    """Move a ready spare to `data`; False when there is none (or another run took it)."""
    home = folder(template)
    for spare in sorted(home.glob(f"{_SPARE}*")) if home.is_dir() else []:
        try:
            os.rename(spare, data)
        except OSError:
            continue  # another run claimed it first
        return True
    return False


def refill(template: Path, copy: Callable[[Path], None]) -> None:
    """Make spares up to KEEP in a daemon thread; a failed copy leaves no spare behind."""
    thread = threading.Thread(target=_refill, args=(template, copy), daemon=True)
    quiet(thread.start)
    _copying.append(thread)


def settle(timeout: float = SETTLE_S) -> None:
    """Wait (bounded) for the spares being made: a stack's teardown calls it, so that no copy
    is still running while the process exits (a thread cut off mid-copy by the interpreter's
    shutdown is a hazard; a copy cut short by a crash leaves a staging folder the next refill
    removes)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            thread = _copying.pop()  # another stack's teardown may be settling too
        except IndexError:
            return
        thread.join(max(0.0, deadline - time.monotonic()))


def _refill(template: Path, copy: Callable[[Path], None]) -> None:
    home = folder(template)
    with _lock:
        home.mkdir(mode=0o755, exist_ok=True)
        _remove_orphans(home)
        if len(list(home.glob(f"{_SPARE}*"))) >= KEEP:
            return
        staging = home / f"{_STAGING}{os.getpid()}-{threading.get_ident()}"
        try:
            copy(staging)
            os.rename(staging, home / f"{_SPARE}{secrets.token_hex(4)}")
        except OSError:
            shutil.rmtree(staging, ignore_errors=True)


def _remove_orphans(home: Path) -> None:
    """Staging folders of processes that are gone: copies cut short."""
    for staging in home.glob(f"{_STAGING}*"):
        pid = int(staging.name.removeprefix(_STAGING).split("-")[0] or 0)
        if pid == os.getpid() or _alive(pid):
            continue
        with contextlib.suppress(OSError):
            shutil.rmtree(staging)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
