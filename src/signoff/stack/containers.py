"""The reference stack from `stack/compose.yaml` through testcontainers, when Docker answers.

Detection asks the engine's socket for /_ping with a short timeout, so a machine without an
engine is told so in well under a second.
"""

from __future__ import annotations

import os
import socket
import time
from pathlib import Path
from typing import Any, ClassVar

import httpx

from signoff.errors import ProviderUnavailable, StackStartError
from signoff.stack.interface import StackControls, StackHandle, StackProvider

PING_TIMEOUT = 0.3


def docker_socket() -> str:
    host = os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")
    return host.removeprefix("unix://")


def engine_answers(timeout: float = PING_TIMEOUT) -> str | None:
    """None when a Docker engine answers /_ping; otherwise why not, in one sentence."""
    path = docker_socket()
    if path.startswith(("tcp://", "http://", "https://")):
        try:
            url = path.replace("tcp://", "http://", 1)
            ok = httpx.get(f"{url}/_ping", timeout=timeout).text == "OK"
        except httpx.HTTPError as exc:
            return f"No Docker engine answers at {path} ({exc})."
        return None if ok else f"The Docker engine at {path} did not answer OK to /_ping."
    if not os.path.exists(path):
        return f"No Docker engine: the socket {path} does not exist."
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(timeout)
            sock.connect(path)
            sock.sendall(b"GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n")
            reply = sock.recv(256)
    except OSError as exc:
        return f"No Docker engine answers at {path} ({exc.strerror or exc})."
    if b" 200 " not in reply.split(b"\r\n", 1)[0]:
        return f"The Docker engine at {path} did not answer /_ping with 200."
    return None


class ContainerControls(StackControls):
    provider = "containers"

    def __init__(self, compose: Any) -> None:
        self.compose = compose

    def stop_redis(self) -> None:
        self.compose._run_command(cmd=[*self.compose.compose_command_property, "stop", "redis"])

    def start_redis(self) -> None:
        self.compose._run_command(cmd=[*self.compose.compose_command_property, "start", "redis"])

    def stop_postgres(self) -> None:
        cmd = [*self.compose.compose_command_property, "stop", "postgres"]
        self.compose._run_command(cmd=cmd)

    def start_postgres(self) -> None:
        cmd = [*self.compose.compose_command_property, "start", "postgres"]
        self.compose._run_command(cmd=cmd)

    def kill_worker(self) -> None:
        cmd = [*self.compose.compose_command_property, "kill", "worker"]
        self.compose._run_command(cmd=cmd)

    def start_worker(self) -> None:
        cmd = [*self.compose.compose_command_property, "start", "worker"]
        self.compose._run_command(cmd=cmd)

    def new_tenant(self, name: str) -> str:
        out = self.compose.exec_in_container(
            ["python", "-m", "ledger", "create-tenant", name], service_name="api"
        )
        return str(out[0]).strip()


class ContainersProvider(StackProvider):
    """`docker compose up` of the reference stack, waited on through its health checks."""

    name: ClassVar[str] = "containers"

    def __init__(self, stack_dir: Path, ready_timeout: float = 120.0) -> None:
        self.stack_dir = stack_dir.resolve()
        self.ready_timeout = ready_timeout
        self.compose: Any = None

    @classmethod
    def unavailable_reason(cls) -> str | None:
        return engine_answers()

    def start(self) -> StackHandle:
        reason = self.unavailable_reason()
        if reason:
            raise ProviderUnavailable(reason, hint="use --stack local (the embedded stack).")
        try:
            from testcontainers.compose import DockerCompose
        except ImportError as exc:
            raise ProviderUnavailable(
                "The containers provider needs testcontainers, which is not installed.",
                hint="pip install 'signoff[containers]'.",
            ) from exc
        self.compose = DockerCompose(
            str(self.stack_dir), compose_file_name="compose.yaml", wait=True, build=True
        )
        self.compose.start()
        host = self.compose.get_service_host("api", 8000) or "127.0.0.1"
        port = self.compose.get_service_port("api", 8000)
        base_url = f"http://{host}:{port}"
        deadline = time.monotonic() + self.ready_timeout
        while True:
            try:
                if httpx.get(f"{base_url}/health/ready", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise StackStartError(
                    f"The api container did not become ready within {self.ready_timeout:g} s.",
                    hint="read `docker compose -f stack/compose.yaml logs api`.",
                )
            time.sleep(0.5)
        controls = ContainerControls(self.compose)
        return StackHandle(
            provider=self.name,
            base_url=base_url,
            api_key=controls.new_tenant("signoff"),
            controls=controls,
        )

    def stop(self) -> None:
        if self.compose is not None:
            self.compose.stop()
            self.compose = None
