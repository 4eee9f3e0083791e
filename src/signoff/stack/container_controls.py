"""Fault controls of a compose stack: stop, start and kill its containers by component name.

A component is named as on the embedded stack: "postgres", "redis", or one of the target's
processes ("worker"); the HTTP process is the compose service `target.compose.service`, and
every compose service also answers to its own name.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Protocol

from signoff.errors import ControlUnsupported
from signoff.leaks.registry import Secrets
from signoff.stack import auth, docker, identities
from signoff.stack.compose import ComposeProject
from signoff.stack.identities import Site
from signoff.stack.interface import StackControls
from signoff.target import Target

# how a target command names the interpreter; inside the image it is `python`
PYTHONS = ("python", "python3", "{python}")


class ComposeStack(Protocol):
    """What the controls need of the compose provider (containers.py hands the controls out, so
    they name its shape here rather than import it)."""

    @property
    def target(self) -> Target: ...
    @property
    def root(self) -> Path: ...
    @property
    def project(self) -> ComposeProject | None: ...
    @property
    def base_url(self) -> str: ...
    @property
    def ready_timeout(self) -> float: ...
    @property
    def stop_timeout(self) -> float: ...
    @property
    def secrets(self) -> Secrets: ...


class ContainerControls(StackControls):
    provider = "containers"

    def __init__(self, stack: ComposeStack) -> None:
        self.stack = stack
        self.own: dict[str, str] = {}

    @property
    def project(self) -> ComposeProject:
        if self.stack.project is None:
            raise ControlUnsupported("The compose stack is not running any more.")
        return self.stack.project

    def _services(self) -> list[str]:
        return list(self.project.model().get("services") or {})

    def names(self) -> list[str]:
        target = self.stack.target
        aliases = [n for n in [*target.services, *target.processes] if self._service(n, False)]
        return sorted({*aliases, *self._services()})

    def _service(self, name: str, strict: bool = True) -> str:
        target = self.stack.target
        http = target.processes and name == target.http_process
        service = target.compose.service if http else name
        if service in self._services():
            return service
        if strict:
            raise ControlUnsupported(
                f"The compose stack has no component named {name!r} "
                f"(it has: {', '.join(self.names())})."
            )
        return ""

    def _compose(self, what: str, *args: str) -> None:
        docker.run(self.project.argv(*args), 120 + self.stack.stop_timeout, self.project.env, what)

    def stop(self, name: str) -> None:
        service = self._service(name)
        timeout = str(int(self.stack.stop_timeout))
        self._compose(f"Stopping {service}", "stop", "-t", timeout, service)

    def start(self, name: str) -> None:
        service = self._service(name)
        self._compose(f"Starting {service}", "start", service)
        self.project.wait_healthy([service], self.stack.ready_timeout)

    def kill(self, name: str) -> None:
        service = self._service(name)
        self._compose(f"Killing {service}", "kill", "-s", "SIGKILL", service)

    def pid(self, name: str) -> int:
        """The host PID of the component's main process, when the engine runs on this machine."""
        service = self._service(name)
        state = (self.project.containers().get(service) or {}).get("State") or {}
        pid = int(state.get("Pid") or 0)
        if (
            not pid
            or not os.path.exists(f"/proc/{pid}")
            or docker.docker_socket().startswith(("tcp://", "http://", "https://"))
        ):
            raise ControlUnsupported(
                f"The process of {service} is not visible on this machine (a remote engine)."
            )
        return pid

    def service_pid(self) -> int:
        return self.pid(self.stack.target.compose.service)

    def new_credential(self, name: str, role: str = "", new: bool = True) -> str:
        """A token of a new identity (`new=False`: the stack's own); the target's auth and
        identity commands run inside the HTTP service's container."""
        stack = self.stack
        exec_argv = self.project.argv("exec", "-T", stack.target.compose.service)
        spec = identities.through(
            stack.target.auth,
            lambda argv: [*exec_argv, *("python" if p in PYTHONS else p for p in argv)],
        )
        values = {"host": "127.0.0.1", "base_url": stack.base_url}
        site = Site(stack.base_url, values, self.project.env, stack.root, stack.ready_timeout)
        if not new:
            token = identities.credential(spec, site, name, role, secrets=stack.secrets)
            self.own = auth.headers(spec, token)  # what registers new identities
            return token
        return identities.credential(spec, site, name, role, self.own, stack.secrets)
