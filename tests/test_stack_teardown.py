"""Teardown always runs and leaves no process or listening port behind; start errors are clear."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

import httpx
import pytest

from signoff import config
from signoff.errors import StackStartError
from signoff.stack.local import LocalProvider
from signoff.stack.procs import port_open
from tests.conftest import ROOT

pytestmark = pytest.mark.stack


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


def test_stop_leaves_no_process_port_or_folder(tmp_path: Path) -> None:
    provider = LocalProvider(config.load(ROOT).target, ROOT, tmp_path / "logs")
    with provider as handle:
        pids = [proc.pid for proc in provider.procs.values()]
        ports = list(provider.ports.values())
        workdir = provider.workdir
        assert handle.token
        assert all(port_open(port) for port in ports)
    assert pids
    assert not [pid for pid in pids if alive(pid)]
    assert not [port for port in ports if port_open(port)]
    assert workdir is not None
    assert not workdir.exists()
    for name in ("postgres", "redis", "service", "worker"):
        assert (tmp_path / "logs" / f"{name}.log").exists(), name


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


def test_stack_up_tears_down_on_ctrl_c(tmp_path: Path) -> None:
    env = dict(os.environ, SIGNOFF_RUN_DIR=str(tmp_path / "run"))
    with subprocess.Popen(
        [sys.executable, "-m", "signoff", "stack", "up", "--json"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
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
