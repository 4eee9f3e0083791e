"""SIGINT, SIGTERM and SIGKILL at several points of a run leave nothing behind.

Each case runs the real `signoff` command with its own TMPDIR, records every process the run
started (orphans are re-parented, so the tree is recorded before the signal) and the ports they
listened on, signals it, and then counts what is left: processes, listening ports and the run's
temporary folders. After SIGKILL, nothing can clean up at once; the next start must reap it.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from signoff import config
from signoff.layers import LayerContext
from signoff.layers.run import run_layer
from signoff.records import Status
from signoff.stack.procs import port_open
from tests.conftest import ROOT, in_the_foreground
from tests.test_stack_teardown import gone

REAPED = re.compile(
    r"Reaped (\d+) processes and folder (\S+) left by an earlier run \(owner PID (\d+) is gone\)\."
)


def _stat(pid: int) -> list[str] | None:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None


def _cmdline(pid: int) -> list[str]:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")
    except OSError:
        return []


def _listening_inodes() -> dict[str, int]:
    inodes: dict[str, int] = {}
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == "0A":  # LISTEN
                inodes[fields[9]] = int(fields[1].rsplit(":", 1)[1], 16)
    return inodes


class Tree:
    """Every process a command started while it ran (pid -> start time) and their ports."""

    def __init__(self, root: int) -> None:
        self.root = root
        self.seen: dict[int, int] = {}
        self.ports: set[int] = set()
        self.folders: set[Path] = set()  # the run's temporary folders: where its servers work

    def scan(self) -> None:
        table = {
            pid: f
            for pid in map(int, filter(str.isdigit, os.listdir("/proc")))
            if (f := _stat(pid))
        }
        found, todo = set(), [self.root]
        while todo:
            parent = todo.pop()
            for pid, fields in table.items():
                if int(fields[1]) == parent and pid not in found:
                    found.add(pid)
                    todo.append(pid)
        inodes = _listening_inodes()
        for pid in found:
            self.seen.setdefault(pid, int(table[pid][19]))
            with contextlib.suppress(OSError):
                cwd = Path(os.readlink(f"/proc/{pid}/cwd"))
                if cwd.name.startswith("signoff-stack-") or cwd.parent.name.startswith(
                    "signoff-stack-"
                ):
                    self.folders.add(cwd if cwd.name.startswith("signoff-stack-") else cwd.parent)
            for fd in Path(f"/proc/{pid}").glob("fd/*"):
                try:
                    link = os.readlink(fd)
                except OSError:
                    continue
                if link.startswith("socket:[") and link[8:-1] in inodes:
                    self.ports.add(inodes[link[8:-1]])

    def alive(self) -> list[int]:
        return [
            pid
            for pid, start in self.seen.items()
            if (f := _stat(pid)) and f[0] not in ("Z", "X") and int(f[19]) == start
        ]

    def find(self, predicate: Callable[[list[str]], bool]) -> int | None:
        return next((pid for pid in self.alive() if predicate(_cmdline(pid))), None)

    def kill_all(self) -> None:
        for pid in self.alive():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


def run_folders(tmp: Path) -> list[str]:
    """The stack's temporary folders (the CLI's kept log folder is evidence, not one of them)."""
    return [
        p.name for p in tmp.glob("signoff-stack-*") if not p.name.startswith("signoff-stack-logs-")
    ]


class Run:
    """One `signoff` command in the background, its process tree watched."""

    def __init__(self, args: list[str], tmp: Path, cwd: Path = ROOT, **env: str) -> None:
        self.stderr_path = tmp / f"stderr-{time.monotonic_ns()}.log"
        # PYTHONFAULTHANDLER: a run that hangs is made to print every thread's stack (`stop`)
        self.env = dict(
            os.environ,
            TMPDIR=str(tmp),
            SIGNOFF_RUN_DIR=str(tmp / "run"),
            PYTHONFAULTHANDLER="1",
            **env,
        )
        self.env.pop("TMP", None)
        with self.stderr_path.open("wb") as err:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "signoff", *args],
                cwd=cwd,
                env=self.env,
                stdout=subprocess.PIPE,
                stderr=err,
                text=True,
                preexec_fn=in_the_foreground,
            )
        self.tree = Tree(self.proc.pid)

    @property
    def stderr(self) -> str:
        return self.stderr_path.read_text(errors="replace")

    def until(self, predicate: Callable[[], bool], what: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while not predicate():
            self.tree.scan()
            assert self.proc.poll() is None, f"signoff exited before {what}:\n{self.stderr}"
            assert time.monotonic() < deadline, f"no {what} within {timeout} s:\n{self.stderr}"
            time.sleep(0.01)
        self.tree.scan()

    def handle(self) -> dict[str, object]:
        """The handle `stack up --json` prints once the stack is ready."""
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        self.tree.scan()
        assert line, self.stderr
        return dict(json.loads(line))

    def stop(self, sig: int = signal.SIGINT) -> int:
        self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.send_signal(signal.SIGABRT)  # the fault handler prints where it hangs
            self.proc.wait()
            raise AssertionError(f"signoff did not end within 60 s:\n{self.stderr}") from None


def started(name: str) -> Callable[[list[str]], bool]:
    """A component of the ledger stack, recognised by its command line."""
    return {
        "redis": lambda argv: argv[0].startswith("redis-server"),
        "postgres": lambda argv: argv[0].endswith("/postgres"),
        "service": lambda argv: "serve" in argv,
    }[name]


def assert_nothing_left(tree: Tree, tmp: Path, settle: float = 0.0, alone: bool = True) -> None:
    """No process, listening port or folder of the run is left (`alone`: nor of any run).

    Without `settle` that must hold the moment signoff has exited: it waits for its teardown."""
    deadline = time.monotonic() + settle
    while tree.alive() and time.monotonic() < deadline:
        time.sleep(0.05)
    left = {pid: " ".join(_cmdline(pid))[:80] for pid in tree.alive()}
    assert not left, f"processes left: {left}"
    assert not [port for port in tree.ports if port_open(port)], "a port still listens"
    assert not [folder for folder in tree.folders if folder.exists()]
    if alone:
        assert not run_folders(tmp)


@pytest.fixture
def tmp() -> Iterator[Path]:
    """A TMPDIR of the run's own, traversable by the postgres user (pytest's is not)."""
    folder = Path(tempfile.mkdtemp(prefix="signoff-signals-"))
    folder.chmod(0o755)
    yield folder
    # what a failing case left, found without the mechanism under test: the run's TMPDIR is in
    # its processes' environment, or their working folder is under it
    for pid in map(int, filter(str.isdigit, os.listdir("/proc"))):
        with contextlib.suppress(OSError):
            env = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
            cwd = os.readlink(f"/proc/{pid}/cwd")
            if f"TMPDIR={folder}".encode() in env or cwd.startswith(str(folder)):
                os.kill(pid, signal.SIGKILL)
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def launch(tmp: Path) -> Iterator[Callable[..., Run]]:
    """Start `signoff` commands; whatever a failing test leaves is killed afterwards."""
    runs: list[Run] = []

    def start(*args: str, cwd: Path = ROOT, **env: str) -> Run:
        runs.append(Run(list(args), tmp, cwd, **env))
        return runs[-1]

    yield start
    for run in runs:
        if run.proc.poll() is None:
            run.proc.kill()
            run.proc.wait()
        if run.proc.stdout is not None:
            run.proc.stdout.close()
        run.tree.kill_all()


def next_start_reaps(
    launch: Callable[..., Run], tmp: Path, dead: Run, owner: int, alone: bool = True
) -> None:
    """The next start ends and removes what the killed run left, and says so."""
    left = dead.tree.alive()
    assert left, "SIGKILL should have left processes behind"
    assert [folder for folder in dead.tree.folders if folder.exists()]
    following = launch("stack", "up", "--json")
    following.handle()
    assert following.stop(signal.SIGINT) == 0
    said = REAPED.search(following.stderr)
    assert said, following.stderr
    assert int(said.group(3)) == owner
    assert int(said.group(1)) >= len(left)
    assert_nothing_left(dead.tree, tmp, settle=5, alone=alone)  # SIGKILL is not awaited
    assert_nothing_left(following.tree, tmp, alone=alone)


# ------------------------------------------------------------------ signoff stack up
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
@pytest.mark.stack
def test_stack_up_ready(launch: Callable[..., Run], tmp: Path, sig: int) -> None:
    run = launch("stack", "up", "--json")
    handle = run.handle()
    assert httpx.get(f"{handle['base_url']}/health/ready", timeout=5).status_code == 200
    assert len(run.tree.alive()) >= 4
    assert len(run.tree.ports) >= 3
    assert run.stop(sig) == 0
    assert_nothing_left(run.tree, tmp)


@pytest.mark.parametrize(
    ("sig", "point"),
    [
        (signal.SIGTERM, "redis"),
        (signal.SIGINT, "postgres"),
        (signal.SIGTERM, "service"),
    ],
    ids=["SIGTERM-at-redis", "SIGINT-at-postgres", "SIGTERM-at-service"],
)
@pytest.mark.stack
def test_stack_up_while_starting(
    launch: Callable[..., Run], tmp: Path, sig: int, point: str
) -> None:
    run = launch("stack", "up", "--json")
    run.until(lambda: run.tree.find(started(point)) is not None, f"{point} started")
    assert run.stop(sig) == 0
    assert_nothing_left(run.tree, tmp)


@pytest.mark.stack
def test_stack_up_hears_one_interrupt_and_finishes_its_teardown(
    launch: Callable[..., Run], tmp: Path
) -> None:
    """Ctrl-C pressed again while the stack stops (or a second signal) does not cut the
    teardown short: the run still ends cleanly and leaves nothing."""
    run = launch("stack", "up", "--json")
    run.handle()
    run.proc.send_signal(signal.SIGINT)
    run.until(lambda: "Stopping the stack" in run.stderr, "the teardown began")
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGINT):
        run.proc.send_signal(sig)
    assert run.proc.wait(timeout=60) == 0, run.stderr
    assert "Interrupted" not in run.stderr
    assert_nothing_left(run.tree, tmp)


@pytest.mark.stack
def test_stack_up_sigkill_is_reaped_by_the_next_start_and_a_live_run_is_not(
    launch: Callable[..., Run], tmp: Path
) -> None:
    dead, live = launch("stack", "up", "--json"), launch("stack", "up", "--json")
    dead.handle()
    live_url = str(live.handle()["base_url"])
    assert dead.stop(signal.SIGKILL) == -signal.SIGKILL
    next_start_reaps(launch, tmp, dead, dead.proc.pid, alone=False)
    # the parallel run's owner is alive: its stack was not touched
    assert httpx.get(f"{live_url}/health/ready", timeout=5).status_code == 200
    assert len(live.tree.alive()) == len(live.tree.seen)
    assert live.tree.folders
    assert all(folder.exists() for folder in live.tree.folders)
    assert live.stop(signal.SIGTERM) == 0
    assert_nothing_left(live.tree, tmp)


@pytest.mark.stack
def test_sigkill_while_starting_is_reaped_by_the_next_start(
    launch: Callable[..., Run], tmp: Path
) -> None:
    dead = launch("stack", "up", "--json")
    dead.until(lambda: dead.tree.find(started("postgres")) is not None, "postgres started")
    assert dead.stop(signal.SIGKILL) == -signal.SIGKILL
    next_start_reaps(launch, tmp, dead, dead.proc.pid)


# ------------------------------------------------------------------ a declared pytest layer
@pytest.fixture
def project(tmp: Path) -> Path:
    """A project whose one declared layer holds the ledger's stack up in a sleeping test."""
    folder = tmp / "project"
    (folder / "suite").mkdir(parents=True)
    target = config.find_config_file(ROOT)
    assert target is not None
    table = dict(target[1]["target"])
    table["cwd"] = str(ROOT / table["cwd"])
    table["python_path"] = [str(ROOT / p) for p in table["python_path"]]
    table.pop("requirements", None)
    layer = {"kind": "pytest", "paths": ["suite"], "coverage": "none"}
    text = config.dumps({"target": table, "layers": {"holds": layer}})
    (folder / "pyproject.toml").write_text(text, encoding="utf-8")
    (folder / "suite" / "test_holds.py").write_text(
        "import os, pathlib, time\n\n\n"
        "def test_holds_the_stack(stack):\n"
        "    pathlib.Path(os.environ['SIGNALS_READY']).write_text(stack.base_url)\n"
        "    time.sleep(300)\n",
        encoding="utf-8",
    )
    return folder


def layer(launch: Callable[..., Run], project: Path) -> tuple[Run, Path]:
    ready = project / "ready"
    return launch("layer", "holds", cwd=project, SIGNALS_READY=str(ready)), ready


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
@pytest.mark.stack
def test_layer_with_the_stack_up(
    launch: Callable[..., Run], tmp: Path, project: Path, sig: int
) -> None:
    run, ready = layer(launch, project)
    run.until(ready.exists, "the test holding the stack")
    assert len(run.tree.alive()) >= 5
    assert run.stop(sig) == 130
    assert_nothing_left(run.tree, tmp)


@pytest.mark.stack
def test_layer_while_the_stack_starts(launch: Callable[..., Run], tmp: Path, project: Path) -> None:
    run, _ = layer(launch, project)
    run.until(lambda: run.tree.find(started("postgres")) is not None, "postgres started")
    assert run.stop(signal.SIGTERM) == 130
    assert_nothing_left(run.tree, tmp)


@pytest.mark.stack
def test_layer_sigkill_of_signoff_reaches_its_pytest(
    launch: Callable[..., Run], tmp: Path, project: Path
) -> None:
    run, ready = layer(launch, project)
    run.until(ready.exists, "the test holding the stack")
    assert run.stop(signal.SIGKILL) == -signal.SIGKILL
    # pytest is told by the kernel that its parent died, and tears the stack down itself
    assert_nothing_left(run.tree, tmp, settle=30)


@pytest.mark.stack
def test_layer_sigkill_of_the_stack_owner_is_reaped_by_the_next_start(
    launch: Callable[..., Run], tmp: Path, project: Path
) -> None:
    run, ready = layer(launch, project)
    run.until(ready.exists, "the test holding the stack")
    owner = run.tree.find(lambda argv: "pytest" in argv)
    assert owner is not None
    os.kill(owner, signal.SIGKILL)
    assert run.proc.wait(timeout=60) == 1  # the layer ended without a record: not a pass
    next_start_reaps(launch, tmp, run, owner)


# ------------------------------------------------------------------ a declared command layer
def test_command_past_its_timeout_is_ended_with_its_whole_group(tmp_path: Path) -> None:
    pid_file = tmp_path / "grandchild.pid"
    script = f"sleep 300 & echo $! > {pid_file}; sleep 300; :"
    declared = {"kind": "command", "command": ["sh", "-c", script], "timeout_s": 1.0}
    cfg = config.load(ROOT, overrides={"layers": {"slow": declared}})
    ctx = LayerContext(run_dir=tmp_path / "run", config=cfg, profile="pr", name="slow")
    began = time.monotonic()
    record = run_layer(ctx)
    assert record.status is Status.INCONCLUSIVE
    assert "did not finish within 1 s" in record.checks[0].message
    assert time.monotonic() - began < 10
    # the shell's background child ignores SIGINT; it must not outlive the layer
    assert gone([int(pid_file.read_text())])


def test_the_forwarded_interrupt_is_heard_where_signoff_runs_with_sigint_ignored() -> None:
    # A shell's background job starts with SIGINT ignored, and children inherit that.
    script = (
        "import subprocess, time\n"
        "from signoff.children import run_child\n"
        "began = time.monotonic()\n"
        "try:\n"
        "    run_child(['sleep', '300'], '.', {}, timeout=0.5)\n"
        "except subprocess.TimeoutExpired:\n"
        "    print(round(time.monotonic() - began, 1))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),
    )
    assert float(done.stdout) < 5, "the child ignored SIGINT and waited out its teardown time"
