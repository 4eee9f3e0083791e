"""The target's own compose file through testcontainers, when a Docker engine answers.

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
from signoff.stack import auth
from signoff.stack.interface import StackControls, StackHandle, StackProvider, absolute
from signoff.target import Target

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
    """Fault controls through the compose CLI, by compose service name."""

    provider = "containers"

    def __init__(self, compose: Any) -> None:
        self.compose = compose

    def _compose(self, *args: str) -> None:
        self.compose._run_command(cmd=[*self.compose.compose_command_property, *args])

    def stop(self, name: str) -> None:
        self._compose("stop", name)

    def start(self, name: str) -> None:
        self._compose("start", name)

    def kill(self, name: str) -> None:
        self._compose("kill", name)


class ContainersProvider(StackProvider):
    """`docker compose up` of the target's compose file, waited on through its readiness."""

    name: ClassVar[str] = "containers"

    def __init__(self, target: Target, root: Path, ready_timeout: float = 120.0) -> None:
        self.target = target
        self.root = root.resolve()
        self.ready_timeout = ready_timeout
        self.compose: Any = None

    @classmethod
    def unavailable_reason(cls) -> str | None:
        return engine_answers()

    def start(self) -> StackHandle:
        spec = self.target.compose
        if not spec.file or not spec.service or not spec.port:
            raise StackStartError(
                "The target has no compose file, service and port (target.compose).",
                hint="set target.compose.file, .service and .port, or use --stack local.",
            )
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
        compose_file = self.root / spec.file
        self.compose = DockerCompose(
            str(compose_file.parent), compose_file_name=compose_file.name, wait=True, build=True
        )
        self.compose.start()
        host = self.compose.get_service_host(spec.service, spec.port) or "127.0.0.1"
        port = self.compose.get_service_port(spec.service, spec.port)
        base_url = f"http://{host}:{port}"
        ready = absolute(base_url, self.target.ready_path)
        deadline = time.monotonic() + self.ready_timeout
        while True:
            try:
                if httpx.get(ready, timeout=2).status_code == self.target.ready_status:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise StackStartError(
                    f"{spec.service} did not become ready within {self.ready_timeout:g} s.",
                    hint=f"read `docker compose -f {spec.file} logs {spec.service}`.",
                )
            time.sleep(0.5)
        env = dict(os.environ)
        token = auth.obtain(self.target.auth, base_url, env, env, self.root, self.ready_timeout)
        return StackHandle(
            provider=self.name,
            base_url=base_url,
            token=token,
            headers=auth.headers(self.target.auth, token),
            controls=ContainerControls(self.compose),
            openapi=self.target.openapi,
            metrics_url=absolute(base_url, self.target.metrics_path),
        )

    def stop(self) -> None:
        if self.compose is not None:
            self.compose.stop()
            self.compose = None
