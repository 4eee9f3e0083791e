"""The run label of an embedded stack, and the reaper of what a killed run left behind.

Each local stack writes `signoff-run.json` into its temporary folder before it starts anything:
its owner (PID and start time), its ports, and each process it starts (the leader of its own
process group). Its processes also carry `SIGNOFF_STACK_LABEL=<folder>` in their environment.
A start looks for markers whose owner is gone (SIGKILL leaves no chance to clean up), ends their
processes and removes their folders, as testcontainers' Ryuk does for a dead test session.
A marker whose owner is alive belongs to a parallel run and is never touched.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from signoff.children import signal_group

MARKER = "signoff-run.json"
LABEL_ENV = "SIGNOFF_STACK_LABEL"
FOLDER_PREFIX = "signoff-stack-"
# seconds a reaped server gets for its own quick exit (PostgreSQL frees its shared memory)
QUICK_EXIT_S = 5.0


def _stat(pid: int) -> list[str] | None:
    """Fields of /proc/<pid>/stat after the command name (state first); None if gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return None
    return text.rsplit(")", 1)[1].split()


def start_time(pid: int) -> int | None:
    """When the process started (clock ticks since boot), or None if it is gone or a zombie;
    with its PID it names a process even after the PID is reused."""
    fields = _stat(pid)
    if fields is None or fields[0] in ("Z", "X"):
        return None
    return int(fields[19])


def _pids() -> list[int]:
    return [int(entry.name) for entry in Path("/proc").iterdir() if entry.name.isdigit()]


def _carries(pid: int, folder: Path) -> bool:
    """Whether the process carries the run's label, or works inside its folder (PostgreSQL and
    Redis overwrite their environment with their process title; their cwd stays)."""
    with contextlib.suppress(OSError):
        label = f"{LABEL_ENV}={folder}".encode()
        if label in Path(f"/proc/{pid}/environ").read_bytes().split(b"\0"):
            return True
    with contextlib.suppress(OSError):
        return Path(os.readlink(f"/proc/{pid}/cwd")).is_relative_to(folder)
    return False


@dataclass
class RunLabel:
    """The marker of one local stack run, rewritten as each of its processes starts."""

    folder: Path
    owner: int = field(default_factory=os.getpid)
    owner_start: int | None = None
    ports: dict[str, int] = field(default_factory=dict)
    # name -> {"pid", "start", "signal"}: the group leader and the signal for a quick exit
    processes: dict[str, dict[str, int | None]] = field(default_factory=dict)

    @classmethod
    def create(cls, folder: Path, ports: dict[str, int]) -> RunLabel:
        label = cls(folder, owner_start=start_time(os.getpid()), ports=dict(ports))
        label.write()
        return label

    @classmethod
    def read(cls, folder: Path) -> RunLabel | None:
        try:
            data = json.loads((folder / MARKER).read_text(encoding="utf-8"))
            return cls(
                Path(data["folder"]),  # the very path its processes were labelled with
                int(data["owner"]),
                data["owner_start"],
                dict(data["ports"]),
                dict(data["processes"]),
            )
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def env(self) -> dict[str, str]:
        return {LABEL_ENV: str(self.folder)}

    def add(self, name: str, pid: int, quick_exit: int = signal.SIGKILL) -> None:
        self.processes[name] = {"pid": pid, "start": start_time(pid), "signal": int(quick_exit)}
        self.write()

    def write(self) -> None:
        data = asdict(self)
        data["folder"] = str(self.folder)
        staging = self.folder / f".{MARKER}.{os.getpid()}"
        staging.write_text(json.dumps(data, indent=1), encoding="utf-8")
        os.chmod(staging, 0o644)  # writable by us alone, or a reaper will not trust it
        os.replace(staging, self.folder / MARKER)  # a reader never sees half a marker

    def owner_alive(self) -> bool:
        return self.owner_start is not None and start_time(self.owner) == self.owner_start


def _ours(folder: Path) -> bool:
    """Whether we made the folder and its marker: /tmp is everyone's, and a marker names
    processes to kill."""
    try:
        return all(
            path.stat().st_uid == os.geteuid() and not path.stat().st_mode & 0o022
            for path in (folder, folder / MARKER)
        )
    except OSError:
        return False


def _table() -> dict[int, tuple[int, int, int]]:
    """Every live process: pid -> (parent, process group, start time)."""
    table = {}
    for pid in _pids():
        fields = _stat(pid)
        if fields is not None and fields[0] not in ("Z", "X"):
            table[pid] = (int(fields[1]), int(fields[2]), int(fields[19]))
    return table


def _members(label: RunLabel, table: dict[int, tuple[int, int, int]]) -> dict[int, int]:
    """The run's live processes (pid -> start time): its recorded groups, their descendants
    (PostgreSQL puts each backend in a group of its own) and whatever carries the label."""
    found: dict[int, int] = {}
    for entry in label.processes.values():
        leader = entry.get("pid")
        group = {pid for pid, (_, pgrp, _) in table.items() if pgrp == leader}
        ours = leader in table and table[leader][2] == entry.get("start")
        if ours or any(_carries(pid, label.folder) for pid in group):
            found.update({pid: table[pid][2] for pid in group})
    found.update(
        {
            pid: row[2]
            for pid, row in table.items()
            if pid not in found and _carries(pid, label.folder)
        }
    )
    grew = True
    while grew:  # descendants
        grew = False
        for pid, (parent, _, start) in table.items():
            if parent in found and pid not in found:
                found[pid] = start
                grew = True
    found.pop(os.getpid(), None)
    return found


def end_run(label: RunLabel) -> int:
    """End every process of the run: its recorded groups get their quick-exit signal (SIGQUIT
    lets PostgreSQL end its backends and free its shared memory), then whatever is left of the
    run is killed. Returns how many processes it ended."""
    members = _members(label, _table())
    # a server with a quick exit of its own (PostgreSQL) ends its children and frees its memory
    gentle = [
        (leader, signum)
        for entry in label.processes.values()
        if (leader := entry.get("pid")) in members
        and (signum := entry.get("signal") or signal.SIGKILL) != signal.SIGKILL
    ]
    for leader, signum in gentle:
        signal_group(leader, signum)
    deadline = time.monotonic() + QUICK_EXIT_S
    while any(start_time(pid) == members[pid] for pid, _ in gentle):
        if time.monotonic() > deadline:
            break
        time.sleep(0.05)
    # each recorded group at once: killed one by one, a shell whose child died first would
    # go on (and exit by itself) before its own kill arrived
    for entry in label.processes.values():
        leader = entry.get("pid")
        if leader in members and start_time(leader) == members[leader]:
            signal_group(leader, signal.SIGKILL)
    for pid, start in members.items():
        if start_time(pid) == start:  # still the same process, not a reused PID
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
    return len(members)


def remove_folder(folder: Path) -> None:
    """Remove a run's folder, its marker last: cut short, it is still found and reaped."""
    with contextlib.suppress(OSError):
        for entry in folder.iterdir():
            if entry.name == MARKER:
                continue
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink(missing_ok=True)
    (folder / MARKER).unlink(missing_ok=True)
    shutil.rmtree(folder, ignore_errors=True)


def reap(tmp_root: Path | None = None) -> list[str]:
    """End and remove every stack run under `tmp_root` whose owner is gone; one line each."""
    root = Path(tmp_root or tempfile.gettempdir())
    said: list[str] = []
    for folder in sorted(root.glob(f"{FOLDER_PREFIX}*")):
        label = RunLabel.read(folder) if _ours(folder) else None
        if label is None or label.folder.resolve() != folder.resolve() or label.owner_alive():
            continue
        count = end_run(label)
        remove_folder(folder)
        line = (
            f"Reaped {count} processes and folder {folder} left by an earlier run "
            f"(owner PID {label.owner} is gone)."
        )
        print(line, file=sys.stderr, flush=True)
        said.append(line)
    return said
