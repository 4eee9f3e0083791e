"""Fault controls of the embedded stack: stop, start, kill any backing service or process."""

from __future__ import annotations

from typing import Protocol

from signoff.errors import ControlUnsupported
from signoff.stack.interface import StackControls
from signoff.stack.local_services import redis_pings
from signoff.stack.procs import ManagedProcess
from signoff.target import Target


class EmbeddedStack(Protocol):
    """What the controls need of the embedded provider (local.py hands the controls out, so they
    name its shape here rather than import it)."""

    @property
    def target(self) -> Target: ...
    @property
    def procs(self) -> dict[str, ManagedProcess]: ...
    @property
    def ports(self) -> dict[str, int]: ...
    @property
    def ready_timeout(self) -> float: ...
    @property
    def stop_timeout(self) -> float: ...
    def start_postgres(self) -> None: ...
    def start_process(self, name: str, wait: bool = True) -> None: ...
    def new_credential(self, name: str, role: str = "", new: bool = True) -> str: ...


class LocalControls(StackControls):
    """Fault controls of the embedded stack: any backing service or process, by name."""

    provider = "local"

    def __init__(self, stack: EmbeddedStack) -> None:
        self.stack = stack

    def names(self) -> list[str]:
        return [*self.stack.target.services, *self.stack.target.processes]

    def _proc(self, name: str) -> ManagedProcess:
        if name not in self.names():
            raise ControlUnsupported(
                f"The stack has no component named {name!r} (it has: {', '.join(self.names())})."
            )
        return self.stack.procs[name]

    def stop(self, name: str) -> None:
        self._proc(name).stop(self.stack.stop_timeout)

    def start(self, name: str) -> None:
        proc = self._proc(name)
        if name == "postgres":
            self.stack.start_postgres()
        elif name == "redis":
            proc.start()
            port = self.stack.ports["redis"]
            proc.wait_ready(lambda: redis_pings(port), self.stack.ready_timeout, "PING")
        else:
            self.stack.start_process(name)

    def kill(self, name: str) -> None:
        self._proc(name).kill()

    def pid(self, name: str) -> int:
        return self._proc(name).pid

    def service_pid(self) -> int:
        return self.pid(self.stack.target.http_process)

    def new_credential(self, name: str, role: str = "") -> str:
        return self.stack.new_credential(name, role)
