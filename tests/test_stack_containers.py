"""The containers provider on a real Docker engine: the reference compose stack comes up healthy,
its handle reaches every component, fault controls act on containers, and nothing of a run is
left on the engine afterwards (after a normal stop, a Ctrl-C, and a SIGKILL).

The session starts the project's own engine (scripts/docker-engine.sh) and makes the base images
where none can be pulled (scripts/base-images.sh): both need root on a Debian machine, which is
what this project's CI and development machines are. Nothing here skips: a machine that cannot
run an engine fails these tests and says why.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import psycopg
import pytest
import redis
from coverage import CoverageData

from signoff import config
from signoff.environment import fingerprint
from signoff.stack import docker
from signoff.stack.containers import ContainersProvider
from signoff.stack.interface import StackHandle
from signoff.stack.select import choose_provider
from tests.conftest import ROOT, in_the_foreground

pytestmark = pytest.mark.stack
SIGNOFF = str(Path(sys.executable).parent / "signoff")


def _script(name: str, *args: str, timeout: float) -> str:
    done = subprocess.run(
        [str(ROOT / "scripts" / name), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if done.returncode != 0:
        pytest.fail(f"scripts/{name} {' '.join(args)} failed:\n{done.stderr[-2000:]}")
    return done.stdout


@pytest.fixture(scope="session")
def engine() -> Iterator[str]:
    """DOCKER_HOST of a running engine (the project's own), with the base images built."""
    before = os.environ.get("DOCKER_HOST")
    started = before is None or docker.engine_answers() is not None
    if started:
        line = _script("docker-engine.sh", "start", timeout=300).strip().splitlines()[-1]
        os.environ["DOCKER_HOST"] = line.removeprefix("DOCKER_HOST=")
    _script("base-images.sh", timeout=900)
    yield os.environ["DOCKER_HOST"]
    if started:  # the engine this session started does not outlive it (its images stay cached)
        _script("docker-engine.sh", "stop", timeout=120)
    if before is None:
        os.environ.pop("DOCKER_HOST", None)
    else:
        os.environ["DOCKER_HOST"] = before


def _of_project(project: str) -> dict[str, list[str]]:
    """Every container, network and volume the engine still holds for `project`."""
    found: dict[str, list[str]] = {}
    for kind, extra in (("container", ["-a"]), ("network", []), ("volume", [])):
        names: set[str] = set()
        for label in (f"{docker.PROJECT}={project}", f"{docker.LABEL}={project}"):
            argv = ["docker", kind, "ls", *extra, "-q", "--filter", f"label={label}"]
            names |= set(docker.run(argv, 30).stdout.split())
        found[kind] = sorted(names)
    return found


def _volumes_of(project: str) -> list[str]:
    """The volumes mounted into the project's containers, anonymous ones included."""
    ids = docker.run(
        ["docker", "ps", "-aq", "--filter", f"label={docker.PROJECT}={project}"], 30
    ).stdout.split()
    return sorted(
        {
            str(mount["Name"])
            for item in docker.inspect("container", ids)
            for mount in item.get("Mounts") or []
            if mount.get("Type") == "volume"
        }
    )


@pytest.fixture(scope="module")
def running(
    engine: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[ContainersProvider, StackHandle]]:
    """The reference stack on the engine, chosen as `--stack containers` chooses it."""
    logs = tmp_path_factory.mktemp("run") / "smoke" / "stack-logs"  # as a layer's stack logs
    chosen = choose_provider(config.load(ROOT), logs, "containers")
    assert isinstance(chosen, ContainersProvider)
    with chosen as handle:
        yield chosen, handle


@pytest.fixture(scope="module")
def provider(running: tuple[ContainersProvider, StackHandle]) -> ContainersProvider:
    return running[0]


@pytest.fixture(scope="module")
def handle(running: tuple[ContainersProvider, StackHandle]) -> StackHandle:
    return running[1]


def test_the_handle_reaches_every_component(
    provider: ContainersProvider, handle: StackHandle
) -> None:
    assert handle.provider == "containers"
    ready = httpx.get(f"{handle.base_url}/health/ready", timeout=5)
    assert ready.status_code == 200, ready.text
    assert ready.json()["status"] == "healthy"
    with handle.client() as client:
        assert client.get("/api/v1/jobs").status_code == 200
    assert httpx.get(f"{handle.base_url}/api/v1/jobs", timeout=5).status_code == 401
    assert handle.database_url
    assert handle.redis_url
    with psycopg.connect(handle.database_url, connect_timeout=5) as conn:
        row = conn.execute("SELECT count(*) FROM tenants").fetchone()
        assert row is not None
        assert row[0] >= 1
    assert redis.Redis.from_url(handle.redis_url, socket_timeout=5).ping()
    assert set(handle.images) == {"api", "worker", "postgres", "redis"}
    assert all("sha256:" in image for image in handle.images.values()), handle.images
    recorded = json.loads((provider.log_dir / "stack.json").read_text(encoding="utf-8"))
    assert recorded["provider"] == "containers"
    assert recorded["images"] == handle.images
    assert handle.callback_host != "127.0.0.1"  # the service cannot reach this loopback


def test_the_run_records_the_provider_and_its_images(
    provider: ContainersProvider, handle: StackHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SIGNOFF_STACK", raising=False)
    cfg = config.load(ROOT)
    found = fingerprint(cfg, [], None, run_dir=provider.log_dir.parent.parent)
    assert found["provider"] == "containers"
    assert found["stack_images"] == handle.images


def test_a_new_credential_is_a_new_tenant(handle: StackHandle) -> None:
    other = handle.controls.new_credential("second tenant")
    assert other
    assert other != handle.token
    # registered with the stack's secrets: the leak check looks for it, evidence is redacted of it
    assert other in {secret.value for secret in handle.secrets.items()}
    headers = {"Authorization": f"Bearer {other}"}
    response = httpx.get(f"{handle.base_url}/api/v1/jobs", headers=headers, timeout=5)
    assert response.status_code == 200, response.text


def test_redis_stop_and_start_keep_its_url(handle: StackHandle) -> None:
    assert handle.redis_url
    controls = handle.controls
    controls.stop("redis")
    try:
        began = time.monotonic()
        ready = httpx.get(f"{handle.base_url}/health/ready", timeout=10).json()
        # a stopped container's name must fail to resolve at once, as on any engine
        assert time.monotonic() - began < 5
        assert ready["status"] == "degraded", ready
        with pytest.raises(redis.ConnectionError):
            redis.Redis.from_url(handle.redis_url, socket_timeout=2).ping()
    finally:
        controls.start("redis")
    assert redis.Redis.from_url(handle.redis_url, socket_timeout=5).ping()


def test_the_worker_is_killed_and_started_again(
    provider: ContainersProvider, handle: StackHandle
) -> None:
    assert provider.project is not None
    handle.controls.kill("worker")
    state = provider.project.containers()["worker"]["State"]
    assert not state["Running"], state
    assert state["ExitCode"] == 137, state
    handle.controls.start("worker")
    assert provider.project.containers()["worker"]["State"]["Running"]
    assert handle.controls.service_pid() > 1


def test_an_unknown_component_is_named(handle: StackHandle) -> None:
    with pytest.raises(Exception, match="no component named 'kafka'"):
        handle.controls.stop("kafka")


def test_stop_keeps_logs_and_coverage_and_leaves_nothing(engine: str, tmp_path: Path) -> None:
    run = tmp_path / "run"
    provider = ContainersProvider(
        config.load(ROOT).target, ROOT, run / "api" / "stack-logs", coverage_dir=run / "coverage"
    )
    handle = provider.start()
    assert provider.project is not None
    project = provider.project.name
    volumes = _volumes_of(project)
    assert len(volumes) >= 3, volumes  # metrics, and the data volumes of postgres and redis
    with handle.client() as client:
        assert client.get("/api/v1/jobs").status_code == 200
    provider.stop()
    assert _of_project(project) == {"container": [], "network": [], "volume": []}
    left = docker.run(["docker", "volume", "ls", "-q"], 30).stdout.split()
    assert not set(volumes) & set(left)
    for service in ("api", "worker", "postgres", "redis"):
        assert (provider.log_dir / f"{service}.log").stat().st_size > 0, service
    provider.stop()  # a second stop is harmless
    _assert_measured_on_this_machine(run / "coverage", provider.log_dir / "coverage")


def _assert_measured_on_this_machine(coverage_dir: Path, inside: Path) -> None:
    """The API's and the worker's data arrived, combined into one file of the run's coverage
    folder, every file named by its path on this machine."""
    saved = {path.name.split(".")[2] for path in inside.glob(".coverage.*")}
    assert saved == {"api", "worker"}, sorted(inside.iterdir())
    combined = list(coverage_dir.glob(".coverage.containers.*"))
    assert len(combined) == 1, sorted(coverage_dir.iterdir())
    data = CoverageData(str(combined[0]))
    data.read()
    files = set(data.measured_files())
    source = ROOT / "stack" / "ledger"
    assert files, "no file was measured"
    assert {f for f in files if not f.startswith(f"{source}/")} == set()
    assert all(Path(f).is_file() for f in files)
    # the body of a function each process ran: the worker's loop, the API's GET /api/v1/jobs
    for module, line in (("worker.py", "def run_forever"), ("api/routes/jobs.py", "def list_jobs")):
        path = str(source / module)
        assert path in files, sorted(files)
        assert _line_of(path, line) + 1 in (data.lines(path) or []), (module, line)


def _line_of(path: str, text: str) -> int:
    for number, found in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if text in found:
            return number
    raise AssertionError(f"{text!r} is not in {path}")


def test_ctrl_c_removes_the_stack(engine: str, tmp_path: Path) -> None:
    errors = tmp_path / "stderr.txt"
    with (
        errors.open("w") as stderr,
        subprocess.Popen(
            [SIGNOFF, "stack", "up", "--stack", "containers", "--json"],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
            start_new_session=True,
            preexec_fn=in_the_foreground,
        ) as child,
    ):
        try:
            assert child.stdout is not None
            line = child.stdout.readline()
            assert line.startswith("{"), errors.read_text()
            owned = [p for p in _projects() if f":{child.pid}:" in _owner(p)]
            assert len(owned) == 1, owned
            os.killpg(child.pid, signal.SIGINT)  # a terminal's Ctrl-C reaches the whole group
            child.wait(timeout=120)
        finally:
            if child.poll() is None:
                child.kill()
    assert _of_project(owned[0]) == {"container": [], "network": [], "volume": []}
    shutil.rmtree(json.loads(line)["logs"], ignore_errors=True)  # kept by `stack up` on purpose


def test_ctrl_c_in_the_middle_of_a_layer_removes_the_stack(engine: str, tmp_path: Path) -> None:
    before = set(_projects())
    run = tmp_path / "run"
    errors = tmp_path / "stderr.txt"
    project = ""
    with (
        errors.open("w") as stderr,
        subprocess.Popen(
            [SIGNOFF, "layer", "--run", str(run), "api", "--stack", "containers"],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            start_new_session=True,
            preexec_fn=in_the_foreground,
        ) as child,
    ):
        try:
            project = _layer_underway(child, run, before, errors)
            os.killpg(child.pid, signal.SIGINT)  # a terminal's Ctrl-C reaches the whole group
            child.wait(timeout=120)
        finally:
            if child.poll() is None:
                os.killpg(child.pid, signal.SIGKILL)
                child.wait()
            if project:
                left = _of_project(project)
                docker.remove_project(project)  # what a failing case left, for the next tests
    assert child.returncode != 0, errors.read_text()
    assert left == {"container": [], "network": [], "volume": []}


def _layer_underway(
    child: subprocess.Popen[bytes], run: Path, before: set[str], errors: Path
) -> str:
    """The compose project of the layer's stack, once the stack is up and the layer's tests
    have begun sending requests."""
    deadline = time.monotonic() + 600
    while not list(run.rglob("stack.json")):
        assert child.poll() is None, errors.read_text()
        assert time.monotonic() < deadline, "the layer's stack did not start"
        time.sleep(0.5)
    new = sorted(set(_projects()) - before)
    assert len(new) == 1, new
    time.sleep(3)  # into the layer's tests
    assert child.poll() is None, errors.read_text()
    return new[0]


def _projects() -> list[str]:
    ids = docker.run(
        ["docker", "ps", "-aq", "--filter", f"label={docker.LABEL}"], 30
    ).stdout.split()
    return sorted(
        {item["Config"]["Labels"][docker.LABEL] for item in docker.inspect("container", ids)}
    )


def _owner(project: str) -> str:
    ids = docker.run(
        ["docker", "ps", "-aq", "--filter", f"label={docker.LABEL}={project}"], 30
    ).stdout.split()
    items = docker.inspect("container", ids)
    return str(items[0]["Config"]["Labels"].get(docker.OWNER, "")) if items else ""


def test_a_start_reaps_what_a_killed_run_left(engine: str) -> None:
    """Resources labelled by a process that is gone are removed; a live owner's are kept."""
    dead = "signoff-reaptest-dead"
    alive = "signoff-reaptest-alive"
    gone_owner = f"{os.uname().nodename}:999999999:1"
    for project, who in ((dead, gone_owner), (alive, docker.owner())):
        labels = ["--label", f"{docker.LABEL}={project}", "--label", f"{docker.OWNER}={who}"]
        labels += ["--label", f"{docker.PROJECT}={project}"]
        docker.run(["docker", "network", "create", *labels, f"{project}_default"], 30)
        docker.run(["docker", "volume", "create", *labels, f"{project}_data"], 30)
        docker.run(
            [
                "docker",
                "create",
                *labels,
                "--network",
                f"{project}_default",
                "-v",
                f"{project}_data:/data",
                "redis:7",
            ],
            30,
        )
    try:
        assert dead in docker.reap()
        assert _of_project(dead) == {"container": [], "network": [], "volume": []}
        kept = _of_project(alive)
        assert all(kept.values()), kept
    finally:
        docker.remove_project(alive)
        docker.remove_project(dead)
