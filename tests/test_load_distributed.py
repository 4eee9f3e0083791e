"""Distributed load across real network boundaries: the master, two workers and the target each
on its own host, made of network namespaces joined by veth pairs to a bridge (10.77.0.0/24).

The master is the load layer itself (signoff's recording, shape and live judge), run from this
test's thread inside the master's namespace; one worker is `signoff load-worker`, the other
plain `locust --worker` with the package's locustfile. The target counts requests by client
address, so the test sees which host sent what.
"""

from __future__ import annotations

import csv
import ctypes
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from signoff import config
from signoff.layers import LayerContext
from signoff.layers.run import run_layer
from signoff.load.engine import BUILTIN_LOCUSTFILE
from signoff.records import LayerRecord, Status

pytestmark = pytest.mark.stack

ROOT = Path(__file__).resolve().parents[1]
SUBNET = "10.77.0"
MASTER, W1, W2, TARGET = f"{SUBNET}.1", f"{SUBNET}.2", f"{SUBNET}.3", f"{SUBNET}.4"
PORT, MASTER_PORT = 8080, 5557
_CLONE_NEWNET = 0x40000000
_libc = ctypes.CDLL(None, use_errno=True)


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True, timeout=10)


@dataclass(frozen=True)
class Hosts:
    """Namespace names by role."""

    tag: str

    def ns(self, role: str) -> str:
        return f"so{self.tag}-{role}"

    def run(
        self, role: str, argv: list[str], log: Path, env: dict[str, str]
    ) -> subprocess.Popen[bytes]:
        with log.open("wb") as out:
            return subprocess.Popen(
                ["ip", "netns", "exec", self.ns(role), *argv],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )


def _teardown(hosts: Hosts, roles: list[str]) -> None:
    for role in [*roles, "br"]:
        with suppress(subprocess.CalledProcessError):
            _ip("netns", "del", hosts.ns(role))


@pytest.fixture(scope="module")
def hosts() -> Iterator[Hosts]:
    """Four hosts on one bridge (itself in a namespace, so the machine's own network is never
    touched); removed always, also when setting them up failed half-way."""
    made = Hosts(f"{os.getpid() % 100000}")
    roles = ["m", "w1", "w2", "t"]
    addresses = dict(zip(roles, (MASTER, W1, W2, TARGET), strict=True))
    try:
        _ip("netns", "add", made.ns("br"))
        _ip("-n", made.ns("br"), "link", "add", "br0", "type", "bridge")
        _ip("-n", made.ns("br"), "link", "set", "br0", "up")
        for index, role in enumerate(roles):
            ns, outside = made.ns(role), f"v{made.tag}{index}"
            _ip("netns", "add", ns)
            _ip("link", "add", outside, "type", "veth", "peer", "name", "eth0", "netns", ns)
            _ip("link", "set", outside, "netns", made.ns("br"))
            _ip("-n", made.ns("br"), "link", "set", outside, "master", "br0", "up")
            _ip("-n", ns, "addr", "add", f"{addresses[role]}/24", "dev", "eth0")
            _ip("-n", ns, "link", "set", "eth0", "up")
            _ip("-n", ns, "link", "set", "lo", "up")
        yield made
    finally:
        _teardown(made, roles)


@contextmanager
def inside(ns: str) -> Iterator[None]:
    """This thread (and every process and thread it starts) in namespace `ns` for a while."""
    with open("/proc/thread-self/ns/net") as home, open(f"/run/netns/{ns}") as there:
        if _libc.setns(there.fileno(), _CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), f"setns into {ns} failed")
        try:
            yield
        finally:
            _libc.setns(home.fileno(), _CLONE_NEWNET)


@pytest.fixture(scope="module")
def target(hosts: Hosts, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    log = tmp_path_factory.mktemp("target") / "target.log"
    argv = [sys.executable, "-m", "signoff.load.static", TARGET, str(PORT)]
    proc = hosts.run("t", argv, log, dict(os.environ))
    url = f"http://{TARGET}:{PORT}"
    try:
        with inside(hosts.ns("m")):
            for _ in range(100):
                with suppress(OSError):
                    urllib.request.urlopen(url + "/_counts", timeout=1).read()
                    break
                time.sleep(0.1)
        yield url
    finally:
        proc.kill()
        proc.wait()


def _counts(hosts: Hosts, url: str) -> dict[str, int]:
    with inside(hosts.ns("m")):
        found: dict[str, int] = json.loads(urllib.request.urlopen(url + "/_counts").read())
    return found


def _workers(hosts: Hosts, folder: Path) -> dict[str, subprocess.Popen[bytes]]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    master = f"{MASTER}:{MASTER_PORT}"
    first = [sys.executable, "-m", "signoff", "load-worker", "--master", master, "--name", "w1"]
    plain = [sys.executable, "-m", "locust", "-f", str(BUILTIN_LOCUSTFILE), "--worker"]
    plain += ["--master-host", MASTER, "--master-port", str(MASTER_PORT)]
    return {
        "w1": hosts.run("w1", first, folder / "w1.log", env),
        "w2": hosts.run("w2", plain, folder / "w2.log", {**env, "SIGNOFF_LOAD_WORKER_NAME": "w2"}),
    }


def _master(
    hosts: Hosts, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, url: str, steps: int
) -> LayerRecord:
    stage = {"phase": "step", "duration_s": 4.0, "users": 4, "users_step": 4, "repeat": steps}
    load: dict[str, Any] = {
        "locustfile": "",
        "workers": 0,
        "remote_workers": 2,
        "master_bind": MASTER,
        "master_port": MASTER_PORT,
        "abort_on_fail": False,
        "grace_s": 30.0,
        "mix": {"operations": [{"name": "GET /ping"}], "think_s": [0.05, 0.1]},
        "profiles": {
            "steps": {
                "pr": [{**stage, "spawn_rate": 20.0}],
                "budgets": {"step": {"error_rate": 0.05}},
            }
        },
    }
    cfg = config.load(overrides={"load": load})
    monkeypatch.setenv(cfg.target.auth.token_env, "unused")
    with inside(hosts.ns("m")):
        return run_layer(LayerContext(tmp_path, cfg, "pr", ["steps"], "url", url, "load"))


def _end(workers: dict[str, subprocess.Popen[bytes]]) -> dict[str, int | None]:
    codes: dict[str, int | None] = {}
    for name, proc in workers.items():
        try:
            codes[name] = proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            codes[name] = proc.wait()
    return codes


def test_workers_on_two_hosts_merge_into_one_record(
    hosts: Hosts, target: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = _counts(hosts, target)
    workers = _workers(hosts, tmp_path)
    try:
        record = _master(hosts, tmp_path, monkeypatch, target, steps=3)
    finally:
        codes = _end(workers)
    sent = _counts(hosts, target)
    assert record.status is Status.PASS, record.reasons
    assert codes == {"w1": 0, "w2": 0}
    profile = record.figures["profiles"]["steps"]
    senders = {name: s["requests"] for name, s in profile["senders"].items()}
    assert set(senders) == {"w1", "w2"}
    assert min(senders.values()) > 20
    # the merged histograms, with the seconds in which a step began (judged in neither step),
    # hold exactly what the workers sent, as Locust's own merge says
    merged = sum(p["endpoints"]["all"]["count"] for p in profile["phases"].values())
    merged += profile["requests between phases"]
    assert merged == sum(senders.values()) == record.figures["profiles"]["steps"]["requests"]
    stats = tmp_path / record.artifacts["steps_locust_stats_csv"]
    with stats.open(encoding="utf-8") as handle:
        rows = [r for r in csv.DictReader(handle) if r["Name"] == "Aggregated"]
    assert int(rows[0]["Request Count"]) == merged
    # and the target saw that load from the workers' addresses, only the probe from the master
    received = {host: sent.get(host, 0) - before.get(host, 0) for host in sent}
    for name, host in (("w1", W1), ("w2", W2)):
        # at most one request per user (6 per worker in the last step) in flight at the stop:
        # answered by the target, never recorded by its stopped user
        assert 0 <= received.get(host, 0) - senders[name] <= 6, (received, senders)
    assert set(received) - {W1, W2, MASTER} == set()
    assert received.get(MASTER, 0) < 40  # the readiness probe and the metrics scrapes
    # every phase names the generators' CPU per request
    for phase in profile["phases"].values():
        assert phase["generators"]["w1"]["cpu_ms_per_request"] > 0
        assert "cpu_core" in phase["generators"]["master"]


def test_a_worker_lost_mid_run_leaves_its_phases_on_incomplete_evidence(
    hosts: Hosts, target: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    workers = _workers(hosts, tmp_path)
    phases = tmp_path / "load" / "steps" / "phases.json"

    def kill_in_second_step() -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with suppress(OSError, ValueError):
                if len(json.loads(phases.read_text())["phases"]) >= 2:
                    workers["w2"].send_signal(signal.SIGKILL)  # a crash: no goodbye to the master
                    return
            time.sleep(0.1)

    killer = threading.Thread(target=kill_in_second_step, daemon=True)
    killer.start()
    try:
        record = _master(hosts, tmp_path, monkeypatch, target, steps=3)
    finally:
        killer.join(timeout=5)
        _end(workers)
    assert record.status is Status.INCONCLUSIVE
    lost = {c.name: c for c in record.checks if c.name.endswith("evidence from every worker")}
    assert set(lost) == {
        "steps phase 'step-2': evidence from every worker",
        "steps phase 'step-3': evidence from every worker",
    }
    assert "'w2'" in lost["steps phase 'step-2': evidence from every worker"].message
    assert "incomplete evidence" in " ".join(record.reasons)
    profile = record.figures["profiles"]["steps"]
    assert "w2" in profile["phases"]["step-2"]["lost_workers"]
    assert "lost_workers" not in profile["phases"]["step-1"]
    assert profile["senders"]["w2"]["phases"]["step-1"] > 0
