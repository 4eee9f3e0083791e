"""Teardown always runs and leaves no process or listening port behind; every process carries the
run's label, a start reaps what a killed run left, and start errors are clear."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import httpx
import pytest

from signoff import config
from signoff.errors import ProviderUnavailable, StackStartError, UsageError
from signoff.stack import postgres, reap
from signoff.stack.local import LocalProvider
from signoff.stack.procs import port_open
from signoff.stack.select import choose_provider
from tests.conftest import ROOT, in_the_foreground


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is dead for our purposes.
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return False


def gone(pids: list[int], within: float = 5.0) -> bool:
    """Whether all of them end within a moment (SIGKILL is delivered, not awaited)."""
    deadline = time.monotonic() + within
    while any(alive(pid) for pid in pids):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def processes_mentioning(text: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            if text in cmdline and alive(int(entry.name)):
                found.append(int(entry.name))
    return found


def environ(pid: int) -> list[bytes]:
    return Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")


@pytest.mark.stack
def test_stop_leaves_no_process_port_or_folder(tmp_path: Path) -> None:
    provider = LocalProvider(config.load(ROOT).target, ROOT, tmp_path / "logs")
    with provider as handle:
        pids = [proc.pid for proc in provider.procs.values()]
        ports = list(provider.ports.values())
        workdir = provider.workdir
        assert workdir is not None
        assert handle.token
        assert all(port_open(port) for port in ports)
        # the marker names the owner, every process as it started, and the ports
        marker = json.loads((workdir / reap.MARKER).read_text())
        assert marker["owner"] == os.getpid()
        assert sorted(e["pid"] for e in marker["processes"].values()) == sorted(pids)
        assert marker["ports"] == provider.ports
        label = f"{reap.LABEL_ENV}={workdir}".encode()
        assert label in environ(provider.procs["worker"].pid)
        # a process the provider lost track of (as an interrupted start can) is still ended
        lost = provider.procs.pop("worker")
    assert pids
    assert lost.proc is not None
    try:
        assert lost.proc.wait(timeout=5) == -signal.SIGKILL
    finally:
        lost.kill()
    assert not [pid for pid in pids if alive(pid)]
    assert not [port for port in ports if port_open(port)]
    assert not workdir.exists()
    for name in ("postgres", "redis", "service", "worker"):
        assert (tmp_path / "logs" / f"{name}.log").exists(), name


@pytest.mark.stack
def test_component_that_never_gets_ready_is_named_with_its_log(tmp_path: Path) -> None:
    # The service is pointed at a database port where nothing listens.
    provider = LocalProvider(
        config.load(ROOT).target,
        ROOT,
        tmp_path / "logs",
        ready_timeout=4,
        service_env={"LEDGER_DATABASE_URL": "postgresql://postgres@127.0.0.1:9/x"},
    )
    with pytest.raises(StackStartError) as caught, provider:
        pass
    message = caught.value.message
    assert "service" in message
    assert str(tmp_path / "logs" / "service.log") in message
    assert not provider.procs
    assert provider.workdir is None


@pytest.mark.stack
def test_stack_up_tears_down_on_ctrl_c(tmp_path: Path) -> None:
    env = dict(os.environ, SIGNOFF_RUN_DIR=str(tmp_path / "run"))
    with subprocess.Popen(
        [sys.executable, "-m", "signoff", "stack", "up", "--json"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=in_the_foreground,
    ) as proc:
        try:
            assert proc.stdout is not None
            line = proc.stdout.readline()
            assert line, proc.stderr.read() if proc.stderr else ""
            handle = json.loads(line)
            ready = httpx.get(f"{handle['base_url']}/health/ready", timeout=5).json()
            assert ready["components"]["postgres"]["status"] == "ok"
            assert ready["components"]["redis"]["status"] == "ok"
            jobs = httpx.get(
                f"{handle['base_url']}/api/v1/jobs",
                timeout=5,
                headers={"Authorization": f"Bearer {handle['token']}"},
            )
            assert jobs.status_code == 200
            ports = [
                urlparse(u).port
                for u in (
                    handle["base_url"],
                    handle["services"]["postgres"],
                    handle["services"]["redis"],
                )
            ]
            proc.send_signal(signal.SIGINT)
            assert proc.wait(timeout=30) == 0
        finally:
            if proc.poll() is None:
                proc.kill()
    time.sleep(0.2)
    assert not [port for port in ports if port and port_open(port)]
    for port in ports:
        assert not processes_mentioning(f" {port} "), port
    assert Path(handle["logs"]).is_dir()  # the logs are kept, as `stack up` prints
    shutil.rmtree(handle["logs"])


# ------------------------------------------------------------------ the reaper, on real processes
def dead_pid() -> int:
    with subprocess.Popen(["true"]) as proc:
        proc.wait()
    return proc.pid


def abandoned_run(
    root: Path, owner: int, owner_start: int | None
) -> tuple[Path, list[subprocess.Popen[bytes]]]:
    """A run folder as a killed run leaves it: a recorded process group (a shell and two
    children) and a process it never got to record, working in the folder."""
    folder = root / f"{reap.FOLDER_PREFIX}abandoned"
    folder.mkdir(mode=0o755)
    label = reap.RunLabel(folder, owner=owner, owner_start=owner_start, ports={"service": 9})
    label.write()
    env = {**os.environ, **label.env()}
    group = subprocess.Popen(
        ["sh", "-c", "sleep 60 & sleep 60; :"], env=env, start_new_session=True
    )
    label.add("service", group.pid)
    unrecorded = subprocess.Popen(["sleep", "60"], cwd=folder, start_new_session=True)
    time.sleep(0.2)  # the shell has started its children
    return folder, [group, unrecorded]


@contextlib.contextmanager
def ended(procs: list[subprocess.Popen[bytes]]) -> Iterator[list[int]]:
    try:
        yield [proc.pid for proc in procs]
    finally:
        for proc in procs:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def test_a_run_whose_owner_is_gone_is_reaped(tmp_path: Path) -> None:
    owner = dead_pid()
    folder, procs = abandoned_run(tmp_path, owner, 12345)
    with ended(procs) as pids:
        said = reap.reap(tmp_path)
        assert said == [
            f"Reaped 4 processes and folder {folder} left by an earlier run "
            f"(owner PID {owner} is gone)."
        ]
        assert [proc.wait(timeout=5) for proc in procs] == [-signal.SIGKILL] * 2
        assert gone(pids)
        assert not folder.exists()


@pytest.mark.parametrize("case", ["owner alive", "marker writable by others"])
def test_a_run_that_is_not_abandoned_or_not_ours_is_left_alone(tmp_path: Path, case: str) -> None:
    owner = os.getpid()
    folder, procs = abandoned_run(tmp_path, owner, reap.start_time(owner))
    if case == "marker writable by others":
        (folder / reap.MARKER).write_text(
            (folder / reap.MARKER).read_text().replace(str(owner), str(dead_pid()), 1)
        )
        (folder / reap.MARKER).chmod(0o666)
    with ended(procs) as pids:
        assert reap.reap(tmp_path) == []
        assert all(alive(pid) for pid in pids)
        assert (folder / reap.MARKER).exists()


# ------------------------------------------------------------------ overrides that point at nothing
def test_pg_bin_pointing_at_nothing_is_an_error_naming_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SIGNOFF_PG_BIN", "/nonexistent")
    with pytest.raises(ProviderUnavailable) as caught:
        choose_provider(config.load(ROOT), tmp_path, "local")
    assert "SIGNOFF_PG_BIN is /nonexistent" in caught.value.message
    assert "SIGNOFF_PG_BIN" in str(caught.value.hint)
    (tmp_path / "tmp").mkdir()
    done = subprocess.run(
        [sys.executable, "-m", "signoff", "stack", "up"],
        cwd=ROOT,
        env={**os.environ, "SIGNOFF_PG_BIN": "/nonexistent", "TMPDIR": str(tmp_path / "tmp")},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "signoff: error: SIGNOFF_PG_BIN is /nonexistent" in done.stderr
    assert not list((tmp_path / "tmp").iterdir()), "a stack that never started left a folder"
    assert "Tip: point SIGNOFF_PG_BIN at" in done.stderr


def test_missing_postgresql_keeps_its_tip(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SIGNOFF_PG_BIN", raising=False)
    monkeypatch.setattr(postgres, "SEARCH_ROOTS", (tmp_path / "nowhere",))
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(ProviderUnavailable) as caught:
        choose_provider(config.load(ROOT), tmp_path, "local")
    assert "PostgreSQL server binaries" in caught.value.message
    assert caught.value.hint == (
        "install them with `apt-get install -y postgresql`, or set SIGNOFF_PG_BIN."
    )


def test_unknown_provider_from_the_environment_names_the_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SIGNOFF_STACK", "docker")
    with pytest.raises(UsageError, match="SIGNOFF_STACK"):
        choose_provider(config.load(ROOT), tmp_path)
